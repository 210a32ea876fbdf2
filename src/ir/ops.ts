/**
 * The closed set of operations. Every node names its input and output values; attributes are plain data.
 * MAC ops (conv2d, matmul) end in an epilogue: raw int32 accumulators, a requantizer with a fused clamp,
 * or FINN-style integer thresholds (binary / few-bit activations).
 */
import type { DType } from "./dtype.js";
import type { Requantizer } from "./requant.js";

/** Activation layout of spatial ops: TFLite and quarch's own networks use NHWC, ONNX uses NCHW. */
export type Layout = "nhwc" | "nchw";

export type Epilogue = Int32Epilogue | RequantEpilogue | ThresholdEpilogue;

/** The int32 accumulators are the output (ONNX MatMulInteger / ConvInteger). */
export interface Int32Epilogue {
  readonly kind: "int32";
}
/** y = clamp(requant(acc)[c] + zp_out, clampMin, clampMax); the clamp range holds fused ReLU/ReLU6. */
export interface RequantEpilogue {
  readonly kind: "requant";
  readonly requant: Requantizer;
  readonly clampMin: number;
  readonly clampMax: number;
}
/**
 * FINN multi-threshold: y = outBias + #{i : acc ≥ T[c, i]} (acc ≤ T[c, i] where negate[c] is 1, i.e.
 * a negative batch-norm scale). With a binary (bipolar) output type and one threshold: y = ±1.
 */
export interface ThresholdEpilogue {
  readonly kind: "threshold";
  /** Row-major [channels, count], ascending along each row (descending where negated). */
  readonly thresholds: Int32Array;
  readonly count: number;
  readonly negate: Uint8Array;
  readonly outBias: number;
}

