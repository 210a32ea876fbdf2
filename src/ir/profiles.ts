/**
 * Runtime profiles: which arithmetic each deployment runtime applies per op type, measured on the real
 * runtimes (docs/arithmetic.md). Applying a profile rewrites a graph's requantizers, tables, softmax and
 * pooling variants and mean rules from the values' scales (onnxruntime's requantization becomes a table, its
 * DQ → Q); it never changes scales, zero points or shapes.
 */
import type { FixedMode, RoundingMode } from "./requant.js";

export const RUNTIME_PROFILES = ["tflm", "tflite", "xnnpack", "onnxruntime"] as const;
export type RuntimeProfile = (typeof RUNTIME_PROFILES)[number];

/**
 * How one runtime derives a mean's rule and integers from the scales (n = H·W; quant/mean.ts):
 *  - truncate: rule truncate;
 *  - fold-count: rule requant, TFLite Micro's integers — (M, s) = QuantizeMultiplier(s_in/s_out),
 *    k = min(⌊log2 n⌋, 32, 31 + s), M' = ⌊M·2^k / n⌋, shift s − k (reference_ops::QuantizedMeanOrSum);
 *  - count-scale: rule requant, real multiplier f32(s_in / f32(s_out·n)) in `mode` (XNNPACK, onnxruntime);
 *  - count-scale-bias: rule requant-bias, the same real multiplier in `mode`, bias
 *    zp_out − roundHalfAway(f32(f32(zp_in·s_in) / s_out)) (desktop TFLite's keep_dims kernel);
 *  - float: rule float (desktop TFLite's reference kernel, float32 at run time).
 */
export type MeanRecipe =
  | { readonly derive: "truncate" }
  | { readonly derive: "fold-count"; readonly mode: FixedMode }
  | { readonly derive: "count-scale"; readonly mode: RoundingMode }
  | { readonly derive: "count-scale-bias"; readonly mode: RoundingMode }
  | { readonly derive: "float" };

/** What a mean's derivation reads: the values' per-tensor scales and zero points and the plane size n = H·W. */
export interface MeanScales {
  readonly sIn: number;
  readonly zpIn: number;
  readonly sOut: number;
  readonly zpOut: number;
  readonly n: number;
}

/** A runtime's mean, by case: the first that applies of keepDims (the output keeps H and W as 1s), same, rescale. */
export interface MeanRules {
  /** Desktop TFLite sends every keep_dims mean over H and W of an NHWC tensor to a dedicated kernel. */
  readonly keepDims?: MeanRecipe;
  /** Input and output share scale and zero point. */
  readonly same: MeanRecipe;
  /** They differ. */
  readonly rescale: MeanRecipe;
}

export interface ProfileRules {
  readonly conv: RoundingMode;
  readonly depthwise: RoundingMode;
  readonly fullyConnected: RoundingMode;
  /** Elementwise add and mul: TFLite's fixed-point structure in this mode, or onnxruntime's float32 kernels. */
  readonly add: FixedMode | "float";
  readonly softmax: "fixed-point" | "lookup-table" | "onnxruntime";
  /** Sigmoid and tanh tables: TFLite Micro's fixed-point kernels tabulated, TFLite's float LUT builder, or onnxruntime's. */
  readonly activation: "fixed-point" | "float" | "onnxruntime";
  /** Leaky ReLU tables: TFLite's two-multiplier kernel, onnxruntime's table, or XNNPACK's Q8 kernel (quant/xnnpack.ts). */
  readonly leakyRelu: "fixed-point" | "onnxruntime" | "xnnpack";
  /**
   * Integer → integer requantization (TFLite QUANTIZE int8 → int8): a rounding mode, XNNPACK's Q8 convert, or
   * onnxruntime's DequantizeLinear → QuantizeLinear in float32 (8-bit, tabulated like the importer's DQ → Q).
   */
  readonly requantize: RoundingMode | "xnnpack-q8" | "onnxruntime";
  /**
   * Where the runtime derives a MAC layer's float32 scale from the values' scales itself (onnxruntime:
   * f32(f32(s_x·s_w)/s_y) at load time), instead of converting the source's real multiplier.
   */
  readonly macScales?: "onnx";
  /** Average pooling: onnxruntime's float32 QLinearAveragePool. Absent: the node keeps its arithmetic. */
  readonly avgPool?: "float";
  /** float32 → integer rounding (QuantizeLinear rounds half to even). Absent: the importer's choice stays. */
  readonly quantize?: "half-even" | "half-away";
  /** MEAN / global average pooling. */
  readonly mean: MeanRules;
  /**
   * Where the runtime refuses an op (XNNPACK's parameter ranges: quant/xnnpack.ts), the profile whose
   * arithmetic runs it instead: the TFLite interpreter then keeps the op on its builtin kernels.
   */
  readonly fallback?: RuntimeProfile;
  readonly description: string;
}

const COUNT_SCALE_ONNX: MeanRecipe = { derive: "count-scale", mode: "onnx" };

export const PROFILES: Readonly<Record<RuntimeProfile, ProfileRules>> = {
  tflm: {
    conv: "double",
    depthwise: "double",
    fullyConnected: "double",
    add: "double",
    softmax: "fixed-point",
    activation: "fixed-point",
    leakyRelu: "fixed-point",
    requantize: "double",
    mean: { same: { derive: "truncate" }, rescale: { derive: "fold-count", mode: "double" } },
    description: "TFLite Micro, CMSIS-NN and the TFLite reference kernels: double rounding, fixed-point softmax",
  },
  tflite: {
    conv: "single",
    depthwise: "double",
    fullyConnected: "single",
    add: "double",
    softmax: "lookup-table",
    activation: "float",
    leakyRelu: "fixed-point",
    requantize: "double",
    mean: { keepDims: { derive: "count-scale-bias", mode: "double" }, same: { derive: "truncate" }, rescale: { derive: "float" } },
    description: "TFLite desktop builtin kernels (ruy path): single rounding for conv/FC, double for depthwise",
  },
  xnnpack: {
    conv: "single",
    depthwise: "single",
    fullyConnected: "single",
    add: "single",
    softmax: "lookup-table",
    activation: "float",
    leakyRelu: "xnnpack",
    requantize: "xnnpack-q8",
    mean: { same: COUNT_SCALE_ONNX, rescale: COUNT_SCALE_ONNX },
    fallback: "tflite",
    description: "TFLite's default XNNPACK delegate: single rounding, float32 means, Q8 leaky ReLU and requantization",
  },
  onnxruntime: {
    conv: "onnx",
    depthwise: "onnx",
    fullyConnected: "onnx",
    add: "float",
    softmax: "onnxruntime",
    activation: "onnxruntime",
    leakyRelu: "onnxruntime",
    requantize: "onnxruntime",
    macScales: "onnx",
    avgPool: "float",
    quantize: "half-even",
    mean: { same: COUNT_SCALE_ONNX, rescale: COUNT_SCALE_ONNX },
    description: "onnxruntime CPU: float32 effective scale, round half to even; float formulas for com.microsoft ops, QLinearSoftmax",
  },
};
