/**
 * int8 softmax, both variants, against upstream goldens (test/fixtures/tflm-activations, PROVENANCE.md):
 *  - exact integers: CMSIS-NN's softmax test data (TFLite reference kernel outputs, 2 cases, 15 outputs) for
 *    the fixed-point variant, and desktop TFLite's activations_test.cc Softmax4DInt8 (8 outputs, asserted
 *    there for both the Reference and the GenericOptimized kernel) for both variants;
 *  - TFLite Micro's softmax_test.cc int8 cases (195 outputs) under that test's own assertion (|Δ| ≤ 1 after
 *    quantizing the float golden), for the fixed-point variant;
 * plus the inputs on which the two variants differ, and properties (fast-check, seed printed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnsupportedError } from "../../src/errors.js";
import { INT8, UINT8 } from "../../src/ir/dtype.js";
import { type FixedPointSoftmaxPrepared, prepareSoftmax, softmax, type SoftmaxVariant } from "../../src/kernels/softmax.js";
import { readJson } from "../helpers/fixtures.js";

const SEED = 20261128;
const DIR = "tflm-activations";
const f = Math.fround;
const roundAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));
const VARIANTS: readonly SoftmaxVariant[] = ["fixed-point", "lookup-table"];

/** tflite::FloatToQuantizedType (micro_utils.h): round(value / scale) + zp in float, clamped to int8. */
const microQuantize = (v: number, scale: number, zp: number): number => Math.max(-128, Math.min(127, roundAway(f(f(v) / f(scale))) + zp));

/** SingleOpModel::QuantizationParams<int8_t> (kernels/test_util.h), float32 throughout. */
function testUtilParams(fmin: number, fmax: number): { scale: number; zeroPoint: number } {
  const [qmin, qmax] = [-128, 127];
  const scale = f(f(f(fmax) - f(fmin)) / (qmax - qmin));
  const zpFromMin = f(qmin - f(f(fmin) / scale));
  const zpFromMax = f(qmax - f(f(fmax) / scale));
  const errMin = f(Math.abs(qmin) + Math.abs(f(f(fmin) / scale)));
  const errMax = f(Math.abs(qmax) + Math.abs(f(f(fmax) / scale)));
  const zpDouble = errMin < errMax ? zpFromMin : zpFromMax;
  const zeroPoint = zpDouble < qmin ? qmin : zpDouble > qmax ? qmax : roundAway(zpDouble) + 0;
  return { scale, zeroPoint };
}
/** test_util.h Quantize<int8_t>: std::round(zero_point + f / scale) in float, clamped. */
const testUtilQuantize = (v: number, scale: number, zp: number): number => Math.max(-128, Math.min(127, roundAway(f(zp + f(f(v) / scale)))));

function run(variant: SoftmaxVariant, inScale: number, beta: number, x: readonly number[], depth: number): number[] {
  const prep = prepareSoftmax({ variant, beta, inScale, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, inType: INT8, outType: INT8 });
  const out = new Int8Array(x.length);
  softmax(Int8Array.from(x), x.length / depth, depth, prep, out);
  return Array.from(out);
}

interface CmsisCase {
  name: string;
  rows: number;
  depth: number;
  inputMultiplier: number;
  inputLeftShift: number;
  diffMin: number;
  consistentWith?: { inScale: number; beta: number };
  input: number[];
  expected: number[];
}
interface ExactFixture {
  cmsisNn: CmsisCase[];
  desktopSoftmax4DInt8: { beta: number; shape: number[]; inputRange: [number, number]; inputFloat: number[]; outScale: number; outZeroPoint: number; expected: number[] };
}
const exact = readJson<ExactFixture>(DIR, "softmax-exact.json");

