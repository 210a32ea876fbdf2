/**
 * quarch sim <model> --arch <file|preset>: per-layer cycles, stalls, utilization, traffic and the mapping
 * chosen, from quarch's analytic engine, or SCALE-Sim's closed form and reports with --compat scalesim
 * (implied by a .cfg arch).
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import type { ArchSpec } from "../../hw/types.js";
import { type BitPolicy, applyBits, parseBitsFlag, parsePolicy } from "../../sim/bits.js";
import { mappingSummary } from "../../sim/mapping.js";
import { type NetworkResult, simulateNetwork } from "../../sim/network.js";
import type { LayerResult } from "../../sim/result.js";
import { type ScaleSimArch, type ScaleSimResult, scaleSimRun } from "../../sim/scalesim/model.js";
import { scaleSimArchFromCfg, scaleSimArchFromSpec, scaleSimReports, toScaleSimLayers } from "../../sim/scalesim/reports.js";
import { dimsText } from "../../sim/workload.js";
import { type Cell, type Column, renderCsv, renderTable } from "../../report/table.js";
import { packageRoot, resolveArch } from "../arch-presets.js";
import { writeOutDir, checkOutDir } from "../out-dir.js";
import { type Workload, loadWorkload } from "../workloads.js";
import { type EngineName, executeSim, renderPart2 } from "../sim-detailed.js";
import { encodeNpy } from "../npy.js";
import { fileSafe } from "../tensor-files.js";
import type { ExecuteResult } from "../../sim/execute/network.js";

export interface SimRequest {
  readonly model: string;
  readonly arch: string;
  readonly bits?: string;
  readonly policy?: string;
  readonly batch?: number;
  readonly compat?: "scalesim";
  readonly mapping?: string;
  readonly interLayer?: boolean;
  /** analytic (default) or detailed (tile by tile, caches access by access). */
  readonly engine?: EngineName;
  /** Functional + timing execution (implies the detailed engine); needs a model with weights. */
  readonly execute?: boolean;
  /** --input for --execute (else seeded integers). */
  readonly input?: string;
  /** Seed of random cache replacement and of the generated input (default 1). */
  readonly seed?: number;
  readonly traceSteps?: number;
}

export type SimRun =
  | { readonly kind: "own"; readonly workload: Workload; readonly arch: ArchSpec; readonly result: NetworkResult; readonly notes: readonly string[]; readonly execution?: ExecuteResult }
  | { readonly kind: "scalesim"; readonly workload: Workload; readonly archName: string; readonly ssArch: ScaleSimArch; readonly results: readonly ScaleSimResult[]; readonly notes: readonly string[] };

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError({ path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError({ path, message: `is not valid JSON (${(e as Error).message})`, expected: what });
  }
}

/**
 * `--mapping` in the JSON form `--format json` reports: that whole report (its `layers[].mapping`),
 * `{"layers": {"<name>": mapping}}`, or one mapping for every MAC layer.
 */
export function mappingPins(doc: unknown, source: string): Map<string, unknown> {
  const pins = new Map<string, unknown>();
  const o = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  if (o === undefined) throw new InputError({ path: source, message: "is not a mapping file", expected: "the JSON of `quarch sim --format json`, {\"layers\": {name: mapping}}, or one mapping" });
  const layers = o["layers"];
  if (Array.isArray(layers)) {
    for (const l of layers as unknown[]) {
      const r = l as { name?: unknown; mapping?: unknown };
      if (typeof r.name === "string" && r.mapping !== null && r.mapping !== undefined) pins.set(r.name, r.mapping);
    }
  } else if (typeof layers === "object" && layers !== null) {
    for (const [k, v] of Object.entries(layers)) pins.set(k, v);
  } else pins.set("*", doc);
  return pins;
}

