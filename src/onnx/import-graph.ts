/**
 * Whole ONNX graphs → quarch graphs, QOperator and QDQ (see import-context.ts for how tensors are tracked).
 * Imported graphs compute what onnxruntime's CPU execution provider computes at its default optimization
 * level: the `onnx` rounding mode for QLinearConv / QLinearMatMul / QGemm, the MLAS float32 formulas for
 * the com.microsoft ops, onnxruntime's lookup tables for QLinearSigmoid / QLinearLeakyRelu / requantizing
 * DQ → Q pairs. Activations keep ONNX's NCHW layout; constant weights are stored OHWI once.
 *
 * `loadOnnx(bytes, bindings)` also takes single-node models (the ONNX node tests), whose scale and zero-point
 * inputs may be given values in `bindings`; a single node quarch lowers node by node goes through
 * lowerSingleNodeModel exactly as before.
 */
import { OnnxError } from "../errors.js";
import { isFloat, qmax, qmin } from "../ir/dtype.js";
import type { Graph, Tensor, Value } from "../ir/graph.js";
import { type QuantParams, perChannelScales } from "../ir/quant-params.js";
import { matmulOutShape, matmulShapes, windowOut } from "../ir/shapes.js";
import { layerRealMultipliers, requantizerFromReal } from "../quant/requantize.js";
import { ImportContext, sameQuant } from "./import-context.js";
import { importConcatInt, importGatherLut, importIntClamp, importMaxPool, importPad, importReshapeLike, importTranspose, intOperand } from "./import-move.js";
import { buildAvgPool, buildConcat, buildLut, buildSoftmax, clipEntry, importAvgPoolQdq, importBinaryQdq, importConcatQdq, importConvQdq, importLutQdq, importMatMulQdq, importSoftmaxQdq, quantizeEntry } from "./import-qdq.js";
import { lowerSingleNode } from "./import-single.js";
import { samePads, toOhwi } from "./lower-mac.js";
import { SUPPORTED_OPS, lowerSingleNodeModel } from "./lower-node.js";
import { type OnnxModel, decodeModel } from "./protobuf.js";
import { quarchDType } from "./tensor.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** What the whole-graph importer takes, by domain. */
export const SUPPORTED_GRAPH_OPS = {
  "ai.onnx": [
    "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Cast", "QLinearConv", "QLinearMatMul", "MatMulInteger", "ConvInteger",
    "Conv", "Gemm", "MatMul", "Add", "Mul", "AveragePool", "GlobalAveragePool", "MaxPool", "Sigmoid", "LeakyRelu", "Softmax", "Relu", "Clip",
    "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Pad", "Concat", "Gather (a lookup table: constant 1-D table, Cast indices)",
  ],
  "com.microsoft": ["QLinearAdd", "QLinearMul", "QLinearAveragePool", "QLinearGlobalAveragePool", "QLinearConcat", "QLinearLeakyRelu", "QLinearSigmoid", "QLinearSoftmax", "QGemm"],
} as const;

const SUPPORTED_TEXT = Object.entries(SUPPORTED_GRAPH_OPS)
  .map(([d, ops]) => `${d}: ${ops.join(", ")}`)
  .join("; ");

/** Decode model bytes and import the graph. */
export function loadOnnx(bytes: Uint8Array, bindings: ReadonlyMap<string, Tensor> = new Map()): Graph {
  return importOnnxModel(decodeModel(bytes), bindings);
}

export function importOnnxModel(model: OnnxModel, bindings: ReadonlyMap<string, Tensor> = new Map()): Graph {
  const g = model.graph;
  const only = g.nodes[0];
  if (g.nodes.length === 1 && only !== undefined && (only.domain === "" || only.domain === "ai.onnx") && (SUPPORTED_OPS as readonly string[]).includes(only.opType)) {
    return lowerSingleNodeModel(model, bindings);
  }
  const ctx = new ImportContext(model, bindings);
  // A bound graph input stays an input (it may carry data); where an op needs it as a constant (a scale or
  // zero point), the binding's value is used.
  for (const v of g.inputs) {
    if (ctx.isStored(v.name)) continue;
    const dtype = quarchDType(v.elemType);
    const shape = ctx.declaredShape(v.name);
    if (dtype === undefined || shape === undefined) {
      throw new OnnxError({ path: `graph input "${v.name}"`, message: "needs a FLOAT or integer element type and a static shape", given: v.shape === undefined ? "unknown shape" : `[${v.shape.map((d) => d ?? "?").join(", ")}]`, expected: "static dims" });
    }
    const val = ctx.materialize(v.name, undefined, `graph input "${v.name}"`);
    ctx.entries.set(v.name, { kind: isFloat(val.dtype) ? "float" : "int", value: val.name });
  }
  for (const node of g.nodes) {
    ctx.begin(node);
    importNode(ctx);
  }
  ctx.node = undefined;
  ctx.where = "graph";
  const outputs = g.outputs.map((o) => graphOutput(ctx, o.name));
  const opsets = model.opsetImport.map((o) => `${o.domain === "" ? "ai.onnx" : o.domain} ${o.version}`).join(", ");
  return ctx.finish(outputs, `imported from ONNX (${model.producerName === "" ? "unknown producer" : model.producerName}; opsets ${opsets})`);
}

