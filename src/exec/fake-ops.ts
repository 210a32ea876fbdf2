/**
 * Simulated-quantization execution: arithmetic ops run in float64 on dequantized operands and quantize
 * their result with the output's parameters; data-movement ops and float boundaries behave exactly as in
 * integer mode (there is nothing to simulate).
 */
import { GraphError } from "../errors.js";
import { type IntArray, allocTensorData, product, qmax, qmin } from "../ir/dtype.js";
import type { Value } from "../ir/graph.js";
import type { Epilogue, Layout, Node } from "../ir/ops.js";
import { perChannelScales, scalarQuant } from "../ir/quant-params.js";
import { matmulShapes } from "../ir/shapes.js";
import { broadcastIndex } from "../kernels/matmul.js";
import {
  broadcastF64,
  avgPoolF64,
  conv2dF64,
  dequantizeF64,
  matmulF64,
  quantizeF64,
  softmaxF64,
} from "../kernels/fake-quant.js";
import { convGeometry } from "../kernels/conv2d.js";
import { type Dims4, dims4, strides4 } from "../kernels/geometry.js";
import { outputRange } from "../kernels/saturate.js";
import { NO_STATS, type OpContext, type OpResult, outputTensor } from "./context.js";
import { execConv2d, execMatMul } from "./mac-ops.js";
import { execOther } from "./other-ops.js";

function perTensor(v: Value, where: string): { scale: number; zeroPoint: number } {
  const s = v.quant === undefined ? undefined : scalarQuant(v.quant);
  if (s === undefined) {
    throw new GraphError({
      path: where,
      message: `fake-quant mode needs a per-tensor scale on "${v.name}"`,
      given: v.quant === undefined ? "no quantization parameters" : v.quant.kind,
    });
  }
  return s;
}

/** Quantize real outputs into the declared output value, honouring a fused clamp range. */
function emit(ctx: OpContext, y: Float64Array, clampMin = -Infinity, clampMax = Infinity): OpResult {
  const outV = ctx.outputValues[0]!;
  if (outV.dtype === "float32") throw new Error(`internal: fake-quant output "${outV.name}" is float32`);
  const q = perTensor(outV, `node "${ctx.node.name}" (${ctx.node.op})`);
  const out = allocTensorData(outV.dtype, product(outV.shape)) as IntArray;
  const saturated = quantizeF64(y, q.scale, q.zeroPoint, outputRange(clampMin, clampMax, qmin(outV.dtype), qmax(outV.dtype)), out);
  return { outputs: [outputTensor(outV, out)], stats: { ...NO_STATS, saturated } };
}

/** Requant epilogues are simulated; int32 and threshold epilogues are exact integer functions already. */
function simulated(e: Epilogue): e is Extract<Epilogue, { kind: "requant" }> {
  return e.kind === "requant";
}

/** Real bias: int32 bias × s_x × s_w[c]. */
function realBias(ctx: OpContext, channels: number, xScale: number): Float64Array | null {
  const bT = ctx.inputs[2];
  const wV = ctx.inputValues[1]!;
  if (bT === undefined) return null;
  const sw = wV.quant === undefined ? [] : perChannelScales(wV.quant, channels);
  if (sw.length === 0) {
    throw new GraphError({ path: `node "${ctx.node.name}"`, message: `fake-quant needs the bias scale, but weights "${wV.name}" have per-block scales`, expected: "no bias, or per-channel weights" });
  }
  return Float64Array.from({ length: channels }, (_, c) => bT.data[c]! * xScale * sw[c]!);
}

/** Rescale means over valid taps to means over the whole kernel area (ONNX count_include_pad). */
function includePad(y: Float64Array, layout: Layout, I: Dims4, O: Dims4, k: readonly [number, number], s: readonly [number, number], pads: readonly number[]): void {
  const so = strides4(O, layout);
  for (let oy = 0; oy < O.h; oy++) {
    const h0 = oy * s[0] - pads[0]!;
    const nh = Math.min(h0 + k[0], I.h) - Math.max(h0, 0);
    for (let ox = 0; ox < O.w; ox++) {
      const w0 = ox * s[1] - pads[1]!;
      const nw = Math.min(w0 + k[1], I.w) - Math.max(w0, 0);
      const factor = (nh * nw) / (k[0] * k[1]);
      for (let b = 0; b < O.n; b++) for (let c = 0; c < O.c; c++) y[b * so.n + oy * so.h + ox * so.w + c * so.c]! *= factor;
    }
  }
}

