/**
 * The graph interpreter. Integer mode runs the bit-exact kernels; fake-quant mode simulates quantization in
 * float (see fake-ops.ts). Both return every graph output and per-node statistics; `trace` keeps every
 * intermediate tensor for layer-by-layer comparison.
 */
import { InputError } from "../errors.js";
import { dataMatches, dtypeName, firstOutOfRange, product, sameDType } from "../ir/dtype.js";
import type { Graph, Tensor, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { verifyGraph } from "../ir/verify.js";
import type { NodeStats, OpContext, OpResult } from "./context.js";
import { execFake } from "./fake-ops.js";
import { execConv2d, execMatMul } from "./mac-ops.js";
import { execOther } from "./other-ops.js";

export type ExecMode = "integer" | "fake-quant";

export interface RunOptions {
  readonly mode?: ExecMode;
  /** Keep every intermediate tensor in `values`. */
  readonly trace?: boolean;
  /** Called after each node (for progress bars). */
  readonly onNode?: (index: number, total: number, node: Node) => void;
}

export interface RunResult {
  readonly outputs: Map<string, Tensor>;
  readonly stats: NodeStats[];
  /** Every value computed or given (trace mode only). */
  readonly values?: Map<string, Tensor>;
}

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

function constantTensor(v: Value): Tensor {
  const t = { dtype: v.dtype, shape: v.shape, data: v.data! };
  return v.quant === undefined ? t : { ...t, quant: v.quant };
}

/** Inputs must match the graph's declared dtype and shape exactly (the CLI converts files before). */
function checkInput(v: Value, t: Tensor | undefined): void {
  const at = `input "${v.name}"`;
  if (t === undefined) throw new InputError({ path: at, message: "is missing", expected: `${dtypeName(v.dtype)} ${fmt(v.shape)}` });
  if (!sameDType(v.dtype, t.dtype) || !dataMatches(v.dtype, t.data)) {
    throw new InputError({ path: at, message: "has the wrong dtype", given: dtypeName(t.dtype), expected: dtypeName(v.dtype) });
  }
  if (fmt(t.shape) !== fmt(v.shape) || t.data.length !== product(v.shape)) {
    throw new InputError({ path: at, message: "has the wrong shape", given: `${fmt(t.shape)} (${t.data.length} elements)`, expected: fmt(v.shape) });
  }
  if (v.dtype !== "float32") {
    const i = firstOutOfRange(v.dtype, t.data);
    if (i >= 0) throw new InputError({ path: `${at}[${i}]`, message: `is not a ${dtypeName(v.dtype)} value`, given: `${t.data[i]}` });
  }
}

function execInteger(ctx: OpContext): OpResult {
  const n = ctx.node;
  if (n.op === "conv2d") return execConv2d(ctx as OpContext<typeof n>);
  if (n.op === "matmul") return execMatMul(ctx as OpContext<typeof n>);
  return execOther(ctx as OpContext<typeof n>);
}

/** Graphs already verified (graphs are immutable, so once is enough). */
const verified = new WeakSet<Graph>();

export function run(graph: Graph, inputs: ReadonlyMap<string, Tensor>, options: RunOptions = {}): RunResult {
  if (!verified.has(graph)) {
    verifyGraph(graph);
    verified.add(graph);
  }
  const mode = options.mode ?? "integer";
  for (const name of inputs.keys()) {
    if (!graph.inputs.includes(name)) {
      throw new InputError({ path: `input "${name}"`, message: "is not an input of the graph", expected: graph.inputs.join(", ") });
    }
  }
  const env = new Map<string, Tensor>();
  for (const name of graph.inputs) {
    const v = graph.values.get(name)!;
    const t = inputs.get(name);
    checkInput(v, t);
    env.set(name, { ...t!, ...(v.quant === undefined ? {} : { quant: v.quant }) });
  }
  for (const v of graph.values.values()) if (v.data !== undefined) env.set(v.name, constantTensor(v));
  const stats: NodeStats[] = [];
  graph.nodes.forEach((node, i) => {
    const ctx: OpContext = {
      node,
      inputs: node.inputs.map((n) => env.get(n)!),
      inputValues: node.inputs.map((n) => graph.values.get(n)!),
      outputValues: node.outputs.map((n) => graph.values.get(n)!),
    };
    const r = mode === "integer" ? execInteger(ctx) : execFake(ctx);
    r.outputs.forEach((t, k) => env.set(node.outputs[k]!, t));
    stats.push({
      name: node.name,
      op: node.op,
      ...r.stats,
      outputElements: r.outputs.reduce((a, t) => a + t.data.length, 0),
    });
    options.onNode?.(i, graph.nodes.length, node);
  });
  const outputs = new Map(graph.outputs.map((n) => [n, env.get(n)!] as const));
  return options.trace === true ? { outputs, stats, values: env } : { outputs, stats };
}
