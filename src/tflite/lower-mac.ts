/**
 * TFLite int8 MAC operators → quarch conv2d / matmul with a requantizing epilogue, multipliers derived the
 * way TFLite's Prepare derives them:
 *  - CONV_2D, DEPTHWISE_CONV_2D (PopulateConvolutionQuantizationParams) and per-channel FULLY_CONNECTED:
 *    d[c] = double(s_in) · double(s_w[c]) / double(s_out)  ("double-product");
 *  - per-tensor FULLY_CONNECTED (GetQuantizedConvolutionMultipler): d = double(f32(s_in · s_w)) / s_out
 *    ("float-product").
 * The graph is built in double rounding (TFLite Micro, the reference kernels); a runtime profile converts it.
 */
import { INT8, type QType, product } from "../ir/dtype.js";
import type { Epilogue } from "../ir/ops.js";
import { type QuantParams, channelQuant, perChannelScales } from "../ir/quant-params.js";
import { type RealRule, layerRealMultipliers, requantizerFromReal } from "../quant/requantize.js";
import type { LowerContext, ScalarQuant } from "./lower-context.js";
import { describeTensor, type TensorDef } from "./model.js";
import { OPTIONS, PADDING, TENSOR_TYPE } from "./schema.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;
const INT8_ONLY = [TENSOR_TYPE.INT8];
const WEIGHT_TYPES = [TENSOR_TYPE.INT8, TENSOR_TYPE.INT4];

/** TFLite ComputeOutSize + ComputePaddingWithOffset for one spatial axis. */
export function spatial(ctx: LowerContext, padding: number, size: number, k: number, stride: number, dilation: number, axis: string): { out: number; before: number; after: number } {
  const eff = (k - 1) * dilation + 1;
  let out: number;
  if (padding === PADDING.SAME) out = Math.ceil(size / stride);
  else if (padding === PADDING.VALID) out = Math.floor((size - eff + stride) / stride);
  else ctx.fail("unknown padding", `${padding}`, "SAME (0) or VALID (1)", "padding");
  if (out < 1) ctx.fail(`kernel larger than the input along ${axis}`, `kernel ${k} (dilation ${dilation}) over ${size}`, "a VALID window that fits");
  const total = Math.max(0, (out - 1) * stride + eff - size);
  return { out, before: Math.floor(total / 2), after: total - Math.floor(total / 2) };
}

export function positive(ctx: LowerContext, v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1) ctx.fail("must be an integer ≥ 1", `${v}`, undefined, field);
  return v;
}

function rank(ctx: LowerContext, t: TensorDef, r: number, role: string): void {
  if (t.shape.length !== r) ctx.fail(`${role} must have rank ${r}`, describeTensor(t));
}

/** Weight quantization: per tensor, or per channel along `axis` with one scale per output channel. */
function weightQuant(ctx: LowerContext, w: TensorDef, axis: number, channels: number): QuantParams {
  const q = ctx.quant(w, "filter");
  if (q === undefined) ctx.fail("filter has no quantization parameters", describeTensor(w), "per-tensor or per-channel int8 scales");
  if (q.kind === "channel" && (q.axis !== axis || q.scale.length !== channels)) {
    ctx.fail("filter is quantized along the wrong dimension", `quantized_dimension ${q.axis}, ${q.scale.length} scales`, `dimension ${axis} with ${channels} scales`);
  }
  return q;
}

function requantEpilogue(ctx: LowerContext, sIn: ScalarQuant, wq: QuantParams, channels: number, sOut: ScalarQuant, rule: RealRule, act: number, y: TensorDef, outType: QType): Epilogue {
  // Per-tensor weights give one multiplier (TFLite's scalar output_multiplier), per-channel ones one per channel.
  const real = layerRealMultipliers(sIn.scale, wq.kind === "tensor" ? [wq.scale] : perChannelScales(wq, channels), sOut.scale, rule);
  const [clampMin, clampMax] = ctx.activationRange(act, y, outType);
  return { kind: "requant", requant: requantizerFromReal(real, "double"), clampMin, clampMax };
}

