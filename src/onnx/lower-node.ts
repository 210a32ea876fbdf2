/**
 * ONNX single-node models → quarch graphs: the quantization boundary ops (QuantizeLinear,
 * DequantizeLinear, DynamicQuantizeLinear, Cast) here, the integer MAC ops in lower-mac.ts.
 *
 * Scale and zero-point operands become quantization parameters of values, so they must be known when
 * lowering: initializers, or graph inputs given a value in `bindings` (the ONNX node tests feed them as
 * inputs). Every other input stays a graph input. The executor takes zero points from the values' params:
 * "quantize" from its output value, "dequantize" from its input value.
 */
import type { DType, QType } from "../ir/dtype.js";
import { UINT8, isFloat } from "../ir/dtype.js";
import type { Graph, Tensor } from "../ir/graph.js";
import type { BlockQuant, QuantParams } from "../ir/quant-params.js";
import { LowerContext } from "./lower-context.js";
import { lowerConv, lowerMatMul } from "./lower-mac.js";
import { type OnnxModel, decodeModel } from "./protobuf.js";
import {
  ONNX_FLOAT,
  ONNX_FLOAT16,
  ONNX_INT16,
  ONNX_INT2,
  ONNX_INT32,
  ONNX_INT4,
  ONNX_INT64,
  ONNX_INT8,
  ONNX_UINT16,
  ONNX_UINT2,
  ONNX_UINT4,
  ONNX_UINT8,
  onnxTypeName,
  quarchDType,
} from "./tensor.js";

export const SUPPORTED_OPS = [
  "QuantizeLinear",
  "DequantizeLinear",
  "DynamicQuantizeLinear",
  "Cast",
  "MatMulInteger",
  "QLinearMatMul",
  "ConvInteger",
  "QLinearConv",
] as const;

/** Integer types QuantizeLinear / DequantizeLinear take (ONNX's quantized integer types). */
const QUANT_TYPES = [ONNX_UINT8, ONNX_INT8, ONNX_UINT16, ONNX_INT16, ONNX_UINT4, ONNX_INT4, ONNX_UINT2, ONNX_INT2];

/** Lower a decoded single-node model. `bindings` gives values to graph inputs that are parameters. */
export function lowerSingleNodeModel(model: OnnxModel, bindings: ReadonlyMap<string, Tensor> = new Map()): Graph {
  const ctx = new LowerContext(model, bindings);
  const { node } = ctx;
  const supported = `${SUPPORTED_OPS.join(", ")} in the ai.onnx domain`;
  if (node.domain !== "" && node.domain !== "ai.onnx") ctx.fail("unsupported operator domain", node.domain, supported);
  if (ctx.opset === 0) ctx.fail("the model imports no opset for the node's domain", "no opset_import", "an opset_import for ai.onnx");
  switch (node.opType) {
    case "QuantizeLinear":
      lowerQuantize(ctx);
      break;
    case "DequantizeLinear":
      lowerDequantize(ctx);
      break;
    case "DynamicQuantizeLinear":
      lowerDynamicQuantize(ctx);
      break;
    case "Cast":
      lowerCast(ctx);
      break;
    case "MatMulInteger":
    case "QLinearMatMul":
      lowerMatMul(ctx, node.opType === "QLinearMatMul");
      break;
    case "ConvInteger":
    case "QLinearConv":
      lowerConv(ctx, node.opType === "QLinearConv");
      break;
    default:
      ctx.fail("unsupported operator", node.opType, supported);
  }
  return ctx.finish();
}

/** Decode model bytes and lower their single node. */
export function lowerSingleNodeBytes(bytes: Uint8Array, bindings: ReadonlyMap<string, Tensor> = new Map()): Graph {
  return lowerSingleNodeModel(decodeModel(bytes), bindings);
}

