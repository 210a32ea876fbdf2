/**
 * The layer a generated engine computes, with everything its ROMs and vectors need: geometry, weights,
 * bias, zero points, the requantizer and the fused clamp. Built from an IR node (a conv2d or a
 * fully-connected matmul with constant weights, e.g. from the MLPerf Tiny ResNet-8) or synthesized from a
 * seed. Expected outputs come from the kernels (conv2d / matmul with the IR epilogue).
 */
import { RtlError, UnsupportedError } from "../../src/errors.js";
import { type IntArray, type QType, qmax, qmin } from "../../src/ir/dtype.js";
import type { Graph, Value } from "../../src/ir/graph.js";
import type { Node } from "../../src/ir/ops.js";
import { scalarQuant, perChannelZeroPoints } from "../../src/ir/quant-params.js";
import type { FixedMode, FixedRequantizer } from "../../src/ir/requant.js";
import { samePadding, windowOut } from "../../src/ir/shapes.js";
import { conv2d } from "../../src/kernels/conv2d.js";
import { makeWriter, newAccStats } from "../../src/kernels/epilogue.js";
import { matmul } from "../../src/kernels/matmul.js";
import { prepareRowMajor } from "../../src/kernels/prepared.js";
import { requantizerFromReal } from "../../src/quant/requantize.js";
import { createRng } from "../../src/quant/rng.js";
import type { PePrecision } from "./pe.js";

export type IntPrecision = Exclude<PePrecision, "binary">;
export const ELEMENT_BITS: Readonly<Record<IntPrecision, number>> = { int8: 8, int4: 4, int2: 2 };

export interface LayerTask {
  readonly name: string;
  readonly kind: "conv" | "fc";
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  /** [top, left, bottom, right]. */
  readonly pads: readonly [number, number, number, number];
  readonly outH: number;
  readonly outW: number;
  /** Weights and activations share one precision (the engine's PE lane). */
  readonly precision: IntPrecision;
  /** OHWI [outC, kH, kW, inC]. */
  readonly weights: Int8Array;
  readonly bias: Int32Array | null;
  readonly inZeroPoint: number;
  readonly outType: QType;
  readonly outZeroPoint: number;
  readonly requant: FixedRequantizer;
  readonly clampMin: number;
  readonly clampMax: number;
  /** Where the layer came from (for reports). */
  readonly source: string;
}

export const taps = (t: LayerTask): number => t.kH * t.kW * t.inC;
export const pixels = (t: LayerTask): number => t.outH * t.outW;

function fail(path: string, message: string, given: string, expected: string): never {
  throw new UnsupportedError({ path, message, given, expected });
}

function precisionOf(bits: number, where: string): IntPrecision {
  if (bits === 8) return "int8";
  if (bits === 4) return "int4";
  if (bits === 2) return "int2";
  return fail(where, "has no engine PE of this width", `${bits}-bit`, "8, 4 or 2 bits (binary layers: quarch rtl binary-layer)");
}

function intType(v: Value, where: string): QType {
  if (v.dtype === "float32") fail(where, "is float", "float32", "an integer type");
  return v.dtype;
}

