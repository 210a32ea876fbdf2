/**
 * 256-entry lookup tables for 8-bit elementwise activations, built exactly as each TFLite runtime computes
 * them. Every int8 → int8 elementwise function is a table, so tabulating a runtime's integer kernel over all
 * inputs reproduces it bit for bit.
 *
 *  - builder "float": desktop TFLite's LUTPopulate<int8_t / uint8_t> (kernels/internal/common.h, used by
 *    LOGISTIC and TANH in kernels/activations.cc for kReference and kGenericOptimized, the default kernels).
 *    All float32: dequantized = in_scale·(q − zp_in); y = f(dequantized); round half away from zero of
 *    y·(1/out_scale) (TfLiteRound on float), plus zp_out in float, cast to int32 and clamped.
 *    sigmoid's transform is 1.0f / (1.0f + expf(−x)), tanh's is tanhf(x).
 *  - builder "fixed-point": TFLite Micro's int8 kernels reference_integer_ops::Logistic / Tanh
 *    (reference/integer_ops/logistic.h, tanh.h) with the parameters of micro/kernels/logistic_common.cc and
 *    tanh_common.cc, run once per input value.
 *  - leaky-relu: TFLite (Micro and desktop) computes int8 LEAKY_RELU with two fixed-point requantizers
 *    (reference_ops::QuantizeLeakyRelu, identity for x ≥ zp and alpha below), never with a float table;
 *    both builders tabulate that kernel. Builder "xnnpack" tabulates XNNPACK's Q8 kernel instead
 *    (quant/xnnpack.ts); it refuses the scales XNNPACK refuses.
 *
 * Float math here is prepare-time only, with float32 rounding (Math.fround) exactly where the C++ uses float.
 */
import { UnsupportedError } from "../errors.js";
import { dtypeName, type QType, qmax, qmin } from "../ir/dtype.js";
import { mbqmDouble, rdbpot } from "./fixed-point.js";
import { calculateInputRadius, logistic, tanh } from "./gemmlowp.js";
import { frexp, quantizeMultiplier } from "./multiplier.js";
import { roundHalfAway } from "./rounding.js";
import { xnnpackLeakyReluSupported, xnnpackLeakyReluTable } from "./xnnpack.js";

export type LutFn = "sigmoid" | "tanh" | "leaky-relu";
export type LutBuilder = "float" | "fixed-point" | "xnnpack";

export interface LutParams {
  readonly fn: LutFn;
  readonly builder: LutBuilder;
  /** leaky-relu slope (TFLite's LeakyReluOptions.alpha, a float32). */
  readonly alpha?: number;
  readonly inScale: number;
  readonly inZeroPoint: number;
  readonly outScale: number;
  readonly outZeroPoint: number;
  readonly inType: QType;
  readonly outType: QType;
}

function unsupported(fn: string, message: string, given: string, expected: string): UnsupportedError {
  return new UnsupportedError({ path: `lut.${fn}`, message, given, expected });
}

/**
 * One output per representable input value, indexed by x − qmin(inType) (256 entries for 8-bit types).
 * Throws UnsupportedError where the runtime's Prepare would fail or the combination is not modelled.
 */
