/** The layer table of a network: op, shapes, dtypes, scales, MACs and weight bytes per node. */
import { dtypeName, product } from "../ir/dtype.js";
import type { Graph, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { encodedByteLength } from "../ir/tensor-bytes.js";
import type { Cell, Column } from "./table.js";

export const INSPECT_COLUMNS: readonly Column[] = [
  { key: "name", title: "layer" },
  { key: "op", title: "op" },
  { key: "inputs", title: "input" },
  { key: "weights", title: "weights" },
  { key: "output", title: "output" },
  { key: "scales", title: "scales (in × w → out)" },
  { key: "rounding", title: "rounding" },
  { key: "macs", title: "MACs", numeric: true },
  { key: "weightBytes", title: "weight bytes", numeric: true },
];

const shapeOf = (v: Value | undefined): string => (v === undefined ? "-" : `${dtypeName(v.dtype)}[${v.shape.join(",")}]`);

function scaleText(v: Value | undefined): string {
  const q = v?.quant;
  if (q === undefined) return "-";
  if (q.kind === "tensor") return q.scale.toPrecision(4);
  const lo = Math.min(...q.scale);
  const hi = Math.max(...q.scale);
  return `${q.kind}:${lo.toPrecision(3)}…${hi.toPrecision(3)}`;
}

/** Multiply-accumulates of a MAC node (0 for others). */
export function nodeMacs(n: Node, g: Graph): number {
  if (n.op === "conv2d") {
    const w = g.values.get(n.inputs[1]!)!;
    const out = g.values.get(n.outputs[0]!)!;
    const [O = 1, kH = 1, kW = 1, cinG = 1] = w.shape;
    return (product(out.shape) / O) * O * kH * kW * cinG;
  }
  if (n.op === "matmul") {
    const a = g.values.get(n.inputs[0]!)!;
    const out = g.values.get(n.outputs[0]!)!;
    return product(out.shape) * (a.shape[a.shape.length - 1] ?? 1);
  }
  return 0;
}

function rounding(n: Node): string {
  switch (n.op) {
    case "conv2d":
    case "matmul":
      return n.epilogue.kind === "requant" ? n.epilogue.requant.mode : n.epilogue.kind;
    case "add":
      return n.rescale.kind === "fixed" ? n.rescale.out.mode : "float";
    case "requantize":
      return n.requant.mode;
    case "global-avgpool":
      return n.mean.rule === "requant" || n.mean.rule === "requant-bias" ? `${n.mean.rule} (${n.mean.requant.mode})` : n.mean.rule;
    case "softmax":
      return n.variant;
    case "lut":
      return `table (${n.source.fn})`;
    default:
      return "-";
  }
}

export function inspectRows(g: Graph): Record<string, Cell>[] {
  return g.nodes.map((n) => {
    const ins = n.inputs.map((i) => g.values.get(i));
    const consts = ins.filter((v) => v?.data !== undefined) as Value[];
    const acts = ins.filter((v) => v !== undefined && v.data === undefined) as Value[];
    const out = g.values.get(n.outputs[0]!);
    const w = n.op === "conv2d" || n.op === "matmul" ? ins[1] : undefined;
    return {
      name: n.name,
      op: n.op,
      inputs: acts.map(shapeOf).join(" ") || "-",
      weights: w?.data !== undefined ? shapeOf(w) : "-",
      output: shapeOf(out),
      scales: [scaleText(acts[0]), w ? `× ${scaleText(w)}` : "", `→ ${scaleText(out)}`].filter(Boolean).join(" "),
      rounding: rounding(n),
      macs: nodeMacs(n, g),
      weightBytes: consts.reduce((a, v) => a + encodedByteLength(v.dtype, product(v.shape)), 0),
    };
  });
}