describe("exact goldens", () => {
  for (const c of exact.cmsisNn) {
    it(`${c.name}: fixed-point kernel with the test's multiplier, shift and diff_min`, () => {
      const prep: FixedPointSoftmaxPrepared = {
        variant: "fixed-point",
        inType: INT8,
        outType: INT8,
        inputMultiplier: c.inputMultiplier,
        inputLeftShift: c.inputLeftShift,
        diffMin: c.diffMin,
      };
      const out = new Int8Array(c.input.length);
      softmax(Int8Array.from(c.input), c.rows, c.depth, prep, out);
      expect(Array.from(out)).toEqual(c.expected);
      if (c.consistentWith !== undefined) {
        // PreprocessSoftmaxScaling from input scale 1/255 (float32) and β = 1 gives the test's parameters.
        const { inScale, beta } = c.consistentWith;
        const p = prepareSoftmax({ variant: "fixed-point", beta, inScale, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, inType: INT8, outType: INT8 });
        expect(p).toMatchObject({ inputMultiplier: c.inputMultiplier, inputLeftShift: c.inputLeftShift, diffMin: c.diffMin });
      }
    });
  }

  it("desktop activations_test Softmax4DInt8: both variants give the asserted integers", () => {
    const d = exact.desktopSoftmax4DInt8;
    const q = testUtilParams(d.inputRange[0], d.inputRange[1]);
    expect(q).toEqual({ scale: f(20 / 255), zeroPoint: 0 });
    const x = d.inputFloat.map((v) => testUtilQuantize(v, q.scale, q.zeroPoint));
    expect(x).toEqual([0, -77, 26, 51, 38, -26, 127, 13]);
    const depth = d.shape[d.shape.length - 1]!;
    for (const variant of VARIANTS) expect(run(variant, q.scale, d.beta, x, depth)).toEqual(d.expected);
  });
});

interface TflmFixture {
  beta: number;
  inputScale: number;
  inputZeroPoint: number;
  outputScale: number;
  outputZeroPoint: number;
  tolerance: number;
  cases: { name: string; shape: number[]; input: number[]; golden: number[] }[];
}
const tflm = readJson<TflmFixture>(DIR, "softmax-tflm.json");

describe("TFLite Micro softmax_test.cc int8 cases (the test's own |Δ| ≤ 1 assertion)", () => {
  for (const c of tflm.cases) {
    it(c.name, () => {
      const depth = c.shape[c.shape.length - 1]!;
      const x = c.input.map((v) => microQuantize(v, tflm.inputScale, tflm.inputZeroPoint));
      const got = run("fixed-point", tflm.inputScale, tflm.beta, x, depth);
      const want = c.golden.map((g) => microQuantize(g, tflm.outputScale, tflm.outputZeroPoint));
      const worst = Math.max(...got.map((y, i) => Math.abs(y - want[i]!)));
      expect(worst).toBeLessThanOrEqual(tflm.tolerance);
    });
  }
});

describe("where the fixed-point and lookup-table variants differ", () => {
  it("two rows found by a random sweep, one output each", () => {
    const a = [-126, 23, 18, 0, 77, 108, -114, 60, -4, 46];
    expect(run("fixed-point", 0.1, 1, a, 10)).toEqual([-128, -128, -128, -128, -117, 114, -128, -126, -128, -128]);
    expect(run("lookup-table", 0.1, 1, a, 10)).toEqual([-128, -128, -128, -128, -117, 115, -128, -126, -128, -128]);
    const b = [61, 0, 30, -116, 56, -19, -128, -54];
    expect(run("fixed-point", 20 / 255, 1, b, 8)).toEqual([16, -127, -115, -128, -30, -128, -128, -128]);
    expect(run("lookup-table", 20 / 255, 1, b, 8)).toEqual([16, -127, -115, -128, -31, -128, -128, -128]);
  });

  it("counts on seeded uniform random rows (β = 1): differences are rare and ±1", () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const counts: number[] = [];
    for (const [scale, depth] of [[0.1, 10], [1 / 255, 10], [0.25, 12], [0.05, 2], [20 / 255, 8]] as const) {
      const rows = 10000;
      const x = Array.from({ length: rows * depth }, () => Math.floor(rnd() * 256) - 128);
      const p = run("fixed-point", scale, 1, x, depth);
      const q = run("lookup-table", scale, 1, x, depth);
      counts.push(p.filter((v, i) => v !== q[i]).length);
      expect(Math.max(...p.map((v, i) => Math.abs(v - q[i]!)))).toBeLessThanOrEqual(1);
    }
    // 100000 / 100000 / 120000 / 20000 / 80000 outputs per configuration.
    expect(counts).toEqual([2, 0, 1, 0, 4]);
  });

  it("depth 2 (e.g. VWW's two classes): identical on all 65536 input pairs at scales 0.1, 1/255, 20/255", () => {
    const x: number[] = [];
    for (let a = -128; a < 128; a++) for (let b = -128; b < 128; b++) x.push(a, b);
    for (const scale of [0.1, 1 / 255, 20 / 255]) expect(run("fixed-point", scale, 1, x, 2)).toEqual(run("lookup-table", scale, 1, x, 2));
  });
});

