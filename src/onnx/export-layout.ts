/**
 * Activation layouts in an exported ONNX graph. quarch's spatial ops may be NHWC (TFLite, qnet files) while
 * ONNX's are NCHW, so every IR value is written in some layout: a permutation `perm` of its axes, the ONNX
 * tensor being transpose(value, perm) (ONNX axis j holds IR axis perm[j]). An NHWC convolution reads and
 * writes NCHW ([0, 3, 1, 2]); layout-free ops (tables, clamps, requantization, elementwise ops whose
 * arithmetic does not depend on the layout) keep their input's layout, so a network transposes once at its
 * input and once where a layout-bound op (a matmul, a softmax, a graph output) needs the IR's own order.
 */
import type { Graph } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import { ortScalarOperand } from "../ir/shapes.js";

export type Perm = readonly number[];

/** NHWC value → NCHW tensor. */
export const NCHW: Perm = [0, 3, 1, 2];

export const identity = (rank: number): Perm => Array.from({ length: rank }, (_, i) => i);

export function isIdentity(p: Perm): boolean {
  return p.every((v, i) => v === i);
}

export function samePerm(a: Perm, b: Perm): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The ONNX shape of a value of IR shape `shape` written in layout `p`. */
export function permuteShape(shape: readonly number[], p: Perm): number[] {
  return p.map((i) => shape[i]!);
}

/** The ONNX Transpose perm turning a tensor in layout `from` into layout `to`. */
export function transposeBetween(from: Perm, to: Perm): number[] {
  return to.map((axis) => from.indexOf(axis));
}

/** True when the layout only moves axes of size 1: the data is then in the IR's own order (a reshape). */
export function flatSame(shape: readonly number[], p: Perm): boolean {
  let last = -1;
  for (const axis of p) {
    if (shape[axis] === 1) continue;
    if (axis < last) return false;
    last = axis;
  }
  return true;
}

/** Layouts for a node's inputs and output 0: `undefined` for inputs the op writes itself (weights). */
export interface NodeLayout {
  readonly ins: readonly (Perm | undefined)[];
  readonly out: Perm;
}

/**
 * The layouts a node is exported in, given the layout each input is stored in. Layout-bound ops take the
 * IR's order (NCHW for NHWC spatial ops); the others follow their inputs where the arithmetic allows.
 */
export function planLayout(n: Node, g: Graph, stored: (name: string) => Perm): NodeLayout {
  const rank = (name: string): number => g.values.get(name)!.shape.length;
  const id = (name: string): Perm => identity(rank(name));
  const out0 = n.outputs[0]!;
  const follow = (): NodeLayout => {
    const p = stored(n.inputs[0]!);
    return p.length === rank(out0) ? { ins: [p], out: p } : { ins: [id(n.inputs[0]!)], out: id(out0) };
  };
  switch (n.op) {
    case "conv2d":
    case "avgpool":
    case "maxpool": {
      const p = n.layout === "nhwc" ? NCHW : id(n.inputs[0]!);
      return { ins: [p, undefined, undefined], out: n.layout === "nhwc" ? NCHW : id(out0) };
    }
    case "global-avgpool": {
      const p = n.layout === "nhwc" ? NCHW : id(n.inputs[0]!);
      return { ins: [p], out: n.layout === "nhwc" && n.keepDims ? NCHW : id(out0) };
    }
    case "add":
    case "mul":
      return binaryLayout(n, g, stored);
    case "pad":
    case "clamp":
    case "lut":
    case "requantize":
      return follow();
    case "cast":
    case "dequantize":
      // Float tensors stay in the IR's order: an int8 transpose moves a quarter of the bytes, and float data
      // only reaches quantized ops through QuantizeLinear.
      return g.values.get(out0)!.dtype === "float32" || g.values.get(n.inputs[0]!)!.dtype === "float32" ? { ins: [id(n.inputs[0]!)], out: id(out0) } : follow();
    case "quantize": {
      // Per-axis params name an axis of the IR's order: keep that order for them.
      const q = g.values.get(out0)!.quant;
      return q === undefined || scalarQuant(q) !== undefined ? follow() : { ins: [id(n.inputs[0]!)], out: id(out0) };
    }
    case "reshape": {
      const p = stored(n.inputs[0]!);
      const v = g.values.get(n.inputs[0]!)!;
      return { ins: [flatSame(v.shape, p) ? p : id(n.inputs[0]!)], out: id(out0) };
    }
    case "concat": {
      const p = stored(n.inputs[0]!);
      return { ins: n.inputs.map(() => p), out: p };
    }
    case "transpose":
      // Written as a relabelling of the input's layout (export-onnx.ts), not through this plan.
      return { ins: [stored(n.inputs[0]!)], out: stored(n.inputs[0]!) };
    case "matmul":
      return { ins: n.inputs.map((i) => id(i)), out: id(out0) };
    case "softmax":
    case "dynamic-quantize":
      return { ins: n.inputs.map((i) => id(i)), out: id(out0) };
    default: {
      const never: never = n;
      return never;
    }
  }
}

/**
 * add / mul follow the layout most inputs are in (spatial first on a tie) when both operands have the
 * output's rank and, for onnxruntime's QLinearAdd, the operand its broadcast loop treats as a scalar stays
 * the same one: that choice changes the float32 formula (kernels/ort-float.ts).
 */
function binaryLayout(n: Extract<Node, { op: "add" | "mul" }>, g: Graph, stored: (name: string) => Perm): NodeLayout {
  const shapes = [n.inputs[0]!, n.inputs[1]!, n.outputs[0]!].map((x) => g.values.get(x)!.shape);
  const [a, b, o] = shapes as [readonly number[], readonly number[], readonly number[]];
  const rank = o.length;
  const ok = (p: Perm): boolean => {
    if (a.length !== rank || b.length !== rank) return isIdentity(p);
    if (n.op === "mul") return true;
    return ortScalarOperand(o, a, b) === ortScalarOperand(permuteShape(o, p), permuteShape(a, p), permuteShape(b, p));
  };
  const cost = (p: Perm): number => n.inputs.filter((i) => !samePerm(stored(i), p)).length;
  // Non-identity candidates first, so that a tie keeps the spatial layout the next conv wants.
  const cands = [stored(n.inputs[0]!), stored(n.inputs[1]!), identity(rank)].filter((p) => p.length === rank && ok(p));
  cands.sort((p, q) => cost(p) - cost(q) || Number(isIdentity(p)) - Number(isIdentity(q)));
  const best = cands[0] ?? identity(rank);
  // A lower-rank operand broadcasts in the IR's order, which only the identity layout keeps.
  return { ins: [a, b].map((s) => (s.length === rank ? best : identity(s.length))), out: best };
}
