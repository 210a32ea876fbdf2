/**
 * Whole-graph import, QDQ: DequantizeLinear makes a view of an integer tensor; a float op whose inputs are
 * views becomes a pending result; the QuantizeLinear that reads it builds the integer op, as onnxruntime's
 * QDQ transformer fuses DQ → op → Q into QLinearConv / QLinearMatMul / QGemm / QLinearAdd / QLinearMul /
 * QLinearAveragePool / QLinearGlobalAveragePool / QLinearConcat / QLinearSigmoid / QLinearLeakyRelu /
 * QLinearSoftmax.
 * Relu and Clip between op and Q narrow the clamp: Q(clip(y, lo, hi)) = clip(Q(y), Q(lo), Q(hi)) because
 * quantization is monotone.
 */
import { type QType, isFloat, qmax, qmin } from "../ir/dtype.js";
import type { Value } from "../ir/graph.js";
import { type QuantParams, perChannelScales, tensorQuant } from "../ir/quant-params.js";
import { PROFILES } from "../ir/profiles.js";
import { broadcastShapes, matmulOutShape, matmulShapes } from "../ir/shapes.js";
import { buildOrtLut } from "../quant/ort-lut.js";
import { layerRealMultipliers, requantizerFromReal } from "../quant/requantize.js";
import { nearbyint } from "../quant/float32.js";
import { meanRecipe, meanRule } from "../quant/mean.js";
import { type Entry, type ImportContext, type PendingBuild, sameQuant } from "./import-context.js";
import { type IntOperand, intOperand, poolGeometry } from "./import-move.js";
import { ONNX_INT32 } from "./tensor.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;
const f = Math.fround;

/** Real value → quantized level of per-tensor params, saturated (±∞ → the type's ends). */
function level(v: number, q: { scale: number; zeroPoint: number }, t: QType): number {
  if (v === -Infinity) return qmin(t);
  if (v === Infinity) return qmax(t);
  const k = nearbyint(f(v / q.scale)) + q.zeroPoint;
  return Math.min(qmax(t), Math.max(qmin(t), k));
}

/** A view operand: integer value read with the view's params. */
function viewOperand(ctx: ImportContext, i: number, role: string): IntOperand & { quant: QuantParams } {
  const e = ctx.entry(i, role);
  if (e.kind !== "view") {
    const name = ctx.requireInput(i, role);
    return ctx.fail(`${role} "${name}" must come from DequantizeLinear (QDQ) for ${ctx.n.opType} to run on integers`, e.kind === "int" ? "an integer tensor" : e.kind, "DequantizeLinear(x) of a quantized tensor");
  }
  const op = intOperand(ctx, i, role);
  return { ...op, quant: e.quant };
}

function pending(ctx: ImportContext, shape: readonly number[], build: PendingBuild): void {
  ctx.define(0, { kind: "pending", shape, lo: -Infinity, hi: Infinity, build, op: ctx.n.opType }, shape);
}

/** QuantizeLinear of a pending result, a view (requantization) or a float tensor (handled by the caller). */
export function quantizeEntry(ctx: ImportContext, e: Entry): boolean {
  if (e.kind !== "pending" && e.kind !== "view") return false;
  ctx.arity(2, 3);
  ctx.attributes(["axis", "saturate", "output_dtype"]);
  const outName = ctx.outputName(0);
  const { quant, type } = ctx.params(1, 2, e.shape, ctx.int("axis", 1), "y");
  const t: QType = type ?? { bits: 8, signed: false };
  const q = ctx.scalar(quant, "y");
  if (e.kind === "pending") {
    const out = ctx.addValue({ name: ctx.freshName(outName), dtype: t, shape: e.shape, quant });
    e.build(out, level(e.lo, q, t), level(e.hi, q, t));
    ctx.define(0, { kind: "int", value: out.name }, e.shape);
    return true;
  }
  const src = ctx.withQuant(ctx.materialize(e.src, e.quant, "inputs[0]").name, e.quant);
  const st = src.dtype;
  if (sameQuant(e.quant, quant) && !isFloat(st) && st.bits === t.bits && st.signed === t.signed) {
    ctx.define(0, { kind: "int", value: src.name }, e.shape);
    return true;
  }
  const out = ctx.addValue({ name: ctx.freshName(outName), dtype: t, shape: e.shape, quant });
  requantLut(ctx, src, out);
  ctx.define(0, { kind: "int", value: out.name }, e.shape);
  return true;
}

