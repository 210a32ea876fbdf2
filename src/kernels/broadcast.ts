/** Index maps that walk NumPy-style broadcasting (shapes are computed in ir/shapes.ts). */

/** For each flat index of `full`, the flat index into an operand of shape `own` broadcast to it. */
export function broadcastMap(full: readonly number[], own: readonly number[]): Int32Array {
  const total = full.reduce((x, y) => x * y, 1);
  const map = new Int32Array(total);
  const rank = full.length;
  const ownStrides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = own[own.length - rank + i] ?? 1;
    ownStrides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  for (let f = 0; f < total; f++) {
    map[f] = off;
    for (let i = rank - 1; i >= 0; i--) {
      idx[i]!++;
      off += ownStrides[i]!;
      if (idx[i]! < full[i]!) break;
      off -= ownStrides[i]! * full[i]!;
      idx[i] = 0;
    }
  }
  return map;
}
