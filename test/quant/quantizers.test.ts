import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GraphError } from "../../src/errors.js";
import { BIPOLAR, INT8, type QType, UINT8 } from "../../src/ir/dtype.js";
import { expectedParamCount, paramIndexer, tensorQuant } from "../../src/ir/quant-params.js";
import {
  type Granularity,
  dequantize,
  granularityOf,
  minMaxRanges,
  quantize,
  quantizeWithParams,
  rangeToParams,
} from "../../src/quant/quantizers.js";
import { createRng } from "../../src/quant/rng.js";

const SEED = Number(process.env["FC_SEED"] ?? 0x5eed_0005);
const INT4: QType = { bits: 4, signed: true };

// Expected values below are worked by hand with scales chosen as powers of two, so every division is exact
// and only the named rounding rule decides.
describe("quantize: hand-worked cases", () => {
  it("symmetric int8 per tensor: max|v| = 63.5 → scale 0.5; ties half-even by default, half-away on request", () => {
    const v = [-63.5, 1.25, 0.75, -0.25, 63.5, 2.5];
    const q = quantize(v, [6], { type: INT8, symmetric: true, granularity: { kind: "tensor" } });
    expect(q.params).toEqual({ kind: "tensor", scale: 0.5, zeroPoint: 0 });
    expect(q.data).toBeInstanceOf(Int8Array);
    expect([...q.data]).toEqual([-127, 2, 2, 0, 127, 5]);
    const away = quantize(v, [6], { type: INT8, symmetric: true, granularity: { kind: "tensor" }, rounding: "half-away" });
    expect([...away.data]).toEqual([-127, 3, 2, -1, 127, 5]);
  });

  it("asymmetric uint8 / int8: range [−32, 95.5] → scale 0.5, zero point 64 / −64", () => {
    const v = [-32, 0, 95.5, 10.25];
    const u = quantize(v, [4], { type: UINT8, symmetric: false, granularity: { kind: "tensor" } });
    expect(u.params).toEqual({ kind: "tensor", scale: 0.5, zeroPoint: 64 });
    expect([...u.data]).toEqual([0, 64, 255, 84]); // 10.25 / 0.5 = 20.5 → 20 (even)
    const s = quantize(v, [4], { type: INT8, symmetric: false, granularity: { kind: "tensor" } });
    expect(s.params).toEqual({ kind: "tensor", scale: 0.5, zeroPoint: -64 });
    expect([...s.data]).toEqual([-128, -64, 127, -44]);
    // A range that excludes 0 is widened to include it: [1, 127.5] → [0, 127.5].
    expect(quantize([1, 127.5], [2], { type: UINT8, symmetric: false, granularity: { kind: "tensor" } }).params).toEqual(tensorQuant(0.5, 0));
  });

  it("symmetric unsigned uses zero point 2^(bits−1)", () => {
    expect(rangeToParams(-1.75, 0.5, { bits: 4, signed: false }, true)).toEqual({ scale: 0.25, zeroPoint: 8 });
  });

  it("per channel (axis 0): scales 0.25 and 2", () => {
    const q = quantize([31.75, -10, 0, 254, 3, -1], [2, 3], { type: INT8, symmetric: true, granularity: { kind: "channel", axis: 0 } });
    expect(q.params).toEqual({ kind: "channel", axis: 0, scale: [0.25, 2], zeroPoint: [0, 0] });
    expect([...q.data]).toEqual([127, -40, 0, 127, 2, 0]);
  });

  it("per group of channels: rows {0, 1} and {2, 3} share a scale", () => {
    const v = [31.75, 0, -6.5, 1, 0, 127, -1, 2];
    const q = quantize(v, [4, 2], { type: INT8, symmetric: true, granularity: { kind: "group", axis: 0, groupSize: 2 } });
    expect(q.params).toEqual({ kind: "group", axis: 0, groupSize: 2, scale: [0.25, 1], zeroPoint: [0, 0] });
    expect([...q.data]).toEqual([127, 0, -26, 4, 0, 127, -1, 2]);
  });

  it("per block (axis 1, block 2): one scale per row and block, row-major", () => {
    const v = [7, -3.5, 0, 14, -0.875, 0.5, 0, 0];
    const q = quantize(v, [2, 4], { type: INT4, symmetric: true, granularity: { kind: "block", axis: 1, blockSize: 2 } });
    expect(q.params).toEqual({ kind: "block", axis: 1, blockSize: 2, scale: [1, 2, 0.125, 1], zeroPoint: [0, 0, 0, 0] });
    expect([...q.data]).toEqual([7, -4, 0, 7, -7, 4, 0, 0]);
  });

  it("all-zero tensors get scale 1", () => {
    expect(quantize([0, 0], [2], { type: INT8, symmetric: true, granularity: { kind: "tensor" } }).params).toEqual(tensorQuant(1, 0));
    expect(quantize([0, 0], [2], { type: INT8, symmetric: false, granularity: { kind: "tensor" } }).params).toEqual(tensorQuant(1, -128));
  });

  it("ONNX QuantizeLinear example: x = [0, 2, 3, 1000, −254, −1000], scale 2, zp 128 → [128, 129, 130, 255, 1, 0]", () => {
    // From the ONNX operator documentation (QuantizeLinear, uint8 example): 3/2 = 1.5 rounds to even (2).
    const q = quantizeWithParams([0, 2, 3, 1000, -254, -1000], [6], tensorQuant(2, 128), UINT8);
    expect([...q]).toEqual([128, 129, 130, 255, 1, 0]);
  });

  it("narrow range clamps symmetric int8 to [−127, 127]", () => {
    expect([...quantizeWithParams([-200, 200], [2], tensorQuant(1, 0), INT8, "half-even", true)]).toEqual([-127, 127]);
    expect([...quantizeWithParams([-200, 200], [2], tensorQuant(1, 0), INT8)]).toEqual([-128, 127]);
  });

  it("stochastic rounding through an explicit generator is reproducible", () => {
    const v = Array.from({ length: 64 }, (_, i) => i * 0.37 - 10);
    const opts = (seed: number) => ({ type: INT8, symmetric: true, granularity: { kind: "tensor" } as const, rounding: { kind: "stochastic" as const, rng: createRng(seed) } });
    const a = quantize(v, [64], opts(SEED));
    expect([...quantize(v, [64], opts(SEED)).data]).toEqual([...a.data]);
    const s = a.params.kind === "tensor" ? a.params.scale : NaN;
    v.forEach((x, i) => {
      const t = Math.fround(Math.fround(x) / s);
      expect(a.data[i] === Math.floor(t) || a.data[i] === Math.ceil(t)).toBe(true);
    });
  });

  it("pins its error messages", () => {
    expect(() => quantize([1], [1], { type: BIPOLAR, symmetric: true, granularity: { kind: "tensor" } })).toThrow(
      "quantize.type: bipolar weights come from binarize (quant/binary.ts), not a uniform quantizer (given int1 (symmetric); expected an integer type of 2..32 bits)",
    );
    expect(() => quantize([1, Number.POSITIVE_INFINITY], [2], { type: INT8, symmetric: true, granularity: { kind: "tensor" } })).toThrow(
      "quantize.values[1]: value is not finite (given Infinity; expected a finite number)",
    );
    expect(() => quantize([1, 2], [2], { type: INT8, symmetric: true, granularity: { kind: "channel", axis: 1 } })).toThrow(
      "quantize.granularity.axis: axis outside the tensor (given 1; expected 0..0)",
    );
    expect(() => quantize([1, 2], [2], { type: INT8, symmetric: false, narrowRange: true, granularity: { kind: "tensor" } })).toThrow(GraphError);
    expect(() => quantizeWithParams([1, 2], [2], { kind: "channel", axis: 0, scale: [1], zeroPoint: [0] }, INT8)).toThrow(
      "quantize.params: parameter count does not match the tensor (given 1 scales, 1 zero points; expected 2)",
    );
  });
});

