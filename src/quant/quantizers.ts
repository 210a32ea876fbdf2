/**
 * Float → integer quantizers with min/max calibration: symmetric or asymmetric, per tensor, per channel
 * (along an axis), per group of channels, or per block (ONNX blocked quantization).
 *
 * Conventions, chosen to match the runtimes quarch reproduces:
 *  - scales are float32 (Math.fround) and zero points are computed from the float32 scale, so the real
 *    value 0 dequantizes to exactly 0;
 *  - q = saturate(round(f32(f32(v) / scale)) + zp): the division is float32, as in ONNX QuantizeLinear and
 *    TFLite's reference Quantize; rounding is half-even (ONNX) unless named otherwise;
 *  - symmetric: zp = 0 (signed) or 2^(bits−1) (unsigned), scale = max|v| / (2^(bits−1) − 1) (TFLite weights);
 *  - asymmetric: the range is widened to include 0, scale = (max − min) / (qmax − qmin),
 *    zp = saturate(roundHalfEven(qmin − min / scale)) (onnxruntime's quantization tool);
 *  - a degenerate range (all zeros) gets scale 1, onnxruntime's choice.
 */
import { GraphError } from "../errors.js";
import { type IntArray, type QType, allocTensorData, qmax, qmin } from "../ir/dtype.js";
import { type QuantParams, expectedParamCount, paramIndexer } from "../ir/quant-params.js";
import type { RandomSource } from "./rng.js";
import { roundHalfAway, roundHalfEven } from "./rounding.js";
import { stochasticRound } from "./stochastic.js";

export type Granularity =
  | { readonly kind: "tensor" }
  | { readonly kind: "channel"; readonly axis: number }
  | { readonly kind: "group"; readonly axis: number; readonly groupSize: number }
  | { readonly kind: "block"; readonly axis: number; readonly blockSize: number };

/** half-even: ONNX QuantizeLinear; half-away: TFLite QUANTIZE; stochastic: with an explicit generator. */
export type QuantRounding = "half-even" | "half-away" | { readonly kind: "stochastic"; readonly rng: RandomSource };

export interface QuantizerOptions {
  readonly type: QType;
  readonly symmetric: boolean;
  readonly granularity: Granularity;
  /** Default half-even. */
  readonly rounding?: QuantRounding;
  /** Symmetric only: clamp to zp ± (2^(bits−1) − 1), e.g. int8 [−127, 127] (TFLite weights). */
  readonly narrowRange?: boolean;
}

export interface Quantized {
  /** One element per slot, in the type's storage class (allocTensorData). */
  readonly data: IntArray;
  readonly params: QuantParams;
}

/** Calibrated real range per parameter slot, in the layout of the params' scale array. */
export interface Ranges {
  readonly min: Float64Array;
  readonly max: Float64Array;
}

/** Smallest positive normal float32: a calibrated range of denormal size must not give a zero scale. */
const MIN_SCALE = 2 ** -126;

function checkType(type: QType, symmetric: boolean): void {
  const ok = Number.isInteger(type.bits) && type.bits >= 1 && type.bits <= 32;
  const bipolar = type.bits === 1 && type.signed;
  if (!ok || bipolar || (symmetric && type.bits < 2)) {
    throw new GraphError({
      path: "quantize.type",
      message: bipolar ? "bipolar weights come from binarize (quant/binary.ts), not a uniform quantizer" : "cannot quantize to this type",
      given: `${type.signed ? "" : "u"}int${type.bits}${symmetric ? " (symmetric)" : ""}`,
      expected: symmetric ? "an integer type of 2..32 bits" : "an integer type of 1..32 bits (not bipolar)",
    });
  }
}

