/**
 * The JS inner product shared by convolution and matmul: one zero-point-corrected operand row against
 * several weight rows, four at a time so each loaded activation feeds four accumulators.
 */
import type { OutputWriter } from "./epilogue.js";

/** acc[oc] = Σ_k patch[k] · w[oc, k] (+ bias) for oc in [oc0, oc0 + n), written as one row. */
export function dotChannels(
  patch: Int32Array,
  w: Int32Array,
  K: number,
  oc0: number,
  n: number,
  bias: Int32Array | null,
  outBase: number,
  outStrideC: number,
  write: OutputWriter,
  accs: Float64Array,
): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const w0 = (oc0 + j) * K;
    const w1 = w0 + K;
    const w2 = w1 + K;
    const w3 = w2 + K;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let k = 0; k < K; k++) {
      const v = patch[k]!;
      a0 += v * w[w0 + k]!;
      a1 += v * w[w1 + k]!;
      a2 += v * w[w2 + k]!;
      a3 += v * w[w3 + k]!;
    }
    accs[j] = a0;
    accs[j + 1] = a1;
    accs[j + 2] = a2;
    accs[j + 3] = a3;
  }
  for (; j < n; j++) {
    const w0 = (oc0 + j) * K;
    let a = 0;
    for (let k = 0; k < K; k++) a += patch[k]! * w[w0 + k]!;
    accs[j] = a;
  }
  write.row(accs, 0, oc0, n, bias, outBase, outStrideC);
}
