/**
 * SCALE-Sim's three reports, with its column names and its formatting (Python `str()` of ints and floats,
 * `, ` separators, a trailing comma), plus the bridges into compatibility mode: a `.cfg`, a quarch arch,
 * or quarch's own layers (padding dropped, one stride, depthwise split per channel — as SCALE-Sim would).
 */
import { UnsupportedError } from "../../errors.js";
import type { ScaleSimConfig } from "../../hw/scalesim-cfg.js";
import type { ArchSpec } from "../../hw/types.js";
import type { SimLayer } from "../workload.js";
import type { ScaleSimArch, ScaleSimResult } from "./model.js";
import type { ScaleSimLayer } from "./topology.js";

/** Python's repr of a float: "100.0", "1e-05", "91.68345…". */
export function pyFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${x}.0`;
  const ax = Math.abs(x);
  if (ax !== 0 && (ax < 1e-4 || ax >= 1e16)) {
    const [mant, exp] = x.toExponential().split("e") as [string, string];
    const e = Number(exp);
    return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(x);
}

const row = (cells: readonly string[]) => cells.join(", ") + ",\n";

export interface ScaleSimReports {
  readonly "COMPUTE_REPORT.csv": string;
  readonly "BANDWIDTH_REPORT.csv": string;
  readonly "DETAILED_ACCESS_REPORT.csv": string;
}

export function scaleSimReports(results: readonly ScaleSimResult[]): ScaleSimReports {
  const compute = ["LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"];
  const bw = ["LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n"];
  const detail = [
    "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, " +
      "SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, " +
      "DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n",
  ];
  results.forEach((r, i) => {
    const id = String(i);
    const t = r.totalCycles;
    compute.push(row([id, String(t), String(r.stallCycles), pyFloat(r.overallUtil), pyFloat(r.mappingEfficiency), pyFloat(r.computeUtil)]));
    // DRAM traffic spread over the layer (start 0, stop total): SCALE-Sim's denominator is stop − start + 1.
    bw.push(row([id, ...[r.ifmapSramReads, r.filterSramReads, r.ofmapSramWrites].map((x) => pyFloat(x / t)), ...[r.ifmapDramReads, r.filterDramReads, r.ofmapDramWrites].map((x) => pyFloat(x / (t + 1)))]));
    detail.push(row([id, "0", String(t), String(r.ifmapSramReads), "0", String(t), String(r.filterSramReads), "0", String(t), String(r.ofmapSramWrites), "0", String(t), String(r.ifmapDramReads), "0", String(t), String(r.filterDramReads), "0", String(t), String(r.ofmapDramWrites)]));
  });
  return { "COMPUTE_REPORT.csv": compute.join(""), "BANDWIDTH_REPORT.csv": bw.join(""), "DETAILED_ACCESS_REPORT.csv": detail.join("") };
}

/** A `.cfg` as compatibility-mode parameters (SCALE-Sim's kB are KiB; a word is a byte). */
export function scaleSimArchFromCfg(c: ScaleSimConfig): ScaleSimArch {
  return {
    runName: c.runName, rows: c.arrayHeight, cols: c.arrayWidth, dataflow: c.dataflow,
    ifmapSramWords: c.ifmapSramKiB * 1024, filterSramWords: c.filterSramKiB * 1024, ofmapSramWords: c.ofmapSramKiB * 1024,
    mode: c.interfaceBandwidth, bandwidthWordsPerCycle: c.bandwidthWordsPerCycle[0] ?? 10,
  };
}

/** A quarch systolic arch in compatibility mode (CALC: SCALE-Sim's stall-free closed form). */
export function scaleSimArchFromSpec(spec: ArchSpec): ScaleSimArch {
  const c = spec.compute;
  if (c.kind !== "systolic") throw new UnsupportedError({ path: "--compat scalesim", message: `needs a systolic array; ${spec.name} is a ${c.kind} unit` });
  const size = (op: "weights" | "inputs" | "outputs") => spec.buffers[spec.derived.holder[op]]!.sizeBytes;
  return {
    runName: spec.name, rows: c.rows, cols: c.cols, dataflow: c.dataflow,
    ifmapSramWords: size("inputs"), filterSramWords: size("weights"), ofmapSramWords: size("outputs"),
    mode: "CALC", bandwidthWordsPerCycle: spec.derived.dramReadBitsPerCycle / 8,
  };
}

export interface Converted {
  readonly layers: ScaleSimLayer[];
  /** What SCALE-Sim's model dropped or changed, one line per kind of change. */
  readonly notes: string[];
}

/** quarch layers → SCALE-Sim layers, applying SCALE-Sim's own limits (and saying which applied). */
export function toScaleSimLayers(layers: readonly SimLayer[]): Converted {
  const out: ScaleSimLayer[] = [];
  const notes = new Set<string>();
  for (const l of layers) {
    if (l.kind === "vector") {
      notes.add(`vector layers (pools, adds) skipped: SCALE-Sim models convolutions and GEMMs only`);
      continue;
    }
    if (l.dilationH > 1 || l.dilationW > 1) throw new UnsupportedError({ path: `layer "${l.name}"`, message: "is dilated; SCALE-Sim has no dilation", expected: "quarch's own model (drop --compat scalesim)" });
    if (l.pads.some((p) => p > 0)) notes.add("padding dropped: SCALE-Sim convolves the unpadded input (fewer output pixels)");
    if (l.strideW !== l.strideH) notes.add("width strides replaced by the height stride: SCALE-Sim's topology has one stride");
    if (l.wBits !== 8 || l.aBits !== 8) notes.add("bit widths ignored: SCALE-Sim moves one-byte words");
    const gemm = l.op === "fc" || l.op === "matmul";
    const base = gemm
      ? { ifmapH: l.P * l.N, ifmapW: l.C, filterH: 1, filterW: l.C, channels: 1, numFilters: l.K, strideH: 1, strideW: 1 }
      : { ifmapH: l.H, ifmapW: l.W, filterH: l.R, filterW: l.S, channels: l.C, numFilters: l.K, strideH: l.strideH, strideW: l.strideH };
    const images = gemm ? 1 : l.N;
    if (images > 1) notes.add("batch unrolled into one SCALE-Sim layer per image");
    if (l.G > 1) notes.add("grouped / depthwise layers split into one layer per group (SCALE-Sim's DP rule)");
    for (let b = 0; b < images; b++) {
      for (let g = 0; g < l.G; g++) {
        const suffix = (images > 1 ? `_b${b}` : "") + (l.G > 1 ? `Channel_${g}` : "");
        out.push({ name: `${l.name}${suffix}`, ...base });
      }
    }
  }
  return { layers: out, notes: [...notes] };
}
