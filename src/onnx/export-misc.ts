/**
 * Non-MAC quarch nodes → ONNX (see export-onnx.ts): onnxruntime's float32 elementwise kernels, its lookup
 * tables and QLinearSoftmax, quantization boundaries and data movement. A table onnxruntime cannot build
 * (TFLite's tanh or logistic tables, custom tables) is written as Gather(table, Cast(x, INT32)): integer
 * indexing, exact in every runtime. Signed inputs index with their own value, so the table is stored
 * rotated: Gather counts a negative index from the end (x = −1 → entry 2^b − 1).
 */
import { type QType, dtypeName, qmax, qmin } from "../ir/dtype.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import { buildOrtLut } from "../quant/ort-lut.js";
import type { ExportContext } from "./export-onnx.js";
import { type Emit, clampOut, float, int, qdqOut, qopOut } from "./export-ops.js";
import { ONNX_INT32 } from "./tensor.js";
import { onnxCodeOrThrow } from "./tensor-encode.js";

type Other = Exclude<Node, { op: "conv2d" | "matmul" | "avgpool" | "global-avgpool" | "maxpool" | "transpose" }>;

export function exportOther(e: Emit, n: Other): void {
  const ctx: ExportContext = e.ctx;
  const { out, qop } = e;
  switch (n.op) {
    case "add":
    case "mul": {
      if (n.rescale.kind !== "float") ctx.refuse(n, "fixed-point rescaling has no ONNX operator", "fixed", "the float formula (applyProfile(g, \"onnxruntime\"))");
      const [a, b] = [e.v(0), e.v(1)];
      const [ia, ib] = [e.input(0), e.input(1)];
      if (qop) {
        const [pa, pb, py] = [ctx.params(a, n), ctx.params(b, n), ctx.params(out, n)];
        return qopOut(ctx, e.target(), out, n.clampMin, n.clampMax, (y) => ctx.node(n.op === "add" ? "QLinearAdd" : "QLinearMul", [ia, pa.scale, pa.zeroPoint, ib, pb.scale, pb.zeroPoint, py.scale, py.zeroPoint], [y], [], "com.microsoft"));
      }
      const ins = [ctx.dq(ia, n, a), ctx.dq(ib, n, b)];
      return qdqOut(ctx, e.target(), out, n.clampMin, n.clampMax, n, (y) => ctx.node(n.op === "add" ? "Add" : "Mul", ins, [y]));
    }
    case "pad": {
      const p = e.layout.ins[0]!;
      const r = p.length;
      // ONNX pads follow the tensor's own axes: begins then ends, permuted like the data.
      const pads = [...p.map((axis) => n.pads[axis]!), ...p.map((axis) => n.pads[r + axis]!)];
      ctx.node("Pad", [e.input(0), ctx.i64(`${n.name}_pads`, pads), ctx.int(`${n.name}_value`, out.dtype as QType, [], [n.value])], [e.target()]);
      return;
    }
    case "reshape":
      ctx.node("Reshape", [e.input(0), ctx.i64(`${n.name}_shape`, n.shape)], [e.target()]);
      return;
    case "concat": {
      const ins = n.inputs.map((_, i) => e.input(i));
      ctx.node("Concat", ins, [e.target()], [int("axis", e.layout.out.indexOf(n.axis))]);
      return;
    }
    case "clamp":
      clampOut(ctx, e.input(0), e.target(), out, n.min, n.max);
      return;
    case "lut":
      return exportLut(e, n);
    case "softmax":
      return exportSoftmax(e, n);
    case "quantize": {
      if (n.rounding !== "half-even") ctx.refuse(n, "ONNX QuantizeLinear rounds half to even", n.rounding, "half-even (applyProfile(g, \"onnxruntime\"))");
      const q = out.quant;
      if (q?.kind === "block") {
        const dims = blockDims(out.shape, q.axis, q.blockSize);
        const p = { scale: ctx.f32(`${out.name}_scale`, dims, q.scale), zeroPoint: ctx.int(`${out.name}_zero_point`, out.dtype as QType, dims, q.zeroPoint) };
        ctx.node("QuantizeLinear", [e.input(0), p.scale, p.zeroPoint], [e.target()], [int("axis", q.axis), int("block_size", q.blockSize)]);
        return;
      }
      return ctx.q(e.input(0), out, n, e.target());
    }
    case "dequantize": {
      const x = e.v(0);
      const q = x.quant;
      if (q?.kind === "block") {
        const dims = blockDims(x.shape, q.axis, q.blockSize);
        const p = { scale: ctx.f32(`${x.name}_scale`, dims, q.scale), zeroPoint: ctx.int(`${x.name}_zero_point`, x.dtype as QType, dims, q.zeroPoint) };
        ctx.node("DequantizeLinear", [e.input(0), p.scale, p.zeroPoint], [e.target()], [int("axis", q.axis), int("block_size", q.blockSize)]);
        return;
      }
      const p = ctx.params(x, n);
      ctx.node("DequantizeLinear", [e.input(0), p.scale, p.zeroPoint], [e.target()], p.axis === undefined ? [] : [int("axis", p.axis)]);
      return;
    }
    case "cast":
      ctx.node("Cast", [e.input(0)], [e.target()], [int("to", onnxCodeOrThrow(n.to, n.name))]);
      return;
    case "dynamic-quantize":
      ctx.node("DynamicQuantizeLinear", [e.input(0)], [e.target(), ...n.outputs.slice(1).map((o) => ctx.output(o, []))]);
      return;
    case "requantize":
      return ctx.refuse(n, `an ${n.requant.mode} requantizer on ${dtypeName(e.v(0).dtype)} → ${dtypeName(out.dtype)}: onnxruntime requantizes by DequantizeLinear → QuantizeLinear in float32, which quarch tabulates for 8-bit types only`, n.requant.mode, "int8 / uint8 tensors (applyProfile(g, \"onnxruntime\") turns those into tables)");
    default: {
      const never: never = n;
      return never;
    }
  }
}

