/**
 * `quarch energy table`, `quarch compare` and `quarch sim --tech` as a user runs them (the built binary; the
 * energy and compare commands need their registration in src/cli/main.ts), and the demo's energy section.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { energyDemo } from "../../src/cli/energy-report.js";
import { TABLE_TEXT } from "../cost/helpers.js";
import { quarch, tempDir } from "../helpers/cli.js";

describe("quarch energy table", () => {
  it("prints every entry with its value, tag and source, the SRAM model beside CACTI, the nodes", () => {
    const r = quarch("energy", "table");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ops\.int8-add\.energy\s+0\.03 pJ\s+C\s+horowitz2014$/m);
    expect(r.stdout).toMatch(/^pe\.int8\.energy\s+0\.236 pJ\s+S\s+bitfusion2018$/m);
    expect(r.stdout).toMatch(/^ops\.int4-mul\.energy\s+0\.05 pJ\s+D\s+int8-mul × \(4·4\)\/\(8·8\)/m);
    expect(r.stdout).toMatch(/^8 KiB\s+10 pJ\s+10\s+/m);
    expect(r.stdout).toMatch(/^7nm\s+0\.1\s+0\.059$/m);
    expect(r.stdout).toContain("nodes: 45nm, 32nm, 28nm, 22nm, 16nm, 14nm, 10nm, 7nm (--tech)");
  });
  it("--tech 28nm: derived values tagged D with the factor and the original source", () => {
    const r = quarch("energy", "table", "--tech", "28nm", "--format", "json");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { node: string; entries: { id: string; value: number; tag: string; source: string }[] };
    expect(j.node).toBe("28nm");
    const e = j.entries.find((x) => x.id === "ops.fp32-add.energy")!;
    expect([e.value, e.tag, e.source]).toEqual([0.9 * 0.51, "D", "45nm [C horowitz2014] × 0.51 (energy, 45nm → 28nm, stillmaker2017, ±20 %)"]);
  });
  it("--pe-check prints the composed model's deviation per precision", () => {
    const r = quarch("energy", "table", "--pe-check");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+2\s+0\.0125\s+0\.1\s+0\.324\s+0\.4365\s+0\.044\s+\+892 %\s+0\.1125\s+\+155\.7 %\s+369\.91\s+81\s+\+356\.7 %$/m);
    expect(r.stdout).toMatch(/^\s+8\s+0\.2\s+0\.1\s+0\.432\s+0\.732\s+0\.236\s+\+210\.2 %\s+0\.3\s+\+27\.1 %/m);
  });
  it("a user table file is validated; unknown nodes are errors (exit 2)", () => {
    const dir = tempDir();
    const bad = join(dir, "mine.yaml");
    writeFileSync(bad, TABLE_TEXT.replace("version: 1", "version: 2").replace("int8-add:   { energy: 0.03 pJ", "int8-add:   { energy: -0.03 pJ"));
    const r = quarch("energy", "table", "--tech", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`quarch: error: ${bad}: 2 problems:\n  - version: is not a technology-table version quarch reads (given 2; expected 1)\n  - ops.int8-add.energy: must not be negative (given "-0.03 pJ")\n`);
    const u = quarch("energy", "table", "--tech", "12nm");
    expect(u.code).toBe(2);
    expect(u.stderr).toBe('quarch: error: --tech: is not a technology node quarch knows (given "12nm"; expected 45nm, 32nm, 28nm, 22nm, 16nm, 14nm, 10nm, 7nm, or a *.yaml table)\n');
    const good = join(dir, "mine28.yaml");
    // A 28 nm table of one's own: same schema; its scaling section (factors from 45 nm) does not apply.
    writeFileSync(good, TABLE_TEXT.replace("node: 45nm", "node: 28nm").replace(/\nscaling:[\s\S]*?\n(?=# Cross-checks)/, "\n"));
    expect(quarch("compare", "int8", "fp32", "--op", "add", "--tech", good).stdout).toContain("INT8 (A) vs FP32 (B) at 28nm");
  });
});

describe("quarch compare", () => {
  it("INT8 vs FP32 add: 30× energy, 116× area", () => {
    const r = quarch("compare", "int8", "fp32", "--op", "add");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^add\s+0\.03\s+0\.9\s+30×\s+36\s+4184\s+116×\s+C, C$/m);
    expect(r.stdout).toContain("an INT8 add takes 30× less energy and 116× less area than an FP32 add.");
  });
  it("both operations by default, any pair, aliases; unknown precisions are errors", () => {
    const r = quarch("compare", "INT8", "float32");
    expect(r.stdout).toContain("an INT8 multiply takes 18.5× less energy and 27.3× less area than an FP32 multiply.");
    expect(quarch("compare", "binary", "int8", "--op", "mul").stdout).toContain("a binary multiply takes 50× less energy and 50.4× less area than an INT8 multiply.");
    const e = quarch("compare", "int8", "int7");
    expect(e.code).toBe(2);
    expect(e.stderr).toBe('quarch: error: second precision: is not a precision quarch can compare (given "int7"; expected binary, ternary, int2, int4, int8, int16, int32, fp16, fp32)\n');
  });
});

describe("quarch sim --tech", () => {
  it("adds energy per inference, the split, power, TOPS/W, area and the constants used", () => {
    const r = quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--tech", "45nm");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("== energy and area at 45nm: hw-models/tech/45nm.yaml");
    expect(r.stdout).toContain("PE model: synthesized (default; the arch file's cost.peModel chooses composed | synthesized)");
    expect(r.stdout).toContain("DRAM: 8 pJ/bit (arch file dram.energyPerBit)");
    expect(r.stdout).toMatch(/^energy per inference: [\d.]+ [nµm]J \(1 inference/m);
    expect(r.stdout).toMatch(/^pe\s+256\s+511\s+0\.13082\s+fixed|^pe\s+256\s+511\s+0\.13082\s+int4-packing/m);
    expect(r.stdout).toMatch(/^pe\.int8\.area\s+511 µm²\s+S\s+bitfusion2018$/m);
  });
  it("JSON carries the sim's result and `energy`; CSV gains energy columns; --tech 7nm derives the node", () => {
    const j = JSON.parse(quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--tech", "7nm", "--format", "json").stdout) as { layers: unknown[]; energy: { tech: { node: string }; totals: { totalPj: number } } };
    expect(j.layers).toHaveLength(5);
    expect(j.energy.tech.node).toBe("7nm");
    expect(j.energy.totals.totalPj).toBeGreaterThan(0);
    const csv = quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--tech", "45nm", "--format", "csv").stdout.trimEnd().split("\n");
    expect(csv).toHaveLength(6);
    expect(csv[0]).toMatch(/,mapping,energyMacPj,energyVectorPj,energySramPj,energyDramPj,energyCachePj,energyLeakagePj,energyTotalPj$/);
  });
  it("a bad table or node is a user error; --tech with --compat scalesim is refused", () => {
    expect(quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--tech", "3nm").code).toBe(2);
    const c = quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--tech", "45nm", "--compat", "scalesim");
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/Arguments tech and compat are mutually exclusive/);
  });
});

describe("the demo's energy section", () => {
  it("energy per inference and area for the bundled ResNet-8 on edge-16x16", async () => {
    const text = await energyDemo();
    const lines = text.split("\n");
    expect(lines[0]).toBe("MLPerf Tiny ResNet-8 on edge-16x16, energy and area: 45nm table, synthesized PE model (default)");
    expect(lines[1]).toMatch(/^energy per inference [\d.]+ µJ: MAC [\d.]+ % · (vector [\d.]+ % · )?SRAM [\d.]+ % · DRAM [\d.]+ % · leakage [\d.]+ % \(DRAM 8 pJ\/bit, arch file dram\.energyPerBit\)$/);
    expect(lines[3]).toMatch(/^area [\d.]+ mm²: PE array 0\.1308 mm² \(256 × 511 µm²\), SRAM [\d.]+ mm², control\/NoC 10 % [\d.]+ mm²$/);
  });
});
