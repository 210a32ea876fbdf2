/**
 * Rewriting a graph's arithmetic: apply a runtime profile (a rounding mode per op type, softmax and
 * activation-table variants, mean rules, XNNPACK's Q8 kernels; for onnxruntime also its own MAC scales,
 * float32 average pool, DQ → Q tables and half-even QuantizeLinear) or force one rounding mode on every
 * requantization.
 */
import { UnsupportedError } from "../errors.js";
import type { Graph, Value } from "../ir/graph.js";
import { sameDType } from "../ir/dtype.js";
import type { AddNode, Conv2dNode, GlobalAvgPoolNode, LutFunction, MatMulNode, MulNode, Node, RequantizeNode } from "../ir/ops.js";
import { type MeanScales, PROFILES, type ProfileRules, type RuntimeProfile } from "../ir/profiles.js";
import { scalarQuant } from "../ir/quant-params.js";
import { type FixedMode, type Requantizer, type RoundingMode, addRealMultipliers, layerRealMultipliers } from "../ir/requant.js";
import { globalAvgPoolScale } from "./float32.js";
import { buildLut } from "./lut-builders.js";
import { meanRecipe, meanRule } from "./mean.js";
import { buildOrtLut } from "./ort-lut.js";
import { convertRequantizer, requantizerFromReal } from "./requantize.js";
import { xnnpackRefuses, xnnpackRequantizer } from "./xnnpack.js";

function scale(v: Value, node: Node): number {
  const s = v.quant === undefined ? undefined : scalarQuant(v.quant);
  if (s === undefined) {
    throw new UnsupportedError({ path: `node "${node.name}" (${node.op})`, message: `changing its rounding needs a per-tensor scale on "${v.name}"` });
  }
  return s.scale;
}

function isDepthwise(n: Node, g: Graph): boolean {
  if (n.op !== "conv2d" || n.groups === 1) return false;
  const w = g.values.get(n.inputs[1]!)!;
  return w.shape[3] === 1;
}

/** TFLite Add rescale from the values' scales in a fixed mode, or the float formula. */
/** Mul: TFLite's fixed-point Mul (real multiplier f32(f32(s1·s2)/s_out)) in `mode`, or onnxruntime's float kernel. */
function mulWith(n: MulNode, g: Graph, mode: FixedMode | "float"): MulNode {
  if (mode === "float") return { ...n, rescale: { kind: "float" } };
  if (n.rescale.kind === "fixed") return { ...n, rescale: { kind: "fixed", out: convertRequantizer(n.rescale.out, mode) } };
  const f = Math.fround;
  const real = f(f(scale(g.values.get(n.inputs[0]!)!, n) * scale(g.values.get(n.inputs[1]!)!, n)) / scale(g.values.get(n.outputs[0]!)!, n));
  return { ...n, rescale: { kind: "fixed", out: requantizerFromReal([real], mode) } };
}

function addWith(n: AddNode, g: Graph, mode: FixedMode | "float"): AddNode {
  if (mode === "float") return { ...n, rescale: { kind: "float" } };
  if (n.rescale.kind === "fixed") {
    const c = (r: typeof n.rescale.in1) => convertRequantizer(r, mode);
    return { ...n, rescale: { ...n.rescale, in1: c(n.rescale.in1), in2: c(n.rescale.in2), out: c(n.rescale.out) } };
  }
  const leftShift = 20;
  const [a, b, o] = addRealMultipliers(scale(g.values.get(n.inputs[0]!)!, n), scale(g.values.get(n.inputs[1]!)!, n), scale(g.values.get(n.outputs[0]!)!, n), leftShift);
  const r = (x: number) => requantizerFromReal([x], mode);
  return { ...n, rescale: { kind: "fixed", leftShift, in1: r(a), in2: r(b), out: r(o) } };
}

