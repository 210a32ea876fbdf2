/**
 * TFLite operators other than the MAC ops → quarch nodes, each with the quantized semantics of TFLite's
 * Prepare/Eval (TFLite Micro where the runtimes differ; runtime profiles switch softmax, tables, MEAN and
 * QUANTIZE later).
 */
import { QuarchError, TfliteError } from "../errors.js";
import { type QType, isFloat, product, qmax, qmin } from "../ir/dtype.js";
import { PROFILES } from "../ir/profiles.js";
import { broadcastShapes } from "../ir/shapes.js";
import { buildLut } from "../quant/lut-builders.js";
import { meanRecipe, meanRule } from "../quant/mean.js";
import { addRealMultipliers, requantizerFromReal } from "../quant/requantize.js";
import type { LowerContext } from "./lower-context.js";
import { spatial, positive } from "./lower-mac.js";
import { describeTensor, type TensorDef } from "./model.js";
import { ACT, ACT_NAMES, OPTIONS, TENSOR_TYPE } from "./schema.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;
const Q8 = [TENSOR_TYPE.INT8, TENSOR_TYPE.UINT8];

/** Output and inputs share one 8-bit type. */
function sameType(ctx: LowerContext, ts: readonly TensorDef[], y: TensorDef): QType {
  const t = ctx.intType(y, "output", Q8);
  ts.forEach((x, i) => {
    if (x.type !== y.type) ctx.fail(`input ${i} and the output differ in type`, `${describeTensor(x)} → ${describeTensor(y)}`, "the same type");
  });
  return t;
}

function checkShape(ctx: LowerContext, y: TensorDef, want: readonly number[], what: string): void {
  if (fmt(want) !== fmt(y.shape)) ctx.fail(`output shape does not match the ${what}`, describeTensor(y), fmt(want));
}

/** ADD (int8/uint8): TFLite's rescale to 2·max(s1, s2) after a 20-bit left shift (add.cc Prepare). */
export function lowerAdd(ctx: LowerContext): void {
  ctx.arity(2, 2, 1);
  const a = ctx.input(0, "input1");
  const b = ctx.input(1, "input2");
  const y = ctx.output(0);
  const act = ctx.options(OPTIONS.AddOptions, "AddOptions")?.i8(0, "fused_activation_function", 0) ?? 0;
  const t = sameType(ctx, [a, b], y);
  const shape = broadcastShapes(a.shape, b.shape);
  if (shape === undefined) ctx.fail("input shapes do not broadcast", `${fmt(a.shape)} + ${fmt(b.shape)}`);
  checkShape(ctx, y, shape, "broadcast of the inputs");
  const [r1, r2, ro] = addRealMultipliers(ctx.scalar(a, "input1").scale, ctx.scalar(b, "input2").scale, ctx.scalar(y, "output").scale, 20);
  const [clampMin, clampMax] = ctx.activationRange(act, y, t);
  const inputs = [ctx.operand(a, "input1").value, ctx.operand(b, "input2").value];
  const out = ctx.produce(y);
  const rq = (r: number) => requantizerFromReal([r], "double");
  ctx.node({ op: "add", name: ctx.nodeName(), inputs, outputs: [out], rescale: { kind: "fixed", leftShift: 20, in1: rq(r1), in2: rq(r2), out: rq(ro) }, clampMin, clampMax });
}

/** AVERAGE_POOL_2D / MAX_POOL_2D (integer semantics of the reference kernels; windows clipped to the image). */
export function lowerPool(ctx: LowerContext, op: "avgpool" | "maxpool"): void {
  ctx.arity(1, 1, 1);
  const x = ctx.input(0, "input");
  const y = ctx.output(0);
  const o = ctx.options(OPTIONS.Pool2DOptions, "Pool2DOptions");
  const padding = o?.i8(0, "padding", 0) ?? 0;
  const sw = positive(ctx, o?.i32(1, "stride_w", 0) ?? 0, "stride_w");
  const sh = positive(ctx, o?.i32(2, "stride_h", 0) ?? 0, "stride_h");
  const fw = positive(ctx, o?.i32(3, "filter_width", 0) ?? 0, "filter_width");
  const fh = positive(ctx, o?.i32(4, "filter_height", 0) ?? 0, "filter_height");
  const act = o?.i8(5, "fused_activation_function", 0) ?? 0;
  const t = sameType(ctx, [x], y);
  if (x.shape.length !== 4) ctx.fail("input must have rank 4 (NHWC)", describeTensor(x));
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const sy = spatial(ctx, padding, h, fh, sh, 1, "height");
  const sx = spatial(ctx, padding, w, fw, sw, 1, "width");
  checkShape(ctx, y, [n, sy.out, sx.out, c], "pooling window");
  const [clampMin, clampMax] = ctx.activationRange(act, y, t);
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op, name: ctx.nodeName(), inputs, outputs: [out], layout: "nhwc", kernel: [fh, fw], strides: [sh, sw], pads: [sy.before, sx.before, sy.after, sx.after], clampMin, clampMax });
}

