/**
 * Lookup tables for LOGISTIC / TANH / LEAKY_RELU and their application.
 *
 * Upstream goldens (test/fixtures/tflm-activations, see PROVENANCE.md). None of the upstream int8 tests for
 * these ops asserts exact integers: each quantizes a float golden and allows a tolerance, so each is checked
 * here under its own assertion:
 *  - "fixed-point" builder: tflite-micro logistic_test.cc (2 int8 cases, 20 outputs, |Δ| ≤ 1) and
 *    tanh_test.cc (90 outputs, |Δ| ≤ 2);
 *  - "float" builder: desktop activations_test.cc SigmoidInt8 (89 outputs, 2/256) and TanhInt8 (89, 0.014);
 *  - leaky-relu: desktop LeakyReluInt8 (25 outputs, 10/256).
 * Exact checks are hand-derived (leaky-relu with power-of-two multipliers, fixed points of the kernels).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnsupportedError } from "../../src/errors.js";
import { INT8, type QType, UINT8 } from "../../src/ir/dtype.js";
import { applyLut } from "../../src/kernels/lut.js";
import { buildLut, type LutParams } from "../../src/quant/lut-builders.js";
import { readJson } from "../helpers/fixtures.js";

const SEED = 20261129;
const DIR = "tflm-activations";
const f = Math.fround;
const roundAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));
/** tflite::FloatToQuantizedType (micro_utils.h). */
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
/** test_util.h Quantize<int8_t>. */
const testUtilQuantize = (v: number, scale: number, zp: number): number => Math.max(-128, Math.min(127, roundAway(f(zp + f(f(v) / scale)))));

function lut(p: Omit<LutParams, "inType" | "outType">, t: QType = INT8): Int32Array {
  return buildLut({ ...p, inType: t, outType: t });
}
const lookup = (table: Int32Array, q: number): number => table[q + 128]!;

