/**
 * Float-boundary kernels: the few places where float32 meets integers (ONNX QuantizeLinear,
 * DequantizeLinear, Cast, DynamicQuantizeLinear; TFLite QUANTIZE / DEQUANTIZE).
 *
 * All float arithmetic is float32, as in the ONNX reference implementation (numpy on float32 arrays) and
 * onnxruntime: x / scale is one float32 division. Computing it in double and rounding once with
 * Math.fround is the same float32 result (double has more than 2·24 + 2 bits, so the double rounding of
 * a quotient of two float32 values is innocuous).
 */
import { UnsupportedError } from "../errors.js";
import {
  type DType,
  type IntArray,
  type QType,
  type TensorData,
  allocTensorData,
  dtypeName,
  isBipolar,
  product,
  qmax,
  qmin,
} from "../ir/dtype.js";
import { type QuantParams, paramIndexer } from "../ir/quant-params.js";
import { roundHalfAway, roundHalfEven, wrap } from "../quant/rounding.js";

export type QuantizeRounding = "half-even" | "half-away";

/** One scale and zero point per parameter index (tensor params become one-entry arrays). */
function paramArrays(q: QuantParams): { scale: readonly number[]; zeroPoint: readonly number[] } {
  return q.kind === "tensor" ? { scale: [q.scale], zeroPoint: [q.zeroPoint] } : { scale: q.scale, zeroPoint: q.zeroPoint };
}

/**
 * Index of each element's parameters. ONNX treats a one-element per-axis scale as a scalar, and the
 * executor may be handed such params, so they broadcast rather than index out of range.
 */
function indexer(q: QuantParams, shape: readonly number[]): (i: number) => number {
  if (q.kind === "tensor" || q.scale.length === 1) return () => 0;
  return paramIndexer(q, shape);
}

function checkLength(n: number, shape: readonly number[], what: string): void {
  if (n !== product(shape)) {
    throw new Error(`internal: ${what} has ${n} elements but shape [${shape.join(", ")}] holds ${product(shape)}`);
  }
}

/**
 * y = saturate(round(f32(x / scale)) + zp), per tensor, channel, group or block. NaN quantizes to the
 * type's minimum, as the ONNX reference does (numpy turns NaN into INT32_MIN before the clip);
 * ±Infinity saturates.
 */
export function quantizeLinear(
  x: Float32Array,
  shape: readonly number[],
  quant: QuantParams,
  outType: QType,
  rounding: QuantizeRounding,
): IntArray {
  checkLength(x.length, shape, "quantizeLinear input");
  if (isBipolar(outType)) {
    throw new UnsupportedError({ path: "quantize", message: "cannot quantize to a bipolar (±1) type linearly", given: dtypeName(outType), expected: "an integer type of 2 or more bits" });
  }
  const out = allocTensorData(outType, x.length) as IntArray;
  const lo = qmin(outType);
  const hi = qmax(outType);
  const { scale, zeroPoint } = paramArrays(quant);
  const idx = indexer(quant, shape);
  const round = rounding === "half-even" ? roundHalfEven : roundHalfAway;
  for (let i = 0; i < x.length; i++) {
    const p = idx(i);
    const v = round(Math.fround(x[i]! / scale[p]!)) + zeroPoint[p]!;
    out[i] = v >= lo ? (v <= hi ? v : hi) : lo; // NaN fails both tests: the minimum
  }
  return out;
}

/**
 * y = f32(f32(x − zp) · scale). The subtraction is exact integer arithmetic (onnxruntime subtracts in
 * int32; the ONNX reference subtracts in float32, the same for every type up to 16 bits), then one
 * float32 rounding of the product.
 */
export function dequantizeLinear(x: IntArray, shape: readonly number[], quant: QuantParams): Float32Array {
  checkLength(x.length, shape, "dequantizeLinear input");
  const out = new Float32Array(x.length);
  const { scale, zeroPoint } = paramArrays(quant);
  const idx = indexer(quant, shape);
  for (let i = 0; i < x.length; i++) {
    const p = idx(i);
    out[i] = Math.fround(x[i]! - zeroPoint[p]!) * scale[p]!;
  }
  return out;
}

/**
 * Float → integer element conversion of ONNX Cast.
 *  - 4-bit and 2-bit targets: round half to even, then keep the low bits (onnx docs technical/int4.md,
 *    int2.md; the node tests pin −9 → 7 and 8 → −8 for INT4);
 *  - 8 to 32-bit targets: truncate toward zero (C static_cast in onnxruntime, numpy astype in the
 *    reference), then keep the low bits. ONNX leaves out-of-range values undefined; wrapping the
 *    truncated value is what x86 produces for every |x| < 2^31. NaN and ±Infinity become 0.
 */
function floatToInt(v: number, t: QType): number {
  if (!Number.isFinite(v)) return 0;
  const r = t.bits < 8 ? roundHalfEven(v) : Math.trunc(v);
  return wrap(r, t.bits, t.signed);
}

/**
 * ONNX Cast between float32 and integer types. Integer → integer keeps the low bits (two's complement);
 * integer → float32 rounds to nearest even (exact up to 24 bits).
 */
export function castTensor(data: TensorData, from: DType, to: DType): TensorData {
  const n = data.length;
  if (to === "float32") {
    const out = new Float32Array(n);
    if (from === "float32") out.set(data);
    else for (let i = 0; i < n; i++) out[i] = Math.fround(data[i]!);
    return out;
  }
  if (isBipolar(to) || (from !== "float32" && isBipolar(from))) {
    throw new UnsupportedError({
      path: "cast",
      message: "Cast to or from a bipolar (±1) type is not defined",
      given: `${dtypeName(from)} → ${dtypeName(to)}`,
      expected: "float32 or integer types of 2 or more bits",
    });
  }
  const out = allocTensorData(to, n);
  if (from === "float32") {
    for (let i = 0; i < n; i++) out[i] = floatToInt(data[i]!, to);
  } else {
    const lo = qmin(to);
    const hi = qmax(to);
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      out[i] = v >= lo && v <= hi ? v : wrap(v, to.bits, to.signed);
    }
  }
  return out;
}

/**
 * ONNX DynamicQuantizeLinear (uint8), float32 throughout as in the ONNX reference:
 *   x_min = min(0, min x), x_max = max(0, max x), scale = f32(x_max − x_min) / 255,
 *   zp = roundHalfEven(saturate(0 − x_min / scale)), y = saturate(roundHalfEven(x / scale) + zp).
 * An all-zero (or empty) input has an empty range: scale is defined as 1 (zp 0, y 0), as the reference
 * does, instead of dividing by zero.
 */
export function dynamicQuantizeLinear(x: Float32Array): { y: Uint8Array; scale: number; zeroPoint: number } {
  let min = 0;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    // NaN propagates through numpy's min/max; here it would poison every output, so it is refused.
    if (Number.isNaN(v)) {
      throw new UnsupportedError({ path: "dynamic-quantize", message: "input contains NaN: the range is undefined", given: `NaN at element ${i}`, expected: "finite values" });
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max === min ? 1 : Math.fround(Math.fround(max - min) / 255);
  const initial = Math.fround(0 - Math.fround(min / scale));
  const zeroPoint = roundHalfEven(initial < 0 ? 0 : initial > 255 ? 255 : initial);
  const y = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = roundHalfEven(Math.fround(x[i]! / scale)) + zeroPoint;
    y[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { y, scale, zeroPoint };
}
