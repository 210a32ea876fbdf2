import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { frexp, multiplierToReal, quantizeMultiplier } from "../../src/quant/multiplier.js";

describe("QuantizeMultiplier", () => {
  it("documented values: 0.5, 1/3, 2.5, 0", () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(quantizeMultiplier(1 / 3)).toEqual({ multiplier: 1431655765, shift: -1 });
    expect(quantizeMultiplier(2.5)).toEqual({ multiplier: 1342177280, shift: 2 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });
  it("a mantissa that rounds up to 2^31 renormalizes", () => {
    // 1 − 2^−40 has mantissa just below 1; q·2^31 rounds to 2^31.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 2 ** 30, shift: 1 });
  });
  it("tiny multipliers flush to zero; single rounding clamps shift to 30", () => {
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** 40, true)).toEqual({ multiplier: 2 ** 31 - 1, shift: 30 });
    expect(quantizeMultiplier(2 ** 40, false).shift).toBe(41);
  });
  it("relative error below 2^−31 (fast-check seed 7)", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e3, noNaN: true }), (d) => {
        const q = quantizeMultiplier(d);
        return Math.abs(multiplierToReal(q.multiplier, q.shift) - d) / d <= 2 ** -31;
      }),
      { seed: 7, numRuns: 5000 },
    );
  });
  it("frexp is exact, including subnormals", () => {
    for (const d of [1, 0.75, -3, 1e-310, 5e-324, 1.7976931348623157e308]) {
      const { mantissa, exponent } = frexp(d);
      expect(Math.abs(mantissa) >= 0.5 && Math.abs(mantissa) < 1).toBe(true);
      expect(mantissa * 2 * 2 ** (exponent - 1)).toBe(d);
    }
  });
});
