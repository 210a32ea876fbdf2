/**
 * Shape rules shared by the verifier, the kernels and the simulator: windowed ops, broadcasting, matmul.
 */

/** Output extent of a window of size k (dilation d) sliding with stride s over `size` padded by pa + pb. */
export function windowOut(size: number, k: number, s: number, d: number, pa: number, pb: number): number {
  const eff = (k - 1) * d + 1;
  return Math.floor((size + pa + pb - eff) / s) + 1;
}

/** TensorFlow SAME padding: out = ceil(in / s), total pad split with the odd pixel after. */
export function samePadding(size: number, k: number, s: number, d: number): { before: number; after: number; out: number } {
  const out = Math.ceil(size / s);
  const eff = (k - 1) * d + 1;
  const total = Math.max(0, (out - 1) * s + eff - size);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}

/** NumPy-style broadcast of two shapes; undefined when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

export interface MatMulShapes {
  /** Broadcast batch shape of the output. */
  readonly batch: readonly number[];
  /** Batch shapes of a and b, right-aligned to `batch` (1 where broadcast). */
  readonly aBatch: readonly number[];
  readonly bBatch: readonly number[];
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly transB: boolean;
}

/** Shapes of a broadcast matmul, or a message saying why the operands do not fit. */
export function matmulShapes(a: readonly number[], b: readonly number[], transB: boolean): MatMulShapes | string {
  if (a.length < 1 || b.length < 2) return `operands need rank ≥ 1 and ≥ 2, got [${a}] and [${b}]`;
  const a2 = a.length === 1 ? [1, a[0]!] : [...a];
  const M = a2[a2.length - 2]!;
  const K = a2[a2.length - 1]!;
  const kb = transB ? b[b.length - 1]! : b[b.length - 2]!;
  const N = transB ? b[b.length - 2]! : b[b.length - 1]!;
  if (kb !== K) return `inner dimensions differ: a has K = ${K}, b has K = ${kb}`;
  const ab = a2.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pa = [...new Array<number>(rank - ab.length).fill(1), ...ab];
  const pb = [...new Array<number>(rank - bb.length).fill(1), ...bb];
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x !== y && x !== 1 && y !== 1) return `batch dimensions [${ab}] and [${bb}] do not broadcast`;
    batch.push(Math.max(x, y));
  }
  return { batch, aBatch: pa, bBatch: pb, M, K, N, transB };
}

/** Output shape: batch…, M, N (M dropped when a was 1-D). */
export function matmulOutShape(s: MatMulShapes, aRank: number): number[] {
  return aRank === 1 ? [...s.batch, s.N] : [...s.batch, s.M, s.N];
}

/**
 * Which operand onnxruntime's broadcast loop treats as a scalar: the one whose innermost non-trivial
 * output dimension it broadcasts over (its span holds a single value). "none" when both vary.
 */
export function ortScalarOperand(outShape: readonly number[], aShape: readonly number[], bShape: readonly number[]): "a" | "b" | "none" {
  const rank = outShape.length;
  const dimOf = (s: readonly number[], i: number): number => s[s.length - rank + i] ?? 1;
  let k = rank - 1;
  while (k >= 0 && outShape[k]! <= 1) k--;
  // A one-element output: onnxruntime takes input 0 as the scalar.
  if (k < 0) return "a";
  if (dimOf(aShape, k) === 1) return "a";
  if (dimOf(bShape, k) === 1) return "b";
  return "none";
}
