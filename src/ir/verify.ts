/**
 * Graph verifier: collects every problem (dangling names, shapes, dtypes, quantization parameters,
 * constants out of range) before failing, each naming the node or value it is about.
 */
import { GraphError, type Problem } from "../errors.js";
import { dtypeName, firstOutOfRange, isFloat, product, qmax, qmin, sameDType } from "./dtype.js";
import type { Graph, Value } from "./graph.js";
import { inferNode } from "./infer.js";
import { type Node, OP_TYPES } from "./ops.js";
import { expectedParamCount } from "./quant-params.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

function checkValue(v: Value, problems: Problem[]): void {
  const at = `value "${v.name}"`;
  if (!v.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    problems.push({ path: `${at}.shape`, message: "dimensions must be integers ≥ 0", given: JSON.stringify(v.shape) });
    return;
  }
  if (v.dtype !== "float32" && !(Number.isInteger(v.dtype.bits) && v.dtype.bits >= 1 && v.dtype.bits <= 32)) {
    problems.push({ path: `${at}.dtype`, message: "bit width out of range", given: `${v.dtype.bits}`, expected: "1..32" });
    return;
  }
  if (v.data !== undefined) {
    if (v.data.length !== product(v.shape)) {
      problems.push({ path: `${at}.data`, message: "length does not match the shape", given: `${v.data.length}`, expected: `${product(v.shape)} for ${fmt(v.shape)}` });
    } else if (v.dtype !== "float32") {
      const i = firstOutOfRange(v.dtype, v.data);
      if (i >= 0) {
        problems.push({ path: `${at}.data[${i}]`, message: `is not a ${dtypeName(v.dtype)} value`, given: `${v.data[i]}`, expected: `${qmin(v.dtype)}..${qmax(v.dtype)}` });
      }
    }
  }
  const q = v.quant;
  if (q === undefined) return;
  if (isFloat(v.dtype)) {
    problems.push({ path: `${at}.quant`, message: "float32 values carry no quantization parameters" });
    return;
  }
  if (q.kind !== "tensor") {
    if (!Number.isInteger(q.axis) || q.axis < 0 || q.axis >= v.shape.length) {
      problems.push({ path: `${at}.quant.axis`, message: "out of range", given: `${q.axis}`, expected: `0..${v.shape.length - 1}` });
      return;
    }
    const size = q.kind === "group" ? q.groupSize : q.kind === "block" ? q.blockSize : 1;
    if (!Number.isInteger(size) || size < 1) {
      problems.push({ path: `${at}.quant`, message: `${q.kind} size must be an integer ≥ 1`, given: `${size}` });
      return;
    }
  }
  const scales = q.kind === "tensor" ? [q.scale] : q.scale;
  const zps = q.kind === "tensor" ? [q.zeroPoint] : q.zeroPoint;
  const want = expectedParamCount(q, v.shape);
  if (q.kind !== "tensor" && (scales.length !== want || zps.length !== want)) {
    if (!(q.kind === "channel" && scales.length === 1 && zps.length === 1)) {
      problems.push({ path: `${at}.quant`, message: `${q.kind} quantization needs ${want} scales and zero points`, given: `${scales.length} scales, ${zps.length} zero points`, expected: `${want}` });
    }
  }
  scales.forEach((s, i) => {
    if (!(Number.isFinite(s) && s > 0)) {
      problems.push({ path: `${at}.quant.scale[${i}]`, message: "scale must be a finite number > 0", given: `${s}` });
    }
  });
  const lo = v.dtype.bits === 1 && v.dtype.signed ? 0 : qmin(v.dtype);
  const hi = v.dtype.bits === 1 && v.dtype.signed ? 0 : qmax(v.dtype);
  zps.forEach((z, i) => {
    if (!Number.isInteger(z) || z < lo || z > hi) {
      problems.push({ path: `${at}.quant.zeroPoint[${i}]`, message: `zero point outside ${dtypeName(v.dtype)}`, given: `${z}`, expected: `${lo}..${hi}` });
    }
  });
}

