/**
 * onnxruntime's com.microsoft QLinearSoftmax (contrib_ops/cpu/quantization/qlinear_softmax.cc) as its
 * x86-64 CPU build computes it, for 8-bit tensors over the last axis (opset ≥ 13 semantics). onnxruntime's
 * QDQ transformer also turns DequantizeLinear → Softmax → QuantizeLinear into this kernel.
 *
 * Table (QlinearBuildLookupTableUint32, in double, stored as float32): with D the length of the reduced axis,
 *   b = max(0, ln(f32(FLT_MAX / D)) − 5) / s_x,   T[i] = f32(exp((i − 255 + b) · s_x)),  i = 0 … 255,
 * so that D entries of the largest value cannot overflow the float32 sum. The row maximum is aligned with
 * i = 255: uint8 reads T[255 − max + x], int8 reads the table stored at uint8(i − 128) with index
 * uint8(127 − max + x) — both T[255 − (max − x)].
 * Per row: sum = Σ T (float32, in index order); q = nearbyintf(f32(f32(T·ŝ) / sum)) with ŝ = floor(f32(1 / s_y));
 * T·ŝ may overflow to +∞ (the largest entry is FLT_MAX / (D·e^5), so ŝ > D·e^5 overflows).
 *  - uint8: y = (uint32)q + z_y, stored as min(y, 255); (uint32) of ∞ is 0 (cvttss2si to 64 bits, low half).
 *  - int8: y = (int32)q + z_y in wrapping int32 ((int32) of ∞ or of |q| ≥ 2^31 is INT32_MIN, cvttss2si),
 *    stored saturated to [−128, 127]. The C++ source reads `y > 255 ? (int8_t)255 : (int8_t)y`, a wrap
 *    (128 → −128), but onnxruntime-node 1.30's x86-64 build saturates: measured on single QLinearSoftmax
 *    models (D = 1 … 17; y = 128, 162, 400, ∞ with zero points −128 … 50 give 127, and INT32_MIN + z_y ≥ 0
 *    gives −128). quarch reproduces the build, not the source.
 * The input zero point does not enter (softmax is shift-invariant); β scales s_x (1 for ONNX).
 */
import type { IntArray, QType } from "../ir/dtype.js";

const f = Math.fround;
const FLT_MAX = 3.4028234663852886e38;

export interface OrtSoftmaxPrepared {
  readonly variant: "onnxruntime";
  readonly inType: QType;
  readonly outType: QType;
  /** The float32 X_scale the table is built from: f32(s_x · β). */
  readonly xScale: number;
  /** floor(f32(1 / s_y)), a float32. */
  readonly yScale: number;
  readonly yZeroPoint: number;
}

export function prepareOrtSoftmax(inType: QType, outType: QType, inScale: number, beta: number, outScale: number, outZeroPoint: number): OrtSoftmaxPrepared {
  const xScale = beta === 1 ? f(inScale) : f(f(inScale) * f(beta));
  return { variant: "onnxruntime", inType, outType, xScale, yScale: Math.floor(f(1 / f(outScale))), yZeroPoint: outZeroPoint };
}

/** T[i] for i = 0 … 255 (the unsigned layout; the int8 kernel's rotated storage reads the same values). */
export function ortSoftmaxTable(xScale: number, depth: number): Float32Array {
  // log is the C double log of the float32 quotient (float / size_t divides in float).
  let bitShift = Math.log(f(FLT_MAX / depth));
  bitShift = Math.max(0, bitShift - 5) / xScale;
  const table = new Float32Array(256);
  for (let i = 0; i < 256; i++) table[i] = Math.exp((i - 255 + bitShift) * xScale);
  return table;
}

/** static_cast<int32_t>(float) as cvttss2si: truncation, INT32_MIN for NaN and out-of-range values. */
function toInt32(v: number): number {
  return Number.isNaN(v) || v >= 2147483648 || v < -2147483648 ? -2147483648 : Math.trunc(v);
}

/** static_cast<uint32_t>(float) as x86-64 compilers emit it (cvttss2si to 64 bits, low 32 bits kept). */
function toUint32(v: number): number {
  if (Number.isNaN(v) || v >= 9223372036854775808 || v < -9223372036854775808) return 0;
  const t = Math.trunc(v);
  return ((t % 4294967296) + 4294967296) % 4294967296;
}

export function softmaxOrt(x: IntArray, rows: number, depth: number, prep: OrtSoftmaxPrepared, out: IntArray): void {
  const table = ortSoftmaxTable(prep.xScale, depth);
  const signed = prep.inType.signed;
  const { yScale, yZeroPoint } = prep;
  for (let r = 0; r < rows; r++) {
    const base = r * depth;
    let max = x[base]!;
    for (let j = 1; j < depth; j++) if (x[base + j]! > max) max = x[base + j]!;
    // Both layouts read T[255 − (max − x)].
    const at = (j: number): number => table[255 - (max - x[base + j]!)]!;
    let sum = 0;
    for (let j = 0; j < depth; j++) sum = f(sum + at(j));
    // vsum == 0 cannot happen: the maximum's entry is FLT_MAX / (D·e^5) > 0.
    for (let j = 0; j < depth; j++) {
      const q = nearbyintf(f(f(at(j) * yScale) / sum));
      if (signed) {
        const vq = (toInt32(q) + yZeroPoint) | 0;
        out[base + j] = vq > 127 ? 127 : vq < -128 ? -128 : vq;
      } else {
        const vq = (toUint32(q) + yZeroPoint) >>> 0;
        out[base + j] = vq > 255 ? 255 : vq & 0xff;
      }
    }
  }
}

/** std::nearbyintf in the default rounding mode (half to even); ±∞ and NaN pass through. */
function nearbyintf(v: number): number {
  if (!Number.isFinite(v)) return v;
  const r = Math.round(v);
  return (r - v === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}
