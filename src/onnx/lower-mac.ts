/**
 * ONNX integer MAC ops → quarch "matmul" / "conv2d":
 *  - MatMulInteger, ConvInteger: exact int32 accumulators (epilogue int32);
 *  - QLinearMatMul, QLinearConv: onnxruntime's float-scale requantization, the `onnx` rounding mode with
 *    the float32 effective scale f32(f32(s_x · s_w[c]) / s_y) per output channel, clamped to the output
 *    type's range.
 * Zero points (and scales) live in the values' quantization params: the executor reads the x / a zero
 * point from the first input, per-output-channel weight zero points from the weight value, the output zero
 * point from the output value. MatMulInteger / ConvInteger have no scales; their params carry scale 1.
 * ONNX weights are OIHW; the IR wants OHWI: constant weights are transposed here, runtime weights get a
 * "transpose" node (perm [0, 2, 3, 1]).
 */
import { type DType, type QType, type TensorData, allocTensorData, isFloat, qmax, qmin } from "../ir/dtype.js";
import type { Value } from "../ir/graph.js";
import type { Epilogue } from "../ir/ops.js";
import { type QuantParams, channelQuant, tensorQuant } from "../ir/quant-params.js";
import { matmulOutShape, matmulShapes, windowOut } from "../ir/shapes.js";
import { layerRealMultipliers, requantizerFromReal } from "../quant/requantize.js";
import type { LowerContext } from "./lower-context.js";
import { ONNX_INT8, ONNX_UINT8, onnxTypeName, quarchDType } from "./tensor.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** Scale / zero-point pair for one operand (scale 1 for the *Integer ops, which have none). */
interface Params {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}

function params(ctx: LowerContext, scaleIdx: number | undefined, zpIdx: number, role: string): Params {
  const scaleT = scaleIdx === undefined ? undefined : ctx.known(scaleIdx, `${role}_scale`);
  const zpT = ctx.knownOptional(zpIdx, `${role}_zero_point`);
  const scale = scaleT === undefined ? [1] : ctx.scales(scaleT, `${role}_scale`);
  const zeroPoint = zpT === undefined ? [0] : ctx.zeroPoints(zpT, 1, `${role}_zero_point`);
  return { scale, zeroPoint };
}

/** One scale and zero point for the whole tensor; equal per-row entries (MatMulInteger) collapse to one. */
function single(ctx: LowerContext, p: Params, role: string): QuantParams {
  const s = p.scale[0]!;
  const z = p.zeroPoint[0]!;
  if (!p.scale.every((v) => v === s) || !p.zeroPoint.every((v) => v === z)) {
    ctx.fail(`per-row ${role} scale / zero point is not supported`, `${p.scale.length} scales, ${p.zeroPoint.length} zero points`, "one value for the whole tensor");
  }
  return tensorQuant(s, z);
}

/** Per tensor, or one entry per output channel along `axis` (a lone scale or zero point is broadcast). */
function perChannel(ctx: LowerContext, p: Params, channels: number, axis: number, role: string): QuantParams {
  if (p.scale.length === 1 && p.zeroPoint.length === 1) return tensorQuant(p.scale[0]!, p.zeroPoint[0]!);
  const expand = (xs: readonly number[], what: string): readonly number[] => {
    if (xs.length === channels) return xs;
    if (xs.length !== 1) ctx.fail(`${role} ${what} must be one value or one per output channel`, `${xs.length} values`, `1 or ${channels}`);
    return new Array<number>(channels).fill(xs[0]!);
  };
  return channelQuant(axis, expand(p.scale, "scale"), expand(p.zeroPoint, "zero point"));
}

/** Output type and epilogue: int32 accumulators, or requantized to the output zero point's type. */
function epilogue(ctx: LowerContext, qlinear: boolean, x: Params, w: Params, yIdx: number, fallback: number): { type: DType; quant?: QuantParams; epilogue: Epilogue } {
  if (!qlinear) return { type: { bits: 32, signed: true }, epilogue: { kind: "int32" } };
  const y = params(ctx, yIdx, yIdx + 1, "y");
  const code = ctx.inputName(yIdx + 1) === undefined ? fallback : ctx.elemTypeOf(ctx.requireInput(yIdx + 1, "y_zero_point"));
  const t = quarchDType(code);
  if ((code !== ONNX_UINT8 && code !== ONNX_INT8) || t === undefined || isFloat(t)) {
    ctx.fail("unsupported output type", onnxTypeName(code), "UINT8 or INT8", `inputs[${yIdx + 1}]`);
  }
  const yq = single(ctx, y, "y");
  const sx = single(ctx, x, "x");
  const sy = yq.kind === "tensor" ? yq.scale : 1;
  const sxs = sx.kind === "tensor" ? sx.scale : 1;
  const requant = requantizerFromReal(layerRealMultipliers(sxs, w.scale, sy, "onnx"), "onnx");
  return { type: t, quant: yq, epilogue: { kind: "requant", requant, clampMin: qmin(t as QType), clampMax: qmax(t as QType) } };
}