/** out = Q(DQ(src)) with onnxruntime's float32 steps, as a lookup table (8-bit in and out). */
function requantLut(ctx: ImportContext, src: Value, out: Value): void {
  const a = ctx.scalar(src.quant ?? tensorQuant(1, 0), "input");
  const b = ctx.scalar(out.quant ?? tensorQuant(1, 0), "output");
  if (isFloat(src.dtype) || isFloat(out.dtype) || src.dtype.bits !== 8 || out.dtype.bits !== 8) {
    ctx.fail("requantizing between these types is not supported", `${JSON.stringify(src.dtype)} → ${JSON.stringify(out.dtype)}`, "8-bit integers (int8, uint8)");
  }
  const table = buildOrtLut({ fn: "identity", inScale: a.scale, inZeroPoint: a.zeroPoint, outScale: b.scale, outZeroPoint: b.zeroPoint, type: src.dtype, outType: out.dtype });
  ctx.addNode({ op: "lut", name: ctx.freshName(`${out.name}/requantize`), inputs: [src.name], outputs: [out.name], table, source: { fn: "custom", builder: "onnxruntime" } });
}

/** A clamp node after `v` when [min, max] is narrower than its type (ops without a clamp of their own). */
function clampAfter(ctx: ImportContext, inner: Value, out: Value, min: number, max: number): void {
  const t = out.dtype as QType;
  ctx.addNode({ op: "clamp", name: ctx.freshName(`${out.name}/clamp`), inputs: [inner.name], outputs: [out.name], min: Math.max(min, qmin(t)), max: Math.min(max, qmax(t)) });
}

/** Relu / Clip on a pending result or view (float clip bounds). */
export function clipEntry(ctx: ImportContext, e: Entry, lo: number, hi: number): boolean {
  if (e.kind === "pending") {
    ctx.define(0, { ...e, lo: Math.max(e.lo, lo), hi: Math.min(e.hi, hi) }, e.shape);
    return true;
  }
  if (e.kind !== "view") return false;
  // Clip of a view: requantize to the QuantizeLinear's params (if they differ), then clamp.
  const view = e;
  const build: PendingBuild = (out, min, max) => {
    const src = ctx.withQuant(ctx.materialize(view.src, view.quant, "inputs[0]").name, view.quant);
    const needs = !(out.quant !== undefined && sameQuant(view.quant, out.quant) && !isFloat(src.dtype) && !isFloat(out.dtype) && src.dtype.bits === out.dtype.bits && src.dtype.signed === out.dtype.signed);
    let inner = src;
    if (needs) {
      inner = ctx.addValue({ ...out, name: ctx.freshName(`${out.name}/pre`) });
      requantLut(ctx, src, inner);
    }
    clampAfter(ctx, inner, out, min, max);
  };
  ctx.define(0, { kind: "pending", shape: e.shape, lo, hi, build, op: ctx.n.opType }, e.shape);
  return true;
}

