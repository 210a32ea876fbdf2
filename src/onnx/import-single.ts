/**
 * Whole-graph import of the ops the single-node lowering already handles (QuantizeLinear of float data,
 * DequantizeLinear with blocks, DynamicQuantizeLinear, Cast, QLinearConv, QLinearMatMul, MatMulInteger,
 * ConvInteger): the node is cut out as a one-node model whose runtime inputs carry the types and shapes
 * known so far, lowered by lowerSingleNodeModel, and its values and nodes are merged in. Each consumer of
 * an ONNX tensor states its own scale and zero point; where they differ from the producer's, the data is
 * reinterpreted under the new params (ImportContext.withQuant).
 */
import { isFloat } from "../ir/dtype.js";
import type { Node } from "../ir/ops.js";
import type { ImportContext } from "./import-context.js";
import { lowerSingleNodeModel } from "./lower-node.js";
import type { OnnxModel, OnnxTensorProto, OnnxValueInfo } from "./protobuf.js";
import { onnxCodeOf } from "./tensor.js";

export function lowerSingleNode(ctx: ImportContext): void {
  const node = ctx.n;
  const initializers: OnnxTensorProto[] = [];
  const inputs: OnnxValueInfo[] = [];
  const irOf = new Map<string, string>();
  node.inputs.forEach((name, i) => {
    if (name === "" || irOf.has(name) || initializers.some((t) => t.name === name)) return;
    const proto = ctx.initProto(name);
    if (proto !== undefined) {
      initializers.push(proto);
      return;
    }
    const e = ctx.entry(i, `inputs[${i}]`);
    if (e.kind === "const") {
      // A binding (e.g. a scale fed as an input): the single-node lowering reads its value.
      const b = ctx.bindings.get(name);
      const code = b === undefined ? undefined : onnxCodeOf(b.dtype);
      if (b !== undefined && code !== undefined) inputs.push({ name, elemType: code, isTensor: true, shape: b.shape });
      return;
    }
    if (e.kind === "view" || e.kind === "pending") {
      ctx.fail(`input "${name}" is a float tensor from ${e.kind === "view" ? "DequantizeLinear" : e.op}, which ${node.opType} cannot take here`, "FLOAT", "an integer tensor (QOperator) or a float graph input");
    }
    const v = ctx.value(e.value);
    const code = onnxCodeOf(v.dtype);
    if (code === undefined) ctx.fail(`input "${name}" has a type ONNX cannot describe`, JSON.stringify(v.dtype), "an ONNX element type");
    irOf.set(name, v.name);
    inputs.push({ name, elemType: code, isTensor: true, shape: v.shape });
  });
  const outputs: OnnxValueInfo[] = node.outputs.map((name) => ({ name, elemType: ctx.declaredElemType(name), isTensor: true, shape: ctx.declaredShape(name) }));
  const sub: OnnxModel = { ...ctx.model, graph: { name: "", nodes: [node], initializers, inputs, outputs, valueInfo: [] } };
  const lowered = lowerSingleNodeModel(sub, ctx.bindings);

  const rename = new Map<string, string>();
  for (const v of lowered.values.values()) {
    const ir = irOf.get(v.name);
    if (ir !== undefined) {
      // A runtime input: the tensor already imported, read with this node's params.
      rename.set(v.name, v.quant === undefined ? ir : ctx.withQuant(ir, v.quant).name);
      continue;
    }
    const name = ctx.freshName(v.name);
    rename.set(v.name, name);
    ctx.addValue({ ...v, name });
  }
  const mapped = (n: string): string => rename.get(n) ?? n;
  for (const n of lowered.nodes) {
    const copy = { ...n, name: ctx.freshName(n.name === node.opType ? ctx.nodeName() : n.name), inputs: n.inputs.map(mapped), outputs: n.outputs.map(mapped) } as Node;
    ctx.addNode(copy);
  }
  node.outputs.forEach((name, i) => {
    if (name === "") return;
    const v = ctx.value(mapped(name));
    ctx.define(i, { kind: isFloat(v.dtype) ? "float" : "int", value: v.name }, v.shape);
  });
}
