/**
 * Integer-only vs simulated quantization, layer by layer (Gholami et al. 2021, §III-E): both modes run on
 * the same input and every node's integer output is compared with its fake-quant output.
 */
import type { Graph, Tensor } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { run } from "./run.js";

export interface LayerDifference {
  readonly node: string;
  readonly op: string;
  readonly output: string;
  readonly elements: number;
  /** Outputs whose integer value differs between the modes. */
  readonly mismatches: number;
  /** Largest |integer − fake-quant| in output LSBs. */
  readonly maxAbsDiff: number;
  readonly meanAbsDiff: number;
}

/** Element-wise difference of one node's first output between two traces. */
function difference(node: Node, a: ReadonlyMap<string, Tensor>, b: ReadonlyMap<string, Tensor>): LayerDifference {
  const out = node.outputs[0]!;
  const x = a.get(out)!.data;
  const y = b.get(out)!.data;
  let mismatches = 0;
  let max = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (d !== 0) mismatches++;
    if (d > max) max = d;
    sum += d;
  }
  return { node: node.name, op: node.op, output: out, elements: x.length, mismatches, maxAbsDiff: max, meanAbsDiff: x.length === 0 ? 0 : sum / x.length };
}

export function compareModes(graph: Graph, inputs: ReadonlyMap<string, Tensor>): LayerDifference[] {
  const a = run(graph, inputs, { mode: "integer", trace: true }).values!;
  const b = run(graph, inputs, { mode: "fake-quant", trace: true }).values!;
  return graph.nodes.map((node) => difference(node, a, b));
}

/**
 * Two versions of one network (e.g. two rounding modes) on the same input: per node, how many outputs
 * differ and by how much. Nodes are matched by position; the graphs must have the same structure.
 */
export function compareGraphs(a: Graph, b: Graph, inputs: ReadonlyMap<string, Tensor>): LayerDifference[] {
  const va = run(a, inputs, { trace: true }).values!;
  const vb = run(b, inputs, { trace: true }).values!;
  return a.nodes.map((node) => difference(node, va, vb));
}
