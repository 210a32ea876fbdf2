/**
 * `quarch rtl`'s work, shared by the command, `quarch demo` and the tests: build a design from the
 * command's options (reading the model and the arch file), run it through the simulators, lint and Yosys
 * inside a directory, and ask the simulator for the engine's cycles. rtl-gen never imports the simulator;
 * this CLI module joins the two.
 */
import { InputError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import type { FixedMode, FixedRequantizer } from "../ir/requant.js";
import { convertRequantizer } from "../quant/requantize.js";
import {
  type AreaEstimate, type AreaReport, type Design, type DesignKind, type LayerTask, type LintReport, type SimLink, type Simulator, type SynthTarget, type VerifyResult,
  arrayDesign, binaryDesign, binaryTaskFromGraph, dutFiles, estimateArea, layerDesign, layerTaskFromGraph, lintVerilog, peDesign, relativeError, requantDesign,
  synthesize, syntheticBinary, syntheticLayerTask, toolVersion, verifyIn, writeDesign,
} from "../../rtl-gen/index.js";
import { resolveArch } from "./arch-presets.js";
import { loadModel } from "./models.js";

export interface RtlRequest {
  readonly kind: DesignKind;
  readonly model?: string;
  readonly layer?: string;
  readonly arch?: string;
  readonly wbits?: number;
  readonly abits?: number;
  readonly accBits?: number;
  readonly rounding?: FixedMode;
  readonly rows?: number;
  readonly cols?: number;
  readonly dataflow?: "os" | "ws";
  /** Synthetic layers: conv or fc, input H×W×C (fc: M×K), output channels, kernel, stride. */
  readonly shape?: { readonly kind: "conv" | "fc"; readonly input: readonly number[]; readonly channels: number; readonly kernel: number; readonly stride: number };
  /** Binary lanes: bits per lane (PE) or per step (binary layer's SIMD). */
  readonly laneBits?: number;
  readonly thresholds?: number;
  readonly vectors?: number;
  readonly seed: number;
  readonly fault?: "unsigned-shift" | "wrong-rounding";
}

const PRECISION_OF: Readonly<Record<number, "int8" | "int4" | "int2" | "binary">> = { 8: "int8", 4: "int4", 2: "int2", 1: "binary" };

function precisionOf(req: RtlRequest, fallback: number): "int8" | "int4" | "int2" | "binary" {
  const w = req.wbits ?? req.abits ?? fallback;
  const a = req.abits ?? w;
  const p = PRECISION_OF[w];
  if (w !== a || p === undefined) {
    throw new InputError({ path: "--wbits/--abits", message: "has no PE lane", given: `W${w}A${a}`, expected: "equal widths of 8, 4, 2 or 1 bits (one lane carries both operands)" });
  }
  return p;
}

/** The nearest wrong mode: a sibling that differs from `m` as little as possible (ties only, if it can). */
const SIBLING: Readonly<Record<FixedMode, FixedMode>> = {
  double: "single", single: "double", "dyadic-floor": "dyadic-half-up",
  "dyadic-half-up": "dyadic-half-even", "dyadic-half-away": "dyadic-half-up", "dyadic-half-even": "dyadic-half-up",
};
function nextMode(m: FixedMode): FixedMode {
  return SIBLING[m];
}

export interface BuiltDesign {
  readonly design: Design;
  readonly graph: Graph | undefined;
  readonly notes: readonly string[];
}

/** The design a request describes (reads the model and the arch file; generates nothing on disk). */
export async function buildRtlDesign(req: RtlRequest): Promise<BuiltDesign> {
  const notes: string[] = [];
  const random = req.vectors;
  const seed = req.seed;
  const graph = req.model === undefined ? undefined : loadModel(req.model);
  if (graph !== undefined && req.layer === undefined) throw new InputError({ path: "--model", message: "needs --layer", expected: `one of ${graph.nodes.filter((n) => n.op === "conv2d" || n.op === "matmul").map((n) => n.name).join(", ")}` });
  let rows = req.rows;
  let cols = req.cols;
  let dataflow = req.dataflow;
  let accBits = req.accBits;
  if (req.arch !== undefined) {
    const a = await resolveArch(req.arch);
    if (a.kind !== "yaml" || a.spec.compute.kind !== "systolic") throw new InputError({ path: req.arch, message: "does not describe a systolic array", expected: "an arch.yaml with compute.kind systolic" });
    const c = a.spec.compute;
    if (c.dataflow === "is") throw new InputError({ path: req.arch, message: "has an input-stationary array; rtl-gen builds os and ws arrays", expected: "dataflow os or ws (or --dataflow)" });
    rows ??= c.rows;
    cols ??= c.cols;
    dataflow ??= c.dataflow;
    accBits ??= c.accumulatorBits;
  }
  const vec = { random: random ?? 200, seed };
  switch (req.kind) {
    case "pe": {
      const precision = precisionOf(req, 8);
      return { design: peDesign({ precision, accBits: accBits ?? (precision === "binary" ? 16 : 32), ...(precision === "binary" ? { laneBits: req.laneBits ?? 32 } : {}) }, vec), graph, notes };
    }
    case "requant": {
      const outType = { bits: req.abits ?? 8, signed: true };
      if (graph !== undefined) {
        const task = layerTaskFromGraph(graph, req.layer!);
        const rq = (req.rounding === undefined ? task.requant : convertRequantizer(task.requant, req.rounding)) as FixedRequantizer;
        const mode = req.fault === "wrong-rounding" ? nextMode(rq.mode) : rq.mode;
        notes.push(`${task.source}: per-channel multiplier and shift in a ROM, ${rq.mode} rounding, zero point ${task.outZeroPoint}, clamp [${task.clampMin}, ${task.clampMax}]`);
        return {
          design: requantDesign({
            gen: {
              mode, coeffs: { kind: "rom", multiplier: Array.from(rq.multiplier), shift: Array.from(rq.shift) }, outType: task.outType,
              output: { kind: "const", zeroPoint: task.outZeroPoint, clampMin: task.clampMin, clampMax: task.clampMax }, ...(req.fault === "unsigned-shift" ? { fault: "unsigned-shift" as const } : {}),
            },
            expectMode: rq.mode,
          }, vec),
          graph, notes,
        };
      }
      const mode = req.rounding ?? "runtime";
      const built = mode === "runtime" || req.fault !== "wrong-rounding" ? mode : nextMode(mode);
      if (req.fault === "wrong-rounding" && mode === "runtime") throw new InputError({ path: "--fault wrong-rounding", message: "needs a frozen mode", expected: "--rounding <mode>" });
      return {
        design: requantDesign({ gen: { mode: built, coeffs: { kind: "port" }, output: { kind: "port" }, outType, ...(req.fault === "unsigned-shift" ? { fault: "unsigned-shift" as const } : {}) }, ...(mode === "runtime" ? {} : { expectMode: mode }) }, vec),
        graph, notes,
      };
    }
    case "array": {
      const precision = precisionOf(req, 8);
      const lane = precision === "binary" ? { laneBits: req.laneBits ?? 8 } : {};
      return { design: arrayDesign({ precision, ...lane, rows: rows ?? 4, cols: cols ?? 4, dataflow: dataflow ?? "os", accBits: accBits ?? (precision === "binary" ? 16 : 32) }, Math.max(2, random ?? 8), { random: 0, seed }), graph, notes };
    }
    case "layer": {
      let task: LayerTask;
      if (graph !== undefined) task = layerTaskFromGraph(graph, req.layer!);
      else {
        const precision = precisionOf(req, 8);
        if (precision === "binary") throw new InputError({ path: "--wbits 1", message: "is a binary layer", expected: "quarch rtl binary-layer" });
        const s = req.shape ?? { kind: "conv", input: [8, 8, 16], channels: 16, kernel: 3, stride: 1 };
        const [h = 8, w = 1, c = 16] = s.kind === "fc" ? [s.input[0] ?? 1, 1, s.input[1] ?? 16] : s.input;
        task = syntheticLayerTask({ kind: s.kind, inH: h, inW: w, inC: c, outC: s.channels, k: s.kernel, stride: s.stride, pad: "same", precision, mode: req.rounding ?? "double", seed });
      }
      if (graph !== undefined && req.rounding !== undefined) task = { ...task, requant: convertRequantizer(task.requant, req.rounding) as FixedRequantizer };
      if (graph !== undefined && (req.wbits !== undefined || req.abits !== undefined)) notes.push("--wbits/--abits ignored: the model's layer has its own widths");
      const cfg = { rows: rows ?? 8, cols: cols ?? 8, dataflow: dataflow ?? "os", accBits: accBits ?? 32 } as const;
      return { design: layerDesign(task, cfg, { seed, ...(req.model === undefined ? {} : { modelPath: req.model }) }), graph, notes };
    }
    case "binary-layer": {
      const cfg = { pe: cols ?? 4, simd: req.laneBits ?? 32 };
      if (graph !== undefined) {
        const task = binaryTaskFromGraph(graph, req.layer!);
        const input = Int8Array.from({ length: task.M * task.K }, (_, i) => (((i * 2654435761 + seed) >>> 7) & 1) === 1 ? 1 : -1);
        notes.push(`input: seeded ±1 vectors (seed ${seed})`);
        return { design: binaryDesign(task, cfg, input, seed), graph, notes };
      }
      const s = req.shape;
      const M = s?.input[0] ?? 8;
      const K = s?.input[1] ?? 96;
      const { task, input } = syntheticBinary({ M, K, N: s?.channels ?? 16, thresholds: req.thresholds ?? 1, seed });
      return { design: binaryDesign(task, cfg, input, seed), graph, notes };
    }
    default: {
      const never: never = req.kind;
      return never;
    }
  }
}

export interface Prediction {
  readonly computeCycles: number;
  readonly totalCycles: number;
  readonly formula: string;
}

/**
 * `quarch sim`'s prediction for an engine, from the link's arch.yaml, mapping and layer. The simulator
 * and the arch loader (mathjs, yaml) load on first use, as everywhere in the CLI.
 */
export async function predictCycles(link: SimLink, graph: Graph | undefined): Promise<Prediction> {
  const { parseArch } = await import("../hw/load.js");
  const { applyBits, layersFromGraph, simulateLayer, parseScaleSimTopology, topologyToSimLayers } = await import("../sim/index.js");
  const arch = parseArch(link.archYaml, "engine.arch.yaml");
  let layer = graph === undefined
    ? topologyToSimLayers(parseScaleSimTopology(link.topologyCsv, "layer.csv"))[0]
    : layersFromGraph(graph).layers.find((l) => l.name === link.layerName);
  if (layer === undefined) throw new InputError({ path: link.layerName, message: "is not a layer the simulator sees" });
  if (graph === undefined && (link.wBits !== 8 || link.aBits !== 8)) layer = applyBits([layer], { bits: { wBits: link.wBits, aBits: link.aBits } })[0]!;
  const mapping = (JSON.parse(link.mappingJson) as { layers: Record<string, unknown> }).layers[link.layerName];
  // The engine's input is streamed in before `start` and its output streamed out: both on chip. Its
  // weights are in a ROM, which the link's arch.yaml says (buffers.weights.resident): nothing comes over
  // DRAM, so the total is the start → done count.
  const r = simulateLayer(layer, arch, { mapping, inputOnChip: true, outputOnChip: true });
  return { computeCycles: r.cycles.compute, totalCycles: r.cycles.total, formula: r.formula };
}

export interface RtlRunOptions {
  readonly verify: readonly Simulator[];
  readonly synth?: SynthTarget;
  /** Run Verilator's lint (default: when Verilator is installed). */
  readonly lint?: boolean;
  /** Told before each long step (the CLI prints it on stderr unless --quiet). */
  readonly progress?: (step: string) => void;
}

export interface RtlRunResult {
  readonly lint: LintReport | undefined;
  readonly results: readonly VerifyResult[];
  readonly prediction: Prediction | undefined;
  readonly area: { readonly report: AreaReport; readonly estimate: AreaEstimate; readonly lutError: number } | undefined;
  /** Everything that failed: mismatches, timing, prediction, lint (empty = verified). */
  readonly failures: readonly string[];
}

/** Write the design into `dir` and run lint, the simulators, the prediction and Yosys there. */
export async function runRtlDesign(b: BuiltDesign, dir: string, o: RtlRunOptions): Promise<RtlRunResult> {
  const d = b.design;
  writeDesign(d, dir);
  const failures: string[] = [];
  const lint = (o.lint ?? toolVersion("verilator") !== undefined) ? await lintVerilog(dir, dutFiles(d), d.dut.name) : undefined;
  if (lint !== undefined && !lint.clean) failures.push(`verilator --lint-only -Wall is not clean:\n${lint.messages.join("\n")}`);
  const results: VerifyResult[] = [];
  for (const s of o.verify) {
    o.progress?.(`building and running the testbench in ${s === "iverilog" ? "Icarus Verilog" : "Verilator (about 10 s to build)"}`);
    const { build: _build, ...r } = await verifyIn(d, dir, s);
    results.push(r);
    if (r.failed > 0 || r.timedOut) {
      const m = r.firstMismatch;
      failures.push(`${r.version}: ${r.failed} of ${r.passed + r.failed} outputs mismatch${r.timedOut ? " (timed out)" : ""}` + (m === undefined ? "" : `; first failing vector: output ${m.index}: inputs ${m.inputs}; expected ${m.expected}; got ${m.got}`));
    }
    const t = r.measured;
    if (t !== undefined && !r.timingMatches) failures.push(`${r.version}: measured latency ${t.latencyCycles} / II ${t.iiCycles} cycles, declared ${d.timing.latencyCycles} / ${d.timing.iiCycles}`);
  }
  const prediction = d.link === undefined ? undefined : await predictCycles(d.link, b.graph);
  if (prediction !== undefined) {
    for (const r of results) {
      const t = r.measured;
      if (t !== undefined && t.totalCycles !== prediction.totalCycles) failures.push(`${r.version}: measured ${t.totalCycles} cycles start → done, the simulator predicts a total of ${prediction.totalCycles}`);
    }
  }
  let area: RtlRunResult["area"];
  if (o.synth !== undefined) {
    o.progress?.(`synthesizing with Yosys for ${o.synth}`);
    const report = await synthesize(dir, dutFiles(d), d.dut.name, o.synth);
    const estimate = estimateArea(d.dut, o.synth);
    area = { report, estimate, lutError: relativeError(estimate.luts, report.luts) };
  }
  return { lint, results, prediction, area, failures };
}