/** int32 bias behind DequantizeLinear: its scale must be x_scale · w_scale (onnxruntime fuses only then). */
function biasValue(ctx: ImportContext, i: number, sx: number, sw: readonly number[], channels: number): string {
  const e = ctx.entry(i, "bias");
  const name = ctx.requireInput(i, "bias");
  if (e.kind !== "view" || ctx.constTensor(e.src) === undefined) ctx.fail(`bias "${name}" must be DequantizeLinear of an int32 initializer`, e.kind, "DequantizeLinear(int32 constant)", `inputs[${i}]`);
  const t = ctx.constTensor(e.src)!;
  if (ctx.initElemType(e.src) !== ONNX_INT32 && (isFloat(t.dtype) || t.dtype.bits !== 32)) ctx.fail("bias must be INT32", JSON.stringify(t.dtype), "INT32", `inputs[${i}]`);
  if (t.shape.length !== 1 || t.shape[0] !== channels) ctx.fail("bias must have one entry per output channel", fmt(t.shape), `[${channels}]`, `inputs[${i}]`);
  const bs = perChannelScales(e.quant, channels);
  const zps = e.quant.kind === "tensor" ? [e.quant.zeroPoint] : e.quant.zeroPoint;
  bs.forEach((s, c) => {
    if (s !== f(sx * sw[c]!) || zps.some((z) => z !== 0)) ctx.fail("bias scale must be x_scale · w_scale with zero point 0 (onnxruntime would not fuse this pattern)", `scale ${s}`, `${f(sx * sw[c]!)} for channel ${c}`, `inputs[${i}]`);
  });
  return ctx.materialize(e.src, undefined, `inputs[${i}]`).name;
}

/** Weight behind DequantizeLinear of an initializer, with its params (per tensor or along `axis`). */
function weightView(ctx: ImportContext, i: number, axis: number, role: string): { data: Value; quant: QuantParams; scales: number[] } {
  const e = ctx.entry(i, role);
  const name = ctx.requireInput(i, role);
  if (e.kind !== "view") return ctx.fail(`${role} "${name}" must come from DequantizeLinear`, e.kind, "DequantizeLinear(weights)", `inputs[${i}]`);
  const v = ctx.materialize(e.src, e.quant, `inputs[${i}]`);
  if (isFloat(v.dtype)) ctx.fail(`${role} must be an integer tensor`, "FLOAT", "int8, uint8, int4, …");
  const q = e.quant;
  if (q.kind !== "tensor" && q.scale.length > 1 && q.axis !== axis) ctx.fail(`${role} must be quantized per tensor or along axis ${axis}`, `axis ${q.axis}`, `axis ${axis}`, `inputs[${i}]`);
  const channels = v.shape[axis] ?? 1;
  return { data: ctx.withQuant(v.name, q), quant: q, scales: perChannelScales(q, channels) };
}

export function importConvQdq(ctx: ImportContext, convert: (w: Value, oihw: readonly number[]) => Value, geometry: (x: readonly number[], w: readonly number[]) => { pads: [number, number, number, number]; strides: [number, number]; dilations: [number, number]; group: number; out: number[] }): void {
  ctx.arity(2, 3);
  const x = viewOperand(ctx, 0, "X");
  const sx = ctx.scalar(x.quant, "X");
  const w = weightView(ctx, 1, 0, "W");
  const g = geometry(x.value.shape, w.data.shape);
  const wq = convert(w.data, w.data.shape);
  const bias = ctx.inputName(2) === undefined ? undefined : biasValue(ctx, 2, sx.scale, w.scales, w.data.shape[0]!);
  const name = ctx.nodeName();
  pending(ctx, g.out, (out, clampMin, clampMax) => {
    const sy = ctx.scalar(out.quant!, "Y").scale;
    const requant = requantizerFromReal(layerRealMultipliers(sx.scale, w.scales, sy, "onnx"), "onnx");
    ctx.addNode({ op: "conv2d", name, inputs: [x.value.name, wq.name, ...(bias === undefined ? [] : [bias])], outputs: [out.name], layout: "nchw", strides: g.strides, dilations: g.dilations, pads: g.pads, groups: g.group, epilogue: { kind: "requant", requant, clampMin, clampMax } });
  });
}

