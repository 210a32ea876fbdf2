/**
 * Building requantizers from real multipliers (by each runtime's derivation rule), converting them between
 * rounding modes, and applying them. Application is integer-only except for the `onnx` mode, whose
 * definition is float32 arithmetic.
 */
import { GraphError } from "../errors.js";
import type { FixedMode, FixedRequantizer, Requantizer, RoundingMode } from "../ir/requant.js";
export { type RealRule, layerRealMultipliers, addRealMultipliers } from "../ir/requant.js";
import { dyadicRescale, mbqmDouble, mbqmSingle } from "./fixed-point.js";
import { multiplierToReal, quantizeMultiplier } from "./multiplier.js";
import { roundHalfEven } from "./rounding.js";

/** Build a requantizer in `mode` from real multipliers (one per tensor or per output channel). */
export function requantizerFromReal(real: readonly number[] | Float64Array, mode: RoundingMode): Requantizer {
  const r = Float64Array.from(real);
  if (mode === "onnx") {
    return { mode, scale: Float32Array.from(r, (v) => Math.fround(v)), real: r };
  }
  const multiplier = new Int32Array(r.length);
  const shift = new Int32Array(r.length);
  r.forEach((d, i) => {
    const q = quantizeMultiplier(d, mode === "single");
    multiplier[i] = q.multiplier;
    shift[i] = q.shift;
  });
  const rq: FixedRequantizer = { mode, multiplier, shift, real: r };
  checkRequantizer(rq, "requantizer");
  return rq;
}

/** A fixed-point requantizer given directly as integers (e.g. CMSIS-NN test data). */
export function requantizerFromFixed(
  mode: FixedMode,
  multiplier: readonly number[] | Int32Array,
  shift: readonly number[] | Int32Array,
): FixedRequantizer {
  const m = Int32Array.from(multiplier);
  const s = Int32Array.from(shift);
  return { mode, multiplier: m, shift: s, real: Float64Array.from(m, (v, i) => multiplierToReal(v, s[i]!)) };
}

/**
 * Convert a requantizer to another mode. From `onnx`, fixed-point modes take QuantizeMultiplier of the
 * float32 effective scale; between fixed-point modes the stored real multiplier is re-quantized.
 */
export function convertRequantizer(r: Requantizer, mode: RoundingMode): Requantizer {
  if (r.mode === mode) return r;
  const source = r.mode === "onnx" ? Array.from(r.scale) : Array.from(r.real);
  const out = requantizerFromReal(source, mode);
  return { ...out, real: r.real } as Requantizer;
}

/** Shifts outside what a mode can apply are construction errors, never run-time surprises. */
export function checkRequantizer(r: FixedRequantizer, path: string): void {
  for (let i = 0; i < r.shift.length; i++) {
    const s = r.shift[i]!;
    const m = r.multiplier[i]!;
    const [lo, hi] = r.mode === "double" ? [-31, 31] : [-31, 30];
    if (s < lo || s > hi || m < 0) {
      throw new GraphError({
        path: `${path}.shift[${i}]`,
        message: `multiplier/shift cannot be applied in ${r.mode} rounding`,
        given: `multiplier ${m}, shift ${s}`,
        expected: `multiplier ≥ 0 and shift in [${lo}, ${hi}]`,
      });
    }
  }
}

/** acc → rescaled integer for channel c (before the zero point is added). */
export type RequantFn = (acc: number, c: number) => number;

/** One closure per mode, chosen once per kernel call so the inner loop stays monomorphic. */
export function requantFn(r: Requantizer): RequantFn {
  const perChannel = r.real.length > 1;
  switch (r.mode) {
    case "onnx": {
      const s = r.scale;
      return perChannel
        ? (acc, c) => roundHalfEven(Math.fround(Math.fround(acc) * s[c]!))
        : (acc) => roundHalfEven(Math.fround(Math.fround(acc) * s[0]!));
    }
    case "double": {
      const { multiplier: m, shift: sh } = r;
      return perChannel ? (acc, c) => mbqmDouble(acc, m[c]!, sh[c]!) : (acc) => mbqmDouble(acc, m[0]!, sh[0]!);
    }
    case "single": {
      const { multiplier: m, shift: sh } = r;
      return perChannel ? (acc, c) => mbqmSingle(acc, m[c]!, sh[c]!) : (acc) => mbqmSingle(acc, m[0]!, sh[0]!);
    }
    case "dyadic-floor":
    case "dyadic-half-up":
    case "dyadic-half-away":
    case "dyadic-half-even": {
      const rounding = r.mode.slice("dyadic-".length) as "floor" | "half-up" | "half-away" | "half-even";
      const { multiplier: m, shift: sh } = r;
      return (acc, c) => {
        const i = perChannel ? c : 0;
        return dyadicRescale(acc, m[i]!, 31 - sh[i]!, rounding);
      };
    }
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** Requantize one accumulator (convenience; kernels use requantFn). */
export function requantize(acc: number, r: Requantizer, c = 0): number {
  return requantFn(r)(acc, c);
}
