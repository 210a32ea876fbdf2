/**
 * Means over the spatial plane (global-avgpool's named rules) and XNNPACK's Q8 elementwise kernels, each
 * checked against a transcription of the runtime's own code written here, independently of quant/ and
 * kernels/: TFLite's optimized_integer_ops::Mean and reference QuantizedMeanOrSum (float), onnxruntime's
 * QLinearGlobalAveragePool (kernels/ort-float.ts, itself checked against onnxruntime), and the reference
 * loops of XNNPACK's VCvtMicrokernelTester / VLReLUMicrokernelTester. The op models in
 * test/tflite/ops.test.ts check the same rules against the desktop interpreter.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnsupportedError } from "../../src/errors.js";
import { INT8, type QType, UINT8, qmax, qmin } from "../../src/ir/dtype.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import type { MeanRule, Node } from "../../src/ir/ops.js";
import { tensorQuant } from "../../src/ir/quant-params.js";
import { globalAvgPoolOrt } from "../../src/kernels/ort-float.js";
import { globalAvgPool } from "../../src/kernels/pool.js";
import { outputRange } from "../../src/kernels/saturate.js";
import { mbqmDouble } from "../../src/quant/fixed-point.js";
import { buildLut } from "../../src/quant/lut-builders.js";
import { meanRule } from "../../src/quant/mean.js";
import { quantizeMultiplier } from "../../src/quant/multiplier.js";
import { applyProfile, forceRounding } from "../../src/quant/profiles.js";
import { requantFn } from "../../src/quant/requantize.js";
import { xnnpackLeakyReluTable, xnnpackRequantizer } from "../../src/quant/xnnpack.js";

const SEED = 20261130;
const f = Math.fround;
const lrintf = (v: number): number => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const roundf = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

interface Case {
  readonly layout: "nhwc" | "nchw";
  readonly d: { n: number; h: number; w: number; c: number };
  readonly sIn: number;
  readonly zpIn: number;
  readonly sOut: number;
  readonly zpOut: number;
  readonly x: Int8Array;
}

const caseArb = fc
  .record({
    layout: fc.constantFrom("nhwc" as const, "nchw" as const),
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 6 }),
    sIn: fc.double({ min: 0.001, max: 0.5, noNaN: true }).map(f),
    ratio: fc.double({ min: 0.05, max: 8, noNaN: true }),
    zpIn: fc.integer({ min: -128, max: 127 }),
    zpOut: fc.integer({ min: -128, max: 127 }),
    seed: fc.integer(),
  })
  .chain((r) =>
    fc.array(fc.integer({ min: -128, max: 127 }), { minLength: r.n * r.h * r.w * r.c, maxLength: r.n * r.h * r.w * r.c }).map(
      (xs): Case => ({ layout: r.layout, d: { n: r.n, h: r.h, w: r.w, c: r.c }, sIn: r.sIn, zpIn: r.zpIn, sOut: f(r.sIn / r.ratio), zpOut: r.zpOut, x: Int8Array.from(xs) }),
    ),
  );

/** Channel sums in output order (b·C + c), computed naively from the layout. */
function sums(k: Case): number[] {
  const { n, h, w, c } = k.d;
  const at = (b: number, y: number, xx: number, ch: number): number => (k.layout === "nhwc" ? ((b * h + y) * w + xx) * c + ch : ((b * c + ch) * h + y) * w + xx);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      let s = 0;
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) s += k.x[at(b, y, xx, ch)]!;
      out.push(s);
    }
  return out;
}

function kernel(k: Case, mean: MeanRule): number[] {
  const out = new Int8Array(k.d.n * k.d.c);
  globalAvgPool(k.layout, k.d, k.x, mean, k, outputRange(-128, 127, -128, 127), out);
  return Array.from(out);
}

const scales = (k: Case) => ({ sIn: k.sIn, zpIn: k.zpIn, sOut: k.sOut, zpOut: k.zpOut, n: k.d.h * k.d.w });
const clamp8 = (v: number): number => Math.max(-128, Math.min(127, v));

