/** Data movement: pad, transpose, concat (element copies; no arithmetic). */
import type { TensorData } from "../ir/dtype.js";

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Constant pad; pads = [begin_0 … begin_{r−1}, end_0 … end_{r−1}] (non-negative). */
export function pad(x: TensorData, shape: readonly number[], pads: readonly number[], value: number, out: TensorData): void {
  const r = shape.length;
  const outShape = shape.map((d, i) => d + pads[i]! + pads[r + i]!);
  const os = stridesOf(outShape);
  out.fill(value);
  const idx = new Array<number>(r).fill(0);
  for (let f = 0; f < x.length; f++) {
    let o = 0;
    for (let i = 0; i < r; i++) o += (idx[i]! + pads[i]!) * os[i]!;
    out[o] = x[f]!;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
}

/** out = x.transpose(perm): out.shape[i] = shape[perm[i]]. */
export function transpose(x: TensorData, shape: readonly number[], perm: readonly number[], out: TensorData): void {
  const r = shape.length;
  const is = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const srcStride = perm.map((p) => is[p]!);
  const idx = new Array<number>(r).fill(0);
  let src = 0;
  for (let f = 0; f < out.length; f++) {
    out[f] = x[src]!;
    for (let i = r - 1; i >= 0; i--) {
      src += srcStride[i]!;
      if (++idx[i]! < outShape[i]!) break;
      src -= srcStride[i]! * outShape[i]!;
      idx[i] = 0;
    }
  }
}

/** Concatenate along `axis`. */
export function concat(parts: readonly { data: TensorData; shape: readonly number[] }[], axis: number, out: TensorData): void {
  const first = parts[0]!.shape;
  const outer = first.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = first.slice(axis + 1).reduce((a, b) => a * b, 1);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (const p of parts) {
      const len = p.shape[axis]! * inner;
      const start = i * len;
      for (let k = 0; k < len; k++) out[o++] = p.data[start + k]!;
    }
  }
}