export function buildLut(p: LutParams): Int32Array {
  const is8 = (t: QType): boolean => t.bits === 8;
  const sameType = p.inType.bits === p.outType.bits && p.inType.signed === p.outType.signed;
  if (!sameType || !is8(p.inType)) {
    throw unsupported(p.fn, "unsupported input/output types", `${dtypeName(p.inType)} → ${dtypeName(p.outType)}`, "int8 → int8 or uint8 → uint8");
  }
  const inScale = Math.fround(p.inScale);
  const outScale = Math.fround(p.outScale);
  if (!(inScale > 0) || !(outScale > 0) || !Number.isFinite(inScale) || !Number.isFinite(outScale)) {
    throw unsupported(p.fn, "scales must be positive and finite", `in ${p.inScale}, out ${p.outScale}`, "positive finite float32 scales");
  }
  switch (p.fn) {
    case "leaky-relu": {
      if (p.alpha === undefined || !Number.isFinite(p.alpha)) {
        throw unsupported(p.fn, "leaky-relu needs a finite alpha", String(p.alpha), "a number, e.g. 0.2");
      }
      if (p.builder !== "xnnpack") return leakyReluTable(p, inScale, outScale, Math.fround(p.alpha));
      if (!xnnpackLeakyReluSupported(inScale, outScale, p.alpha)) {
        throw unsupported(p.fn, "XNNPACK refuses these scales (its TFLite delegate leaves the op to TFLite's kernel)", `in ${p.inScale}, out ${p.outScale}, alpha ${p.alpha}`, "s_in/s_out in [2^-8, 2^7], |α·s_in/s_out| in [2^-8, 2^7]");
      }
      return xnnpackLeakyReluTable(inScale, p.inZeroPoint, outScale, p.outZeroPoint, p.alpha, p.inType);
    }
    case "sigmoid":
    case "tanh":
      if (p.builder === "xnnpack") throw unsupported(p.fn, "the xnnpack builder tabulates leaky-relu only", p.builder, "builder \"float\" (XNNPACK's sigmoid table measures equal to TFLite's; it leaves TANH to TFLite)");
      if (p.builder === "float") return floatTable(p, inScale, outScale);
      if (!p.inType.signed) {
        throw unsupported(p.fn, "TFLite Micro's fixed-point LOGISTIC / TANH kernels are int8 only", dtypeName(p.inType), "int8 (or builder \"float\" for uint8)");
      }
      return p.fn === "sigmoid" ? fixedPointSigmoidTable(p, inScale) : fixedPointTanhTable(p, inScale);
    default: {
      const never: never = p.fn;
      return never;
    }
  }
}

/** float32 exp / tanh: the double result rounded to float32 (see the note on expf in kernels/softmax.ts). */
const expf = (x: number): number => Math.fround(Math.exp(x));
const tanhf = (x: number): number => Math.fround(Math.tanh(x));
const sigmoidf = (x: number): number => Math.fround(1 / Math.fround(1 + expf(-x)));

/** LUTPopulateInt8 (older trees: PopulateLookupTable in activations.cc, same arithmetic). */
function floatTable(p: LutParams, inScale: number, outScale: number): Int32Array {
  if (p.fn === "sigmoid" && outScale !== 1 / 256) {
    // SigmoidPrepare: TF_LITE_ENSURE(context, output->params.scale == 1. / 256).
    throw unsupported(p.fn, "TFLite's LOGISTIC requires output scale 1/256", String(p.outScale), "1/256 (0.00390625)");
  }
  const transform = p.fn === "sigmoid" ? sigmoidf : tanhf;
  const lo = qmin(p.inType);
  const hi = qmax(p.inType);
  const inverseScale = Math.fround(1 / outScale);
  const table = new Int32Array(hi - lo + 1);
  for (let v = lo; v <= hi; v++) {
    const dequantized = Math.fround(inScale * (v - p.inZeroPoint)); // int → float is exact for 8-bit differences
    const transformed = transform(dequantized);
    const rescaled = roundHalfAway(Math.fround(transformed * inverseScale)); // TfLiteRound(float)
    const quantized = Math.trunc(Math.fround(rescaled + p.outZeroPoint));
    table[v - lo] = Math.max(lo, Math.min(hi, quantized));
  }
  return table;
}

/**
 * The int8 input rescaling shared by TFLite Micro's LOGISTIC and TANH Prepare: frexp(s·2^27) gives a Q31
 * multiplier and a left shift (TfLiteRound of q·2^31; a float32 scale has a 24-bit mantissa, so this never
 * rounds up to 2^31), and CalculateInputRadius(4, shift, 31) bounds |x − zp| below overflow.
 */