const granularityArb = (shape: readonly number[]): fc.Arbitrary<Granularity> => {
  const axis = fc.integer({ min: 0, max: shape.length - 1 });
  return fc.oneof(
    fc.constant<Granularity>({ kind: "tensor" }),
    axis.map((a): Granularity => ({ kind: "channel", axis: a })),
    fc.tuple(axis, fc.integer({ min: 1, max: 4 })).map(([a, g]): Granularity => ({ kind: "group", axis: a, groupSize: g })),
    fc.tuple(axis, fc.integer({ min: 1, max: 4 })).map(([a, b]): Granularity => ({ kind: "block", axis: a, blockSize: b })),
  );
};

describe(`quantize: properties (fast-check seed ${SEED})`, () => {
  it("every granularity: params count and float32 scales; zero exact; reconstruction error ≤ half a step (symmetric) / one step", () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 })
      .chain((shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        return fc.tuple(
          fc.constant(shape),
          granularityArb(shape),
          fc.constantFrom<QType>(INT8, UINT8, INT4, { bits: 2, signed: true }, { bits: 3, signed: false }, { bits: 16, signed: true }),
          fc.boolean(),
          fc.array(fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }),
        );
      });
    fc.assert(
      fc.property(arb, ([shape, g, type, symmetric, values]) => {
        const { data, params } = quantize(values, shape, { type, symmetric, granularity: g });
        expect(granularityOf(params)).toEqual(g);
        const slots = expectedParamCount(params, shape);
        const scales = params.kind === "tensor" ? [params.scale] : params.scale;
        const zps = params.kind === "tensor" ? [params.zeroPoint] : params.zeroPoint;
        expect(scales.length).toBe(slots);
        const lo = type.signed ? -(2 ** (type.bits - 1)) : 0;
        const hi = type.signed ? 2 ** (type.bits - 1) - 1 : 2 ** type.bits - 1;
        scales.forEach((s) => expect(s > 0 && Math.fround(s) === s).toBe(true));
        zps.forEach((z) => expect(z >= lo && z <= hi && Number.isInteger(z)).toBe(true));
        data.forEach((q) => expect(q >= lo && q <= hi).toBe(true));
        // The real value 0 quantizes to the zero point and comes back as exactly 0.
        const zeros = new Array<number>(values.length).fill(0);
        expect([...dequantize(quantizeWithParams(zeros, shape, params, type), shape, params)].every((x) => x === 0)).toBe(true);
        const deq = dequantize(data, shape, params);
        const ranges = minMaxRanges(values, shape, g);
        expect(ranges.min.length).toBe(slots);
        const slotOf = paramIndexer(params, shape);
        values.forEach((v, i) => {
          const bound = (symmetric ? 0.51 : 1.01) * scales[slotOf(i)]!;
          expect(Math.abs(deq[i]! - v)).toBeLessThanOrEqual(bound);
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
