/**
 * A layer as the simulator sees it: a loop nest over eight dimensions (Timeloop's names) with bit widths.
 *   N batch · G groups · K output channels per group · C input channels per group ·
 *   P, Q output rows, columns · R, S kernel rows, columns.
 * Conv (padding, separate strides, dilation, groups, depthwise), FC and matmul are MAC layers; pools and
 * adds are vector layers (element-wise work on the vector unit, no MACs).
 */
import { samePadding, windowOut } from "../ir/shapes.js";

export type Dim = "N" | "G" | "K" | "C" | "P" | "Q" | "R" | "S";
export const DIMS: readonly Dim[] = ["N", "G", "K", "C", "P", "Q", "R", "S"];
/** Dimensions tiled between DRAM and the buffers (R and S always stay whole in a tile). */
export type TiledDim = "N" | "G" | "K" | "C" | "P" | "Q";
export const TILED_DIMS: readonly TiledDim[] = ["N", "G", "K", "C", "P", "Q"];

export type SimOp = "conv2d" | "depthwise" | "fc" | "matmul" | "avgpool" | "maxpool" | "global-avgpool" | "add" | "mul";
export type BitsSource = "model" | "default" | "bits" | "policy";

export interface LayerDims {
  readonly N: number;
  readonly G: number;
  readonly K: number;
  readonly C: number;
  readonly P: number;
  readonly Q: number;
  readonly R: number;
  readonly S: number;
}

export interface SimLayer extends LayerDims {
  readonly name: string;
  readonly op: SimOp;
  readonly kind: "mac" | "vector";
  /** Input rows and columns (unpadded). */
  readonly H: number;
  readonly W: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  /** [top, left, bottom, right]. */
  readonly pads: readonly [number, number, number, number];
  readonly wBits: number;
  readonly aBits: number;
  readonly outBits: number;
  readonly bitsSource: BitsSource;
  /** Input tensors a vector layer reads per output element position (an add reads 2). */
  readonly vectorInputs: number;
  /** Value names, for deciding which outputs can stay on chip for their consumer. */
  readonly input: string | undefined;
  readonly output: string | undefined;
  /** An add's other input (for laying tensors out in memory when caches are simulated). */
  readonly input2?: string;
}

export function macsOf(l: LayerDims & { readonly kind: "mac" | "vector" }): number {
  return l.kind === "mac" ? l.N * l.G * l.K * l.C * l.P * l.Q * l.R * l.S : 0;
}

/** Element-wise operations of a vector layer: one lane operation per input element consumed. */
export function vectorOpsOf(l: SimLayer): number {
  return l.kind === "vector" ? l.N * l.G * l.P * l.Q * l.R * l.S * l.vectorInputs : 0;
}

export function weightCount(l: SimLayer): number {
  return l.kind === "mac" ? l.G * l.K * l.C * l.R * l.S : 0;
}
export function inputCount(l: SimLayer): number {
  return l.N * l.G * l.C * l.H * l.W;
}
export function outputCount(l: SimLayer): number {
  return l.N * l.G * l.K * l.P * l.Q;
}

export interface ConvShape {
  readonly name: string;
  readonly batch: number;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH?: number;
  readonly dilationW?: number;
  /** [top, left, bottom, right], or TensorFlow SAME. */
  readonly pads: readonly [number, number, number, number] | "same";
  readonly groups: number;
  readonly bits: { readonly wBits: number; readonly aBits: number; readonly outBits: number; readonly source: BitsSource };
  readonly input?: string;
  readonly output?: string;
}

/** A convolution (depthwise when groups = input channels > 1 and one channel per group). */
export function convLayer(s: ConvShape, op?: SimOp): SimLayer {
  const dh = s.dilationH ?? 1;
  const dw = s.dilationW ?? 1;
  let pads: [number, number, number, number];
  if (s.pads === "same") {
    const h = samePadding(s.inH, s.kH, s.strideH, dh);
    const w = samePadding(s.inW, s.kW, s.strideW, dw);
    pads = [h.before, w.before, h.after, w.after];
  } else pads = [...s.pads];
  const P = windowOut(s.inH, s.kH, s.strideH, dh, pads[0], pads[2]);
  const Q = windowOut(s.inW, s.kW, s.strideW, dw, pads[1], pads[3]);
  const C = s.inC / s.groups;
  const K = s.outC / s.groups;
  const depthwise = s.groups > 1 && C === 1;
  return {
    name: s.name,
    op: op ?? (depthwise ? "depthwise" : "conv2d"),
    kind: "mac",
    N: s.batch, G: s.groups, K, C, P, Q, R: s.kH, S: s.kW,
    H: s.inH, W: s.inW, strideH: s.strideH, strideW: s.strideW, dilationH: dh, dilationW: dw, pads,
    wBits: s.bits.wBits, aBits: s.bits.aBits, outBits: s.bits.outBits, bitsSource: s.bits.source,
    vectorInputs: 1, input: s.input, output: s.output,
  };
}

/** A fully connected layer / matmul: M rows (batch·tokens) × reduction Kr → N outputs, per `groups` batch. */
export function gemmLayer(name: string, op: "fc" | "matmul", M: number, Kr: number, Nout: number, groups: number, bits: ConvShape["bits"], input?: string, output?: string): SimLayer {
  return {
    name, op, kind: "mac",
    N: 1, G: groups, K: Nout, C: Kr, P: M, Q: 1, R: 1, S: 1,
    H: M, W: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, pads: [0, 0, 0, 0],
    wBits: bits.wBits, aBits: bits.aBits, outBits: bits.outBits, bitsSource: bits.source,
    vectorInputs: 1, input, output,
  };
}

/** Pools (window R×S) and element-wise adds and multiplies (vectorInputs 2) over an N×H×W×channels tensor. */
export function vectorLayer(
  name: string, op: "avgpool" | "maxpool" | "global-avgpool" | "add" | "mul",
  d: { N: number; channels: number; H: number; W: number; P: number; Q: number; R: number; S: number; strideH: number; strideW: number; pads: readonly [number, number, number, number]; inputs: number },
  bits: ConvShape["bits"], input?: string, output?: string,
): SimLayer {
  return {
    name, op, kind: "vector",
    N: d.N, G: d.channels, K: 1, C: 1, P: d.P, Q: d.Q, R: d.R, S: d.S,
    H: d.H, W: d.W, strideH: d.strideH, strideW: d.strideW, dilationH: 1, dilationW: 1, pads: [...d.pads],
    wBits: 0, aBits: bits.aBits, outBits: bits.outBits, bitsSource: bits.source,
    vectorInputs: d.inputs, input, output,
  };
}

/** "K64 C64 P56 Q56 R3 S3" — the non-trivial loop bounds, for tables. */
export function dimsText(l: LayerDims): string {
  return DIMS.filter((d) => l[d] !== 1 || d === "K" || d === "C").map((d) => `${d}${l[d]}`).join(" ");
}