describe(`properties (fast-check seed ${SEED})`, () => {
  const row = fc.integer({ min: 1, max: 40 }).chain((depth) =>
    fc.record({
      depth: fc.constant(depth),
      rows: fc.integer({ min: 1, max: 4 }),
      scale: fc.double({ min: 1 / 512, max: 1, noNaN: true }),
      beta: fc.constantFrom(1, 0.5, 2),
      data: fc.array(fc.integer({ min: -128, max: 127 }), { minLength: depth * 4, maxLength: depth * 4 }),
    }),
  );
  for (const variant of VARIANTS) {
    it(`${variant}: outputs in range, monotone in the input, the row maximum gets the row's largest output`, () => {
      fc.assert(
        fc.property(row, ({ depth, rows, scale, beta, data }) => {
          const x = data.slice(0, rows * depth);
          const y = run(variant, scale, beta, x, depth);
          for (let r = 0; r < rows; r++) {
            const xs = x.slice(r * depth, (r + 1) * depth);
            const ys = y.slice(r * depth, (r + 1) * depth);
            if (ys.some((v) => v < -128 || v > 127)) return false;
            if (ys[xs.indexOf(Math.max(...xs))] !== Math.max(...ys)) return false;
            for (let i = 0; i < depth; i++) for (let j = 0; j < depth; j++) if (xs[i]! > xs[j]! && ys[i]! < ys[j]!) return false;
          }
          return true;
        }),
        { seed: SEED, numRuns: 300 },
      );
    });
  }
  for (const variant of VARIANTS) {
    it(`${variant}: uint8 input x + 128 gives the int8 output + 128 (the kernels see only differences)`, () => {
      // lookup-table: uint8 rounds by trunc(p + 0.5f) instead of round(p); they differ only for
      // p = 0.5 − 2^−25, where the float32 sum rounds up to 1.
      fc.assert(
        fc.property(row, ({ depth, scale, data }) => {
          const x = data.slice(0, depth);
          const p8 = prepareSoftmax({ variant, beta: 1, inScale: scale, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: 0, inType: UINT8, outType: UINT8 });
          const out = new Uint8Array(depth);
          softmax(Uint8Array.from(x, (v) => v + 128), 1, depth, p8, out);
          return run(variant, scale, 1, x, depth).every((v, i) => v + 128 === out[i]);
        }),
        { seed: SEED, numRuns: 200 },
      );
    });
  }
});

