/**
 * The inner product shared by convolution and matmul: one zero-point-corrected operand row against several
 * weight rows, four at a time so each loaded activation feeds four accumulators.
 */
import type { OutputWriter } from "./epilogue.js";

/** acc[oc] = Σ_k patch[k] · w[oc, k] for oc in [oc0, oc0 + n), four channels per pass. */
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
): void {
  let oc = oc0;
  const end = oc0 + n;
  for (; oc + 3 < end; oc += 4) {
    const w0 = oc * K;
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
    if (bias !== null) {
      a0 += bias[oc]!;
      a1 += bias[oc + 1]!;
      a2 += bias[oc + 2]!;
      a3 += bias[oc + 3]!;
    }
    write(a0, oc, outBase + oc * outStrideC);
    write(a1, oc + 1, outBase + (oc + 1) * outStrideC);
    write(a2, oc + 2, outBase + (oc + 2) * outStrideC);
    write(a3, oc + 3, outBase + (oc + 3) * outStrideC);
  }
  for (; oc < end; oc++) {
    const w0 = oc * K;
    let a = 0;
    for (let k = 0; k < K; k++) a += patch[k]! * w[w0 + k]!;
    if (bias !== null) a += bias[oc]!;
    write(a, oc, outBase + oc * outStrideC);
  }
}