function microInputParams(inScale: number): { multiplier: number; leftShift: number; radius: number } {
  const real = inScale * 2 ** (31 - 4);
  const { mantissa, exponent } = frexp(real);
  const multiplier = roundHalfAway(mantissa * 2 ** 31);
  return { multiplier, leftShift: exponent, radius: calculateInputRadius(4, exponent, 31) };
}

/**
 * reference_integer_ops::Logistic (int8). TFLite Micro checks the output zero point (−128) but not the
 * scale: the kernel produces a Q0.8 probability, i.e. it assumes scale 1/256, whatever the tensor says.
 */
function fixedPointSigmoidTable(p: LutParams, inScale: number): Int32Array {
  if (p.outZeroPoint !== -128) {
    throw unsupported(p.fn, "TFLite Micro's int8 LOGISTIC requires output zero point −128", String(p.outZeroPoint), "-128");
  }
  const { multiplier, leftShift, radius } = microInputParams(inScale);
  const table = new Int32Array(256);
  for (let v = -128; v <= 127; v++) {
    const input = v - p.inZeroPoint;
    let y: number;
    if (input <= -radius) y = -128;
    else if (input >= radius) y = 127;
    else {
      const inputQ4 = mbqmDouble(input, multiplier, leftShift); // Q4.27
      const outputQ0 = logistic(inputQ4, 4); // Q0.31
      y = rdbpot(outputQ0, 31 - 8) - 128; // to Q0.8 (×256), plus the fixed zero point
      y = Math.max(-128, Math.min(127, y));
    }
    table[v + 128] = y;
  }
  return table;
}

/**
 * reference_integer_ops::Tanh (int8). TFLite Micro checks neither output scale nor zero point: the kernel
 * produces Q0.7 (scale 1/128, zero point 0) whatever the tensor says.
 */
function fixedPointTanhTable(p: LutParams, inScale: number): Int32Array {
  const { multiplier, leftShift, radius } = microInputParams(inScale);
  const table = new Int32Array(256);
  for (let v = -128; v <= 127; v++) {
    const input = v - p.inZeroPoint;
    let y: number;
    if (input <= -radius) y = -128;
    else if (input >= radius) y = 127;
    else {
      const inputQ4 = mbqmDouble(input, multiplier, leftShift);
      const outputQ0 = tanh(inputQ4, 4);
      y = Math.max(-128, Math.min(127, rdbpot(outputQ0, 31 - 7)));
    }
    table[v + 128] = y;
  }
  return table;
}

/**
 * reference_ops::QuantizeLeakyRelu with LeakyReluPrepare's multipliers. Both are computed in float32 before
 * QuantizeMultiplier (the C++ multiplies float fields: double(f32(f32(s_in·α)/s_out)) and
 * double(f32(s_in/s_out))). Requantization is MultiplyByQuantizedMultiplier, double rounding (the default,
 * non-TFLITE_SINGLE_ROUNDING build of both TFLite Micro and desktop TFLite); a negative alpha gives a
 * negative multiplier, which that function handles.
 */
function leakyReluTable(p: LutParams, inScale: number, outScale: number, alpha: number): Int32Array {
  const alphaMul = quantizeMultiplier(Math.fround(Math.fround(inScale * alpha) / outScale));
  const identityMul = quantizeMultiplier(Math.fround(inScale / outScale));
  const lo = qmin(p.inType);
  const hi = qmax(p.inType);
  const table = new Int32Array(hi - lo + 1);
  for (let v = lo; v <= hi; v++) {
    const input = v - p.inZeroPoint;
    const m = input >= 0 ? identityMul : alphaMul;
    const unclamped = p.outZeroPoint + mbqmDouble(input, m.multiplier, m.shift);
    table[v - lo] = Math.max(lo, Math.min(hi, unclamped));
  }
  return table;
}