/** The engine task of IR node `name` (conv2d: NHWC, one group, dilation 1; or FC matmul with constant weights). */
export function layerTaskFromGraph(g: Graph, name: string): LayerTask {
  const node = g.nodes.find((n) => n.name === name);
  const macs = g.nodes.filter((n) => n.op === "conv2d" || n.op === "matmul").map((n) => n.name);
  if (node === undefined) throw new RtlError({ path: `--layer ${name}`, message: "names no node of the model", expected: `one of ${macs.join(", ")}` });
  const where = `node "${name}"`;
  if (node.op !== "conv2d" && node.op !== "matmul") fail(where, "is not a MAC layer", node.op, `a conv2d or fully-connected layer: ${macs.join(", ")}`);
  const mac = node as Extract<Node, { op: "conv2d" | "matmul" }>;
  if (mac.epilogue.kind !== "requant" || mac.epilogue.requant.mode === "onnx") fail(where, "has no fixed-point requantizer", mac.epilogue.kind === "requant" ? "onnx rounding" : mac.epilogue.kind, "a requant epilogue in double, single or dyadic rounding");
  const ep = mac.epilogue as { kind: "requant"; requant: FixedRequantizer; clampMin: number; clampMax: number };
  const val = (i: number) => g.values.get(node.inputs[i] ?? "") ?? fail(where, `input ${i} is missing`, "-", "a value");
  const x = val(0);
  const w = val(1);
  const y = g.values.get(node.outputs[0]!)!;
  if (w.data === undefined) fail(where, "has non-constant weights", w.name, "weights stored in the model (they go into a ROM)");
  const xt = intType(x, `${where} input`);
  const wt = intType(w, `${where} weights`);
  const yt = intType(y, `${where} output`);
  if (!xt.signed || !wt.signed || xt.bits !== wt.bits) fail(where, "has operand types the engine's lanes do not take", `input ${xt.signed ? "" : "u"}int${xt.bits}, weights ${wt.signed ? "" : "u"}int${wt.bits}`, "signed inputs and weights of one width (8, 4 or 2 bits)");
  const precision = precisionOf(xt.bits, where);
  const zpIn = x.quant === undefined ? 0 : (scalarQuant(x.quant)?.zeroPoint ?? fail(where, "input is not per-tensor quantized", x.quant.kind, "per-tensor"));
  const zpOut = y.quant === undefined ? 0 : (scalarQuant(y.quant)?.zeroPoint ?? fail(where, "output is not per-tensor quantized", y.quant.kind, "per-tensor"));
  const biasV = node.inputs[2] === undefined || node.inputs[2] === "" ? undefined : g.values.get(node.inputs[2]);
  const bias = biasV?.data === undefined ? null : Int32Array.from(biasV.data as IntArray);
  const base = { name, precision, bias, inZeroPoint: zpIn, outType: yt, outZeroPoint: zpOut, requant: ep.requant, clampMin: ep.clampMin, clampMax: ep.clampMax, source: `${g.name}: ${name}` };
  if (node.op === "conv2d") {
    const c = node;
    if (c.layout !== "nhwc" || c.groups !== 1 || c.dilations[0] !== 1 || c.dilations[1] !== 1) fail(where, "is a convolution the engine does not implement", `layout ${c.layout}, groups ${c.groups}, dilation ${c.dilations.join("×")}`, "NHWC, one group, dilation 1");
    const [O, kh, kw, ci] = w.shape as [number, number, number, number];
    if (x.shape[0] !== 1) fail(where, "has a batch", `batch ${x.shape[0]}`, "batch 1");
    const zw = w.quant === undefined ? [0] : perChannelZeroPoints(w.quant, O);
    if (zw.some((z) => z !== 0)) fail(where, "has weight zero points", zw.join(","), "symmetric weights (zero point 0)");
    return { ...base, kind: "conv", inH: x.shape[1]!, inW: x.shape[2]!, inC: ci, outC: O, kH: kh, kW: kw, strideH: c.strides[0], strideW: c.strides[1], pads: c.pads, outH: y.shape[1]!, outW: y.shape[2]!, weights: Int8Array.from(w.data as IntArray) };
  }
  const mm = node;
  const [r0 = 1, r1 = 1] = w.shape;
  const N = mm.transB ? r0 : r1;
  const K = mm.transB ? r1 : r0;
  const M = x.shape.length >= 2 ? x.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
  const zw = w.quant === undefined ? [0] : perChannelZeroPoints(w.quant, N);
  if (zw.some((z) => z !== 0)) fail(where, "has weight zero points", zw.join(","), "symmetric weights (zero point 0)");
  const wd = w.data as IntArray;
  const weights = new Int8Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) weights[n * K + k] = mm.transB ? wd[n * K + k]! : wd[k * N + n]!;
  return { ...base, kind: "fc", inH: M, inW: 1, inC: K, outC: N, kH: 1, kW: 1, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], outH: M, outW: 1, weights };
}

export interface SyntheticLayer {
  readonly kind: "conv" | "fc";
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly k: number;
  readonly stride: number;
  readonly pad: "same" | "valid";
  readonly precision: IntPrecision;
  readonly mode: FixedMode;
  readonly seed: number;
}