function graphOutput(ctx: ImportContext, name: string): string {
  const e = ctx.entries.get(name);
  const fail = (message: string, given: string): never => {
    throw new OnnxError({ path: `graph output "${name}"`, message, given, expected: "a tensor a node produces" });
  };
  if (e === undefined || e.kind === "const") return fail("is not produced by any node", "nothing");
  if (e.kind === "pending") return fail(`is the float result of ${e.op}; quarch outputs quantized tensors (add a QuantizeLinear)`, "FLOAT");
  let irName: string;
  if (e.kind === "view") {
    const src = ctx.withQuant(ctx.materialize(e.src, e.quant, `graph output "${name}"`).name, e.quant);
    const out = ctx.addValue({ name: ctx.freshName(name), dtype: "float32", shape: e.shape });
    ctx.addNode({ op: "dequantize", name: ctx.freshName(`${name}/dequantize`), inputs: [src.name], outputs: [out.name] });
    irName = out.name;
  } else irName = e.value;
  if (irName === name) return name;
  // The tensor is known under another quarch name (a folded Relu, an aliasing QuantizeLinear): copy it.
  const v = ctx.value(irName);
  const out = ctx.addValue({ ...v, name: ctx.values.has(name) ? ctx.freshName(name) : name });
  const { data: _data, ...plain } = out;
  ctx.values.set(out.name, plain);
  ctx.addNode({ op: "reshape", name: ctx.freshName(`${name}/output`), inputs: [irName], outputs: [out.name], shape: v.shape });
  return out.name;
}

function importNode(ctx: ImportContext): void {
  const node = ctx.n;
  const domain = node.domain === "" || node.domain === "ai.onnx" ? "ai.onnx" : node.domain;
  const unsupported = (): never => ctx.fail("unsupported operator", `${node.opType} (domain ${domain})`, SUPPORTED_TEXT);
  if (domain !== "ai.onnx" && domain !== "com.microsoft") return unsupported();
  if (ctx.opsetOf(node.domain) === 0) ctx.fail("the model imports no opset for the node's domain", "no opset_import", `an opset_import for ${domain}`);
  if (domain === "com.microsoft") return importMicrosoft(ctx, unsupported);
  const first = node.inputs[0] === undefined || node.inputs[0] === "" ? undefined : ctx.entry(0, "input");
  switch (node.opType) {
    case "QuantizeLinear":
      if (first !== undefined && quantizeEntry(ctx, first)) return;
      return lowerSingleNode(ctx);
    case "DequantizeLinear":
      return importDequantize(ctx);
    case "DynamicQuantizeLinear":
    case "Cast":
    case "QLinearConv":
    case "QLinearMatMul":
    case "MatMulInteger":
    case "ConvInteger":
      return lowerSingleNode(ctx);
    case "Conv":
      ctx.attributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]);
      return importConvQdq(ctx, (w, oihw) => ohwiWeight(ctx, w, oihw), (x, w) => convGeometry(ctx, x, w));
    case "Gemm":
    case "MatMul":
      return importMatMulQdq(ctx, node.opType === "Gemm");
    case "Add":
      return importBinaryQdq(ctx, "add");
    case "Mul":
      return importBinaryQdq(ctx, "mul");
    case "AveragePool":
    case "GlobalAveragePool":
      return importAvgPoolQdq(ctx, node.opType === "GlobalAveragePool");
    case "Sigmoid":
      return importLutQdq(ctx, "sigmoid");
    case "LeakyRelu":
      return importLutQdq(ctx, "leaky-relu");
    case "Softmax":
      return importSoftmaxQdq(ctx);
    case "Gather":
      return importGatherLut(ctx);
    case "Relu":
    case "Clip":
      return importClip(ctx);
    case "Concat":
      return first?.kind === "view" ? importConcatQdq(ctx) : importConcatInt(ctx);
    case "MaxPool":
      return importMaxPool(ctx);
    case "Reshape":
    case "Flatten":
    case "Squeeze":
    case "Unsqueeze":
      return importReshapeLike(ctx);
    case "Transpose":
      return importTranspose(ctx);
    case "Pad":
      return importPad(ctx);
    default:
      return unsupported();
  }
}