/** Rebuild an activation table with another runtime's builder (tables it cannot express stay as they are). */
function rebuildLut(n: Extract<Node, { op: "lut" }>, g: Graph, builder: "float" | "fixed-point" | "onnxruntime" | "xnnpack"): Node {
  if (n.source.fn === "custom" || n.source.builder === builder) return n;
  const inV = g.values.get(n.inputs[0]!)!;
  const outV = g.values.get(n.outputs[0]!)!;
  if (inV.dtype === "float32" || outV.dtype === "float32" || inV.quant === undefined || outV.quant === undefined) return n;
  const qi = scalarQuant(inV.quant);
  const qo = scalarQuant(outV.quant);
  if (qi === undefined || qo === undefined) return n;
  const source: LutFunction = { ...n.source, builder };
  if (builder === "onnxruntime") {
    if (n.source.fn === "tanh" || inV.dtype.bits !== 8 || !sameDType(inV.dtype, outV.dtype)) return n;
    const alpha = n.source.alpha === undefined ? {} : { alpha: n.source.alpha };
    return { ...n, source, table: buildOrtLut({ fn: n.source.fn, ...alpha, inScale: qi.scale, inZeroPoint: qi.zeroPoint, outScale: qo.scale, outZeroPoint: qo.zeroPoint, type: inV.dtype }) };
  }
  const q = (v: Value) => scalarQuant(v.quant!)!;
  const table = buildLut({
    fn: n.source.fn,
    builder,
    ...(n.source.alpha === undefined ? {} : { alpha: n.source.alpha }),
    inScale: q(inV).scale,
    inZeroPoint: q(inV).zeroPoint,
    outScale: q(outV).scale,
    outZeroPoint: q(outV).zeroPoint,
    inType: inV.dtype,
    outType: outV.dtype,
  });
  return { ...n, table, source };
}

/** Per-tensor scales and zero points of a node's first input and output, when both have them. */
function ioQuant(n: Node, g: Graph): { sIn: number; zpIn: number; sOut: number; zpOut: number } | undefined {
  const x = g.values.get(n.inputs[0]!)?.quant;
  const y = g.values.get(n.outputs[0]!)?.quant;
  const qx = x === undefined ? undefined : scalarQuant(x);
  const qy = y === undefined ? undefined : scalarQuant(y);
  return qx === undefined || qy === undefined ? undefined : { sIn: qx.scale, zpIn: qx.zeroPoint, sOut: qy.scale, zpOut: qy.zeroPoint };
}

/** The scales a mean's derivation reads (n = H·W of the input); undefined without per-tensor quantization. */
function meanScales(n: GlobalAvgPoolNode, g: Graph): MeanScales | undefined {
  const q = ioQuant(n, g);
  const s = g.values.get(n.inputs[0]!)!.shape;
  const plane = n.layout === "nchw" ? (s[2] ?? 1) * (s[3] ?? 1) : (s[1] ?? 1) * (s[2] ?? 1);
  return q === undefined ? undefined : { ...q, n: plane };
}

function meanWith(n: GlobalAvgPoolNode, g: Graph, p: ProfileRules): GlobalAvgPoolNode {
  const q = meanScales(n, g);
  return q === undefined ? n : { ...n, mean: meanRule(meanRecipe(p.mean, n.keepDims, q), q) };
}

/**
 * TFLite's requantizer converted to `mode`, XNNPACK's Q8 convert built from the values' scales, or
 * onnxruntime's DQ → Q: a float32 table (8-bit types, per-tensor params; wider types keep an `onnx`
 * requantizer, which no onnxruntime kernel computes).
 */
function requantizeWith(n: RequantizeNode, g: Graph, mode: RoundingMode | "xnnpack-q8" | "onnxruntime"): Node {
  if (mode === "onnxruntime") {
    const q = ioQuant(n, g);
    const inT = g.values.get(n.inputs[0]!)!.dtype;
    const outT = g.values.get(n.outputs[0]!)!.dtype;
    if (q === undefined || inT === "float32" || outT === "float32" || inT.bits !== 8 || outT.bits !== 8) return { ...n, requant: convertRequantizer(n.requant, "onnx") };
    const table = buildOrtLut({ fn: "identity", inScale: q.sIn, inZeroPoint: q.zpIn, outScale: q.sOut, outZeroPoint: q.zpOut, type: inT, outType: outT });
    return { op: "lut", name: n.name, inputs: n.inputs, outputs: n.outputs, table, source: { fn: "custom", builder: "onnxruntime" } };
  }
  if (mode !== "xnnpack-q8") return { ...n, requant: convertRequantizer(n.requant, mode) };
  const q = ioQuant(n, g);
  if (q === undefined || n.requant.real.length !== 1) return n;
  return { ...n, requant: xnnpackRequantizer(q.sIn, q.sOut, n.requant.real[0]!) };
}

/**
 * A MAC layer's requantizer in `mode`; where the runtime derives its float32 scale from the values' scales
 * (onnxruntime: f32(f32(s_x·s_w[c])/s_y)), that scale, not the source's real multiplier rounded to float32
 * (TFLite's double product can differ in the last bit). `real` keeps the source's multiplier.
 */