/**
 * MEAN over H and W of an NHWC tensor, the way TFLite Micro computes it (reduce.cc, EvalIntegerMean): with
 * equal input and output quantization the int32 sum divided by H·W truncating (reference_ops::Mean);
 * otherwise requant(Σ(x − zp_in)) + zp_out with 1/(H·W) folded into QuantizeMultiplier(s_in/s_out) as
 * integers (reference_ops::QuantizedMeanOrSum). Runtime profiles switch to the desktop runtimes' rules.
 */
export function lowerMean(ctx: LowerContext): void {
  ctx.arity(2, 2, 1);
  const x = ctx.input(0, "input");
  const axisT = ctx.input(1, "axis");
  const y = ctx.output(0);
  const keepDims = ctx.options(OPTIONS.ReducerOptions, "ReducerOptions")?.bool(0, "keep_dims", false) ?? false;
  const t = sameType(ctx, [x], y);
  ctx.intType(axisT, "axis", [TENSOR_TYPE.INT32, TENSOR_TYPE.INT64]);
  if (x.shape.length !== 4) ctx.fail("only the mean over H and W of a rank-4 NHWC tensor is supported", describeTensor(x), "rank 4");
  const axes = [...new Set(Array.from(ctx.constant(axisT, "axis"), (a) => (a < 0 ? a + 4 : a)))].sort();
  if (fmt(axes) !== fmt([1, 2])) ctx.fail("only the mean over H and W (axes 1 and 2) is supported", `axes ${fmt(axes)}`, "[1, 2]");
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (h * w === 0) ctx.fail("mean over an empty plane", describeTensor(x), "H·W ≥ 1");
  checkShape(ctx, y, keepDims ? [n, 1, 1, c] : [n, c], "mean");
  const sIn = ctx.scalar(x, "input");
  const sOut = ctx.scalar(y, "output");
  const q = { sIn: sIn.scale, zpIn: sIn.zeroPoint, sOut: sOut.scale, zpOut: sOut.zeroPoint, n: h * w };
  const mean = meanRule(meanRecipe(PROFILES.tflm.mean, keepDims, q), q);
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op: "global-avgpool", name: ctx.nodeName(), inputs, outputs: [out], layout: "nhwc", keepDims, mean, clampMin: qmin(t), clampMax: qmax(t) });
}

/** RESHAPE and SQUEEZE: the output tensor's static shape (the shape operand or options only restate it). */
export function lowerReshape(ctx: LowerContext, maxInputs: number): void {
  ctx.arity(1, maxInputs, 1);
  const x = ctx.input(0, "input");
  const y = ctx.output(0);
  if (x.type !== y.type) ctx.fail("input and output differ in type", `${describeTensor(x)} → ${describeTensor(y)}`, "the same type");
  if (product(x.shape) !== product(y.shape)) ctx.fail("output holds a different number of elements", `${describeTensor(x)} → ${describeTensor(y)}`, `${product(x.shape)} elements`);
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op: "reshape", name: ctx.nodeName(), inputs, outputs: [out], shape: y.shape });
}