function requireFloatInput(ctx: LowerContext, i: number, role: string): void {
  const name = ctx.requireInput(i, role);
  const elem = ctx.elemTypeOf(name);
  if (elem !== ONNX_FLOAT) ctx.fail(`${role} "${name}" must be FLOAT`, onnxTypeName(elem), "FLOAT (float16 inputs are not supported)", `inputs[${i}]`);
}

/** Per-tensor, per-axis or blocked params (ONNX opset 21 block_size). */
function quantParams(
  ctx: LowerContext,
  scaleT: Tensor,
  zpT: Tensor | undefined,
  dataShape: readonly number[],
  axis: number,
  blockSize: number,
  role: string,
): QuantParams {
  // A one-element scale is per tensor whatever the other attributes say (the ONNX reference does this).
  if (blockSize === 0 || scaleT.data.length === 1) return ctx.axisQuant(scaleT, zpT, dataShape, axis, role);
  if (!Number.isInteger(blockSize) || blockSize < 0) ctx.fail("block_size must be ≥ 0", `${blockSize}`, "an integer ≥ 0", `attribute "block_size"`);
  const a = ctx.normAxis(axis, dataShape.length);
  const want = dataShape.map((d, i) => (i === a ? Math.ceil(d / blockSize) : d));
  if (scaleT.shape.join(",") !== want.join(",") || scaleT.shape.length !== want.length) {
    ctx.fail(`blocked ${role} scale has the wrong shape`, `[${scaleT.shape.join(", ")}]`, `[${want.join(", ")}] (block_size ${blockSize} along axis ${a})`);
  }
  ctx.sameShape(scaleT, zpT, role);
  const scale = ctx.scales(scaleT, `${role} scale`);
  const q: BlockQuant = { kind: "block", axis: a, blockSize, scale, zeroPoint: ctx.zeroPoints(zpT, scale.length, `${role} zero point`) };
  return q;
}

/** The quantized type of a zero point / output_dtype code, restricted to ONNX's quantized integer types. */
function quantType(ctx: LowerContext, code: number, what: string, extra: readonly number[] = []): QType {
  const t = quarchDType(code);
  const ok = [...QUANT_TYPES, ...extra];
  if (!ok.includes(code) || t === undefined || isFloat(t)) ctx.fail(`unsupported ${what}`, onnxTypeName(code), ok.map(onnxTypeName).join(", "));
  return t;
}

function lowerQuantize(ctx: LowerContext): void {
  ctx.checkArity(2, 3, 1);
  ctx.checkAttributes(["axis", "saturate", "block_size", "output_dtype", "precision"]);
  const precision = ctx.attrInt("precision", 0);
  if (precision !== 0 && precision !== ONNX_FLOAT) ctx.fail("unsupported computation precision", onnxTypeName(precision), "FLOAT", `attribute "precision"`);
  requireFloatInput(ctx, 0, "x");
  const xShape = ctx.inputShape(0, "x");
  const scaleT = ctx.known(1, "y_scale");
  const zpT = ctx.knownOptional(2, "y_zero_point");
  const outputDType = ctx.attrInt("output_dtype", 0);
  const zpCode = zpT === undefined ? 0 : ctx.elemTypeOf(ctx.requireInput(2, "y_zero_point"));
  if (zpCode !== 0 && outputDType !== 0 && zpCode !== outputDType) {
    ctx.fail("output_dtype disagrees with the zero point's type", onnxTypeName(outputDType), onnxTypeName(zpCode), `attribute "output_dtype"`);
  }
  const code = zpCode !== 0 ? zpCode : outputDType !== 0 ? outputDType : ONNX_UINT8;
  const outType = quantType(ctx, code, "output type");
  const quant = quantParams(ctx, scaleT, zpT, xShape, ctx.attrInt("axis", 1), ctx.attrInt("block_size", 0), "y");
  const x = ctx.dataInput(0, "x");
  const y = ctx.output(0, outType, xShape, quant);
  ctx.addNode({ op: "quantize", name: ctx.nodeName, inputs: [x.name], outputs: [y.name], rounding: "half-even" });
}

