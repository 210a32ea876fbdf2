/**
 * The simulator link: for each generated engine, an arch.yaml describing that exact machine (its array,
 * precision mode, the pipeline fill / drain / per-tile overhead the RTL has, and its weight ROM as a
 * resident weights buffer), a mapping pinned to the schedule the RTL runs (pixels or reduction on rows,
 * output channels on columns, the whole layer as one tile), and the layer as a SCALE-Sim topology row —
 * so `quarch sim` predicts the engine's cycles, total included, without importing anything from rtl-gen.
 * rtl-gen itself never imports the simulator.
 */
import type { SimLink } from "./design.js";
import type { EnginePlan } from "./gen/engine-plan.js";

/** Smallest power-of-two KiB holding `bits` (at least 1 KiB). */
function kib(bits: number): string {
  let k = 1;
  while (k * 8192 < bits) k *= 2;
  return `${k} KiB`;
}

function precisionYaml(p: EnginePlan): string {
  switch (p.task.precision) {
    case "int8":
      return "{ mode: fixed, maxBits: 8 }";
    case "int4":
      return "{ mode: int4-packing, maxBits: 8, minBits: 4, packing: 2 }";
    case "int2":
      return "{ mode: int4-packing, maxBits: 8, minBits: 2, packing: 4 }";
    default: {
      const never: never = p.task.precision;
      return never;
    }
  }
}

export interface ArchText {
  readonly name: string;
  readonly description: string;
  readonly rows: number;
  readonly cols: number;
  readonly dataflow: "os" | "ws";
  readonly precision: string;
  readonly accumulatorBits: number;
  readonly fill: number;
  readonly drain: number;
  readonly perTile: number;
  readonly weightBits: number;
  readonly inputBits: number;
  readonly outputBits: number;
  readonly portBits: number;
}

/** arch.yaml text: buffers large enough for the whole layer as one tile, DRAM as the fastest it can be. */
export function archYaml(a: ArchText): string {
  return [
    "version: 1",
    `name: ${JSON.stringify(a.name)}`,
    `description: ${JSON.stringify(a.description)}`,
    "clock: 100 MHz",
    "compute:",
    "  kind: systolic",
    `  rows: ${a.rows}`,
    `  cols: ${a.cols}`,
    `  dataflow: ${a.dataflow}`,
    `  precision: ${a.precision}`,
    `  accumulatorBits: ${a.accumulatorBits}`,
    "  overflow: wrap",
    `  pipeline: { fillCycles: ${a.fill}, drainCycles: ${a.drain}, perTileOverheadCycles: ${a.perTile} }`,
    "buffers:",
    "  # The engine's weights sit in a ROM: resident, never fetched (this buffer holds them all).",
    `  weights: { size: ${kib(a.weightBits)}, banks: 1, portBits: ${a.portBits}, resident: true }`,
    `  inputs:  { size: ${kib(a.inputBits)}, banks: 1, portBits: ${a.portBits} }`,
    `  outputs: { size: ${kib(a.outputBits)}, banks: 1, portBits: ${a.portBits}, wordBits: ${a.accumulatorBits} }`,
    "# Its input is streamed in before `start` and its output out as it goes: DRAM does not bound it (quarch rtl",
    "# predicts with both on chip; `quarch sim` on the lone layer charges their transfers at this bandwidth).",
    "dram: { bandwidth: 1000 GB/s, latency: 0 ns, burst: 1 B }",
    "caches: []",
    "",
  ].join("\n");
}

export function mappingJson(layerName: string, mapping: object): string {
  return JSON.stringify({ layers: { [layerName]: mapping } }, null, 2) + "\n";
}

/** The link of a layer engine. `modelPath` set: the layer is named in that model; else layer.csv. */
export function engineLink(p: EnginePlan, archName: string, modelPath: string | undefined): SimLink {
  const t = p.task;
  const { rows: R, cols: C, dataflow } = p.cfg;
  const fc = t.kind === "fc";
  const csvName = t.name.replace(/[^A-Za-z0-9_]/g, "_");
  const layerName = modelPath === undefined ? csvName : t.name;
  // A topology CSV has no padding: the padded input gives the same output size and loop bounds.
  const topologyCsv = fc
    ? `Layer Name, M, N, K,\n${csvName}, ${t.inH}, ${t.outC}, ${t.inC},\n`
    : `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides, Stride W,\n${csvName}, ${t.inH + t.pads[0] + t.pads[2]}, ${t.inW + t.pads[1] + t.pads[3]}, ${t.kH}, ${t.kW}, ${t.inC}, ${t.outC}, ${t.strideH}, ${t.strideW},\n`;
  const dims = { K: t.outC, C: t.inC, P: t.outH, Q: t.outW };
  const mapping = {
    dataflow,
    spatial: dataflow === "os" ? { rows: ["P", "Q"], cols: ["K"] } : { rows: ["C", "R", "S"], cols: ["K"] },
    tile: { N: 1, G: 1, ...dims },
    order: ["N", "G", "K", "C", "P", "Q"],
  };
  const wBits = p.eb;
  const wantBits = wBits === 8 ? "" : ` --bits W${wBits}A${wBits}`;
  const yaml = archYaml({
    name: archName,
    description: `quarch rtl engine for ${t.source} (${R}x${C} ${dataflow}, ${t.precision})`,
    rows: R, cols: C, dataflow, precision: precisionYaml(p), accumulatorBits: p.cfg.accBits,
    fill: p.fillCycles, drain: p.drainCycles, perTile: 1 + p.tailCycles,
    weightBits: t.outC * p.T * wBits, inputBits: t.inH * t.inW * t.inC * wBits, outputBits: p.NP * t.outC * Math.max(32, p.cfg.accBits),
    portBits: 4096,
  });
  return {
    archYaml: yaml,
    mappingJson: mappingJson(layerName, mapping),
    topologyCsv,
    layerName,
    wBits,
    aBits: wBits,
    predictedCycles: p.latencyCycles,
    formula: `${p.passes} passes × (${p.steps} ${dataflow === "os" ? "steps" : "pixels"} + fill ${p.fillCycles} + drain ${p.drainCycles}) + per-tile ${1 + p.tailCycles} = ${p.latencyCycles}`,
    simCommand: `quarch sim ${modelPath ?? "layer.csv"} --arch engine.arch.yaml --mapping mapping.json${modelPath === undefined ? wantBits : ""} --format json`,
  };
}
