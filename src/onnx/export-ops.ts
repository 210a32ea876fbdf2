/**
 * One quarch node → ONNX nodes, QOperator or QDQ style (see export-onnx.ts): the MAC and pooling ops here,
 * the others in export-misc.ts. Inputs are read, and the output written, in the layouts planLayout picks.
 */
import { type QType, isFloat, qmax, qmin } from "../ir/dtype.js";
import type { Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import { layerRealMultipliers } from "../ir/requant.js";
import { globalAvgPoolScale } from "../quant/float32.js";
import { type ExportContext, perChannel, realClamp } from "./export-onnx.js";
import { type NodeLayout, planLayout } from "./export-layout.js";
import { exportOther } from "./export-misc.js";
import type { OnnxAttribute } from "./model-types.js";

export const ints = (name: string, value: readonly number[]): OnnxAttribute => ({ name, value: { kind: "ints", value } });
export const int = (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "int", value } });
export const float = (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "float", value } });
const I8: QType = { bits: 8, signed: true };

/** A node being written: its values, planned layouts, and the ONNX names of its inputs and output 0. */
export interface Emit {
  readonly ctx: ExportContext;
  readonly layout: NodeLayout;
  readonly qop: boolean;
  /** IR value of input i. */
  v(i: number): Value;
  /** ONNX name of input i in its planned layout. */
  input(i: number): string;
  readonly out: Value;
  /** The ONNX name output 0 is written to (call once). */
  target(): string;
}

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
  if (!ok) ctx.refuse(n, "its float32 scale differs from f32(f32(s_x·s_w)/s_y) of the values' scales", `${have[0]}`, `${want[0]} (applyProfile(g, "onnxruntime"))`);
}

/** Integer Clip of ONNX tensor `src` into `target` with bounds inside `out`'s type. */
export function clampOut(ctx: ExportContext, src: string, target: string, out: Value, min: number, max: number): void {
  const t = out.dtype as QType;
  ctx.node("Clip", [src, ctx.int(`${out.name}_min`, t, [], [Math.max(min, qmin(t))]), ctx.int(`${out.name}_max`, t, [], [Math.min(max, qmax(t))])], [target]);
}

/** Write an integer op's result into `target`: directly, or through an integer Clip when the clamp is narrower than the type. */
export function qopOut(ctx: ExportContext, target: string, out: Value, min: number, max: number, emit: (name: string) => void): void {
  if (realClamp(out, min, max) === undefined) return emit(target);
  const tmp = ctx.fresh(`${target}_unclipped`);
  emit(tmp);
  clampOut(ctx, tmp, target, out, min, max);
}

/**
 * QDQ: float result → QuantizeLinear, then an integer Clip where the clamp is narrower than the type. The
 * Clip goes after the QuantizeLinear (the same result: quantization is monotone) so that onnxruntime still
 * sees op → QuantizeLinear and fuses it into its integer kernel.
 */
export function qdqOut(ctx: ExportContext, target: string, out: Value, min: number, max: number, n: Node, emit: (name: string) => void): void {
  const f = ctx.fresh(`${target}_f`);
  emit(f);
  qopOut(ctx, target, out, min, max, (y) => ctx.q(f, out, n, y));
}

export function exportNode(ctx: ExportContext, n: Node): void {
  ctx.label = n.name;
  if (n.op === "transpose") return exportTranspose(ctx, n);
  const layout = planLayout(n, ctx.g, (x) => ctx.stored(x));
  let written = false;
  const e: Emit = {
    ctx,
    layout,
    qop: ctx.style === "qoperator",
    v: (i) => ctx.value(n.inputs[i]!),
    input: (i) => ctx.input(n.inputs[i]!, layout.ins[i]!),
    out: ctx.value(n.outputs[0]!),
    target: () => {
      if (written) throw new Error(`internal: ${ctx.where(n)} writes its output twice`);
      written = true;
      return ctx.output(n.outputs[0]!, layout.out);
    },
  };
  switch (n.op) {
    case "conv2d":
    case "matmul":
      return exportMac(e, n);
    case "avgpool":
    case "global-avgpool":
    case "maxpool":
      return exportPool(e, n);
    default:
      return exportOther(e, n);
  }
}