/** MatMulInteger (a, b, a_zero_point?, b_zero_point?) or QLinearMatMul (a, a_s, a_zp, b, b_s, b_zp, y_s, y_zp). */
export function lowerMatMul(ctx: LowerContext, qlinear: boolean): void {
  if (qlinear) ctx.checkArity(8, 8, 1);
  else ctx.checkArity(2, 4, 1);
  ctx.checkAttributes([]);
  const iB = qlinear ? 3 : 1;
  const aShape = ctx.inputShape(0, "a");
  const bShape = ctx.inputShape(iB, "b");
  const s = matmulShapes(aShape, bShape, false);
  if (typeof s === "string") ctx.fail(`operands do not multiply: ${s}`, `${fmt(aShape)} × ${fmt(bShape)}`, "[..., M, K] × [..., K, N]");
  const ap = qlinear ? params(ctx, 1, 2, "a") : params(ctx, undefined, 2, "a");
  const bp = qlinear ? params(ctx, 4, 5, "b") : params(ctx, undefined, 3, "b");
  const aq = single(ctx, ap, "a");
  const bq = perChannel(ctx, bp, s.N, bShape.length - 1, "b");
  const e = epilogue(ctx, qlinear, ap, bp, 6, ctx.elemTypeOf(ctx.requireInput(0, "a")));
  const a = ctx.dataInput(0, "a", aq);
  const b = ctx.dataInput(iB, "b", bq);
  const y = ctx.output(0, e.type, matmulOutShape(s, aShape.length), e.quant);
  ctx.addNode({ op: "matmul", name: ctx.nodeName, inputs: [a.name, b.name], outputs: [y.name], transB: false, epilogue: e.epilogue });
}

/** OIHW → OHWI. */
export function toOhwi(w: TensorData, dtype: DType, [O, I, H, W]: readonly number[]): TensorData {
  const out = allocTensorData(dtype, w.length);
  for (let o = 0; o < O!; o++)
    for (let i = 0; i < I!; i++)
      for (let y = 0; y < H!; y++)
        for (let x = 0; x < W!; x++) out[((o * H! + y) * W! + x) * I! + i] = w[((o * I! + i) * H! + y) * W! + x]!;
  return out;
}

/** [begin, end] padding of one spatial axis under auto_pad SAME_UPPER / SAME_LOWER. */
export function samePads(size: number, k: number, s: number, d: number, upper: boolean): [number, number] {
  const out = Math.ceil(size / s);
  const total = Math.max(0, (out - 1) * s + (k - 1) * d + 1 - size);
  const small = Math.floor(total / 2);
  return upper ? [small, total - small] : [total - small, small];
}

function pairAttr(ctx: LowerContext, name: string, dflt: number, min: number): [number, number] {
  const v = ctx.attrInts(name, [dflt, dflt]);
  if (v.length !== 2 || !v.every((x) => Number.isInteger(x) && x >= min)) ctx.fail(`${name} must be two integers ≥ ${min}`, JSON.stringify(v), `[h, w]`, `attribute "${name}"`);
  return [v[0]!, v[1]!];
}

