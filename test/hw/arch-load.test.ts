/** Loading *.arch.yaml: presets, units, derived parameters, SCALE-Sim .cfg files. */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArch, parseQuantity, parseScaleSimCfg, safeParseArch, timeToCycles } from "../../src/hw/index.js";
import { REPO } from "../helpers/cli.js";

const ARCH_DIR = join(REPO, "hw-models", "arch");
const preset = (id: string) => parseArch(readFileSync(join(ARCH_DIR, `${id}.arch.yaml`), "utf8"), id);

describe("presets", () => {
  const ids = readdirSync(ARCH_DIR).filter((f) => f.endsWith(".arch.yaml")).map((f) => f.replace(".arch.yaml", "")).sort();
  it("ship the presets of parts 1 and 2, each loading and commented with its source", () => {
    expect(ids).toEqual(["bismo-pynq", "bitfusion-eyeriss", "edge-16x16", "finn-binary", "mcu-m7", "systolic-32x32", "tpu-v1"]);
    for (const id of ids) {
      const text = readFileSync(join(ARCH_DIR, `${id}.arch.yaml`), "utf8");
      expect(text.startsWith(`# ${id} — `)).toBe(true);
      expect(preset(id).name).toBe(id);
    }
  });
  it("edge-16x16 is INTERFACES.md's canonical example, converted once", () => {
    const s = preset("edge-16x16");
    expect(s.clockHz).toBe(500e6);
    expect(s.compute).toMatchObject({ kind: "systolic", rows: 16, cols: 16, dataflow: "os", precision: { mode: "int4-packing", maxBits: 8, minBits: 4, packing: 2 } });
    expect(s.buffers.weights).toEqual({ name: "weights", sizeBytes: 65536, banks: 4, portBits: 128, doubleBuffered: true, wordBits: 32 });
    expect(s.dram).toMatchObject({ sharedBandwidthBytesPerS: 12.8e9, burstBytes: 64 });
    expect(s.dram.latencyS).toBeCloseTo(100e-9, 20);
    expect(s.dram.energyPerBitPj).toBeCloseTo(8, 12);
    // 100 ns at 500 MHz = 50 cycles; 12.8 GB/s at 500 MHz = 204.8 bits per cycle.
    expect(s.derived).toMatchObject({ pes: 256, dramLatencyCycles: 50, dramReadBitsPerCycle: 204.8, dramShared: true, tileCapacityBits: { weights: 262144, inputs: 262144, outputs: 131072 } });
    expect(s.tech).toBe("45nm");
  });
  it("bitfusion-eyeriss: 16 × 32 fusion units, 192 bits per cycle, 64/32/16 KiB", () => {
    const s = preset("bitfusion-eyeriss");
    expect(s.compute).toMatchObject({ rows: 16, cols: 32, precision: { mode: "bit-fusion", maxBits: 8, minBits: 2 } });
    expect(s.derived.dramReadBitsPerCycle).toBe(192);
    expect([s.buffers.weights!.sizeBytes, s.buffers.inputs!.sizeBytes, s.buffers.outputs!.sizeBytes]).toEqual([65536, 32768, 16384]);
  });
  it("tpu-v1 keeps activations in its unified buffer", () => {
    const s = preset("tpu-v1");
    expect(s.derived.holder).toEqual({ weights: "weights", inputs: "unified", outputs: "outputs" });
    expect(s.buffers.unified!.sizeBytes).toBe(24 * 2 ** 20);
    expect(s.derived.pes).toBe(65536);
  });
  it("bismo-pynq: Dm = Dn = 8, Dk = 256 at 200 MHz", () => {
    const s = preset("bismo-pynq");
    expect(s.compute).toMatchObject({ rows: 8, cols: 8, dataflow: "os", precision: { mode: "bit-serial", depth: 256 } });
    expect(2 * 8 * 8 * 256 * s.clockHz).toBeCloseTo(6.55e12, -10);
  });
});

