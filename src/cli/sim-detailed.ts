/**
 * The parts of `quarch sim` that belong to the simulator's part 2: `--engine detailed` (tile-by-tile
 * timeline, caches access by access), `--execute` (functional + timing execution of a model with weights
 * against `quarch run` on the same input) and dataflow archs. The CLI reads files here; the computing is in
 * src/sim.
 */
import { InputError } from "../errors.js";
import { execOther } from "../exec/other-ops.js";
import { run } from "../exec/run.js";
import { type IntArray, allocTensorData, qmax, qmin } from "../ir/dtype.js";
import type { Graph, Tensor } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import type { ArchSpec } from "../hw/types.js";
import { createRng } from "../quant/rng.js";
import { type ExecuteResult, executeNetwork } from "../sim/execute/network.js";
import type { NetworkOptions, NetworkResult } from "../sim/network.js";
import type { SimLayer } from "../sim/workload.js";
import { renderTable } from "../report/table.js";
import { prepareRun } from "./commands/run.js";
import { loadModel } from "./models.js";

export type EngineName = "analytic" | "detailed";

/** A seeded input for a model without --input: uniform over each input's integer range. */
export function seededInputs(graph: Graph, seed: number): Map<string, Tensor> {
  const rng = createRng(seed);
  const out = new Map<string, Tensor>();
  for (const name of graph.inputs) {
    const v = graph.values.get(name)!;
    if (v.dtype === "float32") throw new InputError({ path: `input "${name}"`, message: "is float32: --execute needs --input for it", expected: "--input FILE" });
    const n = v.shape.reduce((a, b) => a * b, 1);
    const data = allocTensorData(v.dtype, n) as IntArray;
    const lo = qmin(v.dtype);
    const span = qmax(v.dtype) - lo + 1;
    for (let i = 0; i < n; i++) data[i] = lo + rng.nextInt(span);
    out.set(name, v.quant === undefined ? { dtype: v.dtype, shape: v.shape, data } : { dtype: v.dtype, shape: v.shape, data, quant: v.quant });
  }
  return out;
}

/** Runs a non-MAC node exactly as the executor does. */
function runOther(graph: Graph): (node: Node, inputs: readonly (Tensor | undefined)[]) => readonly Tensor[] {
  return (node, inputs) => {
    if (node.op === "conv2d" || node.op === "matmul") throw new Error("internal: MAC nodes run tile by tile");
    const r = execOther({
      node, inputs: inputs as Tensor[],
      inputValues: node.inputs.map((n) => graph.values.get(n)!),
      outputValues: node.outputs.map((n) => graph.values.get(n)!),
    });
    return r.outputs;
  };
}

export interface ExecuteArgs {
  readonly model: string;
  readonly input: string | undefined;
  readonly seed: number;
  readonly arch: ArchSpec;
  readonly layers: readonly SimLayer[];
  readonly options: Omit<NetworkOptions, "engine" | "onStepOf">;
}

/** `--execute`: the model and its input, the executor's reference run, then the tile-by-tile execution. */
export function executeSim(a: ExecuteArgs): { result: ExecuteResult; inputNote: string } {
  let graph: Graph;
  let inputs: Map<string, Tensor>;
  if (a.input !== undefined) ({ graph, inputs } = prepareRun(a.model, [a.input]));
  else {
    graph = loadModel(a.model);
    inputs = seededInputs(graph, a.seed);
  }
  const reference = run(graph, inputs, { trace: true }).values!;
  const result = executeNetwork({ graph, inputs, reference, runOther: runOther(graph), arch: a.arch, layers: a.layers, options: a.options });
  return { result, inputNote: a.input === undefined ? `input: seeded uniform integers (seed ${a.seed})` : `input: ${a.input}` };
}

const pct = (x: number) => +(x * 100).toFixed(2);

