/** Integer execution of every non-MAC op. */
import { GraphError } from "../errors.js";
import { type IntArray, type QType, allocTensorData, product, qmax, qmin } from "../ir/dtype.js";
import type { Tensor, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import { addFixed } from "../kernels/add.js";
import { broadcastMap } from "../kernels/broadcast.js";
import { dims4 } from "../kernels/geometry.js";
import { concat, pad, transpose } from "../kernels/layout-ops.js";
import { applyLut } from "../kernels/lut.js";
import { addOrt, avgPoolOrt, mulOrt } from "../kernels/ort-float.js";
import { globalAvgPool, pool } from "../kernels/pool.js";
import { castTensor, dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from "../kernels/quantize.js";
import { prepareSoftmax, softmax } from "../kernels/softmax.js";
import { Saturator, outputRange } from "../kernels/saturate.js";
import { requantFn } from "../quant/requantize.js";
import { NO_STATS, type OpContext, type OpResult, outputTensor } from "./context.js";
import { activationZeroPoint } from "./mac-ops.js";

type NonMac = Exclude<Node, { op: "conv2d" | "matmul" }>;

function intType(v: Value): QType {
  if (v.dtype === "float32") throw new Error(`internal: "${v.name}" is float32`);
  return v.dtype;
}

function scaleOf(v: Value, where: string): { scale: number; zeroPoint: number } {
  const s = v.quant === undefined ? undefined : scalarQuant(v.quant);
  if (s === undefined) {
    throw new GraphError({ path: where, message: `value "${v.name}" needs a per-tensor scale and zero point for this op` });
  }
  return s;
}

function saturatedOnly(outputs: Tensor[], saturated: number): OpResult {
  return { outputs, stats: { ...NO_STATS, saturated } };
}

export function execOther(ctx: OpContext<NonMac>): OpResult {
  const { node, inputs } = ctx;
  const x = inputs[0]!;
  const outV = ctx.outputValues[0]!;
  const where = `node "${node.name}" (${node.op})`;
  const fresh = (): IntArray => allocTensorData(outV.dtype, product(outV.shape)) as IntArray;
  switch (node.op) {
    case "add": {
      const [aV, bV] = ctx.inputValues;
      const t = intType(outV);
      const q = {
        aZeroPoint: activationZeroPoint(aV!, where),
        bZeroPoint: activationZeroPoint(bV!, where),
        outZeroPoint: activationZeroPoint(outV, where),
        range: outputRange(node.clampMin, node.clampMax, qmin(t), qmax(t)),
      };
      const out = fresh();
      const b = inputs[1]!;
      const r =
        node.rescale.kind === "fixed"
          ? addFixed(x.data as IntArray, x.shape, b.data as IntArray, b.shape, outV.shape, node.rescale, q, out)
          : addOrt(x.data as IntArray, x.shape, b.data as IntArray, b.shape, outV.shape, scaleOf(aV!, where), scaleOf(bV!, where), scaleOf(outV, where), q.range, out);
      return saturatedOnly([outputTensor(outV, out)], r.saturated);
    }
    case "mul": {
      const [aV, bV] = ctx.inputValues;
      const t = intType(outV);
      const range = outputRange(node.clampMin, node.clampMax, qmin(t), qmax(t));
      const out = fresh();
      const b = inputs[1]!;
      if (node.rescale.kind === "float") {
        const r = mulOrt(x.data as IntArray, x.shape, b.data as IntArray, b.shape, outV.shape, scaleOf(aV!, where), scaleOf(bV!, where), scaleOf(outV, where), range, out);
        return saturatedOnly([outputTensor(outV, out)], r.saturated);
      }
      const za = activationZeroPoint(aV!, where);
      const zb = activationZeroPoint(bV!, where);
      const zo = activationZeroPoint(outV, where);
      const rq = requantFn(node.rescale.out);
      const ma = broadcastMap(outV.shape, x.shape);
      const mb = broadcastMap(outV.shape, b.shape);
      const sat = new Saturator(range);
      for (let i = 0; i < out.length; i++) out[i] = sat.apply(rq(((x.data[ma[i]!]! - za) * (b.data[mb[i]!]! - zb)) | 0, 0) + zo);
      return saturatedOnly([outputTensor(outV, out)], sat.count);
    }
    case "avgpool":
    case "maxpool": {
      const t = intType(outV);
      const out = fresh();
      const g = {
        layout: node.layout,
        input: dims4(x.shape, node.layout),
        output: dims4(outV.shape, node.layout),
        kH: node.kernel[0],
        kW: node.kernel[1],
        strideH: node.strides[0],
        strideW: node.strides[1],
        padTop: node.pads[0],
        padLeft: node.pads[1],
      };
      const range = outputRange(node.clampMin, node.clampMax, qmin(t), qmax(t));
      const r =
        node.op === "avgpool" && node.rescale !== undefined
          ? avgPoolOrt({ ...g, countIncludePad: node.rescale.countIncludePad }, x.data as IntArray, scaleOf(ctx.inputValues[0]!, where), scaleOf(outV, where), range, out)
          : pool(node.op === "avgpool" ? "avg" : "max", g, x.data as IntArray, out, range);
      return saturatedOnly([outputTensor(outV, out)], r.saturated);
    }
    case "global-avgpool": {
      const t = intType(outV);
      const out = fresh();
      const inV = ctx.inputValues[0]!;
      // Only the float rule reads scales; the others need just the zero points.
      const scales = node.mean.rule === "float" ? { sIn: scaleOf(inV, where).scale, sOut: scaleOf(outV, where).scale } : { sIn: 1, sOut: 1 };
      const q = { zpIn: activationZeroPoint(inV, where), zpOut: activationZeroPoint(outV, where), ...scales };
      const range = outputRange(node.clampMin, node.clampMax, qmin(t), qmax(t));
      const r = globalAvgPool(node.layout, dims4(x.shape, node.layout), x.data as IntArray, node.mean, q, range, out);
      return saturatedOnly([outputTensor(outV, out)], r.saturated);
    }
    case "pad": {
      const out = allocTensorData(outV.dtype, product(outV.shape));
      pad(x.data, x.shape, node.pads, node.value, out);
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "reshape":
      return saturatedOnly([outputTensor(outV, x.data)], 0);
    case "transpose": {
      const out = allocTensorData(outV.dtype, product(outV.shape));
      transpose(x.data, x.shape, node.perm, out);
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "concat": {
      const out = allocTensorData(outV.dtype, product(outV.shape));
      concat(inputs.map((t) => ({ data: t.data, shape: t.shape })), node.axis, out);
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "clamp": {
      const out = fresh();
      const d = x.data;
      for (let i = 0; i < d.length; i++) out[i] = Math.min(node.max, Math.max(node.min, d[i]!));
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "lut": {
      const out = fresh();
      applyLut(x.data as IntArray, intType(ctx.inputValues[0]!), node.table, out);
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "softmax": {
      const inQ = scaleOf(ctx.inputValues[0]!, where);
      const outQ = scaleOf(outV, where);
      const prep = prepareSoftmax({
        variant: node.variant,
        beta: node.beta,
        inScale: inQ.scale,
        inZeroPoint: inQ.zeroPoint,
        outScale: outQ.scale,
        outZeroPoint: outQ.zeroPoint,
        inType: intType(ctx.inputValues[0]!),
        outType: intType(outV),
      });
      const depth = x.shape[x.shape.length - 1] ?? 1;
      const out = fresh();
      softmax(x.data as IntArray, x.data.length / depth, depth, prep, out);
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "quantize": {
      if (outV.quant === undefined) throw new GraphError({ path: where, message: `output "${outV.name}" needs quantization parameters` });
      const out = quantizeLinear(x.data as Float32Array, x.shape, outV.quant, intType(outV), node.rounding);
      return saturatedOnly([outputTensor(outV, out)], 0);
    }
    case "dequantize": {
      const inV = ctx.inputValues[0]!;
      if (inV.quant === undefined) throw new GraphError({ path: where, message: `input "${inV.name}" needs quantization parameters` });
      return saturatedOnly([outputTensor(outV, dequantizeLinear(x.data as IntArray, x.shape, inV.quant))], 0);
    }
    case "requantize": {
      const t = intType(outV);
      const rq = requantFn(node.requant);
      const zpIn = activationZeroPoint(ctx.inputValues[0]!, where);
      const zpOut = activationZeroPoint(outV, where);
      const sat = new Saturator(outputRange(qmin(t), qmax(t), qmin(t), qmax(t)));
      const out = fresh();
      for (let i = 0; i < x.data.length; i++) out[i] = sat.apply(rq((x.data[i]! - zpIn) | 0, 0) + zpOut);
      return saturatedOnly([outputTensor(outV, out)], sat.count);
    }
    case "cast":
      return saturatedOnly([outputTensor(outV, castTensor(x.data, x.dtype, node.to))], 0);
    case "dynamic-quantize": {
      const r = dynamicQuantizeLinear(x.data as Float32Array);
      const [yV, sV, zV] = ctx.outputValues;
      return saturatedOnly(
        [
          outputTensor(yV!, r.y),
          { dtype: sV!.dtype, shape: sV!.shape, data: Float32Array.of(r.scale) },
          { dtype: zV!.dtype, shape: zV!.shape, data: Uint8Array.of(r.zeroPoint) },
        ],
        0,
      );
    }
    default: {
      const never: never = node;
      return never;
    }
  }
}