/** Optional int32 bias with one entry per output channel. */
function bias(ctx: LowerContext, channels: number): string[] {
  const b = ctx.optionalInput(2);
  if (b === undefined) return [];
  ctx.intType(b, "bias", [TENSOR_TYPE.INT32]);
  if (b.shape.length !== 1 || b.shape[0] !== channels) ctx.fail("bias must have one entry per output channel", describeTensor(b), `[${channels}]`);
  if (!ctx.isConstant(b)) ctx.fail("bias must be a constant tensor", describeTensor(b));
  return [ctx.operand(b, "bias", false).value];
}

/** CONV_2D (depthwise = false) and DEPTHWISE_CONV_2D. */
export function lowerConv(ctx: LowerContext, depthwise: boolean): void {
  ctx.arity(2, 3, 1);
  const x = ctx.input(0, "input");
  const w = ctx.input(1, "filter");
  const y = ctx.output(0);
  const o = depthwise ? ctx.options(OPTIONS.DepthwiseConv2DOptions, "DepthwiseConv2DOptions") : ctx.options(OPTIONS.Conv2DOptions, "Conv2DOptions");
  // Field ids differ: depthwise has depth_multiplier at 3 and everything after shifted by one.
  const act = o?.i8(depthwise ? 4 : 3, "fused_activation_function", 0) ?? 0;
  const padding = o?.i8(0, "padding", 0) ?? 0;
  const sw = positive(ctx, o?.i32(1, "stride_w", 0) ?? 0, "stride_w");
  const sh = positive(ctx, o?.i32(2, "stride_h", 0) ?? 0, "stride_h");
  const dw = positive(ctx, o?.i32(depthwise ? 5 : 4, "dilation_w_factor", 1) ?? 1, "dilation_w_factor");
  const dh = positive(ctx, o?.i32(depthwise ? 6 : 5, "dilation_h_factor", 1) ?? 1, "dilation_h_factor");
  ctx.intType(x, "input", INT8_ONLY);
  const outType = ctx.intType(y, "output", INT8_ONLY);
  const wType = ctx.intType(w, "filter", WEIGHT_TYPES);
  rank(ctx, x, 4, "input");
  rank(ctx, w, 4, "filter");
  rank(ctx, y, 4, "output");
  if (!ctx.isConstant(w)) ctx.fail("filter must be a constant tensor", describeTensor(w));
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [w0, kh, kw, w3] = w.shape as [number, number, number, number];
  const channels = depthwise ? w3 : w0;
  let groups: number;
  if (depthwise) {
    if (w0 !== 1 || c === 0 || w3 % c !== 0) ctx.fail("depthwise filter must be [1, kH, kW, C·multiplier]", `${describeTensor(w)} for ${c} input channels`);
    groups = c;
  } else {
    if (w3 === 0 || c % w3 !== 0 || w0 % (c / w3) !== 0) ctx.fail("filter input channels must divide the input channels (and the groups the output channels)", `${describeTensor(w)} for input ${fmt(x.shape)}`);
    groups = c / w3;
  }
  const sy = spatial(ctx, padding, h, kh, sh, dh, "height");
  const sx = spatial(ctx, padding, wd, kw, sw, dw, "width");
  const want = [n, sy.out, sx.out, channels];
  if (fmt(want) !== fmt(y.shape)) ctx.fail("output shape does not match the convolution", describeTensor(y), fmt(want));
  const sIn = ctx.scalar(x, "input");
  const sOut = ctx.scalar(y, "output");
  const wq = weightQuant(ctx, w, depthwise ? 3 : 0, channels);
  // The int8 conv kernels (reference ConvPerChannel / DepthwiseConvPerChannel, XNNPACK) have no filter offset.
  const wz = wq.kind === "tensor" ? [wq.zeroPoint] : wq.zeroPoint;
  if (wz.some((z) => z !== 0)) ctx.fail("filter zero points must be 0 (symmetric int8 weights)", `zero points [${wz.join(", ")}]`, "all 0");
  const epilogue = requantEpilogue(ctx, sIn, wq, channels, sOut, "double-product", act, y, outType);
  const wValue = depthwise ? depthwiseWeights(ctx, w, wType, wq) : ctx.operand(w, "filter").value;
  const inputs = [ctx.operand(x, "input").value, wValue, ...bias(ctx, channels)];
  const out = ctx.produce(y);
  ctx.node({
    op: "conv2d",
    name: ctx.nodeName(),
    inputs,
    outputs: [out],
    layout: "nhwc",
    strides: [sh, sw],
    dilations: [dh, dw],
    pads: [sy.before, sx.before, sy.after, sx.after],
    groups,
    epilogue,
  });
}

