/**
 * Binary and ternary weight quantizers, and FINN-style integer thresholds that fold batch-norm plus an
 * activation quantizer into comparisons on the MAC accumulator.
 *
 *  - binarize (XNOR-Net, Rastegari et al. 2016): q = sign(w) ∈ {−1, +1} (sign(0) = +1), one scale per
 *    channel α = mean |w|, the L2-optimal scale for fixed signs.
 *  - ternarize (TWN, Li et al. 2016): Δ = 0.7·mean |w|; q = +1 (w > Δ), −1 (w < −Δ), else 0;
 *    α = mean |w| over the non-zero positions.
 *  - thresholds (FINN, Umuroglu et al. 2017): a monotone function of the accumulator followed by a
 *    monotone quantizer takes each output level on an interval of accumulators, so it is a count of
 *    integer thresholds passed: y = outBias + #{i : acc ≥ T[c, i]} (acc ≤ T where the BN scale is
 *    negative).
 */
import { GraphError } from "../errors.js";
import { BIPOLAR, INT2, type QType, qmax, qmin } from "../ir/dtype.js";
import type { ThresholdEpilogue } from "../ir/ops.js";
import { type QuantParams, channelQuant, tensorQuant } from "../ir/quant-params.js";
import { roundHalfAway, roundHalfEven, roundHalfUp } from "./rounding.js";

export interface LowBitWeights {
  /** One element per slot: ±1 (binary) or {−1, 0, 1} (ternary). */
  readonly data: Int8Array;
  readonly type: QType;
  /** Per channel along `axis` (or per tensor), zero point 0: real ≈ scale · q. */
  readonly params: QuantParams;
}

/** Channel c of element `flat` when channels run along `axis` of `shape` (axis null: one channel). */
function channelLayout(shape: readonly number[], axis: number | null, length: number, fn: string): { channels: number; inner: number } {
  let n = 1;
  for (const d of shape) n *= d;
  if (n !== length) {
    throw new GraphError({ path: `${fn}.shape`, message: "shape does not match the number of values", given: `[${shape.join(", ")}] for ${length} values`, expected: `${length} elements` });
  }
  if (axis === null) return { channels: 1, inner: length };
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new GraphError({ path: `${fn}.axis`, message: "channel axis outside the tensor", given: String(axis), expected: `0..${shape.length - 1}` });
  }
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { channels: shape[axis]!, inner };
}

function makeParams(axis: number | null, scales: number[]): QuantParams {
  return axis === null ? tensorQuant(scales[0] ?? 1, 0) : channelQuant(axis, scales, new Array<number>(scales.length).fill(0));
}

/**
 * Weights → bipolar ±1 with α[c] = mean |w| over channel c (axis 0 = output channel of OHWI weights; null =
 * one scale). An all-zero channel gets α = 0, the only scale that reconstructs it exactly.
 */
export function binarize(values: ArrayLike<number>, shape: readonly number[], axis: number | null = 0): LowBitWeights {
  const { channels, inner } = channelLayout(shape, axis, values.length, "binarize");
  const sumAbs = new Float64Array(channels);
  const count = new Float64Array(channels);
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new GraphError({ path: `binarize.values[${i}]`, message: "weight is not finite", given: String(v) });
    const c = Math.floor(i / inner) % channels;
    sumAbs[c] = sumAbs[c]! + Math.abs(v);
    count[c] = count[c]! + 1;
    data[i] = v >= 0 ? 1 : -1;
  }
  const scales = Array.from(sumAbs, (s, c) => (count[c]! > 0 ? s / count[c]! : 1));
  return { data, type: BIPOLAR, params: makeParams(axis, scales) };
}

/**
 * Weights → ternary {−1, 0, 1} (int2) with TWN's threshold Δ[c] = 0.7·mean |w| and α[c] = mean |w| over
 * |w| > Δ. A channel with nothing above Δ (all zeros) gets α = 1: every scale reconstructs zeros exactly.
 */