describe("units", () => {
  it("parse sizes, frequencies, bandwidths, times and energies into base units", () => {
    expect(parseQuantity("size", "64 KiB")).toEqual({ ok: true, value: 65536 });
    expect(parseQuantity("size", "2 MiB")).toEqual({ ok: true, value: 2097152 });
    expect(parseQuantity("size", 4096)).toEqual({ ok: true, value: 4096 });
    expect(parseQuantity("size", "192 bit")).toEqual({ ok: true, value: 24 });
    expect(parseQuantity("frequency", "0.7 GHz")).toEqual({ ok: true, value: 700e6 });
    expect(parseQuantity("bandwidth", "12.8 GB/s")).toEqual({ ok: true, value: 12.8e9 });
    expect(parseQuantity("bandwidth", "1 GiB/s")).toEqual({ ok: true, value: 2 ** 30 });
    expect(parseQuantity("time", "1 us")).toEqual({ ok: true, value: 1e-6 });
  });
  it("turn times into cycles by rounding to 1e-9 cycles, then up", () => {
    expect(timeToCycles(100e-9, 500e6)).toBe(50);
    // mathjs gives 1.0000000000000001e-7 s for "100 ns": 50.00000000000001 cycles, still 50.
    const t = parseQuantity("time", "100 ns");
    expect(t.ok && timeToCycles(t.value, 500e6)).toBe(50);
    expect(timeToCycles(101e-9, 500e6)).toBe(51);
    expect(timeToCycles(0, 1e9)).toBe(0);
  });
  it("refuse kB and KB, and decimal prefixes on sizes, with a hint", () => {
    expect(parseQuantity("size", "64 kB")).toMatchObject({ ok: false, message: "uses kB or KB: mathjs reads kB as 1000 bytes and has no unit KB" });
    expect(parseQuantity("size", "64 KB")).toMatchObject({ ok: false, expected: "KiB (1024 bytes), or plain bytes such as 64000" });
    expect(parseQuantity("bandwidth", "64 KB/s")).toMatchObject({ ok: false, expected: "MB/s, GB/s (10^6, 10^9 bytes/s) or KiB/s, MiB/s, GiB/s" });
    expect(parseQuantity("size", "2 MB")).toMatchObject({ ok: false, message: "uses the decimal prefix MB for a size", expected: "a binary prefix (MiB), or plain bytes" });
  });
});

describe("safeParseArch", () => {
  it("returns the problems instead of throwing", () => {
    const r = safeParseArch("version: 1\nname: x\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.path)).toEqual(["clock", "compute", "buffers", "dram"]);
  });
});

describe("SCALE-Sim .cfg", () => {
  const cfgText = readFileSync(join(REPO, "test", "sim", "fixtures", "scalesim-alexnet", "scale_32x32_ws.cfg"), "utf8");
  it("reads the AlexNet contract config (':' and '=' separators, free spacing)", () => {
    expect(parseScaleSimCfg(cfgText)).toEqual({
      runName: "alexnet_conv1_32x32_ws", arrayHeight: 32, arrayWidth: 32, ifmapSramKiB: 64, filterSramKiB: 64, ofmapSramKiB: 64,
      ifmapOffset: 0, filterOffset: 10000000, ofmapOffset: 20000000, dataflow: "ws", bandwidthWordsPerCycle: [10], memoryBanks: 1,
      interfaceBandwidth: "CALC", ignored: [],
    });
  });
  it("lists the keys of later SCALE-Sim versions it ignores", () => {
    const c = parseScaleSimCfg(cfgText.replace("[run_presets]", "IfmapCustomLayout: True\n\n[sparsity]\nSparsitySupport : false\n\n[run_presets]"));
    expect(c.ignored).toEqual(["architecture_presets.ifmapcustomlayout", "sparsity.sparsitysupport"]);
  });
});