/** SOFTMAX over the last axis; TFLite Micro's fixed-point kernel (profiles switch desktop graphs to the table). */
export function lowerSoftmax(ctx: LowerContext): void {
  ctx.arity(1, 1, 1);
  const x = ctx.input(0, "input");
  const y = ctx.output(0);
  const beta = ctx.options(OPTIONS.SoftmaxOptions, "SoftmaxOptions")?.f32(0, "beta", 0) ?? 0;
  const t = sameType(ctx, [x], y);
  if (!(beta > 0) || !Number.isFinite(beta)) ctx.fail("beta must be a finite number > 0", `${beta}`, undefined, "beta");
  const sOut = ctx.scalar(y, "output");
  ctx.scalar(x, "input");
  // SoftmaxPrepare: an int8 output is a probability in Q0.8 (zero point −128, scale 1/256 within 0.1 %).
  const zp = qmin(t);
  if (sOut.zeroPoint !== zp || Math.abs(sOut.scale - 1 / 256) > 0.001 / 256) {
    ctx.fail("softmax output must be quantized as a probability", `scale ${sOut.scale}, zero point ${sOut.zeroPoint}`, `scale 1/256, zero point ${zp}`);
  }
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op: "softmax", name: ctx.nodeName(), inputs, outputs: [out], variant: "fixed-point", beta });
}

/** QUANTIZE: float32 → integer (round half away, TfLiteRound), or integer → integer (Requantize, double rounding). */
export function lowerQuantize(ctx: LowerContext): void {
  ctx.arity(1, 1, 1);
  const x = ctx.input(0, "input");
  const y = ctx.output(0);
  ctx.intType(y, "output", [TENSOR_TYPE.INT8, TENSOR_TYPE.UINT8, TENSOR_TYPE.INT16]);
  const sOut = ctx.scalar(y, "output");
  const inputs = [ctx.operand(x, "input").value];
  if (isFloat(ctx.dtype(x, "input"))) {
    const out = ctx.produce(y);
    ctx.node({ op: "quantize", name: ctx.nodeName(), inputs, outputs: [out], rounding: "half-away" });
    return;
  }
  ctx.intType(x, "input", [TENSOR_TYPE.INT8, TENSOR_TYPE.UINT8, TENSOR_TYPE.INT16]);
  const sIn = ctx.scalar(x, "input");
  const requant = requantizerFromReal([sIn.scale / sOut.scale], "double");
  const out = ctx.produce(y);
  ctx.node({ op: "requantize", name: ctx.nodeName(), inputs, outputs: [out], requant });
}

/** DEQUANTIZE: integer → float32, f32(scale · (q − zp)). */
export function lowerDequantize(ctx: LowerContext): void {
  ctx.arity(1, 1, 1);
  const x = ctx.input(0, "input");
  const y = ctx.output(0);
  ctx.intType(x, "input", [TENSOR_TYPE.INT8, TENSOR_TYPE.UINT8, TENSOR_TYPE.INT16]);
  ctx.scalar(x, "input");
  if (y.type !== TENSOR_TYPE.FLOAT32) ctx.fail("output must be FLOAT32", describeTensor(y));
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op: "dequantize", name: ctx.nodeName(), inputs, outputs: [out] });
}

/** PAD / PADV2: constant padding; the value is the output zero point (PAD) or the given constant (PADV2). */
export function lowerPad(ctx: LowerContext, v2: boolean): void {
  ctx.arity(2, v2 ? 3 : 2, 1);
  const x = ctx.input(0, "input");
  const p = ctx.input(1, "paddings");
  const y = ctx.output(0);
  const t = sameType(ctx, [x], y);
  ctx.intType(p, "paddings", [TENSOR_TYPE.INT32, TENSOR_TYPE.INT64]);
  const r = x.shape.length;
  if (fmt(p.shape) !== fmt([r, 2])) ctx.fail("paddings must be [rank, 2]", describeTensor(p), `[${r}, 2]`);
  const pv = ctx.constant(p, "paddings");
  const begins = Array.from({ length: r }, (_, i) => pv[2 * i]!);
  const ends = Array.from({ length: r }, (_, i) => pv[2 * i + 1]!);
  if (![...begins, ...ends].every((v) => v >= 0)) ctx.fail("paddings must be ≥ 0", `[${Array.from(pv).join(", ")}]`);
  checkShape(ctx, y, x.shape.map((d, i) => d + begins[i]! + ends[i]!), "padding");
  let value = ctx.quant(y, "output")?.kind === "tensor" ? ctx.scalar(y, "output").zeroPoint : 0;
  const cv = v2 ? ctx.optionalInput(2) : undefined;
  if (cv !== undefined) {
    if (cv.type !== x.type || product(cv.shape) !== 1) ctx.fail("constant_values must be one value of the input's type", describeTensor(cv));
    value = ctx.constant(cv, "constant_values")[0]!;
  }
  if (value < qmin(t) || value > qmax(t)) ctx.fail("padding value outside the type", `${value}`, `${qmin(t)}..${qmax(t)}`);
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op: "pad", name: ctx.nodeName(), inputs, outputs: [out], pads: [...begins, ...ends], value });
}