export function ternarize(values: ArrayLike<number>, shape: readonly number[], axis: number | null = 0, deltaFactor = 0.7): LowBitWeights {
  const { channels, inner } = channelLayout(shape, axis, values.length, "ternarize");
  const sumAbs = new Float64Array(channels);
  const count = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new GraphError({ path: `ternarize.values[${i}]`, message: "weight is not finite", given: String(v) });
    const c = Math.floor(i / inner) % channels;
    sumAbs[c] = sumAbs[c]! + Math.abs(v);
    count[c] = count[c]! + 1;
  }
  const delta = Array.from(sumAbs, (s, c) => (count[c]! > 0 ? (deltaFactor * s) / count[c]! : 0));
  const keptSum = new Float64Array(channels);
  const kept = new Float64Array(channels);
  const data = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const c = Math.floor(i / inner) % channels;
    const d = delta[c]!;
    if (v > d || v < -d) {
      data[i] = v > 0 ? 1 : -1;
      keptSum[c] = keptSum[c]! + Math.abs(v);
      kept[c] = kept[c]! + 1;
    }
  }
  const scales = Array.from(keptSum, (s, c) => (kept[c]! > 0 ? s / kept[c]! : 1));
  return { data, type: INT2, params: makeParams(axis, scales) };
}

/** Per-channel batch normalization: y = gamma·(x − mean)/sqrt(variance + eps) + beta. */
export interface BatchNorm {
  readonly gamma: ArrayLike<number>;
  readonly beta: ArrayLike<number>;
  readonly mean: ArrayLike<number>;
  readonly variance: ArrayLike<number>;
  readonly eps: number;
}

/** Inclusive range of the integer accumulator the thresholds must be exact on. */
export interface AccRange {
  readonly min: number;
  readonly max: number;
}

const INT32_RANGE: AccRange = { min: -2147483648, max: 2147483647 };

/**
 * The real value of BN applied to the accumulator, x = sAcc·acc, in float64 and in this order of
 * operations. Thresholds are derived to agree with this evaluation for every accumulator in range (it is
 * monotone in acc because every step is a monotone rounded operation).
 */
export function batchNormOfAcc(bn: BatchNorm, c: number, sAcc: number, acc: number): number {
  return (bn.gamma[c]! * (sAcc * acc - bn.mean[c]!)) / Math.sqrt(bn.variance[c]! + bn.eps) + bn.beta[c]!;
}

export type ThresholdRounding = "half-even" | "half-away" | "half-up";

/** Output quantizer of a multi-bit activation: y = clamp(round(BN / scale) + zeroPoint, qmin, qmax). */
export interface ActivationQuant {
  readonly type: QType;
  readonly scale: number;
  readonly zeroPoint?: number;
  /** Default half-even. */
  readonly rounding?: ThresholdRounding;
}

export interface ThresholdOptions {
  /** Accumulators the thresholds are exact on; default int32 (see the note on unreachable levels). */
  readonly accRange?: AccRange;
}

function checkBn(bn: BatchNorm, sAcc: number | ArrayLike<number>, range: AccRange, fn: string): number {
  const C = bn.gamma.length;
  const problems: { path: string; message: string; given: string; expected: string }[] = [];
  for (const [name, arr] of [["beta", bn.beta], ["mean", bn.mean], ["variance", bn.variance]] as const) {
    if (arr.length !== C) problems.push({ path: `${fn}.${name}`, message: "length differs from gamma", given: String(arr.length), expected: String(C) });
  }
  const sLen = typeof sAcc === "number" ? 1 : sAcc.length;
  if (sLen !== 1 && sLen !== C) problems.push({ path: `${fn}.accScale`, message: "need one scale or one per channel", given: String(sLen), expected: `1 or ${C}` });
  for (let c = 0; c < sLen; c++) {
    const s = typeof sAcc === "number" ? sAcc : sAcc[c]!;
    if (!(s > 0) || !Number.isFinite(s)) problems.push({ path: `${fn}.accScale[${c}]`, message: "accumulator scale must be positive and finite", given: String(s), expected: "> 0" });
  }
  for (let c = 0; c < Math.min(C, bn.variance.length); c++) {
    if (!(bn.variance[c]! + bn.eps > 0)) problems.push({ path: `${fn}.variance[${c}]`, message: "variance + eps must be positive", given: String(bn.variance[c]! + bn.eps), expected: "> 0" });
  }
  const { min, max } = range;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min > max || min < INT32_RANGE.min || max > INT32_RANGE.max) {
    problems.push({ path: `${fn}.accRange`, message: "accumulator range must be an int32 interval", given: `[${min}, ${max}]`, expected: "integers, min ≤ max, within int32" });
  }
  if (problems.length > 0) throw new GraphError(problems);
  return C;
}