/** Cache statistics, dataflow summary and execution report under the layer table. */
export function renderPart2(res: NetworkResult, execution: ExecuteResult | undefined, arch: ArchSpec): string {
  const lines: string[] = [];
  if (res.cache !== undefined) {
    const c = res.cache;
    lines.push("", `caches (${c.source === "simulated" ? `simulated access by access, random replacement seed ${c.seed}` : "analytic estimate; --engine detailed simulates them"}):`);
    for (const [k, v] of Object.entries(c.stats)) lines.push(`  ${k.padEnd(44)} ${Number.isInteger(v) ? v : v.toFixed(6)}`);
    const first = res.layers.find((l) => l.cache !== undefined);
    if (first?.cache !== undefined) lines.push(`stream (${first.name}): ${first.cache.stream}`);
  }
  if (res.dataflow !== undefined) {
    const d = res.dataflow;
    lines.push(
      "",
      renderTable(
        [{ key: "layer", title: "layer" }, { key: "unit", title: "unit" }, { key: "mh", title: "MH", numeric: true }, { key: "mw", title: "MW", numeric: true }, { key: "pe", title: "PE", numeric: true }, { key: "simd", title: "SIMD", numeric: true }, { key: "vectors", title: "vectors", numeric: true }, { key: "cycles", title: "cycles", numeric: true }, { key: "lanes", title: "lanes" }],
        d.layers.map((x) => ({ layer: x.name, unit: x.unit, mh: x.mh, mw: x.mw, pe: x.folding.pe, simd: x.folding.simd, vectors: x.vectors, cycles: x.cycles, lanes: x.lanes })),
      ),
      `dataflow: throughput ${d.framesPerSecond.toFixed(1)} frames/s (slowest layer ${d.bottleneck}: ${d.initiationIntervalCycles} cycles at ${arch.clockHz / 1e6} MHz${d.targetFps === null ? "" : `; target ${d.targetFps}`}), latency ${d.latencyCycles} cycles = Σ layer latencies + FIFO fill ${d.fifoFillCycles}`,
    );
  }
  if (res.engine === "detailed" && res.dataflow === undefined) {
    const tiles = res.layers.reduce((s, l) => s + (l.timeline?.tiles ?? 0), 0);
    const stalled = res.layers.reduce((s, l) => s + (l.timeline?.stalledSteps ?? 0), 0);
    lines.push("", `detailed engine: ${tiles} tile steps, ${stalled} of them stalled (waiting on DMA, ports or serial transfers)`);
  }
  if (execution !== undefined) {
    const e = execution;
    const a = e.arithmetic;
    lines.push(
      "",
      `execution: ${a.accumulatorBits}-bit accumulators (${a.overflow}), partial sums stored at ${a.wordBits} bits; each layer on the executor's inputs:`,
      renderTable(
        [{ key: "layer", title: "layer" }, { key: "op", title: "op" }, { key: "outputs", title: "outputs", numeric: true }, { key: "changed", title: "changed", numeric: true }, { key: "needed", title: "bits needed", numeric: true }, { key: "overflowed", title: "overflowed", numeric: true }, { key: "first", title: "first difference" }],
        e.layers.map((l) => ({
          layer: l.layer, op: l.op, outputs: l.outputs, changed: l.changed, needed: l.neededBits, overflowed: l.overflowed,
          first: l.first === null ? "" : `[${l.first.at.join(", ")}] hardware ${l.first.hardware}, executor ${l.first.reference}`,
        })),
      ),
      e.affected.length === 0
        ? `outputs equal quarch run's on every layer (the accumulator is wide enough everywhere)`
        : `${e.affected.length} layers changed by the ${a.accumulatorBits}-bit accumulator: ${e.affected.join(", ")}; network outputs with the hardware's values: ${e.outputChanges.map((o) => `${o.name} ${o.changed} of ${o.elements} differ`).join(", ")}`,
    );
    const macs = e.layers.reduce((s, l) => s + l.macs, 0);
    lines.push(`utilization of the run: ${pct(res.totals.utilization)} %, ${macs} MACs executed tile by tile`);
  }
  return lines.length === 0 ? "" : lines.join("\n") + "\n";
}
