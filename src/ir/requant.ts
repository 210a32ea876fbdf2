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

export function isRoundingMode(s: unknown): s is RoundingMode {
  return typeof s === "string" && (ROUNDING_MODES as readonly string[]).includes(s);
}

export function requantChannels(r: Requantizer): number {
  return r.real.length;
}