/** Load everything a simulation needs and run it (the CLI's reading and quarch's computing, no printing). */
export async function runSim(req: SimRequest): Promise<SimRun> {
  if (req.bits !== undefined && req.policy !== undefined) throw new InputError({ path: "--bits", message: "and --policy both set bit widths", expected: "one of them" });
  const arch = await resolveArch(req.arch);
  const workload = loadWorkload(req.model, req.batch);
  const notes: string[] = [];
  if (workload.skipped.length > 0) notes.push(`not simulated (no cost modelled): ${workload.skipped.map((s) => `${s.name} (${s.op})`).join(", ")}`);
  const compat = req.compat === "scalesim" || arch.kind === "cfg";
  if (compat) {
    if (req.bits !== undefined || req.policy !== undefined) notes.push("--bits/--policy ignored: SCALE-Sim moves one-byte words");
    if (req.mapping !== undefined) notes.push("--mapping ignored: SCALE-Sim's mapping is fixed by its dataflow");
    if (req.execute === true || req.engine === "detailed") notes.push("--engine detailed / --execute ignored: SCALE-Sim compatibility is its closed form");
    if (req.batch !== undefined && workload.topology !== undefined) notes.push("--batch ignored: SCALE-Sim topologies have no batch");
    const ssArch = arch.kind === "cfg" ? scaleSimArchFromCfg(arch.cfg) : scaleSimArchFromSpec(arch.spec);
    if (arch.kind === "cfg" && arch.cfg.ignored.length > 0) notes.push(`SCALE-Sim keys quarch does not use: ${arch.cfg.ignored.join(", ")}`);
    if (arch.kind === "yaml") notes.push(`${arch.spec.name} in SCALE-Sim CALC mode: ${ssArch.rows}×${ssArch.cols} ${ssArch.dataflow}, SRAMs from its buffers`);
    if (ssArch.mode === "USER") notes.push(`USER bandwidth mode: Stall Cycles come from quarch's stall model (${ssArch.bandwidthWordsPerCycle} words/cycle per operand, double-buffered SRAM halves), not SCALE-Sim's trace-driven stalls, and differ from them`);
    let layers = workload.topology?.layers;
    if (layers === undefined) {
      const conv = toScaleSimLayers(workload.layers);
      notes.push(...conv.notes);
      layers = conv.layers;
    }
    return { kind: "scalesim", workload, archName: arch.kind === "cfg" ? arch.cfg.runName : arch.spec.name, ssArch, results: scaleSimRun(layers, ssArch), notes };
  }
  const spec = arch.spec;
  let policy: BitPolicy | undefined;
  if (req.policy !== undefined) policy = parsePolicy(readJson(req.policy, "a bit-width policy"), req.policy);
  const bits = req.bits === undefined ? undefined : parseBitsFlag(req.bits);
  const layers = applyBits(workload.layers, { ...(bits === undefined ? {} : { bits }), ...(policy === undefined ? {} : { policy }) });
  const mappings = req.mapping === undefined ? undefined : mappingPins(readJson(req.mapping, "a mapping file"), req.mapping);
  const netOpts = { ...(mappings === undefined ? {} : { mappings }), interLayer: req.interLayer ?? true, seed: req.seed ?? 1, ...(req.traceSteps === undefined ? {} : { traceSteps: req.traceSteps }) };
  if (req.execute === true) {
    if (!workload.modelBits) throw new InputError({ path: req.model, message: "has no weights: --execute needs a model (.tflite, .onnx, .qnet.json)", expected: "a model file, not a layer list" });
    const { result: execution, inputNote } = executeSim({ model: req.model, input: req.input, seed: req.seed ?? 1, arch: spec, layers, options: netOpts });
    return { kind: "own", workload, arch: spec, result: execution.network, notes: [...notes, inputNote], execution };
  }
  const result = simulateNetwork(layers, spec, { ...netOpts, engine: req.engine ?? "analytic" });
  return { kind: "own", workload, arch: spec, result, notes };
}

const pct = (x: number) => +(x * 100).toFixed(2);
const kib = (bytes: number) => +(bytes / 1024).toFixed(1);

export const OWN_COLUMNS: readonly Column[] = [
  { key: "name", title: "layer" },
  { key: "op", title: "op" },
  { key: "dims", title: "dims" },
  { key: "bits", title: "W/A" },
  { key: "macs", title: "MACs", numeric: true },
  { key: "cycles", title: "cycles", numeric: true },
  { key: "stall", title: "stall", numeric: true },
  { key: "util", title: "util %", numeric: true },
  { key: "bound", title: "bound" },
  { key: "dram", title: "DRAM KiB", numeric: true },
  { key: "mapping", title: "mapping" },
];

/** Long tensor-derived names (TFLite's "model/dense/MatMul;model/dense/BiasAdd") shortened for tables. */
export function shortName(name: string, max = 32): string {
  const first = name.split(";")[0]!;
  return first.length <= max ? first : `…${first.slice(first.length - max + 1)}`;
}

