/**
 * Runtime profiles: which rounding each deployment runtime applies per op type, measured on the real
 * runtimes (docs/arithmetic.md). Applying a profile rewrites a graph's requantizers; it never changes
 * scales or zero points.
 */
import type { FixedMode, RoundingMode } from "./requant.js";

export const RUNTIME_PROFILES = ["tflm", "tflite", "xnnpack", "onnxruntime"] as const;
export type RuntimeProfile = (typeof RUNTIME_PROFILES)[number];

export interface ProfileRules {
  readonly conv: RoundingMode;
  readonly depthwise: RoundingMode;
  readonly fullyConnected: RoundingMode;
  /** Elementwise add and mul: TFLite's fixed-point structure in this mode, or onnxruntime's float32 kernels. */
  readonly add: FixedMode | "float";
  readonly softmax: "fixed-point" | "lookup-table";
  /** Activation tables: TFLite Micro's fixed-point kernels tabulated, TFLite's float LUT builder, or onnxruntime's. */
  readonly activation: "fixed-point" | "float" | "onnxruntime";
  readonly description: string;
}

export const PROFILES: Readonly<Record<RuntimeProfile, ProfileRules>> = {
  tflm: {
    conv: "double",
    depthwise: "double",
    fullyConnected: "double",
    add: "double",
    softmax: "fixed-point",
    activation: "fixed-point",
    description: "TFLite Micro, CMSIS-NN and the TFLite reference kernels: double rounding, fixed-point softmax",
  },
  tflite: {
    conv: "single",
    depthwise: "double",
    fullyConnected: "single",
    add: "double",
    softmax: "lookup-table",
    activation: "float",
    description: "TFLite desktop builtin kernels (ruy path): single rounding for conv/FC, double for depthwise",
  },
  xnnpack: {
    conv: "single",
    depthwise: "single",
    fullyConnected: "single",
    add: "single",
    softmax: "lookup-table",
    activation: "float",
    description: "TFLite's default XNNPACK delegate: single rounding everywhere",
  },
  onnxruntime: {
    conv: "onnx",
    depthwise: "onnx",
    fullyConnected: "onnx",
    add: "float",
    softmax: "lookup-table",
    activation: "onnxruntime",
    description: "onnxruntime CPU: float32 effective scale, round half to even; float formulas for com.microsoft ops",
  },
};