interface NodeBase {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** inputs: x, w (OHWI: out channels, kernel h, kernel w, in channels / groups), optional int32 bias. */
export interface Conv2dNode extends NodeBase {
  readonly op: "conv2d";
  readonly layout: Layout;
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
  /** [top, left, bottom, right]; padded taps contribute nothing (== padding with the input zero point). */
  readonly pads: readonly [number, number, number, number];
  /** Depthwise convolution is groups = input channels (out channels = in channels · multiplier). */
  readonly groups: number;
  readonly epilogue: Epilogue;
}

/** inputs: a [..., M, K], b [..., K, N] (or [..., N, K] with transB), optional int32 bias [N]. */
export interface MatMulNode extends NodeBase {
  readonly op: "matmul";
  readonly transB: boolean;
  readonly epilogue: Epilogue;
}

/**
 * Elementwise add with broadcasting and a rescale per input:
 *  - fixed: TFLite's int8 Add — a = MBQM((x1−zp1)·2^leftShift, in1), b likewise, y = MBQM(a+b, out) + zp;
 *  - float: onnxruntime's QLinearAdd in float32 from the values' scales, operation by operation as its
 *    x86-64 MLAS kernel computes it (kernels/ort-float.ts).
 */
export type AddRescale =
  | {
      readonly kind: "fixed";
      readonly leftShift: number;
      readonly in1: Requantizer;
      readonly in2: Requantizer;
      readonly out: Requantizer;
    }
  | { readonly kind: "float" };

export interface AddNode extends NodeBase {
  readonly op: "add";
  readonly rescale: AddRescale;
  readonly clampMin: number;
  readonly clampMax: number;
}

/**
 * Elementwise multiply with broadcasting, p = (x1 − zp1)(x2 − zp2) exact:
 *  - fixed: TFLite's int8 Mul — y = requant(p) + zp_out, real multiplier s1·s2/s_out (any rounding mode);
 *  - float: onnxruntime's QLinearMul — y = roundHalfEven(f32(f32(f32(p) · r) + zp_out)),
 *    r = f32(f32(s1 · s2) / s_out) from the values' scales.
 */
export type MulRescale = { readonly kind: "fixed"; readonly out: Requantizer } | { readonly kind: "float" };

export interface MulNode extends NodeBase {
  readonly op: "mul";
  readonly rescale: MulRescale;
  readonly clampMin: number;
  readonly clampMax: number;
}

interface PoolAttrs {
  readonly layout: Layout;
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly clampMin: number;
  readonly clampMax: number;
}
/**
 * Without `rescale`: TFLite's integer average pool — Σ raw q over valid taps, divided rounding half away;
 * zp not subtracted (input and output share quantization). With `rescale: {kind: "float"}`: onnxruntime's
 * QLinearAveragePool in float32 from the values' scales (kernels/ort-float.ts); `countIncludePad` divides
 * by the kernel area instead of the valid taps.
 */
export interface AvgPoolNode extends NodeBase, PoolAttrs {
  readonly op: "avgpool";
  readonly rescale?: { readonly kind: "float"; readonly countIncludePad: boolean };
}
export interface MaxPoolNode extends NodeBase, PoolAttrs {
  readonly op: "maxpool";
}
/**
 * How a mean over the spatial plane (n = H·W taps, Σx the int32 sum of the raw integers of one channel)
 * becomes an output integer. Runtimes differ here, so the rule is named, never implied (docs/arithmetic.md,
 * "Means"); runtime profiles pick one per case and derive its integers from the values' scales
 * (quant/mean.ts). Results are clamped to [clampMin, clampMax].
 *  - truncate: trunc(Σx / n), C integer division. Input and output share scale and zero point (TFLite Micro
 *    and desktop TFLite's reference_ops::Mean).
 *  - requant: requant(Σx − n·zp_in) + zp_out, the requantizer's multiplier holding s_in / (n·s_out): TFLite
 *    Micro's QuantizedMeanOrSum (1/n folded into QuantizeMultiplier(s_in/s_out) in integers), XNNPACK's qs8
 *    global average pooling and onnxruntime's QLinearGlobalAveragePool (an `onnx` requantizer with scale
 *    f32(s_in / f32(s_out·n))).
 *  - requant-bias: requant(Σx) + bias, the multiplier holding s_in / (n·s_out) and the integer bias
 *    zp_out − roundHalfAway(f32(f32(zp_in·s_in) / s_out)) (desktop TFLite's keep_dims kernel,
 *    optimized_integer_ops::Mean).
 *  - float: desktop TFLite's reference QuantizedMeanOrSum in float32 from the values' scales:
 *    s = f32(s_in/s_out), y = roundHalfAway(f32(f32(f32(Σx / n)·s) + f32(−zp_in·s))) + zp_out.
 */
export type MeanRule =
  | { readonly rule: "truncate" }
  | { readonly rule: "requant"; readonly requant: Requantizer }
  | { readonly rule: "requant-bias"; readonly requant: Requantizer; readonly bias: number }
  | { readonly rule: "float" };
export const MEAN_RULES = ["truncate", "requant", "requant-bias", "float"] as const satisfies readonly MeanRule["rule"][];

/** Mean over the spatial axes (TFLite MEAN over H, W; ONNX GlobalAveragePool), by the named rule. */
export interface GlobalAvgPoolNode extends NodeBase {
  readonly op: "global-avgpool";
  readonly layout: Layout;
  readonly keepDims: boolean;
  readonly mean: MeanRule;
  readonly clampMin: number;
  readonly clampMax: number;
}
/** pads: [begin_0 … begin_{r−1}, end_0 … end_{r−1}] (ONNX order); value is the stored integer. */
export interface PadNode extends NodeBase {
  readonly op: "pad";
  readonly pads: readonly number[];
  readonly value: number;
}
export interface ReshapeNode extends NodeBase {
  readonly op: "reshape";
  readonly shape: readonly number[];
}
export interface TransposeNode extends NodeBase {
  readonly op: "transpose";
  readonly perm: readonly number[];
}
/** All inputs share the output's quantization (TFLite's int8 rule). */
export interface ConcatNode extends NodeBase {
  readonly op: "concat";
  readonly axis: number;
}
export interface ClampNode extends NodeBase {
  readonly op: "clamp";
  readonly min: number;
  readonly max: number;
}
/** What a lookup table computes, kept so the table can be rebuilt or documented. */
export interface LutFunction {
  readonly fn: "sigmoid" | "tanh" | "leaky-relu" | "custom";
  /** leaky-relu slope. */
  readonly alpha?: number;
  /**
   * How the table was built: TFLite's float LUT builder, by tabulating TFLite Micro's fixed-point kernel,
   * given as integers, onnxruntime's QlinearBuildLookupTable (QLinearSigmoid with MLAS's logistic,
   * QLinearLeakyRelu; quant/ort-lut.ts), or by tabulating XNNPACK's qs8/qu8 kernel (leaky-relu only;
   * quant/xnnpack.ts).
   */
  readonly builder: "float" | "fixed-point" | "given" | "onnxruntime" | "xnnpack";
}
/** y = table[x − qmin(in)]: one entry per representable input value (256 for int8). */
export interface LutNode extends NodeBase {
  readonly op: "lut";
  readonly table: Int32Array;
  readonly source: LutFunction;
}
/**
 * int8 softmax over the last axis. `fixed-point`: TFLite Micro's reference (gemmlowp exp, no floats at run
 * time); `lookup-table`: the TFLite desktop kernels' table-driven variant; `onnxruntime`: onnxruntime's
 * com.microsoft QLinearSoftmax (a float32 exp table sized by the axis length; kernels/ort-softmax.ts).
 */
export interface SoftmaxNode extends NodeBase {
  readonly op: "softmax";
  readonly variant: "fixed-point" | "lookup-table" | "onnxruntime";
  readonly beta: number;
}
/** float32 → integer with the output value's params: saturate(round(x / scale) + zp). */
export interface QuantizeNode extends NodeBase {
  readonly op: "quantize";
  /** ONNX QuantizeLinear rounds half to even; TFLite QUANTIZE rounds half away from zero. */
  readonly rounding: "half-even" | "half-away";
}
/** integer → float32 with the input value's params: (q − zp) · scale (any granularity, blocks included). */
export interface DequantizeNode extends NodeBase {
  readonly op: "dequantize";
}
/**
 * integer → integer with new params (TFLite QUANTIZE int8 → int8): clamp(requant(x − zp_in) + zp_out). TFLite's
 * kernels requantize with QuantizeMultiplier(s_in/s_out); XNNPACK's qs8/qu8 convert is the `dyadic-half-up`
 * requantizer with multiplier lrintf(256·f32(s_in/s_out)) and shift 23, i.e. ⌊((x − zp_in)·m + 128) / 256⌋.
 */
export interface RequantizeNode extends NodeBase {
  readonly op: "requantize";
  readonly requant: Requantizer;
}
/**
 * ONNX Cast between float32 and integer types. float → 2- and 4-bit integers rounds half to even, then
 * wraps (ONNX int4/int2 rules); float → 8..32-bit truncates toward zero, then wraps (the reference
 * implementation's numpy astype); NaN and ±∞ become 0.
 */
export interface CastNode extends NodeBase {
  readonly op: "cast";
  readonly to: DType;
}
/** ONNX DynamicQuantizeLinear: float32 → (uint8 y, float32 scale, uint8 zero point). */
export interface DynamicQuantizeNode extends NodeBase {
  readonly op: "dynamic-quantize";
}

export type Node =
  | Conv2dNode
  | MatMulNode
  | AddNode
  | MulNode
  | AvgPoolNode
  | MaxPoolNode
  | GlobalAvgPoolNode
  | PadNode
  | ReshapeNode
  | TransposeNode
  | ConcatNode
  | ClampNode
  | LutNode
  | SoftmaxNode
  | QuantizeNode
  | DequantizeNode
  | RequantizeNode
  | CastNode
  | DynamicQuantizeNode;

export type OpType = Node["op"];

export const OP_TYPES: readonly OpType[] = [
  "conv2d",
  "matmul",
  "add",
  "mul",
  "avgpool",
  "maxpool",
  "global-avgpool",
  "pad",
  "reshape",
  "transpose",
  "concat",
  "clamp",
  "lut",
  "softmax",
  "quantize",
  "dequantize",
  "requantize",
  "cast",
  "dynamic-quantize",
];