/** A transpose relabels its input's layout (no node), unless its result is a graph output. */
function exportTranspose(ctx: ExportContext, n: Extract<Node, { op: "transpose" }>): void {
  const x = n.inputs[0]!;
  const p = ctx.stored(x);
  const src = ctx.input(x, p);
  const y = n.outputs[0]!;
  if (!ctx.isGraphOutput(y)) return ctx.alias(y, src, p.map((axis) => n.perm.indexOf(axis)));
  ctx.node("Transpose", [src], [ctx.output(y, n.perm.map((_, i) => i))], [ints("perm", n.perm.map((axis) => p.indexOf(axis)))]);
}

function exportMac(e: Emit, n: Extract<Node, { op: "conv2d" | "matmul" }>): void {
  const ctx: ExportContext = e.ctx;
  const { out, qop } = e;
  if (n.epilogue.kind === "threshold") ctx.refuse(n, "threshold epilogues have no ONNX operator", "threshold", "requant or int32");
  const [x, w] = [e.v(0), e.v(1)];
  const bias = n.inputs[2];
  if (n.op === "conv2d") {
    const O = w.shape[0]!;
    const attrs = [ints("pads", n.pads), ints("strides", n.strides), ints("dilations", n.dilations), int("group", n.groups), ints("kernel_shape", [w.shape[1]!, w.shape[2]!])];
    const wt = oihw(ctx, w, n);
    const xin = e.input(0);
    if (n.epilogue.kind === "int32") {
      ctx.node("ConvInteger", [xin, wt.name, ctx.params(x, n).zeroPoint, ctx.params(w, n, wt.type).zeroPoint], [e.target()], attrs);
      return;
    }
    checkRequant(ctx, n, x, w, out, O);
    const { clampMin, clampMax } = n.epilogue;
    if (qop) {
      const [px, pw, py] = [ctx.params(x, n), ctx.params(w, n, wt.type), ctx.params(out, n)];
      return qopOut(ctx, e.target(), out, clampMin, clampMax, (y) => ctx.node("QLinearConv", [xin, px.scale, px.zeroPoint, wt.name, pw.scale, pw.zeroPoint, py.scale, py.zeroPoint, ...(bias === undefined ? [] : [bias])], [y], attrs));
    }
    const wq = ctx.dq(wt.name, n, { ...w, name: wt.name, shape: [O, w.shape[3]!, w.shape[1]!, w.shape[2]!], dtype: wt.type });
    const sx = scalarQuant(x.quant!)!.scale;
    const inputs = [ctx.dq(xin, n, x), wq];
    if (bias !== undefined) {
      // onnxruntime fuses the bias only with scale s_x·s_w (float32) and zero point 0.
      const bs = perChannel(w.quant, O).map((s) => Math.fround(sx * s));
      const b = ctx.value(bias);
      inputs.push(ctx.dq(bias, n, { ...b, quant: { kind: "channel", axis: 0, scale: bs, zeroPoint: new Array<number>(O).fill(0) } }));
    }
    return qdqOut(ctx, e.target(), out, clampMin, clampMax, n, (y) => ctx.node("Conv", inputs, [y], attrs));
  }
  const N = n.transB ? w.shape[w.shape.length - 2]! : w.shape[w.shape.length - 1]!;
  const gemm = n.transB || bias !== undefined;
  if (gemm && (x.shape.length !== 2 || w.shape.length !== 2)) ctx.refuse(n, "a bias or transposed B needs Gemm, which is 2-D", `a [${x.shape}], b [${w.shape}]`, "2-D operands");
  const [a, b] = [e.input(0), e.input(1)];
  if (n.epilogue.kind === "int32") {
    if (gemm) ctx.refuse(n, "MatMulInteger has no bias or transB", "bias/transB", "plain a × b");
    ctx.node("MatMulInteger", [a, b, ctx.params(x, n).zeroPoint, ctx.params(w, n).zeroPoint], [e.target()]);
    return;
  }
  checkRequant(ctx, n, x, w, out, N);
  const { clampMin, clampMax } = n.epilogue;
  if (qop) {
    const [pa, pb, py] = [ctx.params(x, n), ctx.params(w, n), ctx.params(out, n)];
    if (gemm) return qopOut(ctx, e.target(), out, clampMin, clampMax, (y) => ctx.node("QGemm", [a, pa.scale, pa.zeroPoint, b, pb.scale, pb.zeroPoint, bias ?? "", py.scale, py.zeroPoint], [y], [int("transB", n.transB ? 1 : 0)], "com.microsoft"));
    return qopOut(ctx, e.target(), out, clampMin, clampMax, (y) => ctx.node("QLinearMatMul", [a, pa.scale, pa.zeroPoint, b, pb.scale, pb.zeroPoint, py.scale, py.zeroPoint], [y]));
  }
  const inputs = [ctx.dq(a, n, x), ctx.dq(b, n, w)];
  if (bias !== undefined) {
    const sa = scalarQuant(x.quant!)!.scale;
    const bv = ctx.value(bias);
    inputs.push(ctx.dq(bias, n, { ...bv, quant: { kind: "channel", axis: 0, scale: perChannel(w.quant, N).map((s) => Math.fround(sa * s)), zeroPoint: new Array<number>(N).fill(0) } }));
  }
  return qdqOut(ctx, e.target(), out, clampMin, clampMax, n, (y) => (gemm ? ctx.node("Gemm", inputs, [y], [int("transB", n.transB ? 1 : 0)]) : ctx.node("MatMul", inputs, [y])));
}