function ownRow(r: LayerResult): Record<string, Cell> {
  return {
    name: shortName(r.name), op: r.op, dims: dimsText(r.dims), bits: r.op === "conv2d" || r.op === "depthwise" || r.op === "fc" || r.op === "matmul" ? `${r.wBits}/${r.aBits}` : `-/${r.aBits}`,
    macs: r.macs, cycles: r.cycles.total, stall: r.cycles.stall, util: pct(r.utilization.overall), bound: r.bound,
    dram: kib(r.dram.readBytes + r.dram.writeBytes), mapping: r.mapping === null ? "vector unit" : mappingSummary(r.mapping, r.dims),
  };
}

/** The per-layer table with a header and the network totals. */
export function renderOwnTable(run: Extract<SimRun, { kind: "own" }>): string {
  const { result: res, arch } = run;
  const t = res.totals;
  const lines = [
    `${basename(run.workload.name)} on ${arch.name} (${arch.description || "no description"})`,
    "",
    renderTable(OWN_COLUMNS, res.layers.map(ownRow)),
    "",
    `total: ${t.layers} layers, ${t.macs} MACs, ${t.cycles.total} cycles (${t.cycles.compute} compute + ${t.cycles.stall} stall) = ${(t.seconds * 1e3).toPrecision(4)} ms at ${arch.clockHz / 1e6} MHz, ` +
      `utilization ${pct(t.utilization)} %, DRAM ${kib(t.dram.readBytes)} KiB read / ${kib(t.dram.writeBytes)} KiB written`,
    `bounds: ${Object.entries(t.bounds).map(([b, n]) => `${b} ${n}`).join(", ")}`,
  ];
  if (res.spills.length > 0) lines.push(`spills (outputs written to DRAM and read back by the next layer): ${res.spills.map((s) => `${s.layer} ${kib(s.bytes)} KiB`).join(", ")}`);
  return lines.join("\n") + "\n" + renderPart2(res, run.execution, arch);
}

export const OWN_CSV_COLUMNS: readonly Column[] = [
  "name", "op", "N", "G", "K", "C", "P", "Q", "R", "S", "wBits", "aBits", "outBits", "macs", "bops", "computeCycles", "stallCycles", "totalCycles",
  "mappingUtil", "computeUtil", "overallUtil", "bound", "computeTerm", "weightsTerm", "activationsTerm", "outputsTerm", "dramReadBytes", "dramWriteBytes",
  "weightsBufferReadBits", "weightsBufferWriteBits", "inputsBufferReadBits", "inputsBufferWriteBits", "outputsBufferReadBits", "outputsBufferWriteBits",
  "inputOnChip", "outputOnChip", "mapping",
].map((k) => ({ key: k, title: k }));

export function ownCsv(res: NetworkResult): string {
  return renderCsv(OWN_CSV_COLUMNS, res.layers.map((r) => ({
    name: r.name, op: r.op, N: r.dims.N, G: r.dims.G, K: r.dims.K, C: r.dims.C, P: r.dims.P, Q: r.dims.Q, R: r.dims.R, S: r.dims.S,
    wBits: r.wBits, aBits: r.aBits, outBits: r.outBits, macs: r.macs, bops: r.bops,
    computeCycles: r.cycles.compute, stallCycles: r.cycles.stall, totalCycles: r.cycles.total,
    mappingUtil: r.utilization.mapping, computeUtil: r.utilization.compute, overallUtil: r.utilization.overall, bound: r.bound,
    computeTerm: r.terms.compute, weightsTerm: r.terms.weights, activationsTerm: r.terms.activations, outputsTerm: r.terms.outputs,
    dramReadBytes: r.dram.readBytes, dramWriteBytes: r.dram.writeBytes,
    weightsBufferReadBits: r.operands.weights.bufferReadBits, weightsBufferWriteBits: r.operands.weights.bufferWriteBits,
    inputsBufferReadBits: r.operands.inputs.bufferReadBits, inputsBufferWriteBits: r.operands.inputs.bufferWriteBits,
    outputsBufferReadBits: r.operands.outputs.bufferReadBits, outputsBufferWriteBits: r.operands.outputs.bufferWriteBits,
    inputOnChip: r.inputOnChip, outputOnChip: r.outputOnChip, mapping: r.mapping === null ? "vector unit" : mappingSummary(r.mapping, r.dims),
  })));
}