/** CONCATENATION: int8/uint8 inputs must share the output's scale and zero point (TFLite refuses rescaling int8). */
export function lowerConcat(ctx: LowerContext): void {
  const n = ctx.operator.inputs.length;
  ctx.arity(1, Math.max(1, n), 1);
  const y = ctx.output(0);
  const o = ctx.options(OPTIONS.ConcatenationOptions, "ConcatenationOptions");
  const act = o?.i8(1, "fused_activation_function", 0) ?? 0;
  if (act !== ACT.NONE) ctx.fail("fused activations on CONCATENATION are not supported", ACT_NAMES[act] ?? `${act}`, "NONE");
  const xs = Array.from({ length: n }, (_, i) => ctx.input(i, `input${i}`));
  sameType(ctx, xs, y);
  const r = y.shape.length;
  const raw = o?.i32(0, "axis", 0) ?? 0;
  const axis = raw < 0 ? raw + r : raw;
  if (axis < 0 || axis >= r) ctx.fail("axis out of range", `${raw}`, `${-r}..${r - 1}`, "axis");
  const sOut = ctx.scalar(y, "output");
  xs.forEach((x, i) => {
    const s = ctx.scalar(x, `input${i}`);
    if (s.scale !== sOut.scale || s.zeroPoint !== sOut.zeroPoint) {
      ctx.fail(`input ${i} is quantized differently from the output`, `scale ${s.scale}, zero point ${s.zeroPoint}`, `scale ${sOut.scale}, zero point ${sOut.zeroPoint}`);
    }
    if (x.shape.length !== r || x.shape.some((d, k) => k !== axis && d !== y.shape[k])) ctx.fail(`input ${i} differs from the output outside the axis`, describeTensor(x), `like ${fmt(y.shape)}`);
  });
  checkShape(ctx, y, y.shape.map((d, k) => (k === axis ? xs.reduce((a, x) => a + x.shape[k]!, 0) : d)), "concatenation");
  const inputs = xs.map((x, i) => ctx.operand(x, `input${i}`).value);
  const out = ctx.produce(y);
  ctx.node({ op: "concat", name: ctx.nodeName(), inputs, outputs: [out], axis });
}

/** LOGISTIC / TANH / LEAKY_RELU as 256-entry tables of TFLite Micro's integer kernels. */
export function lowerActivation(ctx: LowerContext, fn: "sigmoid" | "tanh" | "leaky-relu"): void {
  ctx.arity(1, 1, 1);
  const x = ctx.input(0, "input");
  const y = ctx.output(0);
  const t = sameType(ctx, [x], y);
  const alpha = fn === "leaky-relu" ? (ctx.options(OPTIONS.LeakyReluOptions, "LeakyReluOptions")?.f32(0, "alpha", 0) ?? 0) : undefined;
  const a = ctx.scalar(x, "input");
  const b = ctx.scalar(y, "output");
  let table: Int32Array;
  try {
    table = buildLut({ fn, builder: "fixed-point", ...(alpha === undefined ? {} : { alpha }), inScale: a.scale, inZeroPoint: a.zeroPoint, outScale: b.scale, outZeroPoint: b.zeroPoint, inType: t, outType: t });
  } catch (e) {
    if (e instanceof QuarchError && !(e instanceof TfliteError)) ctx.fail(e.problems.map((p) => p.message).join("; "), e.problems[0]?.given, e.problems[0]?.expected);
    throw e;
  }
  const inputs = [ctx.operand(x, "input").value];
  const out = ctx.produce(y);
  ctx.node({ op: "lut", name: ctx.nodeName(), inputs, outputs: [out], table, source: { fn, builder: "fixed-point", ...(alpha === undefined ? {} : { alpha }) } });
}