describe("errors", () => {
  const base = { beta: 1, inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128, inType: INT8, outType: INT8 } as const;
  it("unsupported type combinations name what is supported", () => {
    expect(() => prepareSoftmax({ ...base, variant: "fixed-point", outType: { bits: 16, signed: true } })).toThrow(
      /softmax: unsupported input\/output types \(given int8 → int16; expected int8 → int8 \(every variant\) or uint8 → uint8\)/,
    );
    expect(() => prepareSoftmax({ ...base, variant: "lookup-table", inType: UINT8 })).toThrow(UnsupportedError);
  });
  it("output quantization the runtime's Prepare rejects", () => {
    expect(() => prepareSoftmax({ ...base, variant: "fixed-point", outScale: 1 / 255 })).toThrow(/assumes the output quantization of a probability/);
    expect(() => prepareSoftmax({ ...base, variant: "lookup-table", outZeroPoint: 0 })).toThrow(/near scale 1\/256 with zero point −128/);
    expect(() => prepareSoftmax({ ...base, variant: "lookup-table", inType: UINT8, outType: UINT8, outZeroPoint: 3 })).toThrow(/zero point 0/);
    expect(() => prepareSoftmax({ ...base, variant: "fixed-point", inScale: 1e-9 })).toThrow(/PreprocessSoftmaxScaling aborts/);
  });
  it("bad shapes and out-of-range inputs", () => {
    const p = prepareSoftmax({ ...base, variant: "lookup-table" });
    expect(() => softmax(new Int8Array(4), 1, 0, p, new Int8Array(4))).toThrow(/softmax: bad shape/);
    expect(() => softmax(new Int8Array(4), 2, 4, p, new Int8Array(8))).toThrow(/buffer shorter than rows·depth/);
    expect(() => softmax(Int16Array.from([1, 200]), 1, 2, p, new Int16Array(2))).toThrow(/outside its type's range \(given x\[1\] = 200; expected int8\)/);
  });
  it("a row whose exponentials sum to 512 makes TFLite Micro abort: the kernel refuses it", () => {
    const p = prepareSoftmax({ ...base, variant: "fixed-point" });
    const out = new Int8Array(512);
    softmax(new Int8Array(511), 1, 511, p, out.subarray(0, 511));
    expect(() => softmax(new Int8Array(512), 1, 512, p, out)).toThrow(/TFLite Micro's fixed-point softmax aborts/);
  });
});

describe("onnxruntime variant (com.microsoft QLinearSoftmax)", () => {
  // Outputs of single-QLinearSoftmax models in onnxruntime-node 1.30 (x86-64), the measurements behind
  // kernels/ort-softmax.ts; whole-model goldens are in test/fixtures/onnx-graph-goldens (qop_softmax_*).
  const run = (t: typeof INT8, inScale: number, outScale: number, outZeroPoint: number, rows: number[][]): number[][] => {
    const depth = rows[0]!.length;
    const p = prepareSoftmax({ variant: "onnxruntime", beta: 1, inScale, inZeroPoint: 0, outScale, outZeroPoint, inType: t, outType: t });
    const out = new Int32Array(rows.length * depth);
    softmax(Int32Array.from(rows.flat()), rows.length, depth, p, out);
    return rows.map((_, r) => Array.from(out.subarray(r * depth, (r + 1) * depth)));
  };
  it("int8 results above 127 saturate (the C++ source reads as a wrap to −128)", () => {
    // p ≈ 1 with scale 1/256, zero point −128: 256 − 128 = 128 → 127.
    expect(run(INT8, 0.17, 1 / 256, -128, [[127, -91, -54, -17, -80, -43, -106, -69, -32, -95]])).toEqual([[127, -128, -128, -128, -128, -128, -128, -128, -128, -128]]);
    // floor(1/0.005) = 200: p·200 = 200 → 127, not −56.
    expect(run(INT8, 0.17, 0.005, 0, [[127, -91], [-117, 127]])).toEqual([[127, 0], [0, 127]]);
  });
  it("a one-wide axis overflows T·floor(1/s_y) to ∞: INT32_MIN + z_y, wrapped, then saturated", () => {
    expect(run(INT8, 0.17, 0.005, -50, [[127]])).toEqual([[127]]);
    expect(run(INT8, 0.17, 1 / 256, 10, [[127]])).toEqual([[-128]]);
    // uint8: (uint32)∞ is 0, so the output is the zero point.
    expect(run(UINT8, 0.1, 0.005, 20, [[255]])).toEqual([[20]]);
  });
});
