/**
 * The leaf datapaths against the kernels: MAC PEs of every precision (dot products with operand extremes,
 * accumulator wrap, all-ones / all-zeros XNOR words) and requantizers in every fixed-point rounding mode —
 * one Verilator build covering all six modes at run time, each frozen variant in Icarus, a per-channel ROM
 * with the real ResNet-8 requantizers — plus the negative controls the vectors must catch.
 */
import { describe, expect, it } from "vitest";
import { FIXED_MODES, type FixedMode, type FixedRequantizer } from "../../src/ir/requant.js";
import { PE_PRECISIONS, layerTaskFromGraph, peDesign, requantDesign, verifyDesign } from "../../rtl-gen/index.js";
import { configurableCases, directedAccs, tiesOf } from "../../rtl-gen/vectors/requant-vectors.js";
import { ICARUS_TIMEOUT, VERILATOR_TIMEOUT, resnet8, scratch, verified } from "./helpers.js";

const S8 = { bits: 8, signed: true };

describe("MAC PEs", () => {
  for (const precision of PE_PRECISIONS) {
    it(`${precision}: bit-exact in Icarus, latency 1 and II 1 as declared, accumulator wrap included`, async () => {
      const d = peDesign({ precision, accBits: precision === "int8" ? 20 : precision === "int4" ? 12 : 10, ...(precision === "binary" ? { laneBits: 32 } : {}) }, { random: 150, seed: 11 });
      expect(d.notes).toEqual([]);
      const { results } = await verified(d, `pe-${precision}`, ["iverilog"]);
      expect(results[0]!.passed).toBe(d.vectors.outputs);
    }, ICARUS_TIMEOUT);
  }
  // In Verilator every lane precision is checked through the arrays (array.test.ts), which are built from it.
  it("int8 with unsigned activations: bit-exact in Icarus, timing as declared", async () => {
    await verified(peDesign({ precision: "int8", aSigned: false, accBits: 24 }, { random: 100, seed: 12 }), "pe-u8", ["iverilog"]);
  }, ICARUS_TIMEOUT);
});

describe("requantizer vectors", () => {
  it("ties are constructed exactly (random vectors almost never hit them)", () => {
    // x·M ≡ 2^(t−1) (mod 2^t): M = 3·2^29, t = 34 → x ≡ 2^4·3^-1 (mod 2^5).
    const mod = 1n << 34n;
    for (const x of tiesOf(1610612736, 34)) expect((((BigInt(x) * 1610612736n) % mod) + mod) % mod).toBe(1n << 33n);
    expect(tiesOf(1431655765, 34).length).toBeLessThanOrEqual(4);
    const accs = directedAccs("dyadic-half-up", 1073741824, -3, 0, -128, 127).map(([, why]) => why);
    expect(accs).toContain("rounding tie");
    expect(accs).toContain("+saturation");
    const { cases, directed } = configurableCases(FIXED_MODES, S8, 10, 1);
    for (const mode of FIXED_MODES) expect(cases.filter((k) => k.mode === mode && k.why?.includes("tie")).length).toBeGreaterThan(50);
    expect(cases.some((k) => k.mult === -2147483648 && k.acc === -2147483648)).toBe(true);
    expect(directed).toBeGreaterThan(6000);
  });
});

describe("requantizer", () => {
  it("run-time mode and shift: one build per simulator covers all six rounding modes, bit-exact in Icarus and Verilator", async () => {
    const d = requantDesign({ gen: { mode: "runtime", coeffs: { kind: "port" }, output: { kind: "port" }, outType: S8 } }, { random: 300, seed: 21 });
    const { results } = await verified(d, "rq-runtime", ["iverilog", "verilator"]);
    expect(results.map((r) => r.passed)).toEqual([d.vectors.outputs, d.vectors.outputs]);
    expect(d.vectors.outputs).toBeGreaterThan(8000);
  }, VERILATOR_TIMEOUT);

  for (const mode of FIXED_MODES) {
    it(`frozen ${mode}: multiplier, shift, zero point and clamp as parameters, bit-exact in Icarus`, async () => {
      // M = 3·2^29 has exact ties at shift −3; the clamp is a ReLU-like sub-range.
      const d = requantDesign({ gen: { mode, coeffs: { kind: "const", multiplier: 1610612736, shift: -3 }, output: { kind: "const", zeroPoint: -5, clampMin: -5, clampMax: 127 }, outType: S8 } }, { random: 300, seed: 22 });
      await verified(d, `rq-${mode}`, ["iverilog"]);
    }, ICARUS_TIMEOUT);
  }

  it("per-channel ROM with the real ResNet-8 conv_2d_9 requantizers, and a uint8 output, bit-exact in Icarus", async () => {
    const task = layerTaskFromGraph(resnet8(), "conv_2d_9");
    const rq = task.requant as FixedRequantizer;
    expect(rq.multiplier.length).toBe(64);
    const d = requantDesign({
      gen: { mode: rq.mode, coeffs: { kind: "rom", multiplier: Array.from(rq.multiplier), shift: Array.from(rq.shift) }, output: { kind: "const", zeroPoint: task.outZeroPoint, clampMin: task.clampMin, clampMax: task.clampMax }, outType: task.outType },
    }, { random: 500, seed: 23 });
    await verified(d, "rq-rom", ["iverilog"]);
    const u8 = requantDesign({ gen: { mode: "single", coeffs: { kind: "rom", multiplier: [1073741824, 1717986918], shift: [-2, -9] }, output: { kind: "const", zeroPoint: 128, clampMin: 0, clampMax: 255 }, outType: { bits: 8, signed: false } } }, { random: 200, seed: 24 });
    await verified(u8, "rq-u8", ["iverilog"]);
  }, ICARUS_TIMEOUT);
});

describe("negative controls: deliberately wrong requantizers fail the vectors", () => {
  const wrong = async (built: FixedMode, expected: FixedMode) => {
    const d = requantDesign({ gen: { mode: built, coeffs: { kind: "const", multiplier: 1610612736, shift: -3 }, output: { kind: "const", zeroPoint: 0, clampMin: -128, clampMax: 127 }, outType: S8 }, expectMode: expected }, { random: 100, seed: 31 });
    const [r] = await verifyDesign(d, scratch(`neg-${built}`), ["iverilog"]);
    return r!;
  };
  it("half-up hardware against half-even vectors fails, first on a tie", async () => {
    const r = await wrong("dyadic-half-up", "dyadic-half-even");
    expect(r.failed).toBeGreaterThan(0);
    expect(r.firstMismatch!.inputs).toMatch(/rounding tie/);
    const s = await wrong("single", "double");
    expect(s.failed).toBeGreaterThan(0);
  }, ICARUS_TIMEOUT);
  it("a shift declared unsigned fails (negative shifts read as large positive ones)", async () => {
    const d = requantDesign({ gen: { mode: "runtime", coeffs: { kind: "port" }, output: { kind: "port" }, outType: S8, fault: "unsigned-shift" } }, { random: 50, seed: 32 });
    const [r] = await verifyDesign(d, scratch("neg-unsigned"), ["iverilog"]);
    expect(r!.failed).toBeGreaterThan(100);
    expect(r!.firstMismatch!.inputs).toMatch(/shift -/);
  }, ICARUS_TIMEOUT);
});
