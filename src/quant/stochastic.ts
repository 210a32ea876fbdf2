/**
 * Stochastic rounding (Gupta et al. 2015): round v up with probability equal to its fractional part, so
 * E[round(v)] = v. The generator is always an explicit argument (never Math.random), which keeps runs
 * reproducible from a printed seed.
 */
import { type QType, qmax, qmin } from "../ir/dtype.js";
import type { RandomSource } from "./rng.js";

/**
 * floor(v) + 1 with probability frac(v) = v − floor(v) (exact in doubles), else floor(v). The draw u is a
 * multiple of 2^-53, so P(up) = ⌈frac·2^53⌉ / 2^53: exactly frac when |v| ≥ 1 (frac is then a multiple of
 * 2^-52) and within 2^-53 of it otherwise. Integers consume no draw, so they do not advance the stream.
 */
export function stochasticRound(v: number, rng: RandomSource): number {
  const f = Math.floor(v);
  const frac = v - f;
  if (frac === 0) return f;
  return rng.nextFloat() < frac ? f + 1 : f;
}

/** stochasticRound over an array, in index order (the order fixes which draw each element gets). */
export function stochasticRoundArray(values: ArrayLike<number>, rng: RandomSource, out?: Float64Array): Float64Array {
  const r = out ?? new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) r[i] = stochasticRound(values[i]!, rng);
  return r;
}

/**
 * Quantize with stochastic rounding: q = saturate(stochasticRound(f32(v) / scale) + zeroPoint) with the
 * division done in float32 like QuantizeLinear, one scale for all values.
 */
export function quantizeStochastic(
  values: ArrayLike<number>,
  scale: number,
  zeroPoint: number,
  type: QType,
  rng: RandomSource,
): Int32Array {
  const lo = qmin(type);
  const hi = qmax(type);
  const s = Math.fround(scale);
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = stochasticRound(Math.fround(Math.fround(values[i]!) / s), rng) + zeroPoint;
    out[i] = q < lo ? lo : q > hi ? hi : q;
  }
  return out;
}
