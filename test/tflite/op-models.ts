/**
 * Single-operator TFLite models for the ops the MLPerf Tiny models do not exercise (or not in every
 * variant): built by model-builder.ts with weights from a seeded generator, so the dev oracle
 * (scripts/tflite-oracle.ts) and the tests build byte-identical files. Each has one input and one output.
 */
import { createRng } from "../../src/quant/rng.js";
import { type ModelSpec, type TensorSpec, bool, f32, i32, i8, int32Bytes, int8Bytes, ints } from "./model-builder.js";

export interface OpModel {
  readonly name: string;
  readonly spec: ModelSpec;
  /** Input element type (TensorType): 9 int8, 0 float32. */
  readonly inputType: number;
  /** Output element type: 9 int8, 0 float32. */
  readonly outputType: number;
}

const INT8 = 9;
const INT32 = 2;
const FLOAT32 = 0;

function weights(seed: number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.nextInt(255) - 127);
}

const act = (name: string, shape: number[], scale: number, zp: number): TensorSpec => ({ name, shape, type: INT8, scale: [scale], zeroPoint: [zp] });

function single(name: string, code: number, tensors: TensorSpec[], opInputs: number[], optionsType: number | undefined, options: ModelSpec["ops"][number]["options"], version = 1): OpModel {
  const out = tensors.length - 1;
  return {
    name,
    spec: { tensors, inputs: [0], outputs: [out], ops: [{ code, version, inputs: opInputs, outputs: [out], ...(optionsType === undefined ? {} : { optionsType }), ...(options === undefined ? {} : { options }) }] },
    inputType: tensors[0]!.type,
    outputType: tensors[out]!.type,
  };
}

