/**
 * Fixed-point primitives against the edge cases in docs/arithmetic.md and against an independent BigInt
 * transcription of the gemmlowp / TFLite formulas on random inputs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { INT32_MAX, INT32_MIN, dyadicRescale, mbqmDouble, mbqmSingle, rdbpot, srdhm } from "../../src/quant/fixed-point.js";

const SEED = 20261126;
const params = { seed: SEED, numRuns: 20000 };
const i32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });

/** BigInt transcription of SaturatingRoundingDoublingHighMul. */
function srdhmRef(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number(BigInt.asIntN(32, (ab + nudge) / (1n << 31n))); // BigInt division truncates toward zero
}

function rdbpotRef(x: number, e: number): number {
  const X = BigInt(x);
  const mask = (1n << BigInt(e)) - 1n;
  const rem = X & mask;
  const thr = (mask >> 1n) + (X < 0n ? 1n : 0n);
  return Number((X >> BigInt(e)) + (rem > thr ? 1n : 0n));
}

function singleRef(x: number, m: number, shift: number): number {
  const t = BigInt(31 - shift);
  return Number(BigInt.asIntN(32, (BigInt(x) * BigInt(m) + (1n << (t - 1n))) >> t));
}

function dyadicRef(x: number, b: number, c: number, mode: string): number {
  const p = BigInt(x) * BigInt(b);
  const d = 1n << BigInt(c);
  const floor = p >= 0n ? p / d : -((-p + d - 1n) / d);
  const rem = p - floor * d;
  if (c === 0 || mode === "floor") return Number(floor);
  const twice = 2n * rem;
  if (twice < d) return Number(floor);
  if (twice > d) return Number(floor + 1n);
  if (mode === "half-up") return Number(floor + 1n);
  if (mode === "half-away") return Number(p < 0n ? floor : floor + 1n);
  return Number(floor % 2n === 0n ? floor : floor + 1n);
}

describe("documented edge cases", () => {
  it("SRDHM(INT32_MIN, INT32_MIN) saturates to INT32_MAX", () => {
    expect(srdhm(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
  });
  it("x = 25572, M = 1728325632, shift = −1 (exact 10290.356): double 10291, single 10290", () => {
    expect(mbqmDouble(25572, 1728325632, -1)).toBe(10291);
    expect(mbqmSingle(25572, 1728325632, -1)).toBe(10290);
  });
  it("x = −4, M = 2^30, shift = −2 (exact −0.5): double −1, single 0", () => {
    expect(mbqmDouble(-4, 2 ** 30, -2)).toBe(-1);
    expect(mbqmSingle(-4, 2 ** 30, -2)).toBe(0);
  });
  it("RDBPOT rounds half away from zero", () => {
    expect([rdbpot(5, 1), rdbpot(-5, 1), rdbpot(6, 2), rdbpot(-6, 2), rdbpot(-7, 2)]).toEqual([3, -3, 2, -2, -2]);
  });
});

describe(`agreement with BigInt references (fast-check seed ${SEED})`, () => {
  it("srdhm", () => {
    fc.assert(fc.property(i32, i32, (a, b) => srdhm(a, b) === srdhmRef(a, b)), params);
  });
  it("rdbpot", () => {
    fc.assert(fc.property(i32, fc.integer({ min: 0, max: 31 }), (x, e) => rdbpot(x, e) === rdbpotRef(x, e)), params);
  });
  it("mbqm single rounding", () => {
    fc.assert(
      fc.property(i32, fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: -31, max: 30 }), (x, m, s) => mbqmSingle(x, m, s) === singleRef(x, m, s)),
      params,
    );
  });
  const small = fc.integer({ min: -(2 ** 23), max: 2 ** 23 });
  it("mbqm single and double rounding on accumulators around the 2^22 fast path", () => {
    fc.assert(
      fc.property(small, fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: -31, max: 30 }), (x, m, s) => {
        const left = Math.max(s, 0);
        const xs = Number(BigInt.asIntN(32, BigInt(x) << BigInt(left)));
        return mbqmSingle(x, m, s) === singleRef(x, m, s) && mbqmDouble(x, m, s) === rdbpotRef(srdhmRef(xs, m), Math.max(-s, 0));
      }),
      params,
    );
  });
  it("mbqm double rounding = RDBPOT(SRDHM(x·2^left, M), right)", () => {
    fc.assert(
      fc.property(i32, fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: -31, max: 31 }), (x, m, s) => {
        const left = Math.max(s, 0);
        const xs = Number(BigInt.asIntN(32, BigInt(x) << BigInt(left)));
        return mbqmDouble(x, m, s) === rdbpotRef(srdhmRef(xs, m), Math.max(-s, 0));
      }),
      params,
    );
  });
  for (const mode of ["floor", "half-up", "half-away", "half-even"] as const) {
    it(`dyadic ${mode}`, () => {
      fc.assert(
        fc.property(i32, fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: 0, max: 62 }), (x, b, c) => {
          // Exact wherever the result is an exact double (|result| ≤ 2^53); requantized outputs are far smaller.
          const exact = (BigInt(x) * BigInt(b)) >> BigInt(c);
          fc.pre(exact < 1n << 52n && exact > -(1n << 52n));
          return dyadicRescale(x, b, c, mode) === dyadicRef(x, b, c, mode);
        }),
        params,
      );
    });
  }
  it("dyadic half-up equals single rounding for the same (M, shift)", () => {
    fc.assert(
      fc.property(i32, fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: -31, max: 30 }), (x, m, s) => {
        const d = dyadicRescale(x, m, 31 - s, "half-up");
        return d < INT32_MIN || d > INT32_MAX || d === mbqmSingle(x, m, s);
      }),
      params,
    );
  });
});