function checkShape(shape: readonly number[], length: number, g: Granularity): void {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new GraphError({ path: "quantize.shape", message: "dimensions must be non-negative integers", given: `[${shape.join(", ")}]` });
    }
    n *= d;
  }
  if (n !== length) {
    throw new GraphError({ path: "quantize.shape", message: "shape does not match the number of values", given: `[${shape.join(", ")}] for ${length} values`, expected: `${length} elements` });
  }
  if (g.kind === "tensor") return;
  if (!Number.isInteger(g.axis) || g.axis < 0 || g.axis >= shape.length) {
    throw new GraphError({ path: "quantize.granularity.axis", message: "axis outside the tensor", given: String(g.axis), expected: `0..${shape.length - 1}` });
  }
  const size = g.kind === "group" ? g.groupSize : g.kind === "block" ? g.blockSize : 1;
  if (!Number.isInteger(size) || size < 1) {
    throw new GraphError({ path: `quantize.granularity.${g.kind}Size`, message: "must be a positive integer", given: String(size) });
  }
}

/** QuantParams of a granularity with the given (float32-rounded) scales and zero points. */
export function paramsFor(g: Granularity, scale: readonly number[], zeroPoint: readonly number[]): QuantParams {
  const s = scale.map((v) => Math.fround(v));
  const z = [...zeroPoint];
  switch (g.kind) {
    case "tensor":
      return { kind: "tensor", scale: s[0] ?? 1, zeroPoint: z[0] ?? 0 };
    case "channel":
      return { kind: "channel", axis: g.axis, scale: s, zeroPoint: z };
    case "group":
      return { kind: "group", axis: g.axis, groupSize: g.groupSize, scale: s, zeroPoint: z };
    case "block":
      return { kind: "block", axis: g.axis, blockSize: g.blockSize, scale: s, zeroPoint: z };
    default: {
      const never: never = g;
      return never;
    }
  }
}

/** Min/max calibration: the real range of every parameter slot (empty slots give [0, 0]). */
export function minMaxRanges(values: ArrayLike<number>, shape: readonly number[], g: Granularity): Ranges {
  checkShape(shape, values.length, g);
  const layout = paramsFor(g, [], []);
  const slots = expectedParamCount(layout, shape);
  const idx = paramIndexer(layout, shape);
  const min = new Float64Array(slots).fill(Infinity);
  const max = new Float64Array(slots).fill(-Infinity);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new GraphError({ path: `quantize.values[${i}]`, message: "value is not finite", given: String(v), expected: "a finite number" });
    }
    const p = idx(i);
    if (v < min[p]!) min[p] = v;
    if (v > max[p]!) max[p] = v;
  }
  for (let p = 0; p < slots; p++) {
    if (min[p]! > max[p]!) {
      min[p] = 0;
      max[p] = 0;
    }
  }
  return { min, max };
}