const SS_COLUMNS: readonly Column[] = [
  { key: "id", title: "LayerID", numeric: true },
  { key: "name", title: "layer" },
  { key: "total", title: "Total Cycles", numeric: true },
  { key: "stall", title: "Stall Cycles", numeric: true },
  { key: "overall", title: "Overall Util %", numeric: true },
  { key: "mapping", title: "Mapping Eff %", numeric: true },
  { key: "compute", title: "Compute Util %", numeric: true },
  { key: "ifmap", title: "IFMAP SRAM reads", numeric: true },
  { key: "filter", title: "Filter SRAM reads", numeric: true },
  { key: "ofmap", title: "OFMAP SRAM writes", numeric: true },
];

export function renderScaleSimTable(run: Extract<SimRun, { kind: "scalesim" }>): string {
  const a = run.ssArch;
  const rows = run.results.map((r, i) => ({
    id: i, name: r.name, total: r.totalCycles, stall: r.stallCycles, overall: +r.overallUtil.toFixed(4), mapping: +r.mappingEfficiency.toFixed(4),
    compute: +r.computeUtil.toFixed(4), ifmap: r.ifmapSramReads, filter: r.filterSramReads, ofmap: r.ofmapSramWrites,
  }));
  const total = run.results.reduce((s, r) => s + r.totalCycles, 0);
  return [
    `${run.workload.name} on ${run.archName}: SCALE-Sim compatibility (${a.rows}×${a.cols} ${a.dataflow}, ${a.mode} mode)`,
    "",
    renderTable(SS_COLUMNS, rows),
    "",
    `total: ${run.results.length} layers, ${total} cycles`,
    ...(run.results.length === 1 ? [run.results[0]!.formula] : []),
  ].join("\n") + "\n";
}

/** The bundled MLPerf Tiny ResNet-8 (int8 TFLite) that `quarch demo` simulates. */
export function demoModelPath(): string {
  return join(packageRoot(), "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite");
}

/** The demo's simulation: the bundled ResNet-8 on edge-16x16, as the per-layer table. */
export async function simDemo(): Promise<string> {
  const run = await runSim({ model: demoModelPath(), arch: "edge-16x16" });
  if (run.kind !== "own") throw new Error("edge-16x16 is a quarch arch, not a SCALE-Sim config");
  return renderOwnTable(run);
}

interface SimArgs {
  model: string;
  arch: string;
  bits?: string;
  policy?: string;
  batch?: number;
  compat?: "scalesim";
  mapping?: string;
  format: "table" | "json" | "csv";
  out?: string;
  force: boolean;
  quiet: boolean;
  interLayer: boolean;
  engine: EngineName;
  execute: boolean;
  input?: string;
  seed: number;
  traceSteps?: number;
}

