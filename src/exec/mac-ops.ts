/** Integer execution of the MAC ops (conv2d, matmul): operand preparation, kernel choice, statistics. */
import { UnsupportedError } from "../errors.js";
import { type IntArray, type QType, allocTensorData, isBipolar, qmax, qmin } from "../ir/dtype.js";
import type { Value } from "../ir/graph.js";
import type { Conv2dNode, MatMulNode } from "../ir/ops.js";
import { perChannelZeroPoints, scalarQuant } from "../ir/quant-params.js";
import { matmulShapes } from "../ir/shapes.js";
import { conv2d, convGeometry } from "../kernels/conv2d.js";
import { makeWriter, newAccStats } from "../kernels/epilogue.js";
import { matmul, prepareB } from "../kernels/matmul.js";
import { type PreparedWeights, cachedPrepared, prepareRowMajor } from "../kernels/prepared.js";
import { conv2dXnor, matmulXnor } from "../kernels/xnor.js";
import { type OpContext, type OpResult, outputTensor } from "./context.js";

/** Scalar zero point of an activation (per-tensor params, or none = 0). */
export function activationZeroPoint(v: Value, where: string): number {
  if (v.quant === undefined) return 0;
  const s = scalarQuant(v.quant);
  if (s === undefined) {
    throw new UnsupportedError({
      path: where,
      message: `value "${v.name}" has ${v.quant.kind} quantization; integer kernels take per-tensor activations`,
      expected: "per-tensor scale and zero point",
    });
  }
  return s.zeroPoint;
}

/** Weight zero points, one per output channel (channel quantization along `axis`, groups, or per tensor). */
function weightZeroPoints(v: Value, axis: number, channels: number, where: string): number[] {
  const q = v.quant;
  if (q === undefined) return [0];
  if (q.kind === "block") {
    throw new UnsupportedError({
      path: where,
      message:
        `weights "${v.name}" have per-block scales along the reduction axis: they cannot fold into one int32 ` +
        `accumulator and one requantizer, so integer kernels refuse them; run in fake-quant mode`,
      given: `block size ${q.blockSize} on axis ${q.axis}`,
      expected: "per-tensor, per-channel or per-group-of-output-channels weights",
    });
  }
  if (q.kind !== "tensor" && q.axis !== axis && !(q.scale.length === 1)) {
    throw new UnsupportedError({
      path: where,
      message: `weights "${v.name}" are quantized along axis ${q.axis}, not along the output channels`,
      given: `axis ${q.axis}`,
      expected: `axis ${axis}`,
    });
  }
  return perChannelZeroPoints(q, channels);
}

/** Largest |x − zp| an input of this type can present. */
function typeRange(t: QType, zp: number): number {
  return t.bits === 1 && t.signed ? 1 : Math.max(qmax(t) - zp, zp - qmin(t));
}

/** Static int32 overflow check for inputs anywhere in their type: Σ|w − zw|·max|x − zx| + |bias| per row. */
function overflowPossible(p: PreparedWeights, xRange: number, bias: Int32Array | null): boolean {
  for (let r = 0; r < p.rows; r++) {
    if (p.absRowSums[r]! * xRange + (bias === null ? 0 : Math.abs(bias[r]!)) > 2147483647) return true;
  }
  return false;
}

/** Prepared weights of a MAC op: cached when the weights are a graph constant. */
function prepare(v: Value, data: IntArray, zps: readonly number[], make: () => PreparedWeights): PreparedWeights {
  return v.data === undefined ? make() : cachedPrepared(data, zps.join(","), make);
}

function outRange(v: Value): { lo: number; hi: number; zp: number; bipolar: boolean } {
  if (v.dtype === "float32") throw new Error(`internal: MAC output "${v.name}" is float32`);
  return { lo: qmin(v.dtype), hi: qmax(v.dtype), zp: activationZeroPoint(v, `value "${v.name}"`), bipolar: isBipolar(v.dtype) };
}