function lowerDequantize(ctx: LowerContext): void {
  ctx.checkArity(2, 3, 1);
  ctx.checkAttributes(["axis", "block_size", "output_dtype"]);
  const xName = ctx.requireInput(0, "x");
  const xCode = ctx.elemTypeOf(xName);
  // DequantizeLinear also takes INT32 (e.g. a bias quantized with scale s_x · s_w).
  quantType(ctx, xCode, "input type", [ONNX_INT32]);
  const scaleName = ctx.requireInput(1, "x_scale");
  const outputDType = ctx.attrInt("output_dtype", 0);
  // The output takes the scale's type unless output_dtype says otherwise; quarch has no float16 tensors.
  const outCode = outputDType !== 0 ? outputDType : ctx.elemTypeOf(scaleName);
  if (outCode !== ONNX_FLOAT) {
    ctx.fail("unsupported output type", onnxTypeName(outCode), "FLOAT (a FLOAT x_scale, or output_dtype = FLOAT)", outputDType !== 0 ? `attribute "output_dtype"` : "inputs[1]");
  }
  const zpT = ctx.knownOptional(2, "x_zero_point");
  if (zpT !== undefined) {
    const zpCode = ctx.elemTypeOf(ctx.requireInput(2, "x_zero_point"));
    if (zpCode !== 0 && zpCode !== xCode) ctx.fail("x_zero_point's type differs from x's", onnxTypeName(zpCode), onnxTypeName(xCode), "inputs[2]");
  }
  const xShape = ctx.inputShape(0, "x");
  const quant = quantParams(ctx, ctx.known(1, "x_scale"), zpT, xShape, ctx.attrInt("axis", 1), ctx.attrInt("block_size", 0), "x");
  const x = ctx.dataInput(0, "x", quant);
  const y = ctx.output(0, "float32", xShape);
  ctx.addNode({ op: "dequantize", name: ctx.nodeName, inputs: [x.name], outputs: [y.name] });
}

function lowerDynamicQuantize(ctx: LowerContext): void {
  ctx.checkArity(1, 1, 3);
  ctx.checkAttributes([]);
  requireFloatInput(ctx, 0, "x");
  const x = ctx.dataInput(0, "x");
  const y = ctx.output(0, UINT8, x.shape);
  const s = ctx.output(1, "float32", []);
  const z = ctx.output(2, UINT8, []);
  ctx.addNode({ op: "dynamic-quantize", name: ctx.nodeName, inputs: [x.name], outputs: [y.name, s.name, z.name] });
}

function lowerCast(ctx: LowerContext): void {
  ctx.checkArity(1, 1, 1);
  // saturate and round_mode only concern float8 / float4 targets, which are refused below anyway.
  ctx.checkAttributes(["to", "saturate", "round_mode"]);
  const to = ctx.attrInt("to", 0);
  const xCode = ctx.elemTypeOf(ctx.requireInput(0, "input"));
  const src = quarchDType(xCode);
  let target: DType | undefined = to === ONNX_INT64 ? undefined : quarchDType(to);
  if (to === ONNX_FLOAT16) {
    // quarch has no float16 tensors; a cast whose every result is exactly a float16 value is a cast to float32.
    const exact = xCode === ONNX_FLOAT16 || (src !== undefined && src !== "float32" && src.bits <= 11);
    if (!exact) ctx.fail("Cast to FLOAT16 is supported only where it is exact", onnxTypeName(xCode), "FLOAT16 or an integer type of at most 11 bits");
    target = "float32";
  }
  if (target === undefined) ctx.fail("unsupported Cast target type", onnxTypeName(to), "FLOAT, FLOAT16 (exact cases), or an integer type of at most 32 bits", `attribute "to"`);
  const x = ctx.dataInput(0, "input", undefined, { allowHalf: true });
  const y = ctx.output(0, target, x.shape);
  ctx.addNode({ op: "cast", name: ctx.nodeName, inputs: [x.name], outputs: [y.name], to: target });
}
