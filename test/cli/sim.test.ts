/**
 * `quarch sim` and `quarch arch`: the command handlers' parts called directly, and the built binary as a user
 * runs it (those need the commands registered in src/cli/main.ts).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError, SpecError } from "../../src/errors.js";
import { presetRows } from "../../src/cli/commands/arch.js";
import { mappingPins, ownCsv, renderOwnTable, renderScaleSimTable, runSim, simDemo } from "../../src/cli/commands/sim.js";
import { resolveArch } from "../../src/cli/arch-presets.js";
import { quarch, tempDir } from "../helpers/cli.js";

const FIX = join(import.meta.dirname, "..", "sim", "fixtures", "scalesim-alexnet");
const CSV = join(FIX, "alexnet_conv1.csv");
const CFG = join(FIX, "scale_32x32_ws.cfg");

describe("sim command parts", () => {
  it("SCALE-Sim files in: compatibility mode implied by the .cfg, 112283 cycles", async () => {
    const run = await runSim({ model: CSV, arch: CFG });
    expect(run.kind).toBe("scalesim");
    if (run.kind !== "scalesim") return;
    expect(run.results[0]!.totalCycles).toBe(112283);
    expect(renderScaleSimTable(run)).toMatch(/Conv1\s+112283\s+0\s+91\.6831\s+94\.5313\s+90\.78/);
  });
  it("a quarch arch in compatibility mode, and zoo lists converted with SCALE-Sim's limits noted", async () => {
    const run = await runSim({ model: CSV, arch: "systolic-32x32", compat: "scalesim" });
    expect(run.kind === "scalesim" && run.results[0]!.totalCycles).toBe(112283);
    const z = await runSim({ model: "zoo:tiny_dscnn_kws", arch: "systolic-32x32", compat: "scalesim" });
    expect(z.notes.some((n) => n.startsWith("padding dropped"))).toBe(true);
  });
  it("quarch's own model: table, CSV, JSON-ready result; --bits and --policy are exclusive", async () => {
    const run = await runSim({ model: "zoo:lenet5", arch: "edge-16x16", bits: "W4A4" });
    expect(run.kind).toBe("own");
    if (run.kind !== "own") return;
    expect(run.result.layers.every((l) => l.wBits === 4 && l.aBits === 4)).toBe(true);
    const table = renderOwnTable(run);
    expect(table.split("\n")[0]).toBe("zoo:lenet5 on edge-16x16 (16x16 INT8/INT4 output-stationary array, 64 KiB buffers, LPDDR4 (illustrative))");
    expect(table).toMatch(/^total: 5 layers, 416520 MACs, \d+ cycles/m);
    expect(ownCsv(run.result).split("\n")).toHaveLength(1 + 5 + 1);
    await expect(runSim({ model: "zoo:lenet5", arch: "edge-16x16", bits: "W4A4", policy: "p.json" })).rejects.toThrow(InputError);
  });
  it("--mapping accepts the --format json report, a per-layer object, or one mapping", async () => {
    const run = await runSim({ model: "zoo:lenet5", arch: "edge-16x16" });
    if (run.kind !== "own") throw new Error("own model expected");
    const report = JSON.parse(JSON.stringify({ layers: run.result.layers })) as unknown;
    const pins = mappingPins(report, "m.json");
    expect([...pins.keys()]).toEqual(run.result.layers.map((l) => l.name));
    expect([...mappingPins({ layers: { conv1: {} } }, "m.json").keys()]).toEqual(["conv1"]);
    expect([...mappingPins({ spatial: { rows: [], cols: [] } }, "m.json").keys()]).toEqual(["*"]);
    const file = join(tempDir(), "m.json");
    writeFileSync(file, JSON.stringify(report));
    const pinned = await runSim({ model: "zoo:lenet5", arch: "edge-16x16", mapping: file });
    expect(pinned.kind === "own" && pinned.result.totals.cycles).toEqual(run.result.totals.cycles);
  });
  it("arch resolution: presets, files, errors with the file name", async () => {
    expect((await resolveArch("tpu-v1")).kind).toBe("yaml");
    await expect(resolveArch("tpu-v9")).rejects.toThrow(/tpu-v9: is neither an existing file nor a preset id \(expected a \*\.arch\.yaml or SCALE-Sim \.cfg path, or one of bismo-pynq, bitfusion-eyeriss, edge-16x16, finn-binary, mcu-m7, systolic-32x32, tpu-v1\)/);
    const bad = join(tempDir(), "bad.arch.yaml");
    writeFileSync(bad, "version: 1\nname: x\n");
    await expect(resolveArch(bad)).rejects.toThrow(SpecError);
    await expect(resolveArch(bad)).rejects.toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: 4 problems:`));
    expect((await presetRows()).map((r) => r["id"])).toEqual(["bismo-pynq", "bitfusion-eyeriss", "edge-16x16", "finn-binary", "mcu-m7", "systolic-32x32", "tpu-v1"]);
  });
  it("the demo's table: the bundled MLPerf Tiny ResNet-8 (TFLite) on edge-16x16", async () => {
    const text = await simDemo();
    expect(text.split("\n")[0]).toMatch(/^pretrainedResnet_quant on edge-16x16/);
    expect(text).toMatch(/^conv_2d_1\s+conv2d\s+K16 C16 P32 Q32 R3 S3\s+8\/8\s+2359296/m);
    expect(text).toMatch(/^total: 14 layers, 12501632 MACs/m);
  });
});

describe("quarch sim (built binary)", () => {
  it("SCALE-Sim AlexNet conv1: COMPUTE_REPORT.csv line 2, column 2 is 112283; three reports in --out", () => {
    const out = join(tempDir(), "ss");
    const r = quarch("sim", CSV, "--arch", CFG, "--compat", "scalesim", "--out", out);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["BANDWIDTH_REPORT.csv", "COMPUTE_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"]);
    expect(readFileSync(join(out, "COMPUTE_REPORT.csv"), "utf8").split("\n")[1]!.split(",")[1]!.trim()).toBe("112283");
  });
  it("zoo:mobilenet_v2 on bitfusion-eyeriss: table, JSON and CSV", () => {
    const t = quarch("sim", "zoo:mobilenet_v2", "--arch", "bitfusion-eyeriss", "--bits", "W4A8");
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^fc\s+fc\s+K1000 C1280\s+4\/8\s+1280000\s+\d+\s+\d+\s+[\d.]+\s+weight traffic/m);
    const j = JSON.parse(quarch("sim", "zoo:mobilenet_v2", "--arch", "bitfusion-eyeriss", "--format", "json").stdout) as { layers: { name: string; mapping: unknown; formula: string }[]; totals: { macs: number } };
    expect(j.layers).toHaveLength(53);
    expect(j.totals.macs).toBe(300774272);
    expect(quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--format", "csv").stdout.split("\n")[0]).toMatch(/^name,op,N,G,K,C,P,Q,R,S,wBits,aBits,outBits,macs/);
  });
  it("--out writes result.json and layers.csv, and refuses a non-empty DIR", () => {
    const out = join(tempDir(), "o");
    expect(quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--out", out, "--quiet").code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["layers.csv", "result.json"]);
    const again = quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--out", out);
    expect(again.code).toBe(2);
    expect(existsSync(join(out, "result.json"))).toBe(true);
  });
  it("user errors exit 2 without a stack: unknown preset, unknown zoo name, bad --bits, a layer that cannot fit", () => {
    for (const args of [
      ["sim", "zoo:lenet5", "--arch", "no-such-preset"],
      ["sim", "zoo:lenet7", "--arch", "edge-16x16"],
      ["sim", "zoo:lenet5", "--arch", "edge-16x16", "--bits", "W4"],
    ]) {
      const r = quarch(...args);
      expect([args.join(" "), r.code]).toEqual([args.join(" "), 2]);
      expect(r.stderr).not.toMatch(/ {4}at /);
    }
    const tiny = join(tempDir(), "tiny.arch.yaml");
    writeFileSync(tiny, readFileSync(join(import.meta.dirname, "..", "..", "hw-models", "arch", "edge-16x16.arch.yaml"), "utf8").replace("weights: { size: 64 KiB", "weights: { size: 16 B"));
    const r = quarch("sim", "zoo:lenet5", "--arch", tiny);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/can never fit/);
  });
  it("quarch arch list | show | check", () => {
    const list = quarch("arch", "list");
    expect(list.code).toBe(0);
    for (const id of ["systolic-32x32", "tpu-v1", "bitfusion-eyeriss", "bismo-pynq", "edge-16x16", "mcu-m7", "finn-binary"]) expect(list.stdout).toContain(id);
    const show = quarch("arch", "show", "tpu-v1");
    expect(show.stdout).toMatch(/^# tpu-v1 — /);
    expect(quarch("arch", "check", "hw-models/arch/bismo-pynq.arch.yaml").stdout).toMatch(/^ok: /);
    const bad = join(tempDir(), "bad.arch.yaml");
    writeFileSync(bad, "version: 1\nname: x\nclock: 500\ncompute: { kind: systolic, rows: 0, cols: 4, dataflow: xs, precision: { mode: fixed, maxBits: 8 } }\nbuffers: { unified: { size: 64 KB, portBits: 8 } }\ndram: { bandwidth: 1 GB/s, latency: 1 ns }\n");
    const r = quarch("arch", "check", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("4 problems:");
    expect(r.stderr).toContain("compute.dataflow: unknown value");
    expect(r.stderr).not.toMatch(/ {4}at /);
  });
});
