import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GraphError } from "../../src/errors.js";
import { BIPOLAR, INT2, type QType } from "../../src/ir/dtype.js";
import type { ThresholdEpilogue } from "../../src/ir/ops.js";
import { makeWriter, newAccStats } from "../../src/kernels/epilogue.js";
import {
  type BatchNorm,
  type ThresholdRounding,
  binarize,
  bipolarThresholds,
  multiBitThresholds,
  ternarize,
} from "../../src/quant/binary.js";
import { roundHalfAway, roundHalfEven } from "../../src/quant/rounding.js";

const SEED = Number(process.env["FC_SEED"] ?? 0x5eed_0003);

/**
 * Brute-force reference: BN evaluated in float64 on the real accumulator value, in the order documented
 * for batchNormOfAcc (written out again here rather than imported, so a change there is caught).
 */
function bnFloat(bn: BatchNorm, c: number, s: number, acc: number): number {
  return (bn.gamma[c]! * (s * acc - bn.mean[c]!)) / Math.sqrt(bn.variance[c]! + bn.eps) + bn.beta[c]!;
}

function refRound(r: ThresholdRounding, v: number): number {
  return r === "half-even" ? roundHalfEven(v) : r === "half-away" ? roundHalfAway(v) : Math.floor(v + 0.5);
}

/** Apply a threshold epilogue through the production writer (epilogue.ts), one accumulator at a time. */
function applyEpilogue(e: ThresholdEpilogue, bipolar: boolean, lo: number, hi: number): (acc: number, c: number) => number {
  const out = [0];
  const write = makeWriter(e, { out, outZeroPoint: 0, qmin: lo, qmax: hi, bipolar }, newAccStats());
  return (acc, c) => {
    write.one(acc, c, 0);
    return out[0]!;
  };
}

const R = 400;

const bnArb = (channels: number): fc.Arbitrary<{ bn: BatchNorm; s: number }> =>
  fc
    .record({
      s: fc.double({ min: 1e-3, max: 2, noNaN: true }),
      gamma: fc.array(fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }), fc.constantFrom(0, -1, 1, 1e-9, -1e-9)), { minLength: channels, maxLength: channels }),
      beta: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: channels, maxLength: channels }),
      meanFrac: fc.array(fc.double({ min: -1.2, max: 1.2, noNaN: true }), { minLength: channels, maxLength: channels }),
      variance: fc.array(fc.double({ min: 0, max: 4, noNaN: true }), { minLength: channels, maxLength: channels }),
      eps: fc.constantFrom(1e-5, 1e-3, 0.1),
    })
    .map(({ s, gamma, beta, meanFrac, variance, eps }) => ({
      // Means spread over the accumulator range so the thresholds land inside it (and sometimes outside).
      bn: { gamma, beta, mean: meanFrac.map((f) => f * R * s), variance, eps },
      s,
    }));