function macRequant(n: Conv2dNode | MatMulNode, g: Graph, r: Requantizer, mode: RoundingMode, p: ProfileRules): Requantizer {
  if (p.macScales !== "onnx" || mode !== "onnx") return convertRequantizer(r, mode);
  const x = g.values.get(n.inputs[0]!)!.quant;
  const w = g.values.get(n.inputs[1]!)!.quant;
  const y = g.values.get(n.outputs[0]!)!.quant;
  const sx = x === undefined ? undefined : scalarQuant(x);
  const sy = y === undefined ? undefined : scalarQuant(y);
  const sw = w === undefined ? undefined : w.kind === "tensor" ? [w.scale] : w.kind === "channel" ? w.scale : undefined;
  if (sx === undefined || sy === undefined || sw === undefined || sw.length !== r.real.length) return convertRequantizer(r, mode);
  const scales = layerRealMultipliers(sx.scale, sw, sy.scale, "onnx");
  return { mode: "onnx", scale: Float32Array.from(scales), real: r.real };
}

/** The rules a node runs under: the profile's, or its fallback's where the runtime refuses the node. */
function rulesFor(profile: RuntimeProfile, n: Node, g: Graph): ProfileRules {
  const p = PROFILES[profile];
  return p.fallback !== undefined && profile === "xnnpack" && xnnpackRefuses(n, g) ? PROFILES[p.fallback] : p;
}

export function applyProfile(g: Graph, profile: RuntimeProfile): Graph {
  const nodes = g.nodes.map((n): Node => {
    const p = rulesFor(profile, n, g);
    switch (n.op) {
      case "conv2d":
        if (n.epilogue.kind !== "requant") return n;
        return { ...n, epilogue: { ...n.epilogue, requant: macRequant(n, g, n.epilogue.requant, isDepthwise(n, g) ? p.depthwise : p.conv, p) } };
      case "matmul":
        if (n.epilogue.kind !== "requant") return n;
        return { ...n, epilogue: { ...n.epilogue, requant: macRequant(n, g, n.epilogue.requant, p.fullyConnected, p) } };
      case "avgpool":
        // TFLite's integer mean of the window becomes QLinearAveragePool's float32 one (valid taps counted).
        return p.avgPool === "float" && n.rescale === undefined ? { ...n, rescale: { kind: "float", countIncludePad: false } } : n;
      case "quantize":
        return p.quantize === undefined ? n : { ...n, rounding: p.quantize };
      case "add":
        return addWith(n, g, p.add);
      case "mul":
        return mulWith(n, g, p.add);
      case "softmax":
        return { ...n, variant: p.softmax };
      case "lut":
        return rebuildLut(n, g, n.source.fn === "leaky-relu" ? p.leakyRelu : p.activation);
      case "requantize":
        return requantizeWith(n, g, p.requantize);
      case "global-avgpool":
        return meanWith(n, g, p);
      default:
        return n;
    }
  });
  return { ...g, nodes };
}

/**
 * A mean under a forced mode: its requantizer converted; the float rule becomes a requantized sum with the
 * real multiplier f32(s_in / f32(s_out·n)) in that mode (as a float add becomes TFLite's fixed-point add).
 */
function meanForced(n: GlobalAvgPoolNode, g: Graph, mode: RoundingMode): GlobalAvgPoolNode {
  const m = n.mean;
  switch (m.rule) {
    case "truncate":
      return n;
    case "requant":
    case "requant-bias":
      return { ...n, mean: { ...m, requant: convertRequantizer(m.requant, mode) } };
    case "float": {
      const q = meanScales(n, g);
      return q === undefined ? n : { ...n, mean: { rule: "requant", requant: requantizerFromReal([globalAvgPoolScale(q.sIn, q.sOut, q.n)], mode) } };
    }
    default: {
      const never: never = m;
      return never;
    }
  }
}

/** Force one rounding mode on every requantization (applied after a profile). */
export function forceRounding(g: Graph, mode: RoundingMode): Graph {
  const nodes = g.nodes.map((n): Node => {
    switch (n.op) {
      case "conv2d":
      case "matmul":
        return n.epilogue.kind === "requant" ? { ...n, epilogue: { ...n.epilogue, requant: convertRequantizer(n.epilogue.requant, mode) } } : n;
      case "add":
        return addWith(n, g, mode === "onnx" ? "float" : mode);
      case "mul":
        return mulWith(n, g, mode === "onnx" ? "float" : mode);
      case "requantize":
        return { ...n, requant: convertRequantizer(n.requant, mode) };
      case "global-avgpool":
        return meanForced(n, g, mode);
      default:
        return n;
    }
  });
  return { ...g, nodes };
}
