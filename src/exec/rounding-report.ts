/**
 * What forcing one rounding mode does to a network (`--rounding`): the graph runs in its own arithmetic and
 * converted by forceRounding (QuantizeMultiplier on the float32 effective scales; onnxruntime's float
 * add/mul become TFLite's fixed-point Add/Mul in a fixed mode) on the same input, and
 * every layer reports how many outputs change and by how much, in output steps and in real units. Ops with
 * no requantizer (float-formula pools, lookup tables, data movement) keep their arithmetic; differences
 * there are carried in from earlier layers.
 */
import type { Graph, Tensor } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import type { RoundingMode } from "../ir/requant.js";
import { forceRounding } from "../quant/profiles.js";
import { type LayerDifference, compareGraphs } from "./compare.js";

export interface RoundingLayer extends LayerDifference {
  /** Largest |Δ| in real units (output steps × the output's scale); NaN without a per-tensor scale. */
  readonly maxAbsDiffReal: number;
  /** Whether this node's own arithmetic changed (false: every difference comes from its inputs). */
  readonly converted: boolean;
}

export interface ArithmeticReport {
  readonly layers: readonly RoundingLayer[];
  /** Graph outputs that changed anywhere. */
  readonly changedOutputs: readonly string[];
  /** Total outputs (over all layers) that differ. */
  readonly totalMismatches: number;
}

export interface RoundingReport extends ArithmeticReport {
  readonly mode: RoundingMode;
}

export function roundingReport(g: Graph, mode: RoundingMode, inputs: ReadonlyMap<string, Tensor>): RoundingReport {
  return { mode, ...arithmeticReport(g, forceRounding(g, mode), inputs) };
}

/** The same network with its arithmetic changed (a profile, a rounding mode), compared layer by layer. */
export function arithmeticReport(g: Graph, converted: Graph, inputs: ReadonlyMap<string, Tensor>): ArithmeticReport {
  const diffs = compareGraphs(g, converted, inputs);
  const layers = diffs.map((d, i): RoundingLayer => {
    const v = g.values.get(d.output);
    const s = v?.quant === undefined ? undefined : scalarQuant(v.quant);
    return { ...d, maxAbsDiffReal: s === undefined ? Number.NaN : d.maxAbsDiff * s.scale, converted: JSON.stringify(nodeArithmetic(g.nodes[i]!)) !== JSON.stringify(nodeArithmetic(converted.nodes[i]!)) };
  });
  const changedOutputs = g.outputs.filter((o) => layers.some((l) => l.output === o && l.mismatches > 0));
  return { layers, changedOutputs, totalMismatches: layers.reduce((a, l) => a + l.mismatches, 0) };
}

/** The parts of a node a rounding conversion or runtime profile can change. */
function nodeArithmetic(n: Node): unknown {
  const plain = (r: { mode: string; real: Float64Array }): unknown => [r.mode, Array.from(r.real)];
  switch (n.op) {
    case "conv2d":
    case "matmul":
      return n.epilogue.kind === "requant" ? plain(n.epilogue.requant) : n.epilogue.kind;
    case "add":
      return n.rescale.kind === "fixed" ? [n.rescale.in1.mode, n.rescale.out.mode] : "float";
    case "mul":
      return n.rescale.kind === "fixed" ? plain(n.rescale.out) : "float";
    case "requantize":
      return plain(n.requant);
    case "global-avgpool":
      return n.mean.rule === "requant" || n.mean.rule === "requant-bias" ? [n.mean.rule, plain(n.mean.requant)] : n.mean.rule;
    default:
      return null;
  }
}