describe(`mean rules (fast-check seed ${SEED})`, () => {
  it("truncate is C integer division of the raw sum", () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const n = k.d.h * k.d.w;
        expect(kernel(k, { rule: "truncate" })).toEqual(sums(k).map((s) => clamp8((s < 0 ? -Math.floor(-s / n) : Math.floor(s / n)) + 0)));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("count-scale in onnx mode is onnxruntime's QLinearGlobalAveragePool (and XNNPACK's fp32 gavgpool)", () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const ort = new Int8Array(k.d.n * k.d.c);
        globalAvgPoolOrt(k.layout, k.d, k.x, { scale: k.sIn, zeroPoint: k.zpIn }, { scale: k.sOut, zeroPoint: k.zpOut }, outputRange(-128, 127, -128, 127), ort);
        expect(kernel(k, meanRule({ derive: "count-scale", mode: "onnx" }, scales(k)))).toEqual(Array.from(ort));
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("count-scale-bias is desktop TFLite's optimized_integer_ops::Mean", () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        // Mean(): num_elements_in_axis is a float; temp = zp_in·s_in/s_out ± 0.5f in float, truncated.
        const n = f(k.d.h * k.d.w);
        let temp = f(f(k.zpIn * k.sIn) / k.sOut);
        temp = temp > 0 ? f(temp + 0.5) : f(temp - 0.5);
        const bias = k.zpOut - Math.trunc(temp);
        const q = quantizeMultiplier(f(k.sIn / f(n * k.sOut)));
        const want = sums(k).map((s) => clamp8(mbqmDouble(s, q.multiplier, q.shift) + bias));
        expect(kernel(k, meanRule({ derive: "count-scale-bias", mode: "double" }, scales(k)))).toEqual(want);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("float is desktop TFLite's reference QuantizedMeanOrSum", () => {
    fc.assert(
      fc.property(caseArb, (k) => {
        const scale = f(k.sIn / k.sOut);
        const bias = f(-k.zpIn * scale);
        const want = sums(k).map((s) => clamp8(roundf(f(f(f(s / (k.d.h * k.d.w)) * scale) + bias)) + k.zpOut));
        expect(kernel(k, { rule: "float" })).toEqual(want);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it("fold-count is TFLite Micro's integer fold of 1/n", () => {
    const k: Case = { layout: "nhwc", d: { n: 1, h: 5, w: 3, c: 1 }, sIn: f(0.05), zpIn: -7, sOut: f(0.02), zpOut: 11, x: new Int8Array(15) };
    const m = meanRule({ derive: "fold-count", mode: "double" }, scales(k));
    if (m.rule !== "requant" || m.requant.mode === "onnx") throw new Error("requant expected");
    const q = quantizeMultiplier(k.sIn / k.sOut);
    // ⌊log2 15⌋ = 3
    expect([m.requant.multiplier[0], m.requant.shift[0]]).toEqual([Number((BigInt(q.multiplier) << 3n) / 15n), q.shift - 3]);
  });
});

/** A one-node graph around a global-avgpool with these scales. */
function meanGraph(sIn: number, sOut: number, keepDims: boolean, mean: MeanRule): { g: ReturnType<GraphBuilder["build"]>; node: () => Node } {
  const b = new GraphBuilder("mean");
  b.input("x", INT8, [1, 4, 5, 8], tensorQuant(sIn, 3));
  b.value("y", INT8, keepDims ? [1, 1, 1, 8] : [1, 8], tensorQuant(sOut, -2));
  b.node({ name: "mean_0", op: "global-avgpool", inputs: ["x"], outputs: ["y"], layout: "nhwc", keepDims, mean, clampMin: -128, clampMax: 127 });
  b.output("y");
  const g = b.build();
  return { g, node: () => g.nodes[0]! };
}

describe("profiles and forced rounding on means", () => {
  const rule = (n: Node): string => (n.op !== "global-avgpool" ? n.op : n.mean.rule === "requant" || n.mean.rule === "requant-bias" ? `${n.mean.rule} ${n.mean.requant.mode}` : n.mean.rule);

  it("XNNPACK refuses s_in/s_out outside [2^-8, 2^8): desktop TFLite's kernel runs the mean", () => {
    const inRange = meanGraph(f(0.5), f(0.002), true, { rule: "truncate" }).g;
    const outOfRange = meanGraph(f(0.6), f(0.002), true, { rule: "truncate" }).g;
    expect([rule(applyProfile(inRange, "xnnpack").nodes[0]!), rule(applyProfile(outOfRange, "xnnpack").nodes[0]!)]).toEqual(["requant onnx", "requant-bias double"]);
  });

  it("forced rounding converts requantizers, keeps the bias, and turns the float rule into a requantized sum", () => {
    const { g } = meanGraph(f(0.05), f(0.02), false, { rule: "float" });
    expect(rule(forceRounding(g, "single").nodes[0]!)).toBe("requant single");
    const keep = applyProfile(meanGraph(f(0.05), f(0.02), true, { rule: "truncate" }).g, "tflite");
    const forced = forceRounding(keep, "single").nodes[0]!;
    const before = keep.nodes[0]!;
    if (forced.op !== "global-avgpool" || before.op !== "global-avgpool" || forced.mean.rule !== "requant-bias" || before.mean.rule !== "requant-bias") throw new Error("requant-bias expected");
    expect([forced.mean.requant.mode, forced.mean.bias]).toEqual(["single", before.mean.bias]);
    const same = meanGraph(f(0.05), f(0.05), false, { rule: "truncate" }).g;
    expect(forceRounding(same, "single").nodes[0]).toBe(same.nodes[0]);
  });
});

describe(`XNNPACK Q8 kernels (fast-check seed ${SEED})`, () => {
  const params = fc.record({
    s: fc.double({ min: 2 ** -8, max: 2 ** 7, noNaN: true }).map(f),
    alpha: fc.double({ min: -0.99, max: 0.99, noNaN: true }).map(f),
    zpIn: fc.integer({ min: -128, max: 127 }),
    zpOut: fc.integer({ min: -128, max: 127 }),
    unsigned: fc.boolean(),
  });
  /** The testers' reference loop: asr((zp_in − x)·128·lrintf(−256·s) + 0x4000, 15) + zp_out, clamped. */
  const tester = (x: number, zpIn: number, zpOut: number, positive: number, negative: number, t: QType): number => {
    const input = (zpIn - x) * 128;
    const multiplier = input <= 0 ? lrintf(-256 * positive) : lrintf(-256 * negative);
    return Math.max(qmin(t), Math.min(qmax(t), Math.floor((input * multiplier + 0x4000) / 2 ** 15) + zpOut));
  };
  const shift = (t: QType, zp: number): number => (t.signed ? zp : zp + 128);

  it("convert: the dyadic-half-up requantizer with multiplier lrintf(256·s), shift 23", () => {
    fc.assert(
      fc.property(params, ({ s, zpIn, zpOut, unsigned }) => {
        const t = unsigned ? UINT8 : INT8;
        const [zi, zo] = [shift(t, zpIn), shift(t, zpOut)];
        const rq = requantFn(xnnpackRequantizer(s, 1, 0));
        const got = Array.from({ length: 256 }, (_, k) => Math.max(qmin(t), Math.min(qmax(t), rq(k + qmin(t) - zi, 0) + zo)));
        expect(got).toEqual(Array.from({ length: 256 }, (_, k) => tester(k + qmin(t), zi, zo, s, s, t)));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("leaky ReLU: the same with f32(s·α) below the input zero point", () => {
    fc.assert(
      fc.property(params, ({ s, alpha, zpIn, zpOut, unsigned }) => {
        const t = unsigned ? UINT8 : INT8;
        const [zi, zo] = [shift(t, zpIn), shift(t, zpOut)];
        const table = xnnpackLeakyReluTable(s, zi, 1, zo, alpha, t);
        const want = Array.from({ length: 256 }, (_, k) => tester(k + qmin(t), zi, zo, s, f(s * alpha), t));
        expect(Array.from(table)).toEqual(want);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("the xnnpack builder refuses what XNNPACK refuses, and tabulates leaky-relu only", () => {
    const base = { inScale: 0.05, inZeroPoint: 10, outScale: 0.04, outZeroPoint: -20, inType: INT8, outType: INT8 };
    expect(() => buildLut({ ...base, fn: "leaky-relu", builder: "xnnpack", alpha: 0.002 })).toThrow(UnsupportedError);
    expect(() => buildLut({ ...base, fn: "leaky-relu", builder: "xnnpack", alpha: 0.002 })).toThrow(/lut\.leaky-relu: XNNPACK refuses these scales/);
    expect(() => buildLut({ ...base, fn: "sigmoid", builder: "xnnpack", outScale: 1 / 256, outZeroPoint: -128 })).toThrow(/the xnnpack builder tabulates leaky-relu only/);
    const table = buildLut({ ...base, fn: "leaky-relu", builder: "xnnpack", alpha: 0.2 });
    expect(Array.from(table)).toEqual(Array.from(xnnpackLeakyReluTable(f(0.05), 10, f(0.04), -20, f(0.2), INT8)));
  });
});