function exportPool(e: Emit, n: Extract<Node, { op: "avgpool" | "global-avgpool" | "maxpool" }>): void {
  const ctx: ExportContext = e.ctx;
  const { out, qop } = e;
  const x = e.v(0);
  const xin = e.input(0);
  if (n.op === "maxpool") {
    return qopOut(ctx, e.target(), out, n.clampMin, n.clampMax, (y) => ctx.node("MaxPool", [xin], [y], [ints("kernel_shape", n.kernel), ints("strides", n.strides), ints("pads", n.pads)]));
  }
  if (n.op === "avgpool" && n.rescale === undefined) ctx.refuse(n, "TFLite's integer average pool has no ONNX operator", "integer rounding", "rescale {kind: \"float\"} (applyProfile(g, \"onnxruntime\"))");
  const isGlobal = n.op === "global-avgpool";
  let reshape: readonly number[] | undefined;
  if (n.op === "global-avgpool") {
    const [h, w] = n.layout === "nchw" ? [x.shape[2]!, x.shape[3]!] : [x.shape[1]!, x.shape[2]!];
    const want = globalAvgPoolScale(scalarQuant(x.quant!)!.scale, scalarQuant(out.quant!)!.scale, h * w);
    const m = n.mean;
    if (m.rule !== "requant" || m.requant.mode !== "onnx" || m.requant.scale[0] !== want) ctx.refuse(n, "only onnxruntime's mean (rule requant with an onnx requantizer) has an ONNX operator", m.rule === "requant" ? `rule requant (${m.requant.mode})` : `rule ${m.rule}`, "rule requant with the onnx scale f32(s_x / f32(s_y · n)) (applyProfile(g, \"onnxruntime\"))");
    // GlobalAveragePool keeps H and W as 1s; a mean without keepDims drops them with a Reshape.
    if (!n.keepDims) reshape = out.shape;
  }
  const attrs = n.op === "avgpool" ? [ints("kernel_shape", n.kernel), ints("strides", n.strides), ints("pads", n.pads), int("count_include_pad", n.rescale!.countIncludePad ? 1 : 0)] : [];
  const final = e.target();
  const pooled = reshape === undefined ? final : ctx.fresh(`${final}_4d`);
  if (qop) {
    const [px, py] = [ctx.params(x, n), ctx.params(out, n)];
    qopOut(ctx, pooled, out, n.clampMin, n.clampMax, (y) => ctx.node(isGlobal ? "QLinearGlobalAveragePool" : "QLinearAveragePool", [xin, px.scale, px.zeroPoint, py.scale, py.zeroPoint], [y], attrs, "com.microsoft"));
  } else {
    const xq = ctx.dq(xin, n, x);
    qdqOut(ctx, pooled, out, n.clampMin, n.clampMax, n, (y) => ctx.node(isGlobal ? "GlobalAveragePool" : "AveragePool", [xq], [y], attrs));
  }
  if (reshape !== undefined) ctx.node("Reshape", [pooled, ctx.i64(`${n.name}_shape`, reshape)], [final]);
}
