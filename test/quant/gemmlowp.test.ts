/**
 * gemmlowp fixed-point helpers, checked three independent ways:
 *  1. exact values derivable by hand from the definitions (exp(0), the Taylor expansion at its centre, …);
 *  2. a BigInt transcription of the same gemmlowp formulas (int32 wrap by BigInt.asIntN, truncating BigInt
 *     division), run on random inputs: this checks the double-based int64 emulation, the shifts and the
 *     wrap-arounds of the TypeScript, not the algorithm;
 *  3. the real functions: every constant against round(value·2^31) (Math.exp / Math.tanh are within 1 ulp
 *     of the true value, 2^−52 relative, far below the distance of each constant from a rounding tie, which
 *     the test asserts), and the approximations against Math.exp / Math.tanh within gemmlowp's documented
 *     accuracy (the 4th-order Taylor step bounds exp's error by (1/8)^5/5! ≈ 2.5e−7).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INT32_MAX, INT32_MIN } from "../../src/quant/fixed-point.js";
import {
  calculateInputRadius,
  expOnIntervalBetweenNegativeOneQuarterAnd0Excl,
  expOnNegativeValues,
  fpConstantPot,
  fpOne,
  getReciprocal,
  logistic,
  oneMinusXOverOnePlusXForXIn01,
  oneOverOnePlusXForXIn01,
  rescale,
  roundingHalfSum,
  saturatingRoundingMultiplyByPot,
  tanh,
} from "../../src/quant/gemmlowp.js";

const SEED = 20261127;
const i32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });

// ---- BigInt transcription (int32 semantics spelled out) ----
const w = (v: bigint): bigint => BigInt.asIntN(32, v);
const B = (v: number): bigint => BigInt(v);
function srdhmB(a: bigint, b: bigint): bigint {
  if (a === -(1n << 31n) && b === -(1n << 31n)) return (1n << 31n) - 1n;
  const ab = a * b;
  return w((ab + (ab >= 0n ? 1n << 30n : 1n - (1n << 30n))) / (1n << 31n));
}
function rdbpotB(x: bigint, e: number): bigint {
  const mask = (1n << B(e)) - 1n;
  const thr = (mask >> 1n) + (x < 0n ? 1n : 0n);
  return (x >> B(e)) + ((x & mask) > thr ? 1n : 0n);
}
function srmbpotB(x: bigint, e: number): bigint {
  if (e < 0) return rdbpotB(x, -e);
  const p = x << B(e); // saturate the exact product
  return p > B(INT32_MAX) ? B(INT32_MAX) : p < B(INT32_MIN) ? B(INT32_MIN) : p;
}
function expIntervalB(a: bigint): bigint {
  const x = w(a + (1n << 28n));
  const x2 = srdhmB(x, x);
  const x3 = srdhmB(x2, x);
  const x4 = srdhmB(x2, x2);
  const poly = srmbpotB(w(srdhmB(w(srmbpotB(x4, -2) + x3), 715827883n) + x2), -1);
  return w(1895147668n + srdhmB(1895147668n, w(x + poly)));
}
function expNegB(a: bigint, ib: number): bigint {
  const fb = 31 - ib;
  const quarter = 1n << B(fb - 2);
  const m = w((a & (quarter - 1n)) - quarter);
  let r = expIntervalB(srmbpotB(m, ib));
  const rem = w(m - a);
  const table: [number, bigint][] = [[-2, 1672461947n], [-1, 1302514674n], [0, 790015084n], [1, 290630308n], [2, 39332535n], [3, 720401n], [4, 242n]];
  for (const [k, c] of table) if (ib > k && (rem & (1n << B(fb + k))) !== 0n) r = srdhmB(r, c);
  if (ib > 5 && a < -(1n << B(36 - ib))) r = 0n;
  return a === 0n ? B(INT32_MAX) : r;
}
function recipQ2B(a: bigint): bigint {
  const sum = a + B(INT32_MAX);
  const half = (sum + (sum >= 0n ? 1n : -1n)) / 2n;
  let x = w(1515870810n + srdhmB(half, -1010580540n));
  for (let i = 0; i < 3; i++) x = w(x + srmbpotB(srdhmB(x, w((1n << 29n) - srdhmB(half, x))), 2));
  return x;
}
const oneOverB = (a: bigint): bigint => srmbpotB(recipQ2B(a), 1);
const oneMinusB = (a: bigint): bigint => srmbpotB(w(recipQ2B(a) - (1n << 29n)), 2);
function logisticB(a: bigint, ib: number): bigint {
  if (a === 0n) return 1n << 30n;
  const abs = a > 0n ? a : w(-a);
  const pos = oneOverB(expNegB(w(-abs), ib));
  return a > 0n ? pos : w(B(INT32_MAX) - pos);
}
function tanhB(a: bigint, ib: number): bigint {
  if (a === 0n) return 0n;
  const t = oneMinusB(expNegB(a < 0n ? a : w(-a), ib + 1));
  return a < 0n ? w(-t) : t;
}

describe("exact values from the definitions", () => {
  it("constants and one", () => {
    expect(fpOne(0)).toBe(INT32_MAX);
    expect(fpOne(2)).toBe(2 ** 29);
    expect(fpConstantPot(5, -2)).toBe(2 ** 24); // 1/4 in Q5.26
    expect(fpConstantPot(0, -3)).toBe(2 ** 28); // 1/8 in Q0.31
  });
  it("exp at the Taylor centre −1/8 is the stored constant exp(−1/8)", () => {
    // x = a + 1/8 = 0, so every power vanishes and the result is c + c·0 = c.
    expect(expOnIntervalBetweenNegativeOneQuarterAnd0Excl(-(2 ** 28))).toBe(1895147668);
  });
  it("exp(0) = INT32_MAX, logistic(0) = 1/2, tanh(0) = 0", () => {
    for (const ib of [1, 4, 5, 6]) expect(expOnNegativeValues(0, ib)).toBe(INT32_MAX);
    expect(logistic(0, 4)).toBe(2 ** 30);
    expect(tanh(0, 4)).toBe(0);
  });
  it("exp below −32 is 0 only with more than 5 integer bits", () => {
    expect(expOnNegativeValues(-(33 * 2 ** 24), 7)).toBe(0); // −33 in Q7.24
    expect(expOnNegativeValues(INT32_MIN, 5)).toBe(0); // −32 in Q5.26: exp(−32)·2^31 ≈ 2.7e−5 rounds to 0
  });
  it("SaturatingRoundingMultiplyByPOT saturates exactly past ±(2^(31−e) − 1)", () => {
    expect(saturatingRoundingMultiplyByPot(2 ** 28 - 1, 3)).toBe(2 ** 31 - 8);
    expect(saturatingRoundingMultiplyByPot(2 ** 28, 3)).toBe(INT32_MAX);
    expect(saturatingRoundingMultiplyByPot(-(2 ** 28), 3)).toBe(INT32_MIN);
    expect(saturatingRoundingMultiplyByPot(-5, -1)).toBe(-3); // −2.5 rounds away from zero
    expect(rescale(INT32_MAX, 0, 12)).toBe(2 ** 19); // 1.0 (Q0.31, INT32_MAX) in Q12.19
  });
  it("RoundingHalfSum rounds half away from zero", () => {
    expect(roundingHalfSum(1, 2)).toBe(2);
    expect(roundingHalfSum(-1, -2)).toBe(-2);
    expect(roundingHalfSum(INT32_MAX, INT32_MAX)).toBe(INT32_MAX);
    expect(roundingHalfSum(INT32_MIN, INT32_MIN)).toBe(INT32_MIN);
  });
  it("CalculateInputRadius", () => {
    expect(calculateInputRadius(5, 19)).toBe(3968); // the CMSIS-NN softmax test data's −diff_min
    expect(calculateInputRadius(5, 23)).toBe(248);
    expect(calculateInputRadius(4, 24, 31)).toBe(120); // int8 logistic with input scale 1/8
    expect(calculateInputRadius(5, 31)).toBe(0);
  });
  it("GetReciprocal of 1.0 and 2.0 in Q12.19", () => {
    const one = getReciprocal(2 ** 19, 12); // 1.0: shifted x − 1 = 0, so 1/(1 + 0) ≈ 1
    expect(one.numBitsOverUnit).toBe(0);
    expect(Math.abs(one.raw - INT32_MAX)).toBeLessThanOrEqual(8);
    const two = getReciprocal(2 ** 20, 12);
    expect(two.numBitsOverUnit).toBe(1);
    expect(two.raw).toBe(one.raw);
  });
});

describe(`agreement with the BigInt transcription (fast-check seed ${SEED})`, () => {
  const params = { seed: SEED, numRuns: 5000 };
  it("SaturatingRoundingMultiplyByPOT", () => {
    fc.assert(
      fc.property(i32, fc.integer({ min: -31, max: 30 }), (x, e) => saturatingRoundingMultiplyByPot(x, e) === Number(srmbpotB(B(x), e))),
      params,
    );
  });
  it("RoundingHalfSum", () => {
    fc.assert(
      fc.property(i32, i32, (a, b) => {
        const s = B(a) + B(b);
        return roundingHalfSum(a, b) === Number((s + (s >= 0n ? 1n : -1n)) / 2n);
      }),
      params,
    );
  });
  it("exp on [−1/4, 0)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 29), max: -1 }), (a) => expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a) === Number(expIntervalB(B(a)))),
      params,
    );
  });
  it("exp_on_negative_values for 1 … 8 integer bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: INT32_MIN, max: 0 }), fc.integer({ min: 1, max: 8 }), (a, ib) => expOnNegativeValues(a, ib) === Number(expNegB(B(a), ib))),
      params,
    );
  });
  it("1/(1+x) and (1−x)/(1+x) on [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: INT32_MAX }), (a) => {
        return oneOverOnePlusXForXIn01(a) === Number(oneOverB(B(a))) && oneMinusXOverOnePlusXForXIn01(a) === Number(oneMinusB(B(a)));
      }),
      params,
    );
  });
  it("logistic and tanh over all int32 (INT32_MIN included)", () => {
    fc.assert(
      fc.property(fc.oneof(i32, fc.constantFrom(INT32_MIN, INT32_MAX, 0, 1, -1)), fc.integer({ min: 0, max: 6 }), (a, ib) => {
        return logistic(a, ib) === Number(logisticB(B(a), ib)) && tanh(a, ib) === Number(tanhB(B(a), ib));
      }),
      params,
    );
  });
});

describe("against the real functions", () => {
  it("every Q0.31 constant is the rounded real value (and not near a tie)", () => {
    const check = (raw: number, real: number, fracBits: number): void => {
      const scaled = real * 2 ** fracBits;
      expect(raw).toBe(Math.round(scaled));
      expect(Math.abs(scaled - Math.floor(scaled) - 0.5)).toBeGreaterThan(1e-4);
    };
    check(1895147668, Math.exp(-1 / 8), 31);
    check(715827883, 1 / 3, 31);
    const barrel: [number, number][] = [[-2, 1672461947], [-1, 1302514674], [0, 790015084], [1, 290630308], [2, 39332535], [3, 720401], [4, 242]];
    for (const [k, c] of barrel) check(c, Math.exp(-(2 ** k)), 31);
    check(1515870810, 48 / 17, 29);
    check(-1010580540, -32 / 17, 29);
  });
  it("exp_on_negative_values (Q5.26 input) is within 2.5e−7 of exp over [−32, 0]", () => {
    let worst = 0;
    for (let i = 0; i <= 100000; i++) {
      const a = -Math.round((i / 100000) * 2 ** 31) | 0;
      const err = Math.abs(expOnNegativeValues(a, 5) / 2 ** 31 - Math.exp(a / 2 ** 26));
      worst = Math.max(worst, err);
    }
    expect(worst).toBeLessThan(2.5e-7);
    expect(worst).toBeGreaterThan(1e-7); // the Taylor error is really there: this is not a float exp in disguise
  });
  it("exp_on_negative_values is non-increasing as the input decreases", () => {
    let prev = expOnNegativeValues(0, 5);
    let increases = 0;
    for (let a = 0; a >= -(2 ** 28); a -= 4099) {
      const v = expOnNegativeValues(a, 5);
      if (v > prev) increases++;
      prev = v;
    }
    expect(increases).toBe(0);
  });
  it("1/(1+x) within 4e−9, logistic within 1e−7, tanh within 2e−7 (Q4.27 inputs over [−16, 16))", () => {
    let eR = 0;
    let eL = 0;
    let eT = 0;
    for (let i = 0; i < 100000; i++) {
      const x = Math.floor((i / 100000) * INT32_MAX);
      eR = Math.max(eR, Math.abs(oneOverOnePlusXForXIn01(x) / 2 ** 31 - 1 / (1 + x / 2 ** 31)));
      const a = (INT32_MIN + i * 42949) | 0;
      eL = Math.max(eL, Math.abs(logistic(a, 4) / 2 ** 31 - 1 / (1 + Math.exp(-a / 2 ** 27))));
      eT = Math.max(eT, Math.abs(tanh(a, 4) / 2 ** 31 - Math.tanh(a / 2 ** 27)));
    }
    expect(eR).toBeLessThan(4e-9);
    expect(eL).toBeLessThan(1e-7);
    expect(eT).toBeLessThan(2e-7);
  });
  it("GetReciprocal: raw·2^−(31+bits) ≈ 1/x for sums in Q12.19", () => {
    for (const x of [2 ** 19 + 1, 3 * 2 ** 19, 123456789, 2 ** 30 + 12345, 7]) {
      const r = getReciprocal(x, 12);
      const approx = (r.raw / 2 ** 31) * 2 ** -r.numBitsOverUnit;
      expect(Math.abs(approx * (x / 2 ** 19) - 1)).toBeLessThan(1e-8);
    }
  });
});
