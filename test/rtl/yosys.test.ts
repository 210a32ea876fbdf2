/**
 * Yosys area for three small designs, recorded as goldens (exact LUT / FF / DSP / BRAM counts for the
 * Yosys version that made them), and the analytic estimator's error against them. Yosys runs on these
 * three only: synth_xilinx takes 8–15 s each here. QUARCH_UPDATE_GOLDENS=1 rewrites the goldens.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { type Generated, type SynthTarget, estimateArea, generatePe, generateRequant, printDesign, relativeError, synthesize } from "../../rtl-gen/index.js";
import { fixturePath } from "../helpers/fixtures.js";
import { scratch } from "./helpers.js";

interface Golden {
  readonly design: string;
  readonly target: SynthTarget;
  readonly luts: number;
  readonly ffs: number;
  readonly dsps: number;
  readonly brams: number;
  readonly estimate: { readonly luts: number; readonly ffs: number; readonly dsps: number; readonly brams: number };
}

interface Goldens {
  readonly yosys: string;
  readonly command: string;
  readonly designs: readonly Golden[];
}

const FILE = fixturePath("rtl-yosys", "area-goldens.json");

const DESIGNS: readonly [string, SynthTarget, () => Generated][] = [
  ["int8 MAC PE, 32-bit accumulator", "xc7", () => generatePe({ precision: "int8", accBits: 32 })],
  ["requantizer, double rounding, frozen M 1431655765 / shift −7 / zp −3", "xc7", () => generateRequant({ mode: "double", coeffs: { kind: "const", multiplier: 1431655765, shift: -7 }, output: { kind: "const", zeroPoint: -3, clampMin: -128, clampMax: 127 }, outType: { bits: 8, signed: true } })],
  ["binary XNOR-popcount lane, 64 bits, 16-bit accumulator", "ice40", () => generatePe({ precision: "binary", laneBits: 64, accBits: 16 })],
];

describe("Yosys area goldens and the analytic estimate", () => {
  it("synth_xilinx -flatten -noiopad / synth_ice40 counts equal the goldens; the estimate's error is reported", async () => {
    const got: Golden[] = [];
    let version = "";
    // Two Yosys processes at a time.
    for (let i = 0; i < DESIGNS.length; i += 2) {
      const batch = await Promise.all(DESIGNS.slice(i, i + 2).map(async ([design, target, make]) => {
        const g = make();
        const dir = scratch("yosys");
        const files = printDesign(g.module);
        for (const [name, text] of [...files, ...g.files]) writeFileSync(join(dir, name), text);
        const r = await synthesize(dir, [...files.keys()], g.module.name, target);
        version = r.version;
        const e = estimateArea(g.module, target);
        return { design, target, luts: r.luts, ffs: r.ffs, dsps: r.dsps, brams: r.brams, estimate: { luts: e.luts, ffs: e.ffs, dsps: e.dsps, brams: e.brams } };
      }));
      got.push(...batch);
    }
    for (const g of got) {
      process.stdout.write(`${version} ${g.target} ${g.design}: LUT ${g.luts} FF ${g.ffs} DSP ${g.dsps} BRAM ${g.brams}; estimate LUT ${g.estimate.luts} (${(relativeError(g.estimate.luts, g.luts) * 100).toFixed(0)} %), FF ${g.estimate.ffs} (${(relativeError(g.estimate.ffs, g.ffs) * 100).toFixed(0)} %), DSP ${g.estimate.dsps}\n`);
    }
    if (process.env["QUARCH_UPDATE_GOLDENS"] === "1" || !existsSync(FILE)) {
      const doc: Goldens = { yosys: version, command: "yosys -q -p 'read_verilog <files>; synth_xilinx -family xc7 -flatten -noiopad -top <top> | synth_ice40 -top <top>; tee -q -o stat.json stat -json'", designs: got };
      writeFileSync(FILE, JSON.stringify(doc, null, 2) + "\n");
    }
    const want = JSON.parse(readFileSync(FILE, "utf8")) as Goldens;
    expect(version, `goldens were recorded with ${want.yosys}; QUARCH_UPDATE_GOLDENS=1 re-records them for ${version}`).toBe(want.yosys);
    expect(got).toEqual(want.designs);
    // The DSP count is what the estimator gets exactly; LUTs are within FINN-like tolerance here.
    for (const g of got) {
      expect(g.estimate.dsps).toBe(g.dsps);
      expect(Math.abs(relativeError(g.estimate.luts, g.luts))).toBeLessThan(10);
    }
  }, 300_000);
});