export const OP_MODELS: readonly OpModel[] = [
  // CONV_2D: 3×3, dilation 2, stride 2, VALID, RELU6, per-channel weights.
  single(
    "conv_dilated_valid_relu6",
    3,
    [
      act("x", [1, 11, 9, 3], 0.04, 7),
      { name: "w", shape: [4, 3, 3, 3], type: INT8, data: int8Bytes(weights(1, 108)), scale: [0.003, 0.005, 0.002, 0.004], zeroPoint: [0, 0, 0, 0], quantizedDimension: 0 },
      { name: "b", shape: [4], type: INT32, data: int32Bytes([120, -340, 55, 900]), scale: [1.2e-4, 2e-4, 8e-5, 1.6e-4], zeroPoint: [0, 0, 0, 0] },
      act("y", [1, 4, 3, 4], 0.03, -128),
    ],
    [0, 1, 2],
    1,
    [i8(1), i32(2), i32(2), i8(3), i32(2), i32(2)],
    3,
  ),
  // DEPTHWISE_CONV_2D with depth multiplier 2, SAME, stride 2, RELU.
  single(
    "depthwise_mult2_same",
    4,
    [
      act("x", [1, 7, 6, 3], 0.05, -10),
      { name: "w", shape: [1, 3, 3, 6], type: INT8, data: int8Bytes(weights(2, 54)), scale: [0.01, 0.02, 0.015, 0.008, 0.012, 0.02], zeroPoint: [0, 0, 0, 0, 0, 0], quantizedDimension: 3 },
      { name: "b", shape: [6], type: INT32, data: int32Bytes([10, -20, 30, -40, 50, -60]), scale: [5e-4, 1e-3, 7.5e-4, 4e-4, 6e-4, 1e-3], zeroPoint: [0, 0, 0, 0, 0, 0], quantizedDimension: 0 },
      act("y", [1, 4, 3, 6], 0.06, -128),
    ],
    [0, 1, 2],
    2,
    [i8(0), i32(2), i32(2), i32(2), i8(1), i32(1), i32(1)],
    3,
  ),
  // FULLY_CONNECTED on a rank-3 input (flattened to [2, 8]), per-tensor weights, no bias.
  single(
    "fully_connected_rank3",
    9,
    [act("x", [1, 2, 8], 0.1, 3), { name: "w", shape: [5, 8], type: INT8, data: int8Bytes(weights(3, 40)), scale: [0.02], zeroPoint: [0] }, act("y", [2, 5], 0.2, -4)],
    [0, 1, -1],
    8,
    [i8(0)],
    4,
  ),
  // ADD with broadcasting of a per-channel constant, RELU.
  single(
    "add_broadcast_relu",
    0,
    [act("x", [1, 3, 4, 3], 0.07, -5), { name: "c", shape: [1, 1, 1, 3], type: INT8, data: int8Bytes([-100, 17, 90]), scale: [0.03], zeroPoint: [2] }, act("y", [1, 3, 4, 3], 0.06, -120)],
    [0, 1],
    11,
    [i8(1)],
    2,
  ),
  // MAX_POOL_2D 3×3, stride 2, SAME over 7×5 (clipped windows), RELU6.
  single("max_pool_same_relu6", 17, [act("x", [1, 7, 5, 2], 0.05, 3), act("y", [1, 4, 3, 2], 0.05, 3)], [0], 5, [i8(0), i32(2), i32(2), i32(3), i32(3), i8(3)], 2),
  // AVERAGE_POOL_2D 3×3, stride 2, SAME: windows at the border have fewer taps.
  single("average_pool_same", 1, [act("x", [1, 7, 5, 2], 0.05, 3), act("y", [1, 4, 3, 2], 0.05, 3)], [0], 5, [i8(0), i32(2), i32(2), i32(3), i32(3), i8(0)], 2),
  // MEAN over H and W, keep_dims, input and output quantized differently.
  single(
    "mean_hw_rescale",
    40,
    [act("x", [1, 5, 3, 4], 0.05, -7), { name: "axis", shape: [2], type: INT32, data: int32Bytes([1, 2]) }, act("y", [1, 1, 1, 4], 0.02, 11)],
    [0, 1],
    27,
    [bool(true)],
    2,
  ),
  // MEAN over H and W, no keep_dims, the same quantization in and out.
  single(
    "mean_hw_same",
    40,
    [act("x", [1, 5, 3, 4], 0.05, -7), { name: "axis", shape: [2], type: INT32, data: int32Bytes([2, 1]) }, act("y", [1, 4], 0.05, -7)],
    [0, 1],
    27,
    [bool(false)],
    2,
  ),
  // PAD (value = output zero point) and PADV2 (given value).
  single(
    "pad",
    34,
    [act("x", [1, 3, 2, 2], 0.1, 9), { name: "p", shape: [4, 2], type: INT32, data: int32Bytes([0, 0, 1, 2, 2, 1, 0, 0]) }, act("y", [1, 6, 5, 2], 0.1, 9)],
    [0, 1],
    22,
    [],
    2,
  ),
  single(
    "padv2",
    60,
    [
      act("x", [1, 3, 2, 2], 0.1, 9),
      { name: "p", shape: [4, 2], type: INT32, data: int32Bytes([0, 0, 1, 0, 0, 1, 0, 0]) },
      { name: "v", shape: [], type: INT8, data: int8Bytes([-50]), scale: [0.1], zeroPoint: [9] },
      act("y", [1, 4, 3, 2], 0.1, 9),
    ],
    [0, 1, 2],
    43,
    [],
    2,
  ),
  // CONCATENATION of the input with a constant along channels.
  single(
    "concat_channels",
    2,
    [act("x", [1, 2, 3, 2], 0.1, -3), { name: "c", shape: [1, 2, 3, 1], type: INT8, data: int8Bytes([1, -2, 3, -4, 5, -6]), scale: [0.1], zeroPoint: [-3] }, act("y", [1, 2, 3, 3], 0.1, -3)],
    [0, 1],
    10,
    [i32(-1), i8(0)],
    2,
  ),
  // LOGISTIC, TANH, LEAKY_RELU: TFLite Micro's kernels (tflm) vs the desktop float tables.
  single("logistic", 14, [act("x", [1, 256], 0.08, 5), act("y", [1, 256], 1 / 256, -128)], [0], undefined, undefined, 2),
  single("tanh", 28, [act("x", [1, 256], 0.03, -2), act("y", [1, 256], 1 / 128, 0)], [0], undefined, undefined, 2),
  single("leaky_relu", 98, [act("x", [1, 256], 0.05, 10), act("y", [1, 256], 0.04, -20)], [0], 75, [f32(0.2)], 2),
  // QUANTIZE int8 → int8 (requantize) and float32 → int8; DEQUANTIZE int8 → float32.
  single("quantize_requantize", 114, [act("x", [1, 256], 0.05, 10), act("y", [1, 256], 0.037, -6)], [0], undefined, undefined, 2),
  single("quantize_float", 114, [{ name: "x", shape: [1, 64], type: FLOAT32 }, act("y", [1, 64], 0.02, -3)], [0], undefined, undefined, 1),
  single("dequantize", 6, [act("x", [1, 256], 0.013, -7), { name: "y", shape: [1, 256], type: FLOAT32 }], [0], undefined, undefined, 2),
  // SQUEEZE and SOFTMAX (β 0.5).
  single("squeeze", 43, [act("x", [1, 1, 1, 8], 0.1, 0), act("y", [1, 8], 0.1, 0)], [0], 30, [ints([1, 2])], 1),
  single("softmax_beta", 25, [act("x", [3, 10], 0.2, -4), act("y", [3, 10], 1 / 256, -128)], [0], 9, [f32(0.5)], 2),
  // Added later (appended: each model's seed is its index): the MEAN cases the runtimes split on, XNNPACK's
  // negative leaky-ReLU multiplier, and parameters XNNPACK refuses (its delegate leaves those ops to TFLite).
  // MEAN, keep_dims, same quantization: desktop TFLite's keep_dims kernel rescales anyway.
  single(
    "mean_hw_same_keep",
    40,
    [act("x", [1, 4, 6, 16], 0.03, 5), { name: "axis", shape: [2], type: INT32, data: int32Bytes([1, 2]) }, act("y", [1, 1, 1, 16], 0.03, 5)],
    [0, 1],
    27,
    [bool(true)],
    2,
  ),
  // MEAN without keep_dims, rescaling: desktop TFLite's float reference kernel. s_in/s_out = 2.5 makes exact
  // halves common, where its round-half-away parts from XNNPACK's round-half-even.
  single(
    "mean_hw_rescale_flat",
    40,
    [act("x", [1, 6, 5, 16], 0.03, -20), { name: "axis", shape: [2], type: INT32, data: int32Bytes([1, 2]) }, act("y", [1, 16], 0.012, -5)],
    [0, 1],
    27,
    [bool(false)],
    2,
  ),
  single("leaky_relu_negative_alpha", 98, [act("x", [1, 256], 0.05, -30), act("y", [1, 256], 0.07, 12)], [0], 75, [f32(-0.45)], 2),
  // |α·s_in/s_out| = 0.0025 < 2^-8: XNNPACK refuses.
  single("leaky_relu_xnnpack_refused", 98, [act("x", [1, 256], 0.05, 10), act("y", [1, 256], 0.04, -20)], [0], 75, [f32(0.002)], 2),
  // s_in/s_out = 1/300 < 2^-8: XNNPACK refuses.
  single("quantize_requantize_narrow", 114, [act("x", [1, 256], 0.001, -100), act("y", [1, 256], 0.3, 4)], [0], undefined, undefined, 2),
];