/** Gemm (alpha = beta = 1, no transA) and MatMul on views → matmul. */
export function importMatMulQdq(ctx: ImportContext, gemm: boolean): void {
  if (gemm) {
    ctx.arity(2, 3);
    ctx.attributes(["alpha", "beta", "transA", "transB"]);
    if (ctx.float("alpha", 1) !== 1 || ctx.float("beta", 1) !== 1 || ctx.int("transA", 0) !== 0) ctx.fail("only alpha = beta = 1 without transA is supported", `alpha ${ctx.float("alpha", 1)}, beta ${ctx.float("beta", 1)}, transA ${ctx.int("transA", 0)}`, "alpha 1, beta 1, transA 0");
  } else {
    ctx.arity(2, 2);
    ctx.attributes([]);
  }
  const transB = gemm && ctx.int("transB", 0) === 1;
  const a = viewOperand(ctx, 0, "A");
  const sa = ctx.scalar(a.quant, "A");
  const bShape = (ctx.entry(1, "B") as { shape?: readonly number[] }).shape ?? [];
  const nAxis = transB ? bShape.length - 2 : bShape.length - 1;
  const b = weightView(ctx, 1, Math.max(nAxis, 0), "B");
  const s = matmulShapes(a.value.shape, b.data.shape, transB);
  if (typeof s === "string") return ctx.fail(`operands do not multiply: ${s}`, `${fmt(a.value.shape)} × ${fmt(b.data.shape)}`, "[..., M, K] × [..., K, N]");
  const bias = gemm && ctx.inputName(2) !== undefined ? biasValue(ctx, 2, sa.scale, b.scales.length === 1 ? new Array<number>(s.N).fill(b.scales[0]!) : b.scales, s.N) : undefined;
  const name = ctx.nodeName();
  pending(ctx, matmulOutShape(s, a.value.shape.length), (out, clampMin, clampMax) => {
    const sy = ctx.scalar(out.quant!, "Y").scale;
    const requant = requantizerFromReal(layerRealMultipliers(sa.scale, b.scales, sy, "onnx"), "onnx");
    ctx.addNode({ op: "matmul", name, inputs: [a.value.name, b.data.name, ...(bias === undefined ? [] : [bias])], outputs: [out.name], transB, epilogue: { kind: "requant", requant, clampMin, clampMax } });
  });
}

export function importBinaryQdq(ctx: ImportContext, op: "add" | "mul"): void {
  ctx.arity(2, 2);
  ctx.attributes([]);
  const a = viewOperand(ctx, 0, "A");
  const b = viewOperand(ctx, 1, "B");
  ctx.scalar(a.quant, "A");
  ctx.scalar(b.quant, "B");
  const shape = broadcastShapes(a.value.shape, b.value.shape);
  if (shape === undefined) return ctx.fail("shapes do not broadcast", `${fmt(a.value.shape)} and ${fmt(b.value.shape)}`, "NumPy-broadcastable shapes");
  const name = ctx.nodeName();
  pending(ctx, shape, (out, clampMin, clampMax) => {
    ctx.addNode({ op, name, inputs: [a.value.name, b.value.name], outputs: [out.name], rescale: { kind: "float" }, clampMin, clampMax });
  });
}

/** AveragePool (QLinearAveragePool; a whole-plane window without padding runs as the global kernel). */
export function importAvgPoolQdq(ctx: ImportContext, global: boolean): void {
  ctx.arity(1, 1);
  ctx.attributes(global ? [] : ["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides", "dilations"]);
  const x = viewOperand(ctx, 0, "X");
  buildAvgPool(ctx, x.value, ctx.scalar(x.quant, "X"), global);
}