/**
 * The least acc in [lo, hi] where the monotone non-decreasing predicate holds (hi + 1 when none). The real
 * arithmetic answer `guess` is tried first; float rounding can move the true edge by a step, so it is
 * verified and nudged, with a bisection as the fallback for ill-conditioned channels.
 */
function lowestTrue(pred: (acc: number) => boolean, lo: number, hi: number, guess: number): number {
  let t = Number.isFinite(guess) ? Math.min(Math.max(guess, lo), hi + 1) : guess > 0 ? hi + 1 : lo;
  for (let step = 0; step < 4; step++) {
    const okHere = t > hi || pred(t);
    const okBelow = t > lo && pred(t - 1);
    if (okHere && !okBelow) return t;
    if (okBelow) t--;
    else t++;
  }
  let a = lo;
  let b = hi + 1; // invariant: pred false below a, true at b (or b = hi + 1)
  while (a < b) {
    const mid = a + Math.floor((b - a) / 2);
    if (pred(mid)) b = mid;
    else a = mid + 1;
  }
  return a;
}

/** The greatest acc in [lo, hi] where a monotone non-increasing predicate holds (lo − 1 when none). */
function highestTrue(pred: (acc: number) => boolean, lo: number, hi: number, guess: number): number {
  // Mirror: acc ↦ −acc turns it into lowestTrue.
  return -lowestTrue((v) => pred(-v), -hi, -lo, -guess);
}

/** Thresholds outside int32 cannot be stored; unreachable levels saturate (see ThresholdOptions). */
function clampInt32(t: number): number {
  return t < INT32_RANGE.min ? INT32_RANGE.min : t > INT32_RANGE.max ? INT32_RANGE.max : t;
}

/**
 * One threshold per channel for a bipolar activation after BN: y = +1 iff BN(sAcc·acc) ≥ 0.
 * With a = gamma/sqrt(var + eps): a > 0 → acc ≥ ceil(T); a < 0 → acc ≤ floor(T) (negate), T = the root
 * acc at which BN crosses 0; gamma = 0 makes the output constant (the sign of beta).
 * Exact on accRange (default int32): where a level is never (or always) reached, the threshold is one past
 * the range, saturated to int32 — with the default range only acc = ±2^31 extremes could then differ.
 */
export function bipolarThresholds(bn: BatchNorm, accScale: number | ArrayLike<number>, opts: ThresholdOptions = {}): ThresholdEpilogue {
  const range = opts.accRange ?? INT32_RANGE;
  const C = checkBn(bn, accScale, range, "bipolarThresholds");
  const thresholds = new Int32Array(C);
  const negate = new Uint8Array(C);
  for (let c = 0; c < C; c++) {
    const s = typeof accScale === "number" ? accScale : accScale[c]!;
    const gamma = bn.gamma[c]!;
    const pred = (acc: number): boolean => batchNormOfAcc(bn, c, s, acc) >= 0;
    // Root of gamma·(s·acc − mean)/σ + beta = 0.
    const root = (bn.mean[c]! - (bn.beta[c]! * Math.sqrt(bn.variance[c]! + bn.eps)) / gamma) / s;
    if (gamma < 0) {
      negate[c] = 1;
      thresholds[c] = clampInt32(highestTrue(pred, range.min, range.max, Math.floor(root)));
    } else {
      thresholds[c] = clampInt32(lowestTrue(pred, range.min, range.max, gamma > 0 ? Math.ceil(root) : pred(0) ? -Infinity : Infinity));
    }
  }
  return { kind: "threshold", thresholds, count: 1, negate, outBias: qmin(BIPOLAR) };
}

