/**
 * Every generator's output is clean under `verilator --lint-only -Wall` (DUTs only; testbenches are
 * simulation code): PEs of every precision, requantizers of every mode and coefficient source (and the
 * deliberately wrong variant, which must still be well-formed Verilog), both arrays at every precision,
 * layer engines for both dataflows and every integer precision, and binary layers.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXED_MODES } from "../../src/ir/requant.js";
import {
  type Module, PE_PRECISIONS, generateArray, generateBinaryLayer, generateEngine, generatePe, generateRequant, lintVerilog, planBinary, planEngine, printDesign,
  syntheticBinary, syntheticLayerTask,
} from "../../rtl-gen/index.js";
import { scratch } from "./helpers.js";

function modules(): Module[] {
  const out: Module[] = [];
  for (const precision of PE_PRECISIONS) {
    out.push(generatePe({ precision, accBits: precision === "binary" ? 12 : 24, ...(precision === "binary" ? { laneBits: 24 } : {}) }).module);
    for (const dataflow of ["os", "ws"] as const) out.push(generateArray({ precision, rows: 3, cols: 2, accBits: 20, dataflow, ...(precision === "binary" ? { laneBits: 8 } : {}) }).module);
  }
  out.push(generatePe({ precision: "int8", accBits: 32, aSigned: false }).module);
  const s8 = { bits: 8, signed: true };
  const frozenOut = { kind: "const" as const, zeroPoint: -3, clampMin: -100, clampMax: 127 };
  for (const mode of ["runtime" as const, ...FIXED_MODES]) {
    out.push(generateRequant({ mode, coeffs: { kind: "port" }, output: { kind: "port" }, outType: s8 }).module);
    if (mode !== "runtime") {
      out.push(generateRequant({ mode, coeffs: { kind: "const", multiplier: 1610612736, shift: -3 }, output: frozenOut, outType: s8 }).module);
      out.push(generateRequant({ mode, coeffs: { kind: "rom", multiplier: [1073741824, 2000000001, 1431655765], shift: [0, -5, -12] }, output: { kind: "const", zeroPoint: 128, clampMin: 0, clampMax: 255 }, outType: { bits: 8, signed: false } }).module);
    }
  }
  out.push(generateRequant({ mode: "runtime", coeffs: { kind: "port" }, output: { kind: "port" }, outType: s8, fault: "unsigned-shift" }).module);
  const conv = (precision: "int8" | "int4" | "int2", k: number) => syntheticLayerTask({ kind: "conv", inH: 5, inW: 4, inC: 3, outC: 5, k, stride: 1, pad: "same", precision, mode: "dyadic-half-even", seed: 1 });
  for (const precision of ["int8", "int4", "int2"] as const) {
    for (const dataflow of ["os", "ws"] as const) out.push(generateEngine(planEngine(conv(precision, dataflow === "os" ? 3 : 1), { rows: 3, cols: 2, dataflow, accBits: 32 })).module);
  }
  for (const thresholds of [1, 3]) {
    const { task } = syntheticBinary({ M: 3, K: 40, N: 5, thresholds, seed: 1 });
    out.push(generateBinaryLayer(planBinary(task, { pe: 2, simd: 16 })).module);
  }
  return out;
}

describe("verilator --lint-only -Wall", () => {
  it("every generated DUT is lint-clean", async () => {
    const dir = scratch("lint");
    const all = modules();
    const dirty: string[] = [];
    // Two at a time: each lint is a Verilator process (≈ 0.3 s).
    for (let i = 0; i < all.length; i += 2) {
      const batch = all.slice(i, i + 2).map(async (m, j) => {
        const sub = join(dir, String(i + j));
        mkdirSync(sub);
        const files = printDesign(m);
        for (const [name, text] of files) writeFileSync(join(sub, name), text);
        const r = await lintVerilog(sub, [...files.keys()], m.name);
        if (!r.clean) dirty.push(`${m.name}:\n${r.messages.join("\n")}`);
      });
      await Promise.all(batch);
    }
    expect(all.length).toBeGreaterThan(40);
    expect(dirty).toEqual([]);
  }, 240_000);
});