/** Shared by QDQ AveragePool and QLinearAveragePool / QLinearGlobalAveragePool. */
export function buildAvgPool(ctx: ImportContext, x: Value, sx: { scale: number; zeroPoint: number }, global: boolean): void {
  const s = x.shape;
  if (s.length !== 4) ctx.fail("only 2-D pooling (NCHW) is supported", fmt(s), "[N, C, H, W]");
  const g = global ? undefined : poolGeometry(ctx, s);
  const whole = g === undefined || (g.kernel[0] === s[2] && g.kernel[1] === s[3] && g.pads.every((p) => p === 0));
  const outShape = g === undefined ? [s[0]!, s[1]!, 1, 1] : g.out;
  const cip = ctx.int("count_include_pad", 0) === 1;
  const name = ctx.nodeName();
  pending(ctx, outShape, (out, clampMin, clampMax) => {
    const so = ctx.scalar(out.quant!, "Y");
    if (whole) {
      // QLinearGlobalAveragePool: requant(Σx − n·zp_x) + zp_y with the onnx scale f32(s_x / f32(s_y·n)).
      const q = { sIn: sx.scale, zpIn: sx.zeroPoint, sOut: so.scale, zpOut: so.zeroPoint, n: s[2]! * s[3]! };
      const mean = meanRule(meanRecipe(PROFILES.onnxruntime.mean, true, q), q);
      ctx.addNode({ op: "global-avgpool", name: ctx.freshName(name), inputs: [x.name], outputs: [out.name], layout: "nchw", keepDims: true, mean, clampMin, clampMax });
      return;
    }
    ctx.addNode({ op: "avgpool", name: ctx.freshName(name), inputs: [x.name], outputs: [out.name], layout: "nchw", kernel: g!.kernel, strides: g!.strides, pads: g!.pads, rescale: { kind: "float", countIncludePad: cip }, clampMin, clampMax });
  });
}

/** Sigmoid / LeakyRelu on a view (QLinearSigmoid / QLinearLeakyRelu tables). */
export function importLutQdq(ctx: ImportContext, fn: "sigmoid" | "leaky-relu"): void {
  ctx.arity(1, 1);
  ctx.attributes(fn === "leaky-relu" ? ["alpha"] : []);
  const x = viewOperand(ctx, 0, "X");
  buildLut(ctx, x.value, ctx.scalar(x.quant, "X"), fn, f(ctx.float("alpha", 0.01)));
}

export function buildLut(ctx: ImportContext, x: Value, sx: { scale: number; zeroPoint: number }, fn: "sigmoid" | "leaky-relu", alpha: number): void {
  const name = ctx.nodeName();
  pending(ctx, x.shape, (out, clampMin, clampMax) => {
    const so = ctx.scalar(out.quant!, "Y");
    if (isFloat(x.dtype) || isFloat(out.dtype) || x.dtype.bits !== out.dtype.bits || x.dtype.signed !== out.dtype.signed) ctx.fail("input and output types must be the same 8-bit type", "", "int8 → int8 or uint8 → uint8");
    const table = buildOrtLut({ fn, alpha, inScale: sx.scale, inZeroPoint: sx.zeroPoint, outScale: so.scale, outZeroPoint: so.zeroPoint, type: x.dtype });
    const t = out.dtype as QType;
    const narrow = clampMin > qmin(t) || clampMax < qmax(t);
    const target = narrow ? ctx.addValue({ ...out, name: ctx.freshName(`${out.name}/lut`) }) : out;
    ctx.addNode({ op: "lut", name: ctx.freshName(name), inputs: [x.name], outputs: [target.name], table, source: { fn, builder: "onnxruntime", ...(fn === "leaky-relu" ? { alpha } : {}) } });
    if (narrow) clampAfter(ctx, target, out, clampMin, clampMax);
  });
}

/** Concat of views (QLinearConcat): inputs with other params are requantized by onnxruntime's tables. */
export function importConcatQdq(ctx: ImportContext): void {
  ctx.attributes(["axis"]);
  const parts = ctx.n.inputs.map((_, i) => viewOperand(ctx, i, `inputs[${i}]`));
  buildConcat(ctx, parts.map((p) => p.value));
}