describe("applyLut", () => {
  it("indexes by x − qmin for signed and unsigned types", () => {
    const t = Int32Array.from({ length: 256 }, (_, k) => 127 - k);
    const out = new Int8Array(3);
    applyLut(Int8Array.from([-128, 0, 127]), INT8, t, out);
    expect(Array.from(out)).toEqual([127, -1, -128]);
    const tu = Int32Array.from({ length: 256 }, (_, k) => 255 - k);
    const outU = new Uint8Array(3);
    applyLut(Uint8Array.from([0, 1, 255]), UINT8, tu, outU);
    expect(Array.from(outU)).toEqual([255, 254, 0]);
  });
  it("rejects a table of the wrong size, a short output and out-of-range inputs", () => {
    expect(() => applyLut(new Int8Array(2), INT8, new Int32Array(255), new Int8Array(2))).toThrow(/table size does not match the input type \(given 255 entries; expected 256/);
    expect(() => applyLut(new Int8Array(2), INT8, new Int32Array(256), new Int8Array(1))).toThrow(/output shorter than input/);
    expect(() => applyLut(Int16Array.from([300]), INT8, new Int32Array(256), new Int16Array(1))).toThrow(/outside its type's range \(given x\[0\] = 300/);
  });
});

interface MicroCase {
  name: string;
  inputScale: number;
  inputZeroPoint: number;
  outputScale: number;
  outputZeroPoint: number;
  tolerance: number;
  arrayLength?: number;
  input: number[];
  golden: number[];
}
const micro = readJson<{ logistic: MicroCase[]; tanh: MicroCase[] }>(DIR, "logistic-tanh-tflm.json");

describe("fixed-point builder vs TFLite Micro logistic_test.cc / tanh_test.cc (their own tolerance)", () => {
  const cases = [...micro.logistic.map((c) => ({ ...c, fn: "sigmoid" as const })), ...micro.tanh.map((c) => ({ ...c, fn: "tanh" as const }))];
  for (const c of cases) {
    it(c.name, () => {
      const table = lut({ fn: c.fn, builder: "fixed-point", inScale: c.inputScale, inZeroPoint: c.inputZeroPoint, outScale: c.outputScale, outZeroPoint: c.outputZeroPoint });
      // C zero-initializes declared-but-unlisted array elements (tanh: 90 declared, 89 listed).
      const n = c.arrayLength ?? c.input.length;
      const input = Array.from({ length: n }, (_, i) => c.input[i] ?? 0);
      const golden = Array.from({ length: n }, (_, i) => c.golden[i] ?? 0);
      const worst = Math.max(
        ...input.map((v, i) => Math.abs(lookup(table, microQuantize(v, c.inputScale, c.inputZeroPoint)) - microQuantize(golden[i]!, c.outputScale, c.outputZeroPoint))),
      );
      expect(worst).toBeLessThanOrEqual(c.tolerance);
    });
  }
});

interface DesktopCase {
  inputRange: [number, number];
  outputRange?: [number, number];
  toleranceFloat: number;
  input: number[];
  golden: number[];
}
const desktop = readJson<{ sigmoid: DesktopCase; tanh: DesktopCase }>(DIR, "logistic-tanh-desktop.json");
const leaky = readJson<DesktopCase & { alpha: number }>(DIR, "leaky-relu-desktop.json");

/** Run a desktop SingleOpModel-style test: quantize, look up, dequantize, compare within the float tolerance. */
function desktopWorst(table: Int32Array, c: DesktopCase, outScale: number, outZp: number): number {
  const qi = testUtilParams(c.inputRange[0], c.inputRange[1]);
  return Math.max(
    ...c.input.map((v, i) => {
      const y = lookup(table, testUtilQuantize(v, qi.scale, qi.zeroPoint));
      return Math.abs(f(outScale * (y - outZp)) - c.golden[i]!);
    }),
  );
}

describe("float builder vs desktop activations_test.cc (their own tolerance)", () => {
  it("SigmoidInt8", () => {
    const qi = testUtilParams(-10, 10);
    const table = lut({ fn: "sigmoid", builder: "float", inScale: qi.scale, inZeroPoint: qi.zeroPoint, outScale: 1 / 256, outZeroPoint: -128 });
    expect(desktopWorst(table, desktop.sigmoid, 1 / 256, -128)).toBeLessThanOrEqual(desktop.sigmoid.toleranceFloat);
  });
  it("TanhInt8", () => {
    const qi = testUtilParams(-8, 7.9375);
    const qo = testUtilParams(-1, 127 / 128);
    expect(qi).toEqual({ scale: 1 / 16, zeroPoint: 0 });
    expect(qo).toEqual({ scale: 1 / 128, zeroPoint: 0 });
    const table = lut({ fn: "tanh", builder: "float", inScale: qi.scale, inZeroPoint: 0, outScale: qo.scale, outZeroPoint: 0 });
    expect(desktopWorst(table, desktop.tanh, qo.scale, 0)).toBeLessThanOrEqual(desktop.tanh.toleranceFloat);
  });
  it("LeakyReluInt8 (alpha 0.1), both builders (TFLite tabulates no float table for LEAKY_RELU)", () => {
    const qi = testUtilParams(leaky.inputRange[0], leaky.inputRange[1]);
    const qo = testUtilParams(leaky.inputRange[0] * leaky.alpha, leaky.inputRange[1]);
    expect(qi).toEqual({ scale: 0.0390625, zeroPoint: 0 });
    for (const builder of ["float", "fixed-point"] as const) {
      const table = lut({ fn: "leaky-relu", builder, alpha: leaky.alpha, inScale: qi.scale, inZeroPoint: 0, outScale: qo.scale, outZeroPoint: qo.zeroPoint });
      expect(desktopWorst(table, leaky, qo.scale, qo.zeroPoint)).toBeLessThanOrEqual(leaky.toleranceFloat);
    }
  });
});

describe("exact, derived by hand", () => {
  it("leaky-relu with s_in = s_out and alpha 1/2: identity above zp, x/2 rounded half up below", () => {
    // Identity multiplier 1.0 → (2^30, shift 1): SRDHM(2x, 2^30) = x exactly. Alpha 0.5 → (2^30, 0):
    // SRDHM(x, 2^30) = x/2 rounded to nearest with ties toward +∞ (the nudge 1 − 2^30 and the truncating
    // division send −67.5 to −67, as ARM's VQRDMULH does), which is JS Math.round.
    const zpIn = 7;
    const zpOut = -3;
    const table = lut({ fn: "leaky-relu", builder: "fixed-point", alpha: 0.5, inScale: 0.25, inZeroPoint: zpIn, outScale: 0.25, outZeroPoint: zpOut });
    for (let v = -128; v <= 127; v++) {
      const d = v - zpIn;
      const want = Math.max(-128, Math.min(127, zpOut + (d >= 0 ? d : Math.round(d / 2))));
      expect(lookup(table, v)).toBe(want);
    }
  });
  it("the zero point maps to 1/2 (logistic) and 0 (tanh), both builders; far inputs saturate", () => {
    for (const builder of ["float", "fixed-point"] as const) {
      const s = lut({ fn: "sigmoid", builder, inScale: 0.1, inZeroPoint: 5, outScale: 1 / 256, outZeroPoint: -128 });
      expect(lookup(s, 5)).toBe(0);
      expect(lookup(s, -128)).toBe(-128); // logistic(−13.3)·256 ≈ 4e−4
      expect(lookup(s, 127)).toBe(127); // 256·(1 − 5e−6) rounds to 256, clamped
      const t = lut({ fn: "tanh", builder, inScale: 0.1, inZeroPoint: -5, outScale: 1 / 128, outZeroPoint: 0 });
      expect(lookup(t, -5)).toBe(0);
      expect(lookup(t, 127)).toBe(127);
      expect(lookup(t, -128)).toBe(-128);
    }
  });
  it("the float builder's float32 tanh can land on a tie that the fixed-point kernel does not see", () => {
    // tanh(f32(0.0099121723·−233)) · 128 = −125.4999984: fixed-point rounds to −125; tanhf gives exactly
    // −0.98046875 (the nearest float32), ·128 = −125.5, which TfLiteRound takes to −126 (glibc agrees).
    const p = { fn: "tanh" as const, inScale: 0.009912172332406044, inZeroPoint: 109, outScale: 1 / 128, outZeroPoint: 0 };
    expect(lookup(lut({ ...p, builder: "float" }), -124)).toBe(-126);
    expect(lookup(lut({ ...p, builder: "fixed-point" }), -124)).toBe(-125);
  });
});

describe(`properties (fast-check seed ${SEED})`, () => {
  const cfg = fc.record({
    inScale: fc.double({ min: 1 / 1024, max: 0.5, noNaN: true }),
    inZeroPoint: fc.integer({ min: -128, max: 127 }),
    builder: fc.constantFrom("float" as const, "fixed-point" as const),
  });
  const monotone = (t: Int32Array): boolean => t.every((v, k) => k === 0 || v >= t[k - 1]!);
  it("sigmoid and tanh tables are non-decreasing, in range, and the builders agree within 1", () => {
    fc.assert(
      fc.property(cfg, ({ inScale, inZeroPoint, builder }) => {
        const s = lut({ fn: "sigmoid", builder, inScale, inZeroPoint, outScale: 1 / 256, outZeroPoint: -128 });
        const t = lut({ fn: "tanh", builder, inScale, inZeroPoint, outScale: 1 / 128, outZeroPoint: 0 });
        const other = builder === "float" ? "fixed-point" : "float";
        const s2 = lut({ fn: "sigmoid", builder: other, inScale, inZeroPoint, outScale: 1 / 256, outZeroPoint: -128 });
        return monotone(s) && monotone(t) && s.every((v, k) => v >= -128 && v <= 127 && Math.abs(v - s2[k]!) <= 1);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
  it("uint8 float tables are non-decreasing too", () => {
    fc.assert(
      fc.property(cfg, fc.integer({ min: 0, max: 255 }), ({ inScale }, zp) => {
        const s = lut({ fn: "sigmoid", builder: "float", inScale, inZeroPoint: zp, outScale: 1 / 256, outZeroPoint: 0 }, UINT8);
        const t = lut({ fn: "tanh", builder: "float", inScale, inZeroPoint: zp, outScale: 1 / 128, outZeroPoint: 128 }, UINT8);
        return monotone(s) && monotone(t) && s.every((v) => v >= 0 && v <= 255);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe("errors", () => {
  const base = { inScale: 0.1, inZeroPoint: 0, outScale: 1 / 256, outZeroPoint: -128 };
  it("names what is supported", () => {
    expect(() => buildLut({ ...base, fn: "sigmoid", builder: "float", inType: { bits: 16, signed: true }, outType: { bits: 16, signed: true } })).toThrow(
      /lut\.sigmoid: unsupported input\/output types \(given int16 → int16; expected int8 → int8 or uint8 → uint8\)/,
    );
    expect(() => lut({ ...base, fn: "sigmoid", builder: "fixed-point", outZeroPoint: 0 }, UINT8)).toThrow(/fixed-point LOGISTIC \/ TANH kernels are int8 only/);
    expect(() => lut({ ...base, fn: "sigmoid", builder: "float", outScale: 1 / 255 })).toThrow(/requires output scale 1\/256/);
    expect(() => lut({ ...base, fn: "sigmoid", builder: "fixed-point", outZeroPoint: 0 })).toThrow(/requires output zero point −128/);
    expect(() => lut({ ...base, fn: "leaky-relu", builder: "float" })).toThrow(UnsupportedError);
    expect(() => lut({ ...base, fn: "tanh", builder: "float", inScale: 0 })).toThrow(/scales must be positive and finite/);
  });
});
