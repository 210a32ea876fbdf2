/**
 * IR graphs → simulator layers. conv2d (any layout, padding, strides, dilation, groups) and matmul are MAC
 * layers with the model's own bit widths (weight, input and output value types); pools and adds are
 * vector layers; shape-only and element-wise nodes that accelerators fuse or do in the output path
 * (reshape, transpose, pad, clamp, requantize, lookup tables …) are listed as not simulated.
 */
import { GraphError } from "../errors.js";
import { dims4 } from "../kernels/geometry.js";
import type { DType } from "../ir/dtype.js";
import type { Graph, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { matmulShapes } from "../ir/shapes.js";
import { type SimLayer, convLayer, gemmLayer, vectorLayer } from "./workload.js";

export interface GraphLayers {
  readonly layers: SimLayer[];
  /** Nodes with no simulated cost, by name and op. */
  readonly skipped: { readonly name: string; readonly op: string }[];
}

/** Bits of a value's element type; float32 counts as 32-bit operands. */
function bitsOf(t: DType): number {
  return t === "float32" ? 32 : t.bits;
}

function value(g: Graph, name: string | undefined, node: Node): Value {
  const v = name === undefined ? undefined : g.values.get(name);
  if (v === undefined) throw new GraphError({ path: `node "${node.name}"`, message: `refers to an unknown value ${JSON.stringify(name)}` });
  return v;
}

/** `batch` replaces the batch dimension of every layer when given (the IR's own shapes otherwise). */
export function layersFromGraph(g: Graph, batch?: number): GraphLayers {
  const layers: SimLayer[] = [];
  const skipped: { name: string; op: string }[] = [];
  for (const node of g.nodes) {
    const x = value(g, node.inputs[0], node);
    const y = value(g, node.outputs[0], node);
    const bits = { wBits: 8, aBits: bitsOf(x.dtype), outBits: bitsOf(y.dtype), source: "model" as const };
    switch (node.op) {
      case "conv2d": {
        const w = value(g, node.inputs[1], node);
        const d = dims4(x.shape, node.layout);
        const [O = 1, kh = 1, kw = 1] = w.shape;
        layers.push(convLayer({
          name: node.name, batch: batch ?? d.n, inH: d.h, inW: d.w, inC: d.c, outC: O, kH: kh, kW: kw,
          strideH: node.strides[0], strideW: node.strides[1], dilationH: node.dilations[0], dilationW: node.dilations[1],
          pads: node.pads, groups: node.groups, bits: { ...bits, wBits: bitsOf(w.dtype) }, input: x.name, output: y.name,
        }));
        break;
      }
      case "matmul": {
        const b = value(g, node.inputs[1], node);
        const s = matmulShapes(x.shape, b.shape, node.transB);
        if (typeof s === "string") throw new GraphError({ path: `node "${node.name}"`, message: s });
        const groups = s.batch.reduce((a, v) => a * v, 1);
        const rows = (batch ?? 1) * s.M;
        layers.push(gemmLayer(node.name, b.data === undefined ? "matmul" : "fc", rows, s.K, s.N, groups, { ...bits, wBits: bitsOf(b.dtype) }, x.name, y.name));
        break;
      }
      case "avgpool":
      case "maxpool": {
        const d = dims4(x.shape, node.layout);
        const o = dims4(y.shape, node.layout);
        layers.push(vectorLayer(node.name, node.op, {
          N: batch ?? d.n, channels: d.c, H: d.h, W: d.w, P: o.h, Q: o.w, R: node.kernel[0], S: node.kernel[1],
          strideH: node.strides[0], strideW: node.strides[1], pads: node.pads, inputs: 1,
        }, bits, x.name, y.name));
        break;
      }
      case "global-avgpool": {
        const d = dims4(x.shape, node.layout);
        layers.push(vectorLayer(node.name, node.op, { N: batch ?? d.n, channels: d.c, H: d.h, W: d.w, P: 1, Q: 1, R: d.h, S: d.w, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], inputs: 1 }, bits, x.name, y.name));
        break;
      }
      case "add":
      case "mul": {
        // Element-wise over the output shape: the last axis as channels, the axes between batch and it as
        // positions (the counts, which are all the cost depends on, do not care which axis is which).
        const shape = y.shape.length === 0 ? [1] : y.shape;
        const lead = shape.length > 1 ? shape[0]! : 1;
        const channels = shape[shape.length - 1]!;
        const positions = shape.slice(shape.length > 1 ? 1 : 0, -1).reduce((a, v) => a * v, 1);
        const v = vectorLayer(node.name, node.op, { N: batch ?? lead, channels, H: positions, W: 1, P: positions, Q: 1, R: 1, S: 1, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], inputs: 2 }, bits, x.name, y.name);
        const other = node.inputs[1];
        layers.push(other === undefined ? v : { ...v, input2: other });
        break;
      }
      case "pad":
      case "reshape":
      case "transpose":
      case "concat":
      case "clamp":
      case "lut":
      case "softmax":
      case "quantize":
      case "dequantize":
      case "requantize":
      case "cast":
      case "dynamic-quantize":
        skipped.push({ name: node.name, op: node.op });
        break;
      default: {
        const never: never = node;
        return never;
      }
    }
  }
  return { layers, skipped };
}
