/**
 * gemmlowp / TFLite fixed-point primitives, exact for every int32 input.
 *
 * Products of two int32 need 62 bits, more than a double holds exactly, and BigInt is ~50× slower in hot
 * loops; so 64-bit values are carried as (hi, lo) with value = hi·2^32 + lo, lo in [0, 2^32), built from
 * 16-bit partial products that are exact in doubles.
 */

const TWO16 = 65536;
const TWO32 = 4294967296;
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Scratch result of mul64 / add64 (module-level to avoid allocating in kernels). */
let rHi = 0;
let rLo = 0;

/** x·m for int32 x, m → (rHi, rLo). */
function mul64(x: number, m: number): void {
  const xh = x >> 16;
  const xl = x & 0xffff;
  const mh = m >> 16;
  const ml = m & 0xffff;
  const low = (xh * ml + xl * mh) * TWO16 + xl * ml; // |low| < 2^50: exact
  const carry = Math.floor(low / TWO32);
  rLo = low - carry * TWO32;
  rHi = xh * mh + carry;
}

/** (rHi, rLo) += c, for an integer |c| < 2^53. */
function add64(c: number): void {
  const ch = Math.floor(c / TWO32);
  const low = rLo + (c - ch * TWO32);
  const carry = Math.floor(low / TWO32);
  rLo = low - carry * TWO32;
  rHi += ch + carry;
}

/** floor((rHi·2^32 + rLo) / 2^t), t in [0, 63]; exact whenever the result fits in 2^53. */
function floorShift(t: number): number {
  if (t >= 32) return Math.floor(rHi / 2 ** (t - 32));
  return rHi * 2 ** (32 - t) + Math.floor(rLo / 2 ** t);
}

/** Compare the low t bits of (rHi, rLo) — the remainder of division by 2^t — with 2^(t−1): −1, 0, +1. */
function compareRemainderWithHalf(t: number): number {
  if (t <= 32) {
    const rem = t === 32 ? rLo : rLo % 2 ** t;
    const half = 2 ** (t - 1);
    return rem < half ? -1 : rem > half ? 1 : 0;
  }
  const d = 2 ** (t - 32);
  const remHi = ((rHi % d) + d) % d;
  const halfHi = 2 ** (t - 33);
  if (remHi !== halfHi) return remHi < halfHi ? -1 : 1;
  return rLo === 0 ? 0 : 1;
}

/**
 * SaturatingRoundingDoublingHighMul (gemmlowp): (a·b + nudge) / 2^31 with a truncating division and
 * nudge = 2^30 (or 1 − 2^30 for negative products), so ties go toward +∞ (−1.5 → −1, 1.5 → 2), as ARM's
 * VQRDMULH does; saturates the single overflow case INT32_MIN².
 */
export function srdhm(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  mul64(a, b);
  const nonNegative = rHi >= 0;
  add64(nonNegative ? 1073741824 : 1 - 1073741824);
  // Truncating division by 2^31: floor for v ≥ 0; for v < 0, floor((v + 2^31 − 1) / 2^31).
  if (rHi < 0) add64(2147483647);
  return floorShift(31) | 0;
}

/** RoundingDivideByPOT (gemmlowp): x / 2^e rounded half away from zero, e in [0, 31]. */
export function rdbpot(x: number, e: number): number {
  if (e === 0) return x;
  const mask = e === 31 ? 0x7fffffff : (1 << e) - 1;
  const rem = x & mask;
  const thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}

/**
 * MultiplyByQuantizedMultiplier, double rounding (TFLite reference, TFLite Micro, CMSIS-NN):
 * RDBPOT(SRDHM(x·2^left, M), right). x·2^left wraps as int32 (C's behaviour on the usual targets).
 */
export function mbqmDouble(x: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  const a = left === 0 ? x : x << left;
  if (a < FAST && a > -FAST && multiplier >= 0) {
    // |a·M| < 2^53: the product, the nudge and the division by 2^31 are exact in doubles.
    const ab = a * multiplier;
    return rdbpot(Math.trunc((ab >= 0 ? ab + 1073741824 : ab + (1 - 1073741824)) / 2147483648), right);
  }
  return rdbpot(srdhm(a, multiplier), right);
}

/** Below this magnitude an int32 times a non-negative int32 multiplier is exact in a double. */
const FAST = 4194304; // 2^22

/**
 * MultiplyByQuantizedMultiplier, single rounding (TFLITE_SINGLE_ROUNDING, ruy, XNNPACK):
 * (x·M + 2^(t−1)) >> t with t = 31 − shift, −31 ≤ shift ≤ 30; the result is cast to int32.
 */
export function mbqmSingle(x: number, multiplier: number, shift: number): number {
  const t = 31 - shift;
  if (x < FAST && x > -FAST && multiplier >= 0) {
    // Exact: P = x·M < 2^53, q = floor(P / 2^t) and the remainder P − q·2^t are exact doubles.
    const p = x * multiplier;
    const d = 2 ** t;
    const q = Math.floor(p / d);
    return (p - q * d >= d / 2 ? q + 1 : q) | 0;
  }
  mul64(x, multiplier);
  add64(2 ** (t - 1));
  if (t >= 32) return floorShift(t) | 0;
  // Low 32 bits of hi·2^(32−t) + floor(lo / 2^t), exact modulo 2^32.
  return (Math.imul(rHi | 0, (2 ** (32 - t)) | 0) + Math.floor(rLo / 2 ** t)) | 0;
}

export type DyadicRounding = "floor" | "half-up" | "half-away" | "half-even";

/**
 * Dyadic rescale round(x·b / 2^c) with the named rounding (c in [0, 62]), exact whenever the result is
 * below 2^53 in magnitude (any result that large saturates every output type anyway). The result is not
 * wrapped: callers add the zero point and clamp.
 */
export function dyadicRescale(x: number, b: number, c: number, rounding: DyadicRounding): number {
  mul64(x, b);
  if (c === 0) return rHi * TWO32 + rLo;
  const negative = rHi < 0;
  const q = floorShift(c);
  if (rounding === "floor") return q;
  const cmp = compareRemainderWithHalf(c);
  if (cmp < 0) return q;
  if (cmp > 0) return q + 1;
  switch (rounding) {
    case "half-up":
      return q + 1;
    case "half-away":
      return negative ? q : q + 1;
    case "half-even":
      return q % 2 === 0 ? q : q + 1;
    default: {
      const never: never = rounding;
      return never;
    }
  }
}