async function handler(argv: ArgumentsCamelCase<SimArgs>): Promise<void> {
  if (argv.out !== undefined) checkOutDir(argv.out, argv.force);
  const run = await runSim({
    model: argv.model, arch: argv.arch, interLayer: argv.interLayer, engine: argv.engine, execute: argv.execute, seed: argv.seed,
    ...(argv.input === undefined ? {} : { input: argv.input }), ...(argv.traceSteps === undefined ? {} : { traceSteps: argv.traceSteps }),
    ...(argv.bits === undefined ? {} : { bits: argv.bits }), ...(argv.policy === undefined ? {} : { policy: argv.policy }),
    ...(argv.batch === undefined ? {} : { batch: argv.batch }), ...(argv.compat === undefined ? {} : { compat: argv.compat }),
    ...(argv.mapping === undefined ? {} : { mapping: argv.mapping }),
  });
  if (!argv.quiet) for (const n of run.notes) process.stderr.write(`note: ${n}\n`);
  if (run.kind === "scalesim") {
    const reports = scaleSimReports(run.results);
    if (argv.format === "json") process.stdout.write(JSON.stringify({ workload: run.workload.name, arch: run.archName, compat: "scalesim", mode: run.ssArch.mode, layers: run.results, notes: run.notes }, null, 2) + "\n");
    else if (argv.format === "csv") process.stdout.write(reports["COMPUTE_REPORT.csv"]);
    else process.stdout.write(renderScaleSimTable(run));
    if (argv.out !== undefined) {
      writeOutDir(argv.out, new Map(Object.entries(reports)), argv.force);
      if (!argv.quiet) process.stderr.write(`wrote COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv, DETAILED_ACCESS_REPORT.csv to ${argv.out}\n`);
    }
    return;
  }
  const r = run.result;
  const json = {
    workload: run.workload.name, arch: run.arch.name, engine: r.engine, layers: r.layers, totals: r.totals, spills: r.spills, actions: r.actions,
    ...(r.cache === undefined ? {} : { cache: r.cache }), ...(r.dataflow === undefined ? {} : { dataflow: r.dataflow }),
    ...(run.execution === undefined ? {} : { execution: { arithmetic: run.execution.arithmetic, layers: run.execution.layers, affected: run.execution.affected, outputChanges: run.execution.outputChanges } }),
    notes: run.notes,
  };
  if (await (await import("../energy-report.js")).writeSimEnergy(run, json, argv)) return;
  if (argv.format === "json") process.stdout.write(JSON.stringify(json, null, 2) + "\n");
  else if (argv.format === "csv") process.stdout.write(ownCsv(run.result));
  else process.stdout.write(renderOwnTable(run));
  if (argv.out !== undefined) {
    const files = new Map<string, string | Uint8Array>([["result.json", JSON.stringify(json, null, 2) + "\n"], ["layers.csv", ownCsv(run.result)]]);
    // --execute: the network outputs as quarch run writes them (<output>.npy), for comparing the two.
    for (const [name, t] of run.execution?.outputs ?? []) files.set(`${fileSafe(name)}.npy`, encodeNpy(t.dtype, t.shape, t.data));
    writeOutDir(argv.out, files, argv.force);
    if (!argv.quiet) process.stderr.write(`wrote ${[...files.keys()].join(", ")} to ${argv.out}\n`);
  }
}

export const simCommand: CommandModule<object, SimArgs> = {
  command: "sim <model>",
  describe: "Simulate a network on an accelerator: per-layer cycles, stalls, utilization, traffic, mapping",
  builder: (y: Argv) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: "zoo:<name>, a SCALE-Sim .csv topology, or a .qnet.json/.onnx/.tflite model" })
      .option("arch", { type: "string", demandOption: true, describe: "a *.arch.yaml or SCALE-Sim .cfg file, or a preset id (quarch arch list)" })
      .option("bits", { type: "string", describe: "W<bits>A<bits> for every layer, e.g. W4A8" })
      .option("policy", { type: "string", describe: 'per-layer widths: {"layers": {"<name>": {"wBits": 4, "aBits": 8}}}' })
      .option("batch", { type: "number", describe: "images per inference (default: the model's, or 1)" })
      .option("compat", { choices: ["scalesim"] as const, describe: "SCALE-Sim's closed form and reports (implied by a .cfg arch)" })
      .option("mapping", { type: "string", describe: "pin mappings: the JSON `--format json` reports, or {\"layers\": {name: mapping}}" })
      .option("inter-layer", { type: "boolean", default: true, describe: "keep outputs that fit on chip for the next layer" })
      .option("engine", { choices: ["analytic", "detailed"] as const, default: "analytic" as const, describe: "analytic (closed form) or detailed (tile by tile; caches access by access)" })
      .option("execute", { type: "boolean", default: false, describe: "compute the data tile by tile in the hardware's accumulators and compare with quarch run (implies --engine detailed)" })
      .option("input", { type: "string", describe: "the input for --execute (.npy/.json/.pb, as quarch run reads it); default: seeded integers" })
      .option("seed", { type: "number", default: 1, describe: "seed of random cache replacement and of the --execute input" })
      .option("trace-steps", { type: "number", describe: "keep the first N steps of the detailed engine's timeline in --format json" })
      .option("format", { choices: ["table", "json", "csv"] as const, default: "table" as const })
      .option("out", { type: "string", describe: "write result.json and layers.csv (or SCALE-Sim's three reports) into DIR" })
      .option("force", { type: "boolean", default: false, describe: "replace a non-empty --out DIR" })
      .option("quiet", { type: "boolean", default: false, describe: "no notes on stderr" })
      .option("tech", { type: "string", conflicts: "compat", describe: "add energy and area: a technology node (45nm, 28nm, … 7nm) or a table file; bare: the arch file's tech" }) as unknown as Argv<SimArgs>,
  handler,
};
