/** One quarch node → ONNX nodes, QOperator or QDQ style (see export-onnx.ts). */
import { type QType, isFloat, qmax, qmin } from "../ir/dtype.js";
import type { Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import { layerRealMultipliers } from "../ir/requant.js";
import { globalAvgPoolScale } from "../quant/float32.js";
import { buildOrtLut } from "../quant/ort-lut.js";
import { type ExportContext, perChannel, realClamp } from "./export-onnx.js";
import type { OnnxAttribute } from "./model-types.js";
import { onnxCodeOrThrow } from "./tensor-encode.js";

const ints = (name: string, value: readonly number[]): OnnxAttribute => ({ name, value: { kind: "ints", value } });
const int = (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "int", value } });
const float = (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "float", value } });
const I8: QType = { bits: 8, signed: true };

/** OHWI constant → OIHW initializer (int4 widened to int8 storage for QOperator). */
function oihw(ctx: ExportContext, w: Value, n: Node): { name: string; type: QType } {
  if (w.data === undefined || isFloat(w.dtype)) return ctx.refuse(n, "weights must be an integer constant", w.name, "a constant");
  const [O, H, W, I] = w.shape as [number, number, number, number];
  const type: QType = ctx.style === "qoperator" && w.dtype.bits < 8 ? I8 : w.dtype;
  const data = new Array<number>(w.data.length);
  for (let o = 0; o < O; o++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let i = 0; i < I; i++) data[((o * I + i) * H + y) * W + x] = w.data[((o * H + y) * W + x) * I + i]!;
  return { name: ctx.int(`${w.name}_oihw`, type, [O, I, H, W], data), type };
}

/** The requantizer must be what ONNX derives from the scales (f32(f32(s_x · s_w[c]) / s_y)). */
function checkRequant(ctx: ExportContext, n: Node & { epilogue: { kind: string } }, x: Value, w: Value, y: Value, channels: number): void {
  const e = n.epilogue as Extract<Node, { op: "conv2d" }>["epilogue"];
  if (e.kind !== "requant") return;
  if (e.requant.mode !== "onnx") ctx.refuse(n, `its requantizer rounds in ${e.requant.mode} mode; ONNX defines the onnx mode`, e.requant.mode, "onnx (forceRounding(g, \"onnx\"))");
  const sx = scalarQuant(x.quant!)?.scale ?? 1;
  const sy = scalarQuant(y.quant!)?.scale ?? 1;
  const want = layerRealMultipliers(sx, perChannel(w.quant, channels), sy, "onnx");
  const have = e.requant.scale;
  const ok = want.every((s, c) => s === have[have.length === 1 ? 0 : c]);
  if (!ok) ctx.refuse(n, "its float32 scale differs from f32(f32(s_x·s_w)/s_y) of the values' scales", `${have[0]}`, `${want[0]}`);
}

/** Integer Clip after `src` (QOperator) writing `out`, or a float Clip before the QuantizeLinear (QDQ). */
function clampOut(ctx: ExportContext, src: string, out: Value, min: number, max: number): void {
  const t = out.dtype as QType;
  ctx.node("Clip", [src, ctx.int(`${out.name}_min`, t, [], [Math.max(min, qmin(t))]), ctx.int(`${out.name}_max`, t, [], [Math.min(max, qmax(t))])], [out.name]);
}

/** Write an integer op's result: directly, or through a Clip when the clamp is narrower than the type. */
function qopOut(ctx: ExportContext, out: Value, min: number, max: number, emit: (name: string) => void): void {
  if (realClamp(out, min, max) === undefined) return emit(out.name);
  const tmp = ctx.fresh(`${out.name}_unclipped`);
  emit(tmp);
  clampOut(ctx, tmp, out, min, max);
}

/** QDQ: float result → (Clip) → QuantizeLinear into `out`. */
function qdqOut(ctx: ExportContext, out: Value, min: number, max: number, n: Node, emit: (name: string) => void): void {
  const f = ctx.fresh(`${out.name}_f`);
  emit(f);
  const r = realClamp(out, min, max);
  if (r === undefined) return ctx.q(f, out, n);
  const c = ctx.fresh(`${out.name}_clip`);
  ctx.node("Clip", [f, ctx.f32(`${out.name}_lo`, [], [r.lo]), ctx.f32(`${out.name}_hi`, [], [r.hi])], [c]);
  ctx.q(c, out, n);
}