/** Every problem in the graph; empty when it is well formed. */
export function checkGraph(g: Graph): Problem[] {
  const problems: Problem[] = [];
  for (const [name, v] of g.values) {
    if (name !== v.name) problems.push({ path: `value "${name}"`, message: "is stored under another name", given: v.name });
    checkValue(v, problems);
  }
  const defined = new Set<string>();
  for (const name of g.inputs) {
    const v = g.values.get(name);
    if (v === undefined) problems.push({ path: `inputs`, message: `graph input "${name}" has no value entry` });
    else if (v.data !== undefined) problems.push({ path: `inputs`, message: `graph input "${name}" is a constant` });
    defined.add(name);
  }
  for (const [name, v] of g.values) if (v.data !== undefined) defined.add(name);
  const producedBy = new Map<string, string>();
  g.nodes.forEach((node: Node, idx) => {
    const at = `node "${node.name}" (${node.op})`;
    if (!(OP_TYPES as readonly string[]).includes(node.op)) {
      problems.push({ path: `nodes[${idx}]`, message: "unknown op", given: JSON.stringify(node.op), expected: OP_TYPES.join(", ") });
      return;
    }
    const ins: Value[] = [];
    node.inputs.forEach((name, i) => {
      const v = g.values.get(name);
      if (v === undefined) problems.push({ path: `${at}.inputs[${i}]`, message: `refers to an unknown value "${name}"` });
      else if (!defined.has(name)) problems.push({ path: `${at}.inputs[${i}]`, message: `uses "${name}" before any node produces it` });
      else ins.push(v);
    });
    if (ins.length !== node.inputs.length) return;
    const inf = inferNode(node, ins);
    problems.push(...inf.problems);
    node.outputs.forEach((name, i) => {
      const v = g.values.get(name);
      if (v === undefined) {
        problems.push({ path: `${at}.outputs[${i}]`, message: `refers to an unknown value "${name}"` });
        return;
      }
      if (defined.has(name)) {
        const by = producedBy.get(name);
        problems.push({ path: `${at}.outputs[${i}]`, message: by ? `"${name}" is already produced by node "${by}"` : `"${name}" is a graph input or constant` });
      }
      defined.add(name);
      producedBy.set(name, node.name);
      const spec = inf.outputs[i];
      if (spec === undefined) {
        if (inf.problems.length === 0) problems.push({ path: `${at}.outputs`, message: "has more outputs than the op produces", given: `${node.outputs.length}` });
        return;
      }
      if (fmt(spec.shape) !== fmt(v.shape)) {
        problems.push({ path: `${at}.outputs[${i}]`, message: `shape of "${name}" does not match the op`, given: fmt(v.shape), expected: fmt(spec.shape) });
      }
      if (spec.dtype !== undefined && !sameDType(spec.dtype, v.dtype)) {
        problems.push({ path: `${at}.outputs[${i}]`, message: `dtype of "${name}" does not match the op`, given: dtypeName(v.dtype), expected: dtypeName(spec.dtype) });
      }
      if (spec.dtype === undefined && isFloat(v.dtype)) {
        problems.push({ path: `${at}.outputs[${i}]`, message: `"${name}" must be an integer tensor`, given: "float32" });
      }
    });
  });
  for (const name of g.outputs) {
    if (!g.values.has(name)) problems.push({ path: "outputs", message: `graph output "${name}" has no value entry` });
    else if (!defined.has(name)) problems.push({ path: "outputs", message: `graph output "${name}" is never produced` });
  }
  const names = new Set<string>();
  for (const n of g.nodes) {
    if (names.has(n.name)) problems.push({ path: `node "${n.name}"`, message: "node names must be unique" });
    names.add(n.name);
  }
  return problems;
}

/** Throw a GraphError listing every problem, or return the graph unchanged. */
export function verifyGraph(g: Graph): Graph {
  const problems = checkGraph(g);
  if (problems.length > 0) throw new GraphError(problems);
  return g;
}