function importDequantize(ctx: ImportContext): void {
  const e = ctx.entry(0, "x");
  const name = ctx.requireInput(0, "x");
  if (ctx.int("block_size", 0) !== 0 || e.kind === "float" || e.kind === "view" || e.kind === "pending") return lowerSingleNode(ctx);
  ctx.arity(2, 3);
  ctx.attributes(["axis", "block_size", "output_dtype"]);
  const src = e.kind === "int" ? ctx.value(e.value) : ctx.materialize(name, undefined, "inputs[0]");
  if (isFloat(src.dtype)) ctx.fail(`x "${name}" must be an integer tensor`, "FLOAT", "a quantized integer type", "inputs[0]");
  const { quant, type } = ctx.params(1, 2, src.shape, ctx.int("axis", 1), "x");
  if (type !== undefined && (type.bits !== src.dtype.bits || type.signed !== src.dtype.signed)) ctx.fail("x_zero_point's type differs from x's", JSON.stringify(type), JSON.stringify(src.dtype), "inputs[2]");
  ctx.define(0, { kind: "view", src: e.kind === "int" ? e.value : name, quant, shape: src.shape }, src.shape);
}

function importClip(ctx: ImportContext): void {
  const relu = ctx.n.opType === "Relu";
  const e = ctx.entry(0, "input");
  if (relu) {
    ctx.arity(1, 1);
    ctx.attributes([]);
  } else {
    ctx.arity(1, 3);
    ctx.attributes(["min", "max"]);
  }
  const bound = (idx: number, attr: string, dflt: number): number => {
    if (ctx.opsetOf(ctx.n.domain) < 11) return ctx.float(attr, dflt);
    const t = ctx.optionalConstant(idx, attr);
    return t === undefined ? dflt : t.data[0]!;
  };
  const lo = relu ? 0 : bound(1, "min", -Infinity);
  const hi = relu ? Infinity : bound(2, "max", Infinity);
  if (clipEntry(ctx, e, lo, hi)) return;
  importIntClamp(ctx, intOperand(ctx, 0, "input"), lo, hi);
}

/** Conv attributes → pads, strides, dilations, group and the output shape (2-D NCHW). */
function convGeometry(ctx: ImportContext, x: readonly number[], w: readonly number[]): { pads: [number, number, number, number]; strides: [number, number]; dilations: [number, number]; group: number; out: number[] } {
  if (x.length !== 4 || w.length !== 4) ctx.fail("only 2-D convolution is supported", `x ${fmt(x)}, w ${fmt(w)}`, "x [N, C, H, W] and w [M, C/group, kH, kW]");
  const [n, c, h, wd] = x as [number, number, number, number];
  const [m, cg, kh, kw] = w as [number, number, number, number];
  const group = ctx.int("group", 1);
  if (group < 1 || cg * group !== c || m % group !== 0) ctx.fail("group does not fit the channels", `group ${group}, x channels ${c}, w ${fmt(w)}`, "C = group · w.shape[1], M divisible by group", `attribute "group"`);
  const ks = ctx.ints("kernel_shape", [kh, kw]);
  if (fmt(ks) !== fmt([kh, kw])) ctx.fail("kernel_shape disagrees with the weights", fmt(ks), fmt([kh, kw]), `attribute "kernel_shape"`);
  const pair = (name: string): [number, number] => {
    const v = ctx.ints(name, [1, 1]);
    if (v.length !== 2 || v.some((k) => k < 1)) ctx.fail(`${name} must be two integers ≥ 1`, JSON.stringify(v), "[h, w]", `attribute "${name}"`);
    return [v[0]!, v[1]!];
  };
  const strides = pair("strides");
  const dilations = pair("dilations");
  const autoPad = ctx.string("auto_pad", "NOTSET");
  let pads: [number, number, number, number];
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const [t, b] = samePads(h, kh, strides[0], dilations[0], autoPad === "SAME_UPPER");
    const [l, r] = samePads(wd, kw, strides[1], dilations[1], autoPad === "SAME_UPPER");
    pads = [t, l, b, r];
  } else if (autoPad === "NOTSET" || autoPad === "VALID") {
    const p = autoPad === "VALID" ? [0, 0, 0, 0] : ctx.ints("pads", [0, 0, 0, 0]);
    if (p.length !== 4 || p.some((v) => v < 0)) ctx.fail("pads must be four integers ≥ 0", JSON.stringify(p), "[top, left, bottom, right]", `attribute "pads"`);
    pads = [p[0]!, p[1]!, p[2]!, p[3]!];
  } else return ctx.fail("unsupported auto_pad", autoPad, "NOTSET, VALID, SAME_UPPER or SAME_LOWER", `attribute "auto_pad"`);
  const oh = windowOut(h, kh, strides[0], dilations[0], pads[0], pads[2]);
  const ow = windowOut(wd, kw, strides[1], dilations[1], pads[1], pads[3]);
  if (oh < 1 || ow < 1) ctx.fail("kernel larger than the padded input", `${kh}x${kw} over ${h}x${wd}`, "a kernel that fits");
  return { pads, strides, dilations, group, out: [n, m, oh, ow] };
}