export function buildConcat(ctx: ImportContext, parts: readonly Value[]): void {
  const first = parts[0]!;
  const rank = first.shape.length;
  const a0 = ctx.int("axis", 0);
  const axis = a0 < 0 ? a0 + rank : a0;
  if (axis < 0 || axis >= rank) ctx.fail("axis out of range", `${a0}`, `-${rank}..${rank - 1}`, `attribute "axis"`);
  parts.forEach((p, i) => {
    if (p.shape.length !== rank || p.shape.some((d, k) => k !== axis && d !== first.shape[k])) ctx.fail("shape differs outside the concat axis", fmt(p.shape), `like ${fmt(first.shape)}`, `inputs[${i}]`);
  });
  const shape = first.shape.map((d, k) => (k === axis ? parts.reduce((a, p) => a + p.shape[axis]!, 0) : d));
  const name = ctx.nodeName();
  pending(ctx, shape, (out, clampMin, clampMax) => {
    const inputs = parts.map((p) => {
      const same = p.quant !== undefined && sameQuant(p.quant, out.quant!) && !isFloat(p.dtype) && !isFloat(out.dtype) && p.dtype.bits === out.dtype.bits && p.dtype.signed === out.dtype.signed;
      if (same) return p.name;
      const r = ctx.addValue({ name: ctx.freshName(`${p.name}/to-${out.name}`), dtype: out.dtype, shape: p.shape, quant: out.quant! });
      requantLut(ctx, p, r);
      return r.name;
    });
    const t = out.dtype as QType;
    const narrow = clampMin > qmin(t) || clampMax < qmax(t);
    const target = narrow ? ctx.addValue({ ...out, name: ctx.freshName(`${out.name}/concat`) }) : out;
    ctx.addNode({ op: "concat", name: ctx.freshName(name), inputs, outputs: [target.name], axis });
    if (narrow) clampAfter(ctx, target, out, clampMin, clampMax);
  });
}

/** Softmax on a view (onnxruntime's QDQ transformer makes it a QLinearSoftmax). */
export function importSoftmaxQdq(ctx: ImportContext): void {
  ctx.arity(1, 1);
  ctx.attributes(["axis"]);
  const x = viewOperand(ctx, 0, "input");
  buildSoftmax(ctx, x.value, ctx.int("axis", ctx.opsetOf(ctx.n.domain) < 13 ? 1 : -1));
}

/**
 * onnxruntime's QLinearSoftmax over the last axis (kernels/ort-softmax.ts). Below opset 13 the axis flattens
 * the dimensions after it, which is the same reduction when it is the last one.
 */
export function buildSoftmax(ctx: ImportContext, x: Value, axis: number): void {
  const rank = x.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (a !== rank - 1) ctx.fail("only the softmax over the last axis is supported", `axis ${axis} of ${fmt(x.shape)}`, `${rank - 1} or -1`, `attribute "axis"`);
  const name = ctx.nodeName();
  pending(ctx, x.shape, (out, clampMin, clampMax) => {
    if (isFloat(x.dtype) || isFloat(out.dtype) || x.dtype.bits !== 8 || out.dtype.bits !== 8 || x.dtype.signed !== out.dtype.signed) ctx.fail("input and output types must be the same 8-bit type", "", "int8 → int8 or uint8 → uint8");
    const t = out.dtype as QType;
    const narrow = clampMin > qmin(t) || clampMax < qmax(t);
    const target = narrow ? ctx.addValue({ ...out, name: ctx.freshName(`${out.name}/softmax`) }) : out;
    ctx.addNode({ op: "softmax", name: ctx.freshName(name), inputs: [x.name], outputs: [target.name], variant: "onnxruntime", beta: 1 });
    if (narrow) clampAfter(ctx, target, out, clampMin, clampMax);
  });
}