/** A seeded layer with random weights, bias, zero points and per-channel requantizers in `mode`. */
export function syntheticLayerTask(s: SyntheticLayer): LayerTask {
  const rng = createRng(s.seed);
  const eb = ELEMENT_BITS[s.precision];
  const lo = -(2 ** (eb - 1));
  const hi = 2 ** (eb - 1) - 1;
  const k = s.kind === "fc" ? 1 : s.k;
  const stride = s.kind === "fc" ? 1 : s.stride;
  const inW = s.kind === "fc" ? 1 : s.inW;
  let pads: [number, number, number, number] = [0, 0, 0, 0];
  let outH: number;
  let outW: number;
  if (s.pad === "same" && s.kind === "conv") {
    const h = samePadding(s.inH, k, stride, 1);
    const w = samePadding(inW, k, stride, 1);
    pads = [h.before, w.before, h.after, w.after];
    outH = h.out;
    outW = w.out;
  } else {
    outH = windowOut(s.inH, k, stride, 1, 0, 0);
    outW = windowOut(inW, k, stride, 1, 0, 0);
  }
  const T = k * k * s.inC;
  const weights = Int8Array.from({ length: s.outC * T }, () => lo + rng.nextInt(hi - lo + 1));
  const bias = Int32Array.from({ length: s.outC }, () => rng.nextInt(2001) - 1000);
  // Real multipliers that keep outputs mostly in range: about 1 / (typical |acc|).
  const typical = Math.sqrt(T) * (hi + 1) * (hi + 1) * 0.3;
  const real = Array.from({ length: s.outC }, () => (0.5 + rng.nextFloat()) * (hi + 1) / typical);
  const outType: QType = { bits: 8, signed: true };
  return {
    name: `${s.kind}_${s.inH}x${inW}x${s.inC}_k${k}s${stride}_${s.outC}`,
    kind: s.kind, inH: s.inH, inW, inC: s.inC, outC: s.outC, kH: k, kW: k, strideH: stride, strideW: stride, pads, outH, outW,
    precision: s.precision, weights, bias,
    inZeroPoint: lo + rng.nextInt(hi - lo + 1), outType, outZeroPoint: rng.nextInt(21) - 10,
    requant: requantizerFromReal(real, s.mode) as FixedRequantizer, clampMin: qmin(outType), clampMax: qmax(outType),
    source: `synthetic (seed ${s.seed})`,
  };
}

/** Check what the engine needs of a task (collected problems, then one error). */
export function checkTask(t: LayerTask): void {
  const eb = ELEMENT_BITS[t.precision];
  const lo = -(2 ** (eb - 1));
  const hi = 2 ** (eb - 1) - 1;
  const bad: string[] = [];
  if (t.weights.length !== t.outC * taps(t)) bad.push(`weights hold ${t.weights.length} values, expected ${t.outC * taps(t)}`);
  if (t.weights.some((v) => v < lo || v > hi)) bad.push(`a weight is outside int${eb}`);
  if (t.inZeroPoint < lo || t.inZeroPoint > hi) bad.push(`input zero point ${t.inZeroPoint} is outside int${eb}`);
  if (t.outH !== windowOut(t.inH, t.kH, t.strideH, 1, t.pads[0], t.pads[2]) || t.outW !== windowOut(t.inW, t.kW, t.strideW, 1, t.pads[1], t.pads[3])) bad.push("output size does not follow from the geometry");
  if (t.requant.multiplier.length !== 1 && t.requant.multiplier.length !== t.outC) bad.push("requantizer is neither per tensor nor per output channel");
  if (bad.length > 0) throw new RtlError(bad.map((m) => ({ path: `layer ${t.name}`, message: m })));
}

/** The layer's outputs for an NHWC input ([M, K] rows for an FC), by the kernels: conv2d or matmul. */
export function expectedLayerOutput(t: LayerTask, x: Int8Array): Int32Array {
  const out = new Int32Array(pixels(t) * t.outC);
  const write = makeWriter(
    { kind: "requant", requant: t.requant, clampMin: t.clampMin, clampMax: t.clampMax },
    { out, outZeroPoint: t.outZeroPoint, qmin: qmin(t.outType), qmax: qmax(t.outType), bipolar: false },
    newAccStats(),
  );
  if (t.kind === "fc") {
    const M = t.inH;
    matmul({ batch: [], aBatch: [], bBatch: [], M, K: t.inC, N: t.outC, transB: true }, { a: x, aZeroPoint: t.inZeroPoint, b: () => prepareRowMajor(t.weights, t.outC, [0]), bias: t.bias }, write);
    return out;
  }
  conv2d(
    {
      layout: "nhwc", input: { n: 1, h: t.inH, w: t.inW, c: t.inC }, output: { n: 1, h: t.outH, w: t.outW, c: t.outC },
      kH: t.kH, kW: t.kW, strideH: t.strideH, strideW: t.strideW, padTop: t.pads[0], padLeft: t.pads[1], dilH: 1, dilW: 1, groups: 1,
    },
    { x, xZeroPoint: t.inZeroPoint, w: prepareRowMajor(t.weights, t.outC, [0]), bias: t.bias },
    write,
  );
  return out;
}

/** A seeded input tensor over the whole input type (NHWC). */
export function seededInput(t: LayerTask, seed: number): Int8Array {
  const rng = createRng(seed);
  const eb = ELEMENT_BITS[t.precision];
  return Int8Array.from({ length: t.inH * t.inW * t.inC }, () => -(2 ** (eb - 1)) + rng.nextInt(2 ** eb));
}