export function execConv2d(ctx: OpContext<Conv2dNode>): OpResult {
  const { node } = ctx;
  const [xT, wT, bT] = ctx.inputs;
  const [xV, wV] = ctx.inputValues;
  const outV = ctx.outputValues[0]!;
  const where = `node "${node.name}" (conv2d)`;
  const geometry = convGeometry(node, xT!.shape, wT!.shape, outV.shape);
  const [O, kH, kW, cinG] = wT!.shape as [number, number, number, number];
  const out = geometry.output;
  const zx = activationZeroPoint(xV!, where);
  const zw = weightZeroPoints(wV!, 0, O, where);
  const r = outRange(outV);
  const data = allocTensorData(outV.dtype, outV.shape.reduce((a, b) => a * b, 1)) as IntArray;
  const stats = newAccStats();
  const write = makeWriter(node.epilogue, { out: data, outZeroPoint: r.zp, qmin: r.lo, qmax: r.hi, bipolar: r.bipolar }, stats);
  const bias = (bT?.data as Int32Array | undefined) ?? null;
  const K = kH * kW * cinG;
  const wData = wT!.data as IntArray;
  const prepared = prepare(wV!, wData, zw, () => prepareRowMajor(wData, O, zw));
  if (isBipolar(xT!.dtype) && isBipolar(wT!.dtype)) {
    conv2dXnor(geometry, xT!.data as Int8Array, wT!.data as Int8Array, bias, write);
  } else {
    conv2d(geometry, { x: xT!.data as IntArray, xZeroPoint: zx, w: prepared, bias }, write);
  }
  return {
    outputs: [outputTensor(outV, data)],
    stats: {
      macs: out.n * out.h * out.w * O * K,
      accMin: stats.accMin,
      accMax: stats.accMax,
      overflowPossible: overflowPossible(prepared, typeRange(xT!.dtype as QType, zx), bias),
      overflowed: stats.overflowed,
      saturated: stats.saturated,
    },
  };
}

export function execMatMul(ctx: OpContext<MatMulNode>): OpResult {
  const { node } = ctx;
  const [aT, bT, biasT] = ctx.inputs;
  const [aV, bV] = ctx.inputValues;
  const outV = ctx.outputValues[0]!;
  const where = `node "${node.name}" (matmul)`;
  const s = matmulShapes(aT!.shape, bT!.shape, node.transB);
  if (typeof s === "string") throw new Error(`internal: ${where}: ${s}`);
  const za = activationZeroPoint(aV!, where);
  const nAxis = node.transB ? bT!.shape.length - 2 : bT!.shape.length - 1;
  const zb = weightZeroPoints(bV!, nAxis, s.N, where);
  const r = outRange(outV);
  const data = allocTensorData(outV.dtype, outV.shape.reduce((a, b) => a * b, 1)) as IntArray;
  const stats = newAccStats();
  const write = makeWriter(node.epilogue, { out: data, outZeroPoint: r.zp, qmin: r.lo, qmax: r.hi, bipolar: r.bipolar }, stats);
  const bias = (biasT?.data as Int32Array | undefined) ?? null;
  const batch = s.batch.reduce((x, y) => x * y, 1);
  const { K, N } = s;
  const bData = bT!.data as IntArray;
  const bMatrices = bData.length / (K * N);
  const prepared = Array.from({ length: bMatrices }, (_, i) => prepare(bV!, bData, [i, ...zb], () => prepareB(bData, i * K * N, K, N, s.transB, zb)));
  if (isBipolar(aT!.dtype) && isBipolar(bT!.dtype) && batch === 1) {
    matmulXnor(aT!.data as Int8Array, bT!.data as Int8Array, s.M, s.K, s.N, s.transB, bias, write);
  } else {
    matmul(s, { a: aT!.data as IntArray, aZeroPoint: za, b: (i) => prepared[i]!, bias }, write);
  }
  const xRange = typeRange(aT!.dtype as QType, za);
  const possible = prepared.some((p) => overflowPossible(p, xRange, bias));
  return {
    outputs: [outputTensor(outV, data)],
    stats: {
      macs: batch * s.M * s.N * s.K,
      accMin: stats.accMin,
      accMax: stats.accMax,
      overflowPossible: possible,
      overflowed: stats.overflowed,
      saturated: stats.saturated,
    },
  };
}
