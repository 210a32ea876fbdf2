/**
 * Requantizers: how an int32 accumulator becomes an output integer. The rounding rule is always named
 * (see docs/arithmetic.md):
 *  - double:  TFLite / TFLite Micro / CMSIS-NN / gemmlowp — RDBPOT(SRDHM(x·2^left, M), right)
 *  - single:  TFLITE_SINGLE_ROUNDING, ruy, XNNPACK — (x·M + 2^(t−1)) >> t, t = 31 − shift
 *  - onnx:    onnxruntime QLinearConv/QLinearMatMul — roundHalfEven(f32(acc) · f32 scale)
 *  - dyadic-*: b / 2^c hardware (HAWQ-V3) with the named rounding of x·b / 2^c
 * Fixed-point modes store int32 multiplier and shift (real ≈ multiplier · 2^(shift − 31)); `onnx` stores
 * its float32 effective scale. `real` keeps the real multiplier the integers came from (by the source
 * runtime's own derivation rule), so a runtime profile can convert between modes without re-reading scales.
 * Arrays hold one entry (per tensor) or one per output channel.
 */
export const FIXED_MODES = [
  "double",
  "single",
  "dyadic-floor",
  "dyadic-half-up",
  "dyadic-half-away",
  "dyadic-half-even",
] as const;
export type FixedMode = (typeof FIXED_MODES)[number];
export type RoundingMode = FixedMode | "onnx";
export const ROUNDING_MODES: readonly RoundingMode[] = [...FIXED_MODES, "onnx"];

export interface FixedRequantizer {
  readonly mode: FixedMode;
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
  readonly real: Float64Array;
}
export interface OnnxRequantizer {
  readonly mode: "onnx";
  readonly scale: Float32Array;
  readonly real: Float64Array;
}
export type Requantizer = FixedRequantizer | OnnxRequantizer;

/**
 * Real multipliers of a MAC layer, TFLite's way:
 *  - "double-product" (Conv, DepthwiseConv, per-channel FC): d[c] = s_in · s_w[c] / s_out in double;
 *  - "float-product" (per-tensor FC, BatchMatMul): d = double(f32(s_in · s_w)) / s_out;
 *  - "onnx": f32(f32(s_in · s_w[c]) / s_out), the float32 effective scale onnxruntime uses.
 */
export type RealRule = "double-product" | "float-product" | "onnx";

export function layerRealMultipliers(
  inScale: number,
  weightScales: readonly number[],
  outScale: number,
  rule: RealRule,
): number[] {
  return weightScales.map((sw) => {
    switch (rule) {
      case "double-product":
        return (inScale * sw) / outScale;
      case "float-product":
        return Math.fround(inScale * sw) / outScale;
      case "onnx":
        return Math.fround(Math.fround(inScale * sw) / outScale);
      default: {
        const never: never = rule;
        return never;
      }
    }
  });
}

/**
 * TFLite's int8 Add rescale (kernels/add.cc): both inputs go to a common scale 2·max(s1, s2) after a left
 * shift, the sum comes back to the output scale. Returns [in1, in2, out] real multipliers.
 */
export function addRealMultipliers(s1: number, s2: number, sOut: number, leftShift: number): [number, number, number] {
  const twiceMax = 2 * Math.max(s1, s2);
  return [s1 / twiceMax, s2 / twiceMax, twiceMax / (2 ** leftShift * sOut)];
}
