/**
 * The SRAM law (exact at Horowitz's anchors, continuous between its pieces), the two PE models (synthesized
 * = BitFusion exactly; composed's deviation as energy-45nm.md states it), and the survey's INT8/FP32 claims.
 */
import { describe, expect, it } from "vitest";
import { comparePrecisions, composed, computePricing, e64Pj, fusedMacsPerCycle, peCheck, sramReadPj, synthesized } from "../../src/cost/index.js";
import { stepModel } from "../../src/sim/precision.js";
import { preset } from "../sim/presets.js";
import { base, lookup, rel, val } from "./helpers.js";

const KiB = 1024;

describe("SRAM energy vs capacity and width", () => {
  const L = lookup();
  it("exact at 8 KiB / 32 KiB / 1 MiB per 64 bits: 10 / 20 / 100 pJ", () => {
    expect(e64Pj(L, 8 * KiB)).toBe(10);
    expect(e64Pj(L, 32 * KiB)).toBe(20);
    expect(e64Pj(L, 1024 * KiB)).toBe(100);
    expect(sramReadPj(L, 32 * KiB, 64)).toBe(20);
  });
  it("continuous at every joint of the piecewise law, and monotone", () => {
    for (const c of [8 * KiB, 32 * KiB, 1024 * KiB]) {
      const at = e64Pj(L, c);
      expect(rel(e64Pj(L, c * (1 - 1e-9)), at)).toBeLessThan(1e-8);
      expect(rel(e64Pj(L, c * (1 + 1e-9)), at)).toBeLessThan(1e-8);
    }
    let prev = 0;
    for (let c = 1 * KiB; c <= 64 * 1024 * KiB; c *= 1.1) {
      const e = e64Pj(L, c);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
  });
  it("the pieces' exponents: CACTI's 0.78 below 8 KiB, 0.5 to 32 KiB, log 5 / log 32 above", () => {
    expect(e64Pj(L, 2 * KiB)).toBeCloseTo(10 * 0.25 ** 0.78, 12);
    expect(e64Pj(L, 16 * KiB)).toBeCloseTo(10 * 2 ** 0.5, 12);
    expect(e64Pj(L, 256 * KiB)).toBeCloseTo(20 * 8 ** (Math.log(5) / Math.log(32)), 12);
    expect(e64Pj(L, 4096 * KiB)).toBeCloseTo(20 * 128 ** 0.4643856, 3);
  });
  it("port width: E64 · (0.3 + 0.7 · w/64); register-file cost below 1 KiB", () => {
    expect(sramReadPj(L, 8 * KiB, 128)).toBeCloseTo(10 * 1.7, 12);
    expect(sramReadPj(L, 8 * KiB, 32)).toBeCloseTo(10 * 0.65, 12);
    expect(sramReadPj(L, 512, 32)).toBe(1);
    expect(sramReadPj(L, 512, 64)).toBe(2);
  });
});

describe("PE models", () => {
  const L = lookup();
  it("synthesized reproduces BitFusion's 44 / 93 / 236 / 717 fJ and 81 / 192 / 511 / 1679 µm² exactly", () => {
    expect([2, 4, 8, 16].map((b) => synthesized(L, b, b, "energy"))).toEqual([0.044, 0.093, 0.236, 0.717]);
    expect([2, 4, 8, 16].map((b) => synthesized(L, b, b, "area"))).toEqual([81, 192, 511, 1679]);
  });
  it("synthesized interpolates linearly in bits b = √(w·a); 2-bit PE below, ∝ b² above 16", () => {
    expect(synthesized(L, 6, 6, "energy")).toBeCloseTo((0.093 + 0.236) / 2, 12);
    expect(synthesized(L, 2, 8, "energy")).toBe(0.093);
    expect(synthesized(L, 1, 1, "energy")).toBe(0.044);
    expect(synthesized(L, 32, 32, "energy")).toBeCloseTo(4 * 0.717, 12);
  });
  it("composed: multiplier ∝ w·a, accumulator add at its width, registers per bit", () => {
    const c = composed(L, 8, 8, 32, "energy");
    expect([c.mult, c.add, c.registers]).toEqual([0.2, 0.1, 0.009 * 48]);
    expect(composed(L, 4, 4, 32, "energy").mult).toBe(0.05);
    expect(composed(L, 8, 8, 8, "energy").add).toBe(0.03);
    expect(composed(L, 8, 8, 24, "energy").add).toBeCloseTo(0.075, 12);
  });
  it("--pe-check: without registers the deviations are energy-45nm.md's +156 / +61 / +27 %; with an 8-bit accumulator −2.5 %", () => {
    const rows = peCheck(L, 32);
    expect(rows.map((r) => +(r.deviationNoRegisters * 100).toFixed(1))).toEqual([155.7, 61.3, 27.1, 25.5]);
    expect(rows.map((r) => +(r.deviation * 100).toFixed(1))).toEqual([892, 448.4, 210.2, 105.9]);
    expect(rows.map((r) => +(r.areaDeviation * 100).toFixed(1))).toEqual([356.7, 132.7, 38.2, -1.9]);
    const acc8 = peCheck(L, 8)[2]!;
    expect(+(acc8.deviationNoRegisters * 100).toFixed(1)).toBe(-2.5);
  });
  it("the survey's claims: INT8 add vs FP32 add = 30× energy and 116× area", () => {
    const [add, mul] = comparePrecisions(base(), "int8", "fp32");
    expect(Math.round(add!.energyRatio)).toBe(30);
    expect(add!.energyRatio).toBeCloseTo(30, 12);
    expect(Math.round(add!.areaRatio)).toBe(116);
    expect(mul!.energyRatio).toBeCloseTo(18.5, 12);
    expect(comparePrecisions(base(), "binary", "int8", ["mul"])[0]!.energyRatio).toBeCloseTo(50, 12);
  });
});

describe("PEs by precision mode", () => {
  it("bit-fusion: BitFusion's unit exactly (578 fJ per cycle, 1735 µm² = 3.4× a fixed 8-bit PE); 36 fJ per 2-bit MAC", () => {
    const p = computePricing(lookup(), "synthesized", preset("bitfusion-eyeriss").compute);
    expect(p.peAreaUm2).toBe(1735);
    expect(p.peAreaUm2 / val("pe.int8.area")).toBeCloseTo(3.4, 1);
    expect(p.macPj(8, 8)).toBe(0.578);
    expect(p.macPj(2, 2)).toBe(0.578 / 16);
    expect(p.macPj(2, 8)).toBe(0.578 / 4);
    expect(p.macPj(16, 8)).toBe(0.578 * 2);
    expect(p.peLeakageUw).toBeCloseTo((23 * 1735) / 511, 12);
  });
  it("the fusion count is the simulator's bit-fusion step model", () => {
    const prec = preset("bitfusion-eyeriss").compute.precision;
    for (let w = 1; w <= 16; w++) {
      for (let a = 1; a <= 16; a++) {
        const f = fusedMacsPerCycle(prec.maxBits, prec.minBits, w, a);
        const s = stepModel(prec, w, a);
        expect([w, a, f.macs, f.cycles]).toEqual([w, a, s.depth, s.cyclesPerStep]);
      }
    }
  });
  it("fixed (tpu-v1): the PE model at the operand widths; bit-serial (bismo-pynq): XNOR/AND lanes", () => {
    const tpu = computePricing(lookup(), "synthesized", preset("tpu-v1").compute);
    expect([tpu.macPj(8, 8), tpu.peAreaUm2, tpu.peLeakageUw]).toEqual([0.236, 511, 23]);
    const bismo = computePricing(lookup(), "synthesized", preset("bismo-pynq").compute);
    expect(bismo.macPj(1, 1)).toBeCloseTo(0.004 + (0.1 + 0.009 * 32) / 256, 12);
    expect(bismo.macPj(8, 8)).toBeCloseTo(64 * bismo.macPj(1, 1), 12);
    expect(bismo.peAreaUm2).toBeCloseTo(256 * 5.6 + 137 + 5.98 * 32, 9);
  });
});