/** QLinearSigmoid / QLinearLeakyRelu for onnxruntime's own tables, DQ → Q for its requantization table, else Gather. */
function exportLut(e: Emit, n: Extract<Node, { op: "lut" }>): void {
  const ctx: ExportContext = e.ctx;
  const { out, qop } = e;
  const x = e.v(0);
  const fn = n.source.fn;
  const xin = e.input(0);
  if (x.dtype !== "float32" && out.dtype !== "float32" && n.source.builder === "onnxruntime") {
    const sx = x.quant === undefined ? undefined : scalarQuant(x.quant);
    const sy = out.quant === undefined ? undefined : scalarQuant(out.quant);
    if (fn === "custom" && sx !== undefined && sy !== undefined && x.dtype.bits === 8 && out.dtype.bits === 8) {
      const id = buildOrtLut({ fn: "identity", inScale: sx.scale, inZeroPoint: sx.zeroPoint, outScale: sy.scale, outZeroPoint: sy.zeroPoint, type: x.dtype, outType: out.dtype });
      if (id.every((t, i) => t === n.table[i])) return ctx.q(ctx.dq(xin, n, x), out, n, e.target());
    }
    if (fn === "sigmoid" || fn === "leaky-relu") {
      const alpha = fn === "leaky-relu" ? [float("alpha", n.source.alpha ?? 0.01)] : [];
      if (qop) {
        const [px, py] = [ctx.params(x, n), ctx.params(out, n)];
        ctx.node(fn === "sigmoid" ? "QLinearSigmoid" : "QLinearLeakyRelu", [xin, px.scale, px.zeroPoint, py.scale, py.zeroPoint], [e.target()], alpha, "com.microsoft");
        return;
      }
      const xq = ctx.dq(xin, n, x);
      return qdqOut(ctx, e.target(), out, qmin(out.dtype), qmax(out.dtype), n, (y) => ctx.node(fn === "sigmoid" ? "Sigmoid" : "LeakyRelu", [xq], [y], alpha));
    }
  }
  if (x.dtype === "float32" || out.dtype === "float32") return ctx.refuse(n, "a table needs integer input and output", "float32", "integer tensors");
  const t = x.dtype;
  const half = t.signed ? 2 ** (t.bits - 1) : 0;
  const size = n.table.length;
  const rotated = Array.from({ length: size }, (_, j) => n.table[j < size - half ? j + half : j - (size - half)]!);
  const table = ctx.int(`${n.name}_table`, out.dtype, [size], rotated);
  const index = ctx.fresh(`${n.name}_index`);
  ctx.node("Cast", [xin], [index], [int("to", ONNX_INT32)]);
  ctx.node("Gather", [table, index], [e.target()], [int("axis", 0)]);
}

/** QLinearSoftmax (QOperator) or DQ → Softmax → Q, which onnxruntime fuses into it; β folds into X_scale. */
function exportSoftmax(e: Emit, n: Extract<Node, { op: "softmax" }>): void {
  const ctx: ExportContext = e.ctx;
  const { out, qop } = e;
  if (n.variant !== "onnxruntime") ctx.refuse(n, `TFLite's ${n.variant} softmax has no ONNX operator`, n.variant, "the onnxruntime variant (applyProfile(g, \"onnxruntime\"))");
  const x = e.v(0);
  const sx = x.quant === undefined ? undefined : scalarQuant(x.quant);
  if (sx === undefined) return ctx.refuse(n, "the input needs a per-tensor scale", x.name, "per-tensor params");
  // QLinearSoftmax reads X_scale only to build its exp table: β·s_x there is exactly softmax(β·x̂).
  const xv = n.beta === 1 ? x : { ...x, name: `${x.name}_beta`, quant: { kind: "tensor" as const, scale: Math.fround(Math.fround(sx.scale) * Math.fround(n.beta)), zeroPoint: sx.zeroPoint } };
  const xin = e.input(0);
  const axis = int("axis", -1);
  if (qop) {
    const [px, py] = [ctx.params(xv, n), ctx.params(out, n)];
    ctx.node("QLinearSoftmax", [xin, px.scale, px.zeroPoint, py.scale, py.zeroPoint], [e.target()], [axis, int("opset", 13)], "com.microsoft");
    return;
  }
  const xq = ctx.dq(xin, n, xv, `${xin}${n.beta === 1 ? "" : "_beta"}_dq`);
  return qdqOut(ctx, e.target(), out, qmin(out.dtype as QType), qmax(out.dtype as QType), n, (y) => ctx.node("Softmax", [xq], [y], [axis]));
}

function blockDims(shape: readonly number[], axis: number, block: number): number[] {
  return shape.map((d, i) => (i === axis ? Math.ceil(d / block) : d));
}
