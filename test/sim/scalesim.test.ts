/**
 * SCALE-Sim compatibility: its closed form on the AlexNet conv1 case (the project's CLI contract) and on
 * small os/ws/is cases worked by hand, its topology quirks, and its report formats.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SpecError, UnsupportedError } from "../../src/errors.js";
import { parseScaleSimCfg } from "../../src/hw/index.js";
import {
  type ScaleSimArch, convLayer, parseScaleSimTopology, pyFloat, scaleSimArchFromCfg, scaleSimLayer, scaleSimReports, scaleSimRun, toScaleSimLayers, topologyToSimLayers,
} from "../../src/sim/index.js";

const FIX = join(import.meta.dirname, "fixtures", "scalesim-alexnet");
const read = (f: string) => readFileSync(join(FIX, f), "utf8");

describe("SCALE-Sim closed form: AlexNet conv1 on a 32×32 WS array", () => {
  const arch = scaleSimArchFromCfg(parseScaleSimCfg(read("scale_32x32_ws.cfg")));
  const [r] = scaleSimRun(parseScaleSimTopology(read("alexnet_conv1.csv")).layers, arch);
  it("112,283 cycles; 91.68 % overall, 94.53 % mapping, 90.78 % compute utilization", () => {
    expect(r!.totalCycles).toBe(112283);
    expect(r!.stallCycles).toBe(0);
    expect([r!.E, r!.F, r!.Sr, r!.Sc, r!.T, r!.folds, r!.foldCycles]).toEqual([55, 55, 363, 96, 3025, 36, 3119]);
    expect(r!.overallUtil.toFixed(2)).toBe("91.68");
    expect(r!.mappingEfficiency.toFixed(2)).toBe("94.53");
    expect(r!.computeUtil.toFixed(2)).toBe("90.78");
    // Percentages within 1e-9 relative of the exact rationals.
    expect(Math.abs(r!.overallUtil / ((105415200 * 100) / (112283 * 1024)) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r!.mappingEfficiency / ((34848 * 100) / 36864) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r!.computeUtil / (((34848 * 3025) / (1024 * 3150) / 36) * 100) - 1)).toBeLessThan(1e-9);
  });
  it("SRAM reads ifmap 3,294,225, filter 34,848; ofmap writes 3,484,800", () => {
    expect([r!.ifmapSramReads, r!.filterSramReads, r!.ofmapSramWrites]).toEqual([3294225, 34848, 3484800]);
  });
  it("COMPUTE_REPORT.csv: SCALE-Sim's header and Python number formatting; line 2 column 2 is 112283", () => {
    const reports = scaleSimReports([r!]);
    const lines = reports["COMPUTE_REPORT.csv"].split("\n");
    expect(lines[0]).toBe("LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,");
    expect(lines[1]!.split(",")[1]!.trim()).toBe("112283");
    expect(lines[1]).toMatch(/^0, 112283, 0, 91\.683\d+, 94\.53125, 90\.78\d+,$/);
    expect(reports["BANDWIDTH_REPORT.csv"].split("\n")[0]).toBe("LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,");
    const detail = reports["DETAILED_ACCESS_REPORT.csv"].split("\n");
    expect(detail[0]!.split(", ")).toHaveLength(19);
    expect(detail[1]!.split(", ").slice(3, 4)).toEqual(["3294225"]);
  });
});

describe("SCALE-Sim closed form: hand-worked cases (4×4 array; 6×6×2 input, 3×3 filters, 5 of them, stride 1)", () => {
  // E = F = 4, so P = 16 output pixels, K = 3·3·2 = 18, M = 5 filters, 1440 MACs.
  const layer = { name: "t", ifmapH: 6, ifmapW: 6, filterH: 3, filterW: 3, channels: 2, numFilters: 5, strideH: 1, strideW: 1 };
  const arch = (dataflow: "os" | "ws" | "is"): ScaleSimArch => ({ runName: "t", rows: 4, cols: 4, dataflow, ifmapSramWords: 1 << 20, filterSramWords: 1 << 20, ofmapSramWords: 1 << 20, mode: "CALC", bandwidthWordsPerCycle: 10 });
  it("os: Sr = P = 16, Sc = M = 5, T = K = 18; 4·2 folds of L = 18 + 4 + 4 − 2 = 24 → 8·24 − 1 = 191", () => {
    const r = scaleSimLayer(layer, arch("os"));
    expect([r.Sr, r.Sc, r.T, r.folds, r.foldCycles, r.totalCycles]).toEqual([16, 5, 18, 8, 24, 191]);
    expect(r.mappingEfficiency).toBeCloseTo(62.5, 12); // 80 used PE-folds / (8 · 16)
    expect(r.computeUtil).toBeCloseTo(46.875, 12); // 80 · 18 / (16 · 24) / 8
    expect(r.overallUtil).toBeCloseTo((1440 * 100) / (191 * 16), 12);
    // ifmap ⌈Sc/C⌉·P·K = 2·16·18; filter ⌈Sr/R⌉·K·M = 4·18·5; ofmap P·M + folds·(R + C) = 80 + 8·8.
    expect([r.ifmapSramReads, r.filterSramReads, r.ofmapSramWrites]).toEqual([576, 360, 144]);
  });
  it("ws: Sr = K = 18, Sc = M = 5, T = P = 16; 5·2 folds of L = 8 + 4 + 16 − 2 = 26 → 259", () => {
    const r = scaleSimLayer(layer, arch("ws"));
    expect([r.Sr, r.Sc, r.T, r.folds, r.foldCycles, r.totalCycles]).toEqual([18, 5, 16, 10, 26, 259]);
    expect(r.mappingEfficiency).toBeCloseTo(56.25, 12); // 90 / (10 · 16)
    expect(r.computeUtil).toBeCloseTo(((90 * 16) / (16 * 29) / 10) * 100, 12); // L′ = 2R + 2C + T − 3 = 29
    expect(r.overallUtil).toBeCloseTo((1440 * 100) / (259 * 16), 12);
    // ifmap ⌈M/C⌉·P·K = 2·16·18; filter K·M = 90; ofmap ⌈K/R⌉·P·M = 5·80.
    expect([r.ifmapSramReads, r.filterSramReads, r.ofmapSramWrites]).toEqual([576, 90, 400]);
  });
  it("is: Sr = K = 18, Sc = P = 16, T = M = 5; 5·4 folds of L = 8 + 4 + 5 − 2 = 15 → 299", () => {
    const r = scaleSimLayer(layer, arch("is"));
    expect([r.Sr, r.Sc, r.T, r.folds, r.foldCycles, r.totalCycles]).toEqual([18, 16, 5, 20, 15, 299]);
    expect(r.mappingEfficiency).toBeCloseTo(90, 12); // 288 / (20 · 16)
    expect(r.computeUtil).toBeCloseTo(25, 12); // 288 · 5 / (16 · 18) / 20
    // ifmap K·P = 288; filter ⌈P/C⌉·K·M = 4·90; ofmap ⌈K/R⌉·P·M = 5·80.
    expect([r.ifmapSramReads, r.filterSramReads, r.ofmapSramWrites]).toEqual([288, 360, 400]);
  });
  it("no padding and one stride: E = ⌈(H − R + s)/s⌉", () => {
    const r = scaleSimLayer({ ...layer, ifmapH: 7, ifmapW: 7, strideH: 2, strideW: 2 }, arch("ws"));
    expect([r.E, r.F]).toEqual([3, 3]);
  });
  it("USER mode: stalls from quarch's own model, said to differ from SCALE-Sim's", () => {
    const r = scaleSimLayer(layer, { ...arch("ws"), mode: "USER", bandwidthWordsPerCycle: 1 });
    expect(r.totalCycles).toBe(259 + r.stallCycles);
    expect(r.stallCycles).toBeGreaterThan(0);
    expect(r.formula).toContain("SCALE-Sim's own USER-mode stalls differ");
  });
});

describe("SCALE-Sim topologies", () => {
  it("tells conv from GEMM files by the header; a GEMM row becomes H = M, W = K, a 1×K filter, N filters", () => {
    const t = parseScaleSimTopology("Layer Name, M, N, K,\nfc1, 64, 128, 256,\n");
    expect(t.kind).toBe("gemm");
    expect(t.layers[0]).toEqual({ name: "fc1", ifmapH: 64, ifmapW: 256, filterH: 1, filterW: 256, channels: 1, numFilters: 128, strideH: 1, strideW: 1 });
    const r = scaleSimLayer(t.layers[0]!, { runName: "g", rows: 8, cols: 8, dataflow: "os", ifmapSramWords: 1e6, filterSramWords: 1e6, ofmapSramWords: 1e6, mode: "CALC", bandwidthWordsPerCycle: 10 });
    expect([r.Sr, r.Sc, r.T]).toEqual([64, 128, 256]);
  });
  it("splits DP rows per channel (SCALE-Sim's depthwise), or keeps them whole for quarch's model", () => {
    const csv = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nConv1_DP, 8, 8, 3, 3, 3, 1, 1,\nPW, 6, 6, 1, 1, 3, 4, 1\n";
    const t = parseScaleSimTopology(csv);
    expect(t.layers.map((l) => [l.name, l.channels])).toEqual([["Conv1_DPChannel_0", 1], ["Conv1_DPChannel_1", 1], ["Conv1_DPChannel_2", 1], ["PW", 3]]);
    const own = topologyToSimLayers(parseScaleSimTopology(csv, "t", { splitDepthwise: false }));
    expect(own.map((l) => [l.name, l.op, l.G, l.C, l.K, l.P])).toEqual([["Conv1_DP", "depthwise", 3, 1, 1, 6], ["PW", "conv2d", 1, 3, 4, 6]]);
  });
  it("errors name the file and line", () => {
    expect(() => parseScaleSimTopology("name, a, b\n", "x.csv")).toThrow(/x\.csv: line 1: is not a SCALE-Sim topology header/);
    expect(() => parseScaleSimTopology("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 4, 4, 5, 5, 1, 1, 1,\n", "x.csv")).toThrow(SpecError);
    expect(() => parseScaleSimTopology("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 4, 4, 3, 3, 1, 0, 1,\n", "x.csv")).toThrow(/x\.csv: line 2: has a value that is not a positive integer/);
  });
  it("quarch layers convert with SCALE-Sim's limits, saying which applied", () => {
    const bits = { wBits: 4, aBits: 8, outBits: 8, source: "bits" as const };
    const l = convLayer({ name: "dw", batch: 1, inH: 8, inW: 8, inC: 4, outC: 4, kH: 3, kW: 3, strideH: 1, strideW: 2, pads: [1, 1, 1, 1], groups: 4, bits });
    const c = toScaleSimLayers([l]);
    expect(c.layers.map((x) => x.name)).toEqual(["dwChannel_0", "dwChannel_1", "dwChannel_2", "dwChannel_3"]);
    expect(c.layers[0]).toMatchObject({ ifmapH: 8, channels: 1, numFilters: 1, strideH: 1, strideW: 1 });
    expect(c.notes).toHaveLength(4);
    expect(() => toScaleSimLayers([{ ...l, dilationH: 2 }])).toThrow(UnsupportedError);
  });
  it("Python float formatting", () => {
    expect([pyFloat(100), pyFloat(94.53125), pyFloat(1e-5), pyFloat(0.5), pyFloat(2.5e-7)]).toEqual(["100.0", "94.53125", "1e-05", "0.5", "2.5e-07"]);
  });
});