function roundingFn(r: ThresholdRounding): (v: number) => number {
  switch (r) {
    case "half-even":
      return roundHalfEven;
    case "half-away":
      return roundHalfAway;
    case "half-up":
      return roundHalfUp;
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** The activation the multi-bit thresholds reproduce: clamp(round(BN(sAcc·acc) / scale) + zp, qmin, qmax). */
export function quantizedActivationOfAcc(bn: BatchNorm, c: number, sAcc: number, acc: number, out: ActivationQuant): number {
  const round = roundingFn(out.rounding ?? "half-even");
  const v = round(batchNormOfAcc(bn, c, sAcc, acc) / out.scale) + (out.zeroPoint ?? 0);
  const lo = qmin(out.type);
  const hi = qmax(out.type);
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * 2^bits − 1 thresholds per channel for a k-bit activation after BN (FINN MultiThreshold): the stored
 * output is y = qmin + #{i : acc ≥ T[c, i]} (≤ where gamma < 0), equal to quantizedActivationOfAcc for
 * every acc in accRange. T[c, i] is the first accumulator whose output reaches qmin + i + 1; ascending
 * along a row, descending where negated.
 */
export function multiBitThresholds(
  bn: BatchNorm,
  accScale: number | ArrayLike<number>,
  out: ActivationQuant,
  opts: ThresholdOptions = {},
): ThresholdEpilogue {
  const range = opts.accRange ?? INT32_RANGE;
  const C = checkBn(bn, accScale, range, "multiBitThresholds");
  const t = out.type;
  if (!Number.isInteger(t.bits) || t.bits < 1 || t.bits > 16 || (t.bits === 1 && t.signed)) {
    throw new GraphError({ path: "multiBitThresholds.out.type", message: "multi-threshold output must be a 1..16-bit integer type (bipolar: use bipolarThresholds)", given: `${t.signed ? "" : "u"}int${t.bits}`, expected: "e.g. uint2, uint4, int4" });
  }
  if (!(out.scale > 0) || !Number.isFinite(out.scale)) {
    throw new GraphError({ path: "multiBitThresholds.out.scale", message: "output scale must be positive and finite", given: String(out.scale), expected: "> 0" });
  }
  const zp = out.zeroPoint ?? 0;
  const lo = qmin(t);
  const count = qmax(t) - lo;
  const thresholds = new Int32Array(C * count);
  const negate = new Uint8Array(C);
  for (let c = 0; c < C; c++) {
    const s = typeof accScale === "number" ? accScale : accScale[c]!;
    const gamma = bn.gamma[c]!;
    const sigma = Math.sqrt(bn.variance[c]! + bn.eps);
    if (gamma < 0) negate[c] = 1;
    for (let i = 0; i < count; i++) {
      const level = lo + i + 1;
      const pred = (acc: number): boolean => quantizedActivationOfAcc(bn, c, s, acc, out) >= level;
      // Real edge: round(BN/scale) + zp reaches `level` when BN/scale ≥ level − zp − 1/2.
      const bnEdge = (level - zp - 0.5) * out.scale;
      const root = (bn.mean[c]! + ((bnEdge - bn.beta[c]!) * sigma) / gamma) / s;
      let th: number;
      if (gamma < 0) th = highestTrue(pred, range.min, range.max, Math.floor(root));
      else th = lowestTrue(pred, range.min, range.max, gamma > 0 ? Math.ceil(root) : pred(0) ? -Infinity : Infinity);
      thresholds[c * count + i] = clampInt32(th);
    }
  }
  return { kind: "threshold", thresholds, count, negate, outBias: lo };
}
