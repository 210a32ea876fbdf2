/**
 * Deriving a mean's rule and integers (ir/ops.ts MeanRule) from the values' scales, the way each runtime's
 * Prepare does (recipes in ir/profiles.ts). Float arithmetic here is prepare-time only, rounded to float32
 * exactly where the C++ computes in float.
 */
import type { MeanRule } from "../ir/ops.js";
import type { MeanRecipe, MeanRules, MeanScales } from "../ir/profiles.js";
import type { FixedMode, FixedRequantizer } from "../ir/requant.js";
import { globalAvgPoolScale } from "./float32.js";
import { requantizerFromReal } from "./requantize.js";

const f = Math.fround;

/** The recipe a runtime applies to this mean: keep_dims case first (where the runtime has one), then same / rescale. */
export function meanRecipe(rules: MeanRules, keepDims: boolean, q: MeanScales): MeanRecipe {
  if (keepDims && rules.keepDims !== undefined) return rules.keepDims;
  return q.sIn === q.sOut && q.zpIn === q.zpOut ? rules.same : rules.rescale;
}

/**
 * TFLite Micro's QuantizedMeanOrSum: QuantizeMultiplier(double(s_in) / double(s_out)) = (M, s) with 1/n folded
 * in as integers — k = min(⌊log2 n⌋, 32, 31 + s), M' = ⌊M·2^k / n⌋ (int64, truncating), shift s − k.
 */
export function foldCountRequantizer(sIn: number, sOut: number, n: number, mode: FixedMode): FixedRequantizer {
  const real = sIn / sOut;
  const base = requantizerFromReal([real], mode);
  if (base.mode === "onnx") throw new Error("internal: fixed requantizer expected");
  const m = base.multiplier[0]!;
  const s = base.shift[0]!;
  let log2 = 0; // 63 − CountLeadingZeros(n), exactly
  while (2 ** (log2 + 1) <= n) log2++;
  const k = Math.min(log2, 32, 31 + s);
  const folded = Number((BigInt(m) << BigInt(k)) / BigInt(n));
  return { mode, multiplier: Int32Array.of(folded), shift: Int32Array.of(s - k), real: Float64Array.of(real / n) };
}

/**
 * optimized_integer_ops::Mean's bias, all float32: t = f32(f32(zp_in·s_in) / s_out), rounded half away from
 * zero by adding ±0.5f and truncating; bias = zp_out − t.
 */
export function tfliteMeanBias(q: MeanScales): number {
  let t = f(f(q.zpIn * f(q.sIn)) / f(q.sOut));
  t = t > 0 ? f(t + 0.5) : f(t - 0.5);
  return q.zpOut - Math.trunc(t);
}

/** The rule and integers of `recipe` for these scales. */
export function meanRule(recipe: MeanRecipe, q: MeanScales): MeanRule {
  switch (recipe.derive) {
    case "truncate":
      return { rule: "truncate" };
    case "float":
      return { rule: "float" };
    case "fold-count":
      return { rule: "requant", requant: foldCountRequantizer(q.sIn, q.sOut, q.n, recipe.mode) };
    case "count-scale":
      return { rule: "requant", requant: requantizerFromReal([globalAvgPoolScale(q.sIn, q.sOut, q.n)], recipe.mode) };
    case "count-scale-bias":
      return { rule: "requant-bias", requant: requantizerFromReal([globalAvgPoolScale(q.sIn, q.sOut, q.n)], recipe.mode), bias: tfliteMeanBias(q) };
    default: {
      const never: never = recipe;
      return never;
    }
  }
}