/** Scale and zero point for one real range [min, max] (see the file comment for the conventions). */
export function rangeToParams(min: number, max: number, type: QType, symmetric: boolean): { scale: number; zeroPoint: number } {
  checkType(type, symmetric);
  if (symmetric) {
    const amax = Math.max(Math.abs(min), Math.abs(max));
    const half = 2 ** (type.bits - 1);
    const zeroPoint = type.signed ? 0 : half;
    if (amax === 0) return { scale: 1, zeroPoint };
    return { scale: Math.max(Math.fround(amax / (half - 1)), MIN_SCALE), zeroPoint };
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const qlo = qmin(type);
  const qhi = qmax(type);
  const scale = hi === lo ? 1 : Math.max(Math.fround((hi - lo) / (qhi - qlo)), MIN_SCALE);
  const z = roundHalfEven(qlo - lo / scale);
  return { scale, zeroPoint: z < qlo ? qlo : z > qhi ? qhi : z };
}

/** Params for every slot of calibrated ranges. */
export function paramsFromRanges(ranges: Ranges, g: Granularity, type: QType, symmetric: boolean): QuantParams {
  const scale: number[] = [];
  const zeroPoint: number[] = [];
  for (let p = 0; p < ranges.min.length; p++) {
    const r = rangeToParams(ranges.min[p]!, ranges.max[p]!, type, symmetric);
    scale.push(r.scale);
    zeroPoint.push(r.zeroPoint);
  }
  return paramsFor(g, scale, zeroPoint);
}

/** The granularity a set of params was built with. */
export function granularityOf(params: QuantParams): Granularity {
  switch (params.kind) {
    case "tensor":
      return { kind: "tensor" };
    case "channel":
      return { kind: "channel", axis: params.axis };
    case "group":
      return { kind: "group", axis: params.axis, groupSize: params.groupSize };
    case "block":
      return { kind: "block", axis: params.axis, blockSize: params.blockSize };
    default: {
      const never: never = params;
      return never;
    }
  }
}

function roundFn(r: QuantRounding): (v: number) => number {
  if (r === "half-even") return roundHalfEven;
  if (r === "half-away") return roundHalfAway;
  const rng = r.rng;
  return (v) => stochasticRound(v, rng);
}

/**
 * Quantize with given params: q = saturate(round(f32(f32(v) / scale)) + zp) into the type's range (or the
 * narrow symmetric range zp ± (2^(bits−1) − 1)). Values are visited in index order, which fixes the draws
 * of stochastic rounding.
 */
export function quantizeWithParams(
  values: ArrayLike<number>,
  shape: readonly number[],
  params: QuantParams,
  type: QType,
  rounding: QuantRounding = "half-even",
  narrowRange = false,
): IntArray {
  checkType(type, false);
  checkShape(shape, values.length, granularityOf(params));
  const scales = params.kind === "tensor" ? [params.scale] : params.scale;
  const zps = params.kind === "tensor" ? [params.zeroPoint] : params.zeroPoint;
  const slots = expectedParamCount(params, shape);
  if (scales.length !== slots || zps.length !== slots) {
    throw new GraphError({ path: "quantize.params", message: "parameter count does not match the tensor", given: `${scales.length} scales, ${zps.length} zero points`, expected: String(slots) });
  }
  scales.forEach((s, p) => {
    if (!(s > 0) || !Number.isFinite(s)) {
      throw new GraphError({ path: `quantize.params.scale[${p}]`, message: "scale must be positive and finite", given: String(s) });
    }
  });
  const idx = paramIndexer(params, shape);
  const round = roundFn(rounding);
  const half = 2 ** (type.bits - 1);
  const data = allocTensorData(type, values.length) as IntArray;
  const tlo = qmin(type);
  const thi = qmax(type);
  for (let i = 0; i < values.length; i++) {
    const p = idx(i);
    const zp = zps[p]!;
    const lo = narrowRange ? Math.max(tlo, zp - half + 1) : tlo;
    const hi = narrowRange ? Math.min(thi, zp + half - 1) : thi;
    const q = round(Math.fround(Math.fround(values[i]!) / scales[p]!)) + zp;
    data[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return data;
}

/** Calibrate with min/max, derive params, quantize. */
export function quantize(values: ArrayLike<number>, shape: readonly number[], opts: QuantizerOptions): Quantized {
  checkType(opts.type, opts.symmetric);
  if (opts.narrowRange === true && !opts.symmetric) {
    throw new GraphError({ path: "quantize.narrowRange", message: "a narrow range only applies to symmetric quantization", given: "asymmetric with narrowRange", expected: "symmetric: true, or narrowRange off" });
  }
  const ranges = minMaxRanges(values, shape, opts.granularity);
  const params = paramsFromRanges(ranges, opts.granularity, opts.type, opts.symmetric);
  const data = quantizeWithParams(values, shape, params, opts.type, opts.rounding ?? "half-even", opts.narrowRange ?? false);
  return { data, params };
}

/** (q − zp) · scale in float32 (ONNX DequantizeLinear), for any granularity. */
export function dequantize(data: ArrayLike<number>, shape: readonly number[], params: QuantParams): Float32Array {
  const idx = paramIndexer(params, shape);
  const scales = params.kind === "tensor" ? [params.scale] : params.scale;
  const zps = params.kind === "tensor" ? [params.zeroPoint] : params.zeroPoint;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const p = idx(i);
    out[i] = Math.fround(data[i]! - zps[p]!) * scales[p]!;
  }
  return out;
}