/** A constant OIHW weight as an OHWI constant (once per weight and params). */
function ohwiWeight(ctx: ImportContext, w: Value, oihw: readonly number[]): Value {
  if (w.data === undefined) ctx.fail("Conv weights must be a constant (DequantizeLinear of an initializer)", "a runtime tensor", "an initializer");
  const [m, cg, kh, kw] = oihw as [number, number, number, number];
  const name = `${w.name}.ohwi`;
  const existing = ctx.values.get(name);
  if (existing !== undefined && (existing.quant === undefined || w.quant === undefined || sameQuant(existing.quant, w.quant))) return existing;
  return ctx.addValue({ name: ctx.freshName(name), dtype: w.dtype, shape: [m, kh, kw, cg], data: toOhwi(w.data, w.dtype, oihw), ...(w.quant === undefined ? {} : { quant: w.quant }) });
}

/** An integer input with the params of its (scale, zero point) operands: a quarch value read with them. */
function qInput(ctx: ImportContext, i: number, scaleIdx: number, zpIdx: number, role: string): { value: Value; q: { scale: number; zeroPoint: number } } {
  const op = intOperand(ctx, i, role);
  const { quant } = ctx.params(scaleIdx, zpIdx, op.value.shape, 1, role);
  const q = ctx.scalar(quant, role);
  return { value: ctx.withQuant(op.value.name, quant), q };
}

/** Finish a pending result right away with the node's own output params (QOperator). */
function resolve(ctx: ImportContext, scaleIdx: number, zpIdx: number, like: Value): void {
  const outName = ctx.outputName(0);
  const e = ctx.entries.get(outName);
  if (e === undefined || e.kind !== "pending") throw new Error("internal: no pending result to resolve");
  const { quant, type } = ctx.params(scaleIdx, zpIdx, e.shape, 1, "y");
  const t = type ?? (isFloat(like.dtype) ? undefined : like.dtype);
  if (t === undefined) return ctx.fail("output type unknown", "", "a zero point");
  const out = ctx.addValue({ name: ctx.freshName(outName), dtype: t, shape: e.shape, quant: quant as QuantParams });
  e.build(out, qmin(t), qmax(t));
  ctx.entries.delete(outName);
  ctx.define(0, { kind: "int", value: out.name }, e.shape);
}