/** TFLite's depthwise filter [1, kH, kW, O] as quarch's OHWI [O, kH, kW, 1] (a transpose, per-channel axis 3 → 0). */
function depthwiseWeights(ctx: LowerContext, w: TensorDef, wType: QType, wq: QuantParams): string {
  const [, kh, kw, o] = w.shape as [number, number, number, number];
  const src = ctx.constant(w, "filter");
  const dst = new Int8Array(src.length);
  for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let c = 0; c < o; c++) dst[(c * kh + y) * kw + x] = src[(y * kw + x) * o + c]!;
  const quant = wq.kind === "channel" ? channelQuant(0, wq.scale, wq.zeroPoint) : wq;
  return ctx.transformedConstant(w, wType, [o, kh, kw, 1], dst, quant);
}

/** FULLY_CONNECTED: x flattened to [M, K] · weights [N, K]ᵀ (+ bias), reshaped to the output's shape. */
export function lowerFullyConnected(ctx: LowerContext): void {
  ctx.arity(2, 3, 1);
  const x = ctx.input(0, "input");
  const w = ctx.input(1, "weights");
  const y = ctx.output(0);
  const o = ctx.options(OPTIONS.FullyConnectedOptions, "FullyConnectedOptions");
  const act = o?.i8(0, "fused_activation_function", 0) ?? 0;
  const format = o?.i8(1, "weights_format", 0) ?? 0;
  const keepDims = o?.bool(2, "keep_num_dims", false) ?? false;
  if (format !== 0) ctx.fail("shuffled weights are not supported", `weights_format ${format}`, "DEFAULT (0)", "weights_format");
  ctx.intType(x, "input", INT8_ONLY);
  const outType = ctx.intType(y, "output", INT8_ONLY);
  ctx.intType(w, "weights", WEIGHT_TYPES);
  rank(ctx, w, 2, "weights");
  if (!ctx.isConstant(w)) ctx.fail("weights must be a constant tensor", describeTensor(w));
  const [N, K] = w.shape as [number, number];
  const total = product(x.shape);
  if (K === 0 || total % K !== 0) ctx.fail("input size is not a multiple of the weights' input dimension", `${describeTensor(x)}, K = ${K}`);
  const M = total / K;
  const want = keepDims ? [...x.shape.slice(0, -1), N] : [M, N];
  if (keepDims && x.shape[x.shape.length - 1] !== K) ctx.fail("keep_num_dims needs the input's last dimension to be K", describeTensor(x), `last dimension ${K}`);
  if (fmt(want) !== fmt(y.shape)) ctx.fail("output shape does not match the fully connected layer", describeTensor(y), fmt(want));
  const sIn = ctx.scalar(x, "input");
  const sOut = ctx.scalar(y, "output");
  const wq = weightQuant(ctx, w, 0, N);
  const rule: RealRule = wq.kind === "tensor" ? "float-product" : "double-product";
  const epilogue = requantEpilogue(ctx, sIn, wq, N, sOut, rule, act, y, outType);
  const outName = ctx.names[y.index]!;
  let a = ctx.operand(x, "input").value;
  if (fmt(x.shape) !== fmt([M, K])) {
    const flat = ctx.fresh(`${outName}/flatten`);
    ctx.builder.value(flat, INT8, [M, K], ctx.quant(x, "input"));
    ctx.node({ op: "reshape", name: ctx.nodeName("flatten"), inputs: [a], outputs: [flat], shape: [M, K] });
    a = flat;
  }
  const inputs = [a, ctx.operand(w, "weights").value, ...bias(ctx, N)];
  const direct = fmt(y.shape) === fmt([M, N]);
  const out = ctx.produce(y);
  const mm = direct ? out : ctx.fresh(`${outName}/2d`);
  if (!direct) ctx.builder.value(mm, outType, [M, N], ctx.quant(y, "output"));
  ctx.node({ op: "matmul", name: ctx.nodeName(), inputs, outputs: [mm], transB: true, epilogue });
  if (!direct) ctx.node({ op: "reshape", name: ctx.nodeName("reshape"), inputs: [mm], outputs: [out], shape: y.shape });
}