export function execFake(ctx: OpContext): OpResult {
  const node: Node = ctx.node;
  const where = `node "${node.name}" (${node.op})`;
  const [x, w] = ctx.inputs;
  const [xV, wV] = ctx.inputValues;
  switch (node.op) {
    case "conv2d": {
      if (!simulated(node.epilogue)) return execConv2d(ctx as OpContext<typeof node>);
      const xs = perTensor(xV!, where);
      const xr = dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant);
      const wr = dequantizeF64(w!.data as IntArray, w!.shape, wV!.quant);
      const outV = ctx.outputValues[0]!;
      const y = conv2dF64(convGeometry(node, x!.shape, w!.shape, outV.shape), xr, wr, realBias(ctx, w!.shape[0]!, xs.scale));
      const r = emit(ctx, y, node.epilogue.clampMin, node.epilogue.clampMax);
      const [O = 0, kH = 0, kW = 0, cinG = 0] = w!.shape;
      return { outputs: r.outputs, stats: { ...r.stats, macs: (product(outV.shape) / O) * O * kH * kW * cinG } };
    }
    case "matmul": {
      if (!simulated(node.epilogue)) return execMatMul(ctx as OpContext<typeof node>);
      const xs = perTensor(xV!, where);
      const s = matmulShapes(x!.shape, w!.shape, node.transB);
      if (typeof s === "string") throw new Error(`internal: ${where}: ${s}`);
      const ar = dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant);
      const br = dequantizeF64(w!.data as IntArray, w!.shape, wV!.quant);
      const count = s.batch.reduce((a, b) => a * b, 1);
      const batches = Array.from({ length: count }, (_, i) => ({
        a: broadcastIndex(i, s.batch, s.aBatch),
        b: broadcastIndex(i, s.batch, s.bBatch),
      }));
      const y = matmulF64(ar, br, batches, s.M, s.K, s.N, s.transB, realBias(ctx, s.N, xs.scale));
      const r = emit(ctx, y, node.epilogue.clampMin, node.epilogue.clampMax);
      return { outputs: r.outputs, stats: { ...r.stats, macs: count * s.M * s.N * s.K } };
    }
    case "add":
    case "mul": {
      const b = ctx.inputs[1]!;
      const y = broadcastF64(
        dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant),
        x!.shape,
        dequantizeF64(b.data as IntArray, b.shape, ctx.inputValues[1]!.quant),
        b.shape,
        ctx.outputValues[0]!.shape,
        node.op === "add" ? (p, q) => p + q : (p, q) => p * q,
      );
      return emit(ctx, y, node.clampMin, node.clampMax);
    }
    case "avgpool": {
      const xr = dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant);
      const I = dims4(x!.shape, node.layout);
      const O = dims4(ctx.outputValues[0]!.shape, node.layout);
      const y = avgPoolF64(node.layout, I, O, node.kernel, node.strides, node.pads[0], node.pads[1], xr);
      if (node.rescale?.countIncludePad === true) includePad(y, node.layout, I, O, node.kernel, node.strides, node.pads);
      return emit(ctx, y, node.clampMin, node.clampMax);
    }
    case "global-avgpool": {
      const d = dims4(x!.shape, node.layout);
      const xr = dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant);
      const y = avgPoolF64(node.layout, d, { n: d.n, h: 1, w: 1, c: d.c }, [d.h, d.w], [1, 1], 0, 0, xr);
      return emit(ctx, y, node.clampMin, node.clampMax);
    }
    case "lut": {
      const f = node.source;
      if (f.fn === "custom") return execOther(ctx as OpContext<typeof node>);
      const xr = dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant);
      const alpha = f.alpha ?? 0;
      const fn =
        f.fn === "sigmoid" ? (v: number) => 1 / (1 + Math.exp(-v)) : f.fn === "tanh" ? Math.tanh : (v: number) => (v >= 0 ? v : alpha * v);
      return emit(ctx, xr.map(fn));
    }
    case "softmax": {
      const xr = dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant);
      return emit(ctx, softmaxF64(xr, x!.shape[x!.shape.length - 1] ?? 1, node.beta));
    }
    case "requantize":
      return emit(ctx, dequantizeF64(x!.data as IntArray, x!.shape, xV!.quant));
    default:
      return execOther(ctx as OpContext<Exclude<Node, { op: "conv2d" | "matmul" }>>);
  }
}