function importMicrosoft(ctx: ImportContext, unsupported: () => never): void {
  const op = ctx.n.opType;
  switch (op) {
    case "QLinearAdd":
    case "QLinearMul": {
      ctx.arity(7, 8);
      ctx.attributes([]);
      const a = qInput(ctx, 0, 1, 2, "A");
      const b = qInput(ctx, 3, 4, 5, "B");
      const { quant, type } = ctx.params(6, 7, [], 1, "C");
      const t = type ?? (a.value.dtype as { bits: number; signed: boolean });
      const shape = broadcast(ctx, a.value.shape, b.value.shape);
      const out = ctx.addValue({ name: ctx.freshName(ctx.outputName(0)), dtype: t, shape, quant });
      ctx.addNode({ op: op === "QLinearAdd" ? "add" : "mul", name: ctx.freshName(ctx.nodeName()), inputs: [a.value.name, b.value.name], outputs: [out.name], rescale: { kind: "float" }, clampMin: qmin(t), clampMax: qmax(t) });
      ctx.define(0, { kind: "int", value: out.name }, shape);
      return;
    }
    case "QLinearAveragePool":
    case "QLinearGlobalAveragePool": {
      ctx.arity(4, 5);
      const global = op === "QLinearGlobalAveragePool";
      ctx.attributes(global ? ["channels_last"] : ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides", "channels_last"]);
      if (ctx.int("channels_last", 0) !== 0) ctx.fail("channels_last is not supported", "1", "0 (NCHW)", `attribute "channels_last"`);
      const x = qInput(ctx, 0, 1, 2, "X");
      buildAvgPool(ctx, x.value, x.q, global);
      return resolve(ctx, 3, 4, x.value);
    }
    case "QLinearSigmoid":
    case "QLinearLeakyRelu": {
      ctx.arity(4, 5);
      ctx.attributes(op === "QLinearLeakyRelu" ? ["alpha"] : []);
      const x = qInput(ctx, 0, 1, 2, "X");
      buildLut(ctx, x.value, x.q, op === "QLinearSigmoid" ? "sigmoid" : "leaky-relu", Math.fround(ctx.float("alpha", 0.01)));
      return resolve(ctx, 3, 4, x.value);
    }
    case "QLinearConcat": {
      ctx.attributes(["axis"]);
      const k = ctx.n.inputs.length;
      if (k < 5 || (k - 2) % 3 !== 0) ctx.fail("inputs must be Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per tensor", `${k} inputs`, "2 + 3·n");
      const parts: Value[] = [];
      for (let i = 2; i < k; i += 3) parts.push(qInput(ctx, i, i + 1, i + 2, `inputs[${i}]`).value);
      buildConcat(ctx, parts);
      return resolve(ctx, 0, 1, parts[0]!);
    }
    case "QLinearSoftmax": {
      ctx.arity(4, 5);
      ctx.attributes(["axis", "opset"]);
      const x = qInput(ctx, 0, 1, 2, "X");
      // The opset attribute picks the axis default (1 before opset 13, −1 from it).
      buildSoftmax(ctx, x.value, ctx.int("axis", ctx.int("opset", 13) < 13 ? 1 : -1));
      return resolve(ctx, 3, 4, x.value);
    }
    case "QGemm":
      return importQGemm(ctx);
    default:
      return unsupported();
  }
}

/** com.microsoft QGemm (A, a_s, a_zp, B, b_s, b_zp, C?, y_s, y_zp): matmul with int32 bias, onnx requantization. */
function importQGemm(ctx: ImportContext): void {
  ctx.arity(9, 9);
  ctx.attributes(["alpha", "transA", "transB"]);
  if (ctx.float("alpha", 1) !== 1 || ctx.int("transA", 0) !== 0) ctx.fail("only alpha = 1 without transA is supported", `alpha ${ctx.float("alpha", 1)}, transA ${ctx.int("transA", 0)}`, "alpha 1, transA 0");
  const transB = ctx.int("transB", 0) === 1;
  const a = qInput(ctx, 0, 1, 2, "A");
  const bOp = intOperand(ctx, 3, "B");
  const { quant: bq } = ctx.params(4, 5, bOp.value.shape, transB ? 0 : 1, "B");
  const b = ctx.withQuant(bOp.value.name, bq);
  const s = matmulShapes(a.value.shape, b.shape, transB);
  if (typeof s === "string" || a.value.shape.length !== 2 || b.shape.length !== 2) return ctx.fail("QGemm needs 2-D operands that multiply", `${fmt(a.value.shape)} × ${fmt(b.shape)}`, "[M, K] × [K, N] (or [N, K] with transB)");
  const biasName = ctx.inputName(6);
  const bias = biasName === undefined ? undefined : ctx.materialize(biasName, undefined, "inputs[6]").name;
  if (ctx.inputName(7) === undefined) ctx.fail("a float output (no y_scale) is not supported", "no y_scale", "y_scale and y_zero_point");
  const { quant, type } = ctx.params(7, 8, [], 1, "Y");
  const t = type ?? (a.value.dtype as { bits: number; signed: boolean });
  const shape = matmulOutShape(s, 2);
  const out = ctx.addValue({ name: ctx.freshName(ctx.outputName(0)), dtype: t, shape, quant });
  const requant = requantizerFromReal(layerRealMultipliers(a.q.scale, perChannelScales(bq, s.N), ctx.scalar(quant, "Y").scale, "onnx"), "onnx");
  ctx.addNode({ op: "matmul", name: ctx.nodeName(), inputs: [a.value.name, b.name, ...(bias === undefined ? [] : [bias])], outputs: [out.name], transB, epilogue: { kind: "requant", requant, clampMin: qmin(t), clampMax: qmax(t) } });
  ctx.define(0, { kind: "int", value: out.name }, shape);
}

function broadcast(ctx: ImportContext, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) ctx.fail("shapes do not broadcast", `${fmt(a)} and ${fmt(b)}`, "NumPy-broadcastable shapes");
    out.push(Math.max(x, y));
  }
  return out;
}