describe(`FINN thresholds vs brute force (fast-check seed ${SEED})`, () => {
  it("bipolar: y = +1 iff BN(acc) ≥ 0 for every acc in range (negative and zero gamma included)", () => {
    fc.assert(
      fc.property(bnArb(4), fc.boolean(), ({ bn, s }, withRange) => {
        const e = bipolarThresholds(bn, s, withRange ? { accRange: { min: -R, max: R } } : {});
        expect(e.count).toBe(1);
        const apply = applyEpilogue(e, true, -1, 1);
        for (let c = 0; c < 4; c++) {
          expect(e.negate[c]).toBe(bn.gamma[c]! < 0 ? 1 : 0);
          for (let acc = -R; acc <= R; acc++) {
            const want = bnFloat(bn, c, s, acc) >= 0 ? 1 : -1;
            if (apply(acc, c) !== want) throw new Error(`channel ${c}, acc ${acc}: want ${want}, threshold ${e.thresholds[c]}`);
          }
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("k-bit: y = clamp(round(BN/s_out) + zp) = qmin + #{i : acc ≥ T[c,i]} for uint2, uint4, int3 with zero points", () => {
    const outArb = fc.record({
      type: fc.constantFrom<QType>({ bits: 2, signed: false }, { bits: 4, signed: false }, { bits: 3, signed: true }, { bits: 1, signed: false }),
      scale: fc.double({ min: 0.01, max: 1, noNaN: true }),
      zeroPoint: fc.integer({ min: -2, max: 3 }),
      rounding: fc.constantFrom<ThresholdRounding>("half-even", "half-away", "half-up"),
    });
    fc.assert(
      fc.property(bnArb(3), outArb, ({ bn, s }, out) => {
        const e = multiBitThresholds(bn, s, out, { accRange: { min: -R, max: R } });
        const lo = out.type.signed ? -(2 ** (out.type.bits - 1)) : 0;
        const hi = out.type.signed ? 2 ** (out.type.bits - 1) - 1 : 2 ** out.type.bits - 1;
        expect(e.count).toBe(hi - lo);
        expect(e.outBias).toBe(lo);
        const apply = applyEpilogue(e, false, lo, hi);
        for (let c = 0; c < 3; c++) {
          const row = Array.from(e.thresholds.subarray(c * e.count, (c + 1) * e.count));
          const sorted = [...row].sort((a, b) => (e.negate[c] === 1 ? b - a : a - b));
          expect(row).toEqual(sorted); // ascending, descending where negated
          for (let acc = -R; acc <= R; acc++) {
            const v = refRound(out.rounding, bnFloat(bn, c, s, acc) / out.scale) + out.zeroPoint;
            const want = Math.min(hi, Math.max(lo, v));
            if (apply(acc, c) !== want) throw new Error(`channel ${c}, acc ${acc}: want ${want}, thresholds [${row.join(", ")}]`);
          }
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("exact ties land on the right side: BN = 0.5·acc − 2.5 (σ = 1) → acc ≥ 5; gamma < 0 → acc ≤ 5", () => {
    const bn = (g: number): BatchNorm => ({ gamma: [g], beta: [0], mean: [2.5], variance: [1], eps: 0 });
    const pos = bipolarThresholds(bn(1), 0.5);
    expect([pos.thresholds[0], pos.negate[0]]).toEqual([5, 0]);
    const neg = bipolarThresholds(bn(-1), 0.5);
    expect([neg.thresholds[0], neg.negate[0]]).toEqual([5, 1]);
    // uint2 with s_out = 0.5: level i needs round(BN / 0.5) ≥ i; BN/0.5 = acc − 5, ties fall on integers, so
    // half-even and half-up agree here and the thresholds are acc = 5 + i − 1/2 rounded up: 6, 7, 8.
    const m = multiBitThresholds(bn(1), 0.5, { type: { bits: 2, signed: false }, scale: 0.5 });
    expect([...m.thresholds]).toEqual([6, 7, 8]);
    // With s_out = 1: BN = 0.5·acc − 2.5 reaches 0.5 (a tie) at acc = 6: half-even rounds 0.5 → 0, so level 1
    // first appears at acc = 7 (BN = 1); half-up takes it at 6.
    const he = multiBitThresholds(bn(1), 0.5, { type: { bits: 2, signed: false }, scale: 1 });
    const hu = multiBitThresholds(bn(1), 0.5, { type: { bits: 2, signed: false }, scale: 1, rounding: "half-up" });
    expect(he.thresholds[0]).toBe(7);
    expect(hu.thresholds[0]).toBe(6);
  });

  it("gamma = 0 gives a constant output; unreachable levels sit one past the range", () => {
    const bn: BatchNorm = { gamma: [0, 0], beta: [0.5, -0.5], mean: [0, 0], variance: [1, 1], eps: 0 };
    const e = bipolarThresholds(bn, 1, { accRange: { min: -100, max: 100 } });
    expect([...e.thresholds]).toEqual([-100, 101]);
    const apply = applyEpilogue(e, true, -1, 1);
    for (const acc of [-100, 0, 100]) expect([apply(acc, 0), apply(acc, 1)]).toEqual([1, -1]);
  });

  it("per-channel accumulator scales", () => {
    const bn: BatchNorm = { gamma: [1, 1], beta: [0, 0], mean: [1, 1], variance: [1, 1], eps: 0 };
    const e = bipolarThresholds(bn, [0.5, 0.25]);
    expect([...e.thresholds]).toEqual([2, 4]);
  });

  it("pins its error messages", () => {
    const bn: BatchNorm = { gamma: [1, 1], beta: [0], mean: [0, 0], variance: [1, -2], eps: 0 };
    expect(() => bipolarThresholds(bn, 0)).toThrow(GraphError);
    expect(() => bipolarThresholds(bn, 0)).toThrow(
      "3 problems:\n  - bipolarThresholds.beta: length differs from gamma (given 1; expected 2)\n" +
        "  - bipolarThresholds.accScale[0]: accumulator scale must be positive and finite (given 0; expected > 0)\n" +
        "  - bipolarThresholds.variance[1]: variance + eps must be positive (given -2; expected > 0)",
    );
    const ok: BatchNorm = { gamma: [1], beta: [0], mean: [0], variance: [1], eps: 0 };
    expect(() => multiBitThresholds(ok, 1, { type: BIPOLAR, scale: 1 })).toThrow(
      "multiBitThresholds.out.type: multi-threshold output must be a 1..16-bit integer type (bipolar: use bipolarThresholds) (given int1; expected e.g. uint2, uint4, int4)",
    );
  });
});

describe(`binarize / ternarize (fast-check seed ${SEED})`, () => {
  it("binarize: sign (0 → +1) and α[c] = mean |w| per output channel (float32)", () => {
    // Hand-worked: channel 0 = [0.5, -1.5, 0] → [+1, −1, +1], α = 2/3; channel 1 = [-0.25, 0.25, 1] → α = 0.5.
    const b = binarize([0.5, -1.5, 0, -0.25, 0.25, 1], [2, 3]);
    expect(b.type).toEqual(BIPOLAR);
    expect([...b.data]).toEqual([1, -1, 1, -1, 1, 1]);
    expect(b.params).toEqual({ kind: "channel", axis: 0, scale: [Math.fround(2 / 3), 0.5], zeroPoint: [0, 0] });
    expect(binarize([1, -3], [2], null).params).toEqual({ kind: "tensor", scale: 2, zeroPoint: 0 });
  });

  it("binarize along another axis matches a per-channel mean computed directly", () => {
    const arb = fc.record({ a: fc.integer({ min: 1, max: 4 }), b: fc.integer({ min: 1, max: 4 }), c: fc.integer({ min: 1, max: 4 }) }).chain((d) =>
      fc.tuple(fc.constant(d), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: d.a * d.b * d.c, maxLength: d.a * d.b * d.c })),
    );
    fc.assert(
      fc.property(arb, ([{ a, b, c }, w]) => {
        const r = binarize(w, [a, b, c], 1);
        if (r.params.kind !== "channel") throw new Error("expected channel params");
        for (let j = 0; j < b; j++) {
          let sum = 0;
          for (let i = 0; i < a; i++) for (let k = 0; k < c; k++) sum += Math.abs(w[(i * b + j) * c + k]!);
          expect(r.params.scale[j]).toBe(Math.fround(sum / (a * c)));
        }
        w.forEach((v, i) => expect(r.data[i]).toBe(v >= 0 ? 1 : -1));
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("ternarize: TWN Δ = 0.7·mean|w|, α = mean |w| above Δ", () => {
    // mean|w| = 1.5/4 = 0.375, Δ = 0.2625 → [0, −1, +1, 0]; α = (0.9 + 0.5)/2 = 0.7.
    const t = ternarize([0.1, -0.9, 0.5, 0], [1, 4]);
    expect(t.type).toEqual(INT2);
    expect([...t.data]).toEqual([0, -1, 1, 0]);
    expect(t.params).toEqual({ kind: "channel", axis: 0, scale: [Math.fround(0.7)], zeroPoint: [0] });
    // An all-zero channel stays zero with scale 1.
    const z = ternarize([0, 0, 1, -1], [2, 2]);
    expect([...z.data]).toEqual([0, 0, 1, -1]);
    expect(z.params.kind === "channel" && z.params.scale).toEqual([1, 1]);
  });

  it("rejects non-finite weights and mismatched shapes", () => {
    expect(() => binarize([1, Number.NaN], [2])).toThrow("binarize.values[1]: weight is not finite (given NaN)");
    expect(() => ternarize([1, 2, 3], [2, 2])).toThrow("ternarize.shape: shape does not match the number of values (given [2, 2] for 3 values; expected 3 elements)");
  });
});