/** ConvInteger (x, w, x_zp?, w_zp?) or QLinearConv (x, x_s, x_zp, w, w_s, w_zp, y_s, y_zp, B?), 2-D, NCHW. */
export function lowerConv(ctx: LowerContext, qlinear: boolean): void {
  if (qlinear) ctx.checkArity(8, 9, 1);
  else ctx.checkArity(2, 4, 1);
  ctx.checkAttributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"]);
  const iW = qlinear ? 3 : 1;
  const xShape = ctx.inputShape(0, "x");
  const wShape = ctx.inputShape(iW, "w");
  if (xShape.length !== 4 || wShape.length !== 4) {
    ctx.fail("only 2-D convolution is supported", `x ${fmt(xShape)}, w ${fmt(wShape)}`, "x [N, C, H, W] and w [M, C/group, kH, kW]");
  }
  const [n, c, h, wd] = xShape as [number, number, number, number];
  const [m, cg, kh, kw] = wShape as [number, number, number, number];
  const group = ctx.attrInt("group", 1);
  if (!Number.isInteger(group) || group < 1 || cg * group !== c || m % group !== 0) {
    ctx.fail("group does not fit the channels", `group ${group}, x channels ${c}, w ${fmt(wShape)}`, `C = group · w.shape[1] and M divisible by group`, `attribute "group"`);
  }
  const ks = ctx.attrInts("kernel_shape", [kh, kw]);
  if (fmt(ks) !== fmt([kh, kw])) ctx.fail("kernel_shape disagrees with the weights", fmt(ks), fmt([kh, kw]), `attribute "kernel_shape"`);
  const strides = pairAttr(ctx, "strides", 1, 1);
  const dilations = pairAttr(ctx, "dilations", 1, 1);
  const autoPad = ctx.attrString("auto_pad", "NOTSET");
  let pads: [number, number, number, number];
  if (autoPad === "NOTSET") {
    const p = ctx.attrInts("pads", [0, 0, 0, 0]);
    if (p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0)) ctx.fail("pads must be four integers ≥ 0", JSON.stringify(p), "[top, left, bottom, right]", `attribute "pads"`);
    pads = [p[0]!, p[1]!, p[2]!, p[3]!];
  } else if (autoPad === "VALID") {
    pads = [0, 0, 0, 0];
  } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const up = autoPad === "SAME_UPPER";
    const [t, b] = samePads(h, kh, strides[0], dilations[0], up);
    const [l, r] = samePads(wd, kw, strides[1], dilations[1], up);
    pads = [t, l, b, r];
  } else {
    return ctx.fail("unsupported auto_pad", autoPad, "NOTSET, VALID, SAME_UPPER or SAME_LOWER", `attribute "auto_pad"`);
  }
  const oh = windowOut(h, kh, strides[0], dilations[0], pads[0], pads[2]);
  const ow = windowOut(wd, kw, strides[1], dilations[1], pads[1], pads[3]);
  if (oh < 1 || ow < 1) ctx.fail("kernel larger than the padded input", `${kh}x${kw} over ${h}x${wd}`, "a kernel that fits");

  const xp = qlinear ? params(ctx, 1, 2, "x") : params(ctx, undefined, 2, "x");
  const wp = qlinear ? params(ctx, 4, 5, "w") : params(ctx, undefined, 3, "w");
  const xq = single(ctx, xp, "x");
  const wq = perChannel(ctx, wp, m, 0, "w");
  const e = epilogue(ctx, qlinear, xp, wp, 6, ctx.elemTypeOf(ctx.requireInput(0, "x")));
  const x = ctx.dataInput(0, "x", xq);
  const wOhwi = weightOhwi(ctx, iW, wq, [m, cg, kh, kw]);
  const inputs = [x.name, wOhwi.name];
  const biasName = qlinear ? ctx.inputName(8) : undefined;
  if (biasName !== undefined) inputs.push(ctx.dataInput(8, "B").name);
  const y = ctx.output(0, e.type, [n, m, oh, ow], e.quant);
  ctx.addNode({
    op: "conv2d",
    name: ctx.nodeName,
    inputs,
    outputs: [y.name],
    layout: "nchw",
    strides,
    dilations,
    pads,
    groups: group,
    epilogue: e.epilogue,
  });
}

/** The weight in OHWI: transposed data for an initializer, a transpose node for a runtime input. */
function weightOhwi(ctx: LowerContext, iW: number, quant: QuantParams, oihw: readonly number[]): Value {
  const name = ctx.requireInput(iW, "w");
  const [m, cg, kh, kw] = oihw as [number, number, number, number];
  const shape = [m, kh, kw, cg];
  const src = ctx.dataInput(iW, "w", quant);
  if (src.data !== undefined) {
    // A constant: replace it with its transposed copy (the OIHW original is not needed by any node).
    ctx.values.delete(name);
    const v: Value = { name: `${name}.ohwi`, dtype: src.dtype, shape, quant, data: toOhwi(src.data, src.dtype, oihw) };
    ctx.addValue(v);
    return v;
  }
  const v: Value = { name: `${name}.ohwi`, dtype: src.dtype, shape, quant };
  ctx.addValue(v);
  ctx.addNode({ op: "transpose", name: `${ctx.nodeName}/${name}.ohwi`, inputs: [name], outputs: [v.name], perm: [0, 2, 3, 1] });
  return v;
}
