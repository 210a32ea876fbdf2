/**
 * A generated design: the DUT, its self-checking testbench, vectors and ROM files, its declared timing,
 * and (for engines) the matching accelerator description. Writing it into a directory and running it
 * through the simulators lives in verify.ts.
 */
import type { Timing } from "./generated.js";
import type { Module } from "./module.js";
import { printDesign, printFile } from "./print.js";
import type { TbTiming } from "./run/simulate.js";

export type DesignKind = "pe" | "requant" | "array" | "layer" | "binary-layer";
export const DESIGN_KINDS: readonly DesignKind[] = ["pe", "requant", "array", "layer", "binary-layer"];

export interface Mismatch {
  /** Output beat index. */
  readonly index: number;
  readonly inputs: string;
  readonly expected: string;
  readonly got: string;
}

export interface MeasuredTiming {
  readonly latencyCycles: number;
  readonly iiCycles: number;
  /** Streams: first accepted beat to last output. Engines: the first run, start to done. */
  readonly totalCycles: number;
}

export interface VectorSummary {
  /** Output beats the testbench compares. */
  readonly outputs: number;
  /** Output values checked (an engine beat carries one value per array column). */
  readonly values: number;
  readonly directed: number;
  readonly random: number;
  readonly seed: number;
}

/** What `quarch sim` needs to predict an engine's cycles: an arch.yaml, a pinned mapping and the layer. */
export interface SimLink {
  readonly archYaml: string;
  /** The layer's mapping in the JSON form `quarch sim --mapping` accepts ({"layers": {name: mapping}}). */
  readonly mappingJson: string;
  /** A SCALE-Sim topology row for the layer (when it is not taken from a model), padding folded in. */
  readonly topologyCsv: string;
  readonly layerName: string;
  readonly wBits: number;
  readonly aBits: number;
  /** Cycles the engine's own formula gives (= latencyCycles), with the formula in words. */
  readonly predictedCycles: number;
  readonly formula: string;
  /** The `quarch sim` command line that prints the prediction, run inside the output directory. */
  readonly simCommand: string;
}

export interface Design {
  readonly kind: DesignKind;
  readonly title: string;
  readonly dut: Module;
  readonly tb: Module;
  /** ROM and vector files by name (the Verilog files are printed on demand). */
  readonly data: ReadonlyMap<string, string>;
  readonly timing: Timing;
  readonly vectors: VectorSummary;
  /** Describe a mismatching output beat in the user's terms (decimal inputs, expected, got). */
  explain(index: number, gotHex: string): Mismatch;
  /** The testbench's raw numbers as latency / II / total. */
  measure(t: TbTiming): MeasuredTiming;
  readonly link?: SimLink;
  /** Notes for the report (e.g. a directed vector that could not be built for this configuration). */
  readonly notes: readonly string[];
}

export const TB_FILE = "tb.v";

/** The DUT's Verilog files (one per module, submodules first; the top module's file last). */
export function dutFiles(d: Design): string[] {
  return [...printDesign(d.dut).keys()];
}

/** Every file of a design: one .v per module, tb.v, the data files, and the simulator link's files. */
export function designFiles(d: Design): Map<string, string> {
  const files = printDesign(d.dut);
  files.set(TB_FILE, printFile(d.tb));
  for (const [k, v] of d.data) files.set(k, v);
  if (d.link !== undefined) {
    files.set("engine.arch.yaml", d.link.archYaml);
    files.set("mapping.json", d.link.mappingJson);
    files.set("layer.csv", d.link.topologyCsv);
  }
  return files;
}

/** Stream timing from the testbench's numbers. */
export function streamMeasure(t: TbTiming): MeasuredTiming {
  return {
    latencyCycles: t.latency,
    iiCycles: t.nIn > 1 ? (t.lastIn - t.firstIn) / (t.nIn - 1) : 1,
    totalCycles: t.lastOut - t.firstIn,
  };
}