export function exportNode(ctx: ExportContext, n: Node): void {
  const v = (i: number): Value => ctx.value(n.inputs[i]!);
  const out = ctx.value(n.outputs[0]!);
  const qop = ctx.style === "qoperator";
  switch (n.op) {
    case "conv2d": {
      if (n.layout !== "nchw") ctx.refuse(n, "ONNX convolutions are NCHW", n.layout, "nchw");
      if (n.epilogue.kind === "threshold") ctx.refuse(n, "threshold epilogues have no ONNX operator", "threshold", "requant or int32");
      const [x, w] = [v(0), v(1)];
      const O = w.shape[0]!;
      const attrs = [ints("pads", n.pads), ints("strides", n.strides), ints("dilations", n.dilations), int("group", n.groups), ints("kernel_shape", [w.shape[1]!, w.shape[2]!])];
      const wt = oihw(ctx, w, n);
      const bias = n.inputs[2];
      if (n.epilogue.kind === "int32") {
        const xz = ctx.params(x, n).zeroPoint;
        const wz = ctx.params(w, n, wt.type).zeroPoint;
        ctx.node("ConvInteger", [x.name, wt.name, xz, wz], [out.name], attrs);
        return;
      }
      checkRequant(ctx, n, x, w, out, O);
      const { clampMin, clampMax } = n.epilogue;
      if (qop) {
        const [px, pw, py] = [ctx.params(x, n), ctx.params(w, n, wt.type), ctx.params(out, n)];
        return qopOut(ctx, out, clampMin, clampMax, (y) => ctx.node("QLinearConv", [x.name, px.scale, px.zeroPoint, wt.name, pw.scale, pw.zeroPoint, py.scale, py.zeroPoint, ...(bias === undefined ? [] : [bias])], [y], attrs));
      }
      const wq = ctx.dq(wt.name, n, { ...w, name: wt.name, shape: [O, w.shape[3]!, w.shape[1]!, w.shape[2]!], dtype: wt.type });
      const sx = scalarQuant(x.quant!)!.scale;
      const inputs = [ctx.dq(x.name, n), wq];
      if (bias !== undefined) {
        const bs = perChannel(w.quant, O).map((s) => Math.fround(sx * s));
        const b = ctx.value(bias);
        const bq = { ...b, quant: { kind: "channel" as const, axis: 0, scale: bs, zeroPoint: new Array<number>(O).fill(0) } };
        inputs.push(ctx.dq(bias, n, bq));
      }
      return qdqOut(ctx, out, clampMin, clampMax, n, (y) => ctx.node("Conv", inputs, [y], attrs));
    }
    case "matmul": {
      if (n.epilogue.kind === "threshold") ctx.refuse(n, "threshold epilogues have no ONNX operator", "threshold", "requant or int32");
      const [a, b] = [v(0), v(1)];
      const N = n.transB ? b.shape[b.shape.length - 2]! : b.shape[b.shape.length - 1]!;
      const bias = n.inputs[2];
      const gemm = n.transB || bias !== undefined;
      if (gemm && (a.shape.length !== 2 || b.shape.length !== 2)) ctx.refuse(n, "a bias or transposed B needs Gemm, which is 2-D", `a [${a.shape}], b [${b.shape}]`, "2-D operands");
      if (n.epilogue.kind === "int32") {
        if (gemm) ctx.refuse(n, "MatMulInteger has no bias or transB", "bias/transB", "plain a × b");
        ctx.node("MatMulInteger", [a.name, b.name, ctx.params(a, n).zeroPoint, ctx.params(b, n).zeroPoint], [out.name]);
        return;
      }
      checkRequant(ctx, n, a, b, out, N);
      const { clampMin, clampMax } = n.epilogue;
      if (qop) {
        const [pa, pb, py] = [ctx.params(a, n), ctx.params(b, n), ctx.params(out, n)];
        if (gemm) return qopOut(ctx, out, clampMin, clampMax, (y) => ctx.node("QGemm", [a.name, pa.scale, pa.zeroPoint, b.name, pb.scale, pb.zeroPoint, bias ?? "", py.scale, py.zeroPoint], [y], [int("transB", n.transB ? 1 : 0)], "com.microsoft"));
        return qopOut(ctx, out, clampMin, clampMax, (y) => ctx.node("QLinearMatMul", [a.name, pa.scale, pa.zeroPoint, b.name, pb.scale, pb.zeroPoint, py.scale, py.zeroPoint], [y]));
      }
      const inputs = [ctx.dq(a.name, n), ctx.dq(b.name, n)];
      if (bias !== undefined) {
        const sa = scalarQuant(a.quant!)!.scale;
        const bv = ctx.value(bias);
        inputs.push(ctx.dq(bias, n, { ...bv, quant: { kind: "channel", axis: 0, scale: perChannel(b.quant, N).map((s) => Math.fround(sa * s)), zeroPoint: new Array<number>(N).fill(0) } }));
      }
      return qdqOut(ctx, out, clampMin, clampMax, n, (y) => (gemm ? ctx.node("Gemm", inputs, [y], [int("transB", n.transB ? 1 : 0)]) : ctx.node("MatMul", inputs, [y])));
    }
    case "add":
    case "mul": {
      if (n.rescale.kind !== "float") ctx.refuse(n, "fixed-point rescaling has no ONNX operator", "fixed", "the float formula (forceRounding(g, \"onnx\"))");
      const [a, b] = [v(0), v(1)];
      if (qop) {
        const [pa, pb, py] = [ctx.params(a, n), ctx.params(b, n), ctx.params(out, n)];
        return qopOut(ctx, out, n.clampMin, n.clampMax, (y) => ctx.node(n.op === "add" ? "QLinearAdd" : "QLinearMul", [a.name, pa.scale, pa.zeroPoint, b.name, pb.scale, pb.zeroPoint, py.scale, py.zeroPoint], [y], [], "com.microsoft"));
      }
      const ins = [ctx.dq(a.name, n), ctx.dq(b.name, n)];
      return qdqOut(ctx, out, n.clampMin, n.clampMax, n, (y) => ctx.node(n.op === "add" ? "Add" : "Mul", ins, [y]));
    }
    case "avgpool":
    case "global-avgpool": {
      const x = v(0);
      const isGlobal = n.op === "global-avgpool";
      if (n.layout !== "nchw") ctx.refuse(n, "ONNX pooling is NCHW", n.layout, "nchw");
      if (n.op === "avgpool" && n.rescale === undefined) ctx.refuse(n, "TFLite's integer average pool has no ONNX operator", "integer rounding", "rescale {kind: \"float\"}");
      if (n.op === "global-avgpool") {
        const sx = scalarQuant(x.quant!)!.scale;
        const sy = scalarQuant(out.quant!)!.scale;
        const want = globalAvgPoolScale(sx, sy, x.shape[2]! * x.shape[3]!);
        const m = n.mean;
        if (m.rule !== "requant" || m.requant.mode !== "onnx" || m.requant.scale[0] !== want || !n.keepDims) ctx.refuse(n, "only onnxruntime's form (rule requant with an onnx requantizer, keepDims) has an ONNX operator", m.rule === "requant" ? `rule requant (${m.requant.mode})` : `rule ${m.rule}`, "rule requant with the onnx scale f32(s_x / f32(s_y · n))");
      }
      const attrs = n.op === "avgpool" ? [ints("kernel_shape", n.kernel), ints("strides", n.strides), ints("pads", n.pads), int("count_include_pad", n.rescale!.countIncludePad ? 1 : 0)] : [];
      if (qop) {
        const [px, py] = [ctx.params(x, n), ctx.params(out, n)];
        return qopOut(ctx, out, n.clampMin, n.clampMax, (y) => ctx.node(isGlobal ? "QLinearGlobalAveragePool" : "QLinearAveragePool", [x.name, px.scale, px.zeroPoint, py.scale, py.zeroPoint], [y], attrs, "com.microsoft"));
      }
      const xin = ctx.dq(x.name, n);
      return qdqOut(ctx, out, n.clampMin, n.clampMax, n, (y) => ctx.node(isGlobal ? "GlobalAveragePool" : "AveragePool", [xin], [y], attrs));
    }
    case "maxpool": {
      if (n.layout !== "nchw") ctx.refuse(n, "ONNX pooling is NCHW", n.layout, "nchw");
      return qopOut(ctx, out, n.clampMin, n.clampMax, (y) => ctx.node("MaxPool", [n.inputs[0]!], [y], [ints("kernel_shape", n.kernel), ints("strides", n.strides), ints("pads", n.pads)]));
    }
    case "pad":
      ctx.node("Pad", [n.inputs[0]!, ctx.i64(`${n.name}_pads`, n.pads), ctx.int(`${n.name}_value`, out.dtype as QType, [], [n.value])], [out.name]);
      return;
    case "reshape":
      ctx.node("Reshape", [n.inputs[0]!, ctx.i64(`${n.name}_shape`, n.shape)], [out.name]);
      return;
    case "transpose":
      ctx.node("Transpose", [n.inputs[0]!], [out.name], [ints("perm", n.perm)]);
      return;
    case "concat":
      ctx.node("Concat", [...n.inputs], [out.name], [int("axis", n.axis)]);
      return;
    case "clamp":
      clampOut(ctx, n.inputs[0]!, out, n.min, n.max);
      return;
    case "lut": {
      const x = v(0);
      const fn = n.source.fn;
      if (n.source.builder !== "onnxruntime") ctx.refuse(n, "only onnxruntime's tables have ONNX operators", `${fn} (${n.source.builder})`, "QLinearSigmoid / QLinearLeakyRelu / requantization tables");
      if (fn === "custom") {
        const sx = scalarQuant(x.quant!)!;
        const sy = scalarQuant(out.quant!)!;
        const id = buildOrtLut({ fn: "identity", inScale: sx.scale, inZeroPoint: sx.zeroPoint, outScale: sy.scale, outZeroPoint: sy.zeroPoint, type: x.dtype as QType });
        if (!id.every((t, i) => t === n.table[i])) ctx.refuse(n, "a custom table has no ONNX operator", "custom", "a requantization table");
        return ctx.q(ctx.dq(x.name, n), out, n);
      }
      const alpha = fn === "leaky-relu" ? [float("alpha", n.source.alpha ?? 0.01)] : [];
      if (fn === "tanh") return ctx.refuse(n, "onnxruntime has no QLinearTanh", fn, "sigmoid or leaky-relu");
      if (qop) {
        const [px, py] = [ctx.params(x, n), ctx.params(out, n)];
        ctx.node(fn === "sigmoid" ? "QLinearSigmoid" : "QLinearLeakyRelu", [x.name, px.scale, px.zeroPoint, py.scale, py.zeroPoint], [out.name], alpha, "com.microsoft");
        return;
      }
      const xin = ctx.dq(x.name, n);
      return qdqOut(ctx, out, qmin(out.dtype as QType), qmax(out.dtype as QType), n, (y) => ctx.node(fn === "sigmoid" ? "Sigmoid" : "LeakyRelu", [xin], [y], alpha));
    }
    case "quantize": {
      if (n.rounding !== "half-even") ctx.refuse(n, "ONNX QuantizeLinear rounds half to even", n.rounding, "half-even");
      const q = out.quant;
      if (q?.kind === "block") {
        const p = { scale: ctx.f32(`${out.name}_scale`, blockDims(out.shape, q.axis, q.blockSize), q.scale), zeroPoint: ctx.int(`${out.name}_zero_point`, out.dtype as QType, blockDims(out.shape, q.axis, q.blockSize), q.zeroPoint) };
        ctx.node("QuantizeLinear", [n.inputs[0]!, p.scale, p.zeroPoint], [out.name], [int("axis", q.axis), int("block_size", q.blockSize)]);
        return;
      }
      return ctx.q(n.inputs[0]!, out, n);
    }
    case "dequantize": {
      const x = v(0);
      const q = x.quant;
      if (q?.kind === "block") {
        const p = { scale: ctx.f32(`${x.name}_scale`, blockDims(x.shape, q.axis, q.blockSize), q.scale), zeroPoint: ctx.int(`${x.name}_zero_point`, x.dtype as QType, blockDims(x.shape, q.axis, q.blockSize), q.zeroPoint) };
        ctx.node("DequantizeLinear", [x.name, p.scale, p.zeroPoint], [out.name], [int("axis", q.axis), int("block_size", q.blockSize)]);
        return;
      }
      const p = ctx.params(x, n);
      ctx.node("DequantizeLinear", [x.name, p.scale, p.zeroPoint], [out.name], p.axis === undefined ? [] : [int("axis", p.axis)]);
      return;
    }
    case "cast":
      ctx.node("Cast", [n.inputs[0]!], [out.name], [int("to", onnxCodeOrThrow(n.to, n.name))]);
      return;
    case "dynamic-quantize":
      ctx.node("DynamicQuantizeLinear", [n.inputs[0]!], [...n.outputs]);
      return;
    case "softmax":
    case "requantize":
      return ctx.refuse(n, `quarch's ${n.op} has no ONNX operator with the same arithmetic`, n.op, "an op onnxruntime defines");
    default: {
      const never: never = n;
      return never;
    }
  }
}

function blockDims(shape: readonly number[], axis: number, block: number): number[] {
  return shape.map((d, i) => (i === axis ? Math.ceil(d / block) : d));
}
