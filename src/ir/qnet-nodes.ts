/** Reading the nodes of a *.qnet.json: per-op keys (unknown keys are errors), defaults, derivations. */
import { type DType, parseDType } from "./dtype.js";
import type { Value } from "./graph.js";
import type { JsonReader } from "./json-reader.js";
import { type Epilogue, type Layout, type LutFunction, MEAN_RULES, type MeanRule, type Node, OP_TYPES, type OpType } from "./ops.js";
import type { MeanRecipe } from "./profiles.js";
import type { QnetResolvers } from "./qnet-read.js";
import { perChannelScales, scalarQuant } from "./quant-params.js";
import { FIXED_MODES, ROUNDING_MODES, type RealRule, type Requantizer, addRealMultipliers, layerRealMultipliers } from "./requant.js";

const COMMON = ["name", "op", "inputs", "outputs"];
const POOL = ["layout", "kernel", "strides", "pads", "clampMin", "clampMax"];
const KEYS: Record<OpType, readonly string[]> = {
  conv2d: ["layout", "strides", "dilations", "pads", "groups", "epilogue"],
  matmul: ["transB", "epilogue"],
  add: ["rescale", "clampMin", "clampMax"],
  mul: ["rescale", "clampMin", "clampMax"],
  avgpool: [...POOL, "rescale"],
  maxpool: POOL,
  "global-avgpool": ["layout", "keepDims", "mean", "clampMin", "clampMax"],
  pad: ["pads", "value"],
  reshape: ["shape"],
  transpose: ["perm"],
  concat: ["axis"],
  clamp: ["min", "max"],
  lut: ["table", "function"],
  softmax: ["variant", "beta"],
  quantize: ["rounding"],
  dequantize: [],
  requantize: ["requant"],
  cast: ["to"],
  "dynamic-quantize": [],
};
const RULES: readonly RealRule[] = ["double-product", "float-product", "onnx"];

interface Ctx {
  readonly r: JsonReader;
  readonly at: string;
  readonly o: Record<string, unknown>;
  readonly ins: readonly (Value | undefined)[];
  readonly outs: readonly (Value | undefined)[];
  readonly res: QnetResolvers;
}

function scaleOf(c: Ctx, v: Value | undefined, role: string): number | undefined {
  const s = v?.quant === undefined ? undefined : scalarQuant(v.quant);
  if (s === undefined) c.r.fail(c.at, `deriving a requantizer needs a per-tensor scale on the ${role}${v ? ` "${v.name}"` : ""}`);
  return s?.scale;
}

/** Requantizer: integers given, reals given, or derived from scales by a named rule. */
function readRequant(c: Ctx, v: unknown, path: string, derive: (rule: RealRule) => number[] | undefined): Requantizer | undefined {
  const { r } = c;
  const o = r.object(v, path, ["mode", "multiplier", "shift", "scale", "real", "derive"]);
  if (o === undefined) return undefined;
  const mode = r.oneOf(o["mode"], `${path}.mode`, ROUNDING_MODES);
  if (mode === undefined) return undefined;
  if (o["derive"] !== undefined) {
    const rule = r.oneOf(o["derive"], `${path}.derive`, RULES);
    const real = rule === undefined ? undefined : derive(rule);
    return real === undefined ? undefined : c.res.requant(real, mode);
  }
  const real = o["real"] === undefined ? undefined : r.numbers(o["real"], `${path}.real`);
  if (mode === "onnx" && o["scale"] !== undefined) {
    const scale = r.numbers(o["scale"], `${path}.scale`);
    if (scale === undefined) return undefined;
    return { mode, scale: Float32Array.from(scale), real: Float64Array.from(real ?? scale) };
  }
  if (mode !== "onnx" && o["multiplier"] !== undefined) {
    const m = r.ints(o["multiplier"], `${path}.multiplier`, undefined, 0, 2147483647);
    const s = r.ints(o["shift"], `${path}.shift`, m?.length, -31, 31);
    if (m === undefined || s === undefined) return undefined;
    const reals = real ?? m.map((x, i) => x * 2 ** (s[i]! - 31));
    return { mode: mode as (typeof FIXED_MODES)[number], multiplier: Int32Array.from(m), shift: Int32Array.from(s), real: Float64Array.from(reals) };
  }
  if (real !== undefined) return c.res.requant(real, mode);
  r.fail(path, "needs integers (multiplier/shift, or scale for onnx), real multipliers, or a derive rule");
  return undefined;
}

/** Real multipliers of a MAC layer from its input, weight and output scales. */
function macReals(c: Ctx, rule: RealRule): number[] | undefined {
  const sIn = scaleOf(c, c.ins[0], "input");
  const sOut = scaleOf(c, c.outs[0], "output");
  const w = c.ins[1];
  if (w?.quant === undefined || w.quant.kind === "block") {
    c.r.fail(c.at, "deriving a requantizer needs per-tensor, per-channel or per-group weight scales");
    return undefined;
  }
  if (sIn === undefined || sOut === undefined) return undefined;
  const channels = w.quant.kind === "tensor" ? 1 : (w.shape[w.quant.axis] ?? 1);
  return layerRealMultipliers(sIn, perChannelScales(w.quant, channels), sOut, rule);
}

function activationRange(c: Ctx, act: unknown, path: string): [number, number] | undefined {
  const a = c.r.oneOf(act, path, ["none", "relu", "relu6", "relu-n1-to-1"] as const);
  const out = c.outs[0];
  const q = out?.quant === undefined ? undefined : scalarQuant(out.quant);
  if (a === undefined || out === undefined || out.dtype === "float32") return undefined;
  const lo = out.dtype.signed ? -(2 ** (out.dtype.bits - 1)) : 0;
  const hi = out.dtype.signed ? 2 ** (out.dtype.bits - 1) - 1 : 2 ** out.dtype.bits - 1;
  if (a === "none") return [lo, hi];
  if (q === undefined) {
    c.r.fail(path, "a fused activation needs the output's per-tensor scale");
    return undefined;
  }
  // TFLite CalculateActivationRangeQuantized: Q(f) = zp + round(f / s), clipped to the type.
  const Q = (f: number): number => q.zeroPoint + Math.round(f / q.scale);
  if (a === "relu") return [Math.max(lo, Q(0)), hi];
  if (a === "relu6") return [Math.max(lo, Q(0)), Math.min(hi, Q(6))];
  return [Math.max(lo, Q(-1)), Math.min(hi, Q(1))];
}

function clampRange(c: Ctx, path: string, minKey: string, maxKey: string): [number, number] | undefined {
  const out = c.outs[0];
  const full: [number, number] = out === undefined || out.dtype === "float32" ? [-2147483648, 2147483647] : [out.dtype.signed ? -(2 ** (out.dtype.bits - 1)) : 0, out.dtype.signed ? 2 ** (out.dtype.bits - 1) - 1 : 2 ** out.dtype.bits - 1];
  const lo = c.o[minKey] === undefined ? full[0] : c.r.int(c.o[minKey], `${path}.${minKey}`);
  const hi = c.o[maxKey] === undefined ? full[1] : c.r.int(c.o[maxKey], `${path}.${maxKey}`);
  return lo === undefined || hi === undefined ? undefined : [lo, hi];
}

function readEpilogue(c: Ctx, v: unknown, path: string): Epilogue | undefined {
  const { r } = c;
  const o = r.object(v, path, ["kind", "requant", "clampMin", "clampMax", "activation", "thresholds", "count", "negate", "outBias"]);
  if (o === undefined) return undefined;
  const kind = r.oneOf(o["kind"], `${path}.kind`, ["int32", "requant", "threshold"] as const);
  if (kind === "int32") return { kind };
  if (kind === "requant") {
    const requant = readRequant(c, o["requant"], `${path}.requant`, (rule) => macReals(c, rule));
    const inner: Ctx = { ...c, o };
    const range = o["activation"] !== undefined ? activationRange(c, o["activation"], `${path}.activation`) : clampRange(inner, path, "clampMin", "clampMax");
    return requant === undefined || range === undefined ? undefined : { kind, requant, clampMin: range[0], clampMax: range[1] };
  }
  if (kind === "threshold") {
    const count = r.int(o["count"], `${path}.count`, 1);
    const thresholds = r.ints(o["thresholds"], `${path}.thresholds`);
    const channels = count === undefined || thresholds === undefined ? 0 : thresholds.length / count;
    const negate = o["negate"] === undefined ? new Array<number>(channels).fill(0) : r.ints(o["negate"], `${path}.negate`, undefined, 0, 1);
    const outBias = o["outBias"] === undefined ? 0 : r.int(o["outBias"], `${path}.outBias`);
    if (count === undefined || thresholds === undefined || negate === undefined || outBias === undefined) return undefined;
    return { kind, thresholds: Int32Array.from(thresholds), count, negate: Uint8Array.from(negate), outBias };
  }
  return undefined;
}

const MEAN_DERIVES = ["truncate", "fold-count", "count-scale", "count-scale-bias", "float"] as const;

/** A mean recipe: `derive`, with a rounding `mode` where it builds a requantizer (fixed-point for fold-count). */
function readRecipe(c: Ctx, o: Record<string, unknown>, path: string): MeanRecipe | undefined {
  const derive = c.r.oneOf(o["derive"], `${path}.derive`, MEAN_DERIVES);
  switch (derive) {
    case undefined:
      return undefined;
    case "truncate":
    case "float":
      return { derive };
    case "fold-count": {
      const mode = c.r.oneOf(o["mode"], `${path}.mode`, FIXED_MODES);
      return mode === undefined ? undefined : { derive, mode };
    }
    case "count-scale":
    case "count-scale-bias": {
      const mode = c.r.oneOf(o["mode"], `${path}.mode`, ROUNDING_MODES);
      return mode === undefined ? undefined : { derive, mode };
    }
    default: {
      const never: never = derive;
      return never;
    }
  }
}

/**
 * A mean: given (`rule` with its integers) or derived (`derive` with a mode) from the values' scales.
 * Absent: truncation, allowed only where input and output share scale and zero point.
 */
function readMean(c: Ctx, v: unknown, path: string, layout: Layout): MeanRule | undefined {
  const { r } = c;
  const x = c.ins[0];
  const y = c.outs[0];
  const qx = x?.quant === undefined ? undefined : scalarQuant(x.quant);
  const qy = y?.quant === undefined ? undefined : scalarQuant(y.quant);
  if (v === undefined) {
    const same = qx !== undefined && qy !== undefined && qx.scale === qy.scale && qx.zeroPoint === qy.zeroPoint;
    if (!same && qx !== undefined && qy !== undefined) r.fail(path, "is required where input and output are quantized differently (truncation keeps the input's quantization)");
    return { rule: "truncate" };
  }
  const o = r.object(v, path, ["rule", "requant", "bias", "derive", "mode"]);
  if (o === undefined) return undefined;
  if (o["derive"] !== undefined) {
    const recipe = readRecipe(c, o, path);
    if (recipe === undefined) return undefined;
    if (qx === undefined || qy === undefined || x === undefined) {
      r.fail(path, "deriving a mean needs per-tensor scales on its input and output");
      return undefined;
    }
    const s = x.shape;
    const n = layout === "nchw" ? (s[2] ?? 1) * (s[3] ?? 1) : (s[1] ?? 1) * (s[2] ?? 1);
    return c.res.mean(recipe, { sIn: qx.scale, zpIn: qx.zeroPoint, sOut: qy.scale, zpOut: qy.zeroPoint, n });
  }
  const rule = r.oneOf(o["rule"], `${path}.rule`, MEAN_RULES);
  if (rule === undefined) return undefined;
  if (rule === "truncate" || rule === "float") return { rule };
  const no = (): undefined => (r.fail(`${path}.requant`, `give integers or reals here, or derive the whole mean ({"derive": …, "mode": …})`), undefined);
  const requant = readRequant(c, o["requant"], `${path}.requant`, no);
  if (requant === undefined) return undefined;
  if (rule === "requant") return { rule, requant };
  const bias = r.int(o["bias"], `${path}.bias`);
  return bias === undefined ? undefined : { rule, requant, bias };
}

/** `broken` names values that were declared but failed to parse (already reported). */
export function readNode(r: JsonReader, v: unknown, path: string, values: ReadonlyMap<string, Value>, broken: ReadonlySet<string>, res: QnetResolvers): Node | undefined {
  const pre = r.object(v, path, [...COMMON, ...new Set(Object.values(KEYS).flat())]);
  if (pre === undefined) return undefined;
  const op = r.oneOf(pre["op"], `${path}.op`, OP_TYPES);
  const name = r.string(pre["name"], `${path}.name`);
  if (op === undefined || name === undefined) return undefined;
  const at = `node "${name}" (${op})`;
  const o = r.object(v, at, [...COMMON, ...KEYS[op]])!;
  const inputs = r.array(o["inputs"], `${at}.inputs`, (x, p) => r.string(x, p));
  const outputs = r.array(o["outputs"], `${at}.outputs`, (x, p) => r.string(x, p));
  if (inputs === undefined || outputs === undefined) return undefined;
  // Unknown names first: derivations below read the named values.
  let dangling = false;
  for (const [list, field] of [[inputs, "inputs"], [outputs, "outputs"]] as const) {
    list.forEach((n, i) => {
      if (!values.has(n)) {
        if (!broken.has(n)) r.fail(`${at}.${field}[${i}]`, `refers to an unknown value "${n}"`);
        dangling = true;
      }
    });
  }
  if (dangling) return undefined;
  const c: Ctx = { r, at, o, ins: inputs.map((n) => values.get(n)), outs: outputs.map((n) => values.get(n)), res };
  const base = { name, inputs, outputs };
  const layout = (): Layout | undefined => (o["layout"] === undefined ? "nhwc" : r.oneOf(o["layout"], `${at}.layout`, ["nhwc", "nchw"] as const));
  const pair = (k: string, dflt: [number, number]): [number, number] | undefined => (o[k] === undefined ? dflt : (r.ints(o[k], `${at}.${k}`, 2, 1) as [number, number] | undefined));
  const pads4 = (): [number, number, number, number] | undefined => (o["pads"] === undefined ? [0, 0, 0, 0] : (r.ints(o["pads"], `${at}.pads`, 4, 0) as [number, number, number, number] | undefined));
  const all = <T extends object>(n: T): T | undefined => (Object.values(n).some((x) => x === undefined) ? undefined : n);
  switch (op) {
    case "conv2d":
      return all({ ...base, op, layout: layout()!, strides: pair("strides", [1, 1])!, dilations: pair("dilations", [1, 1])!, pads: pads4()!, groups: o["groups"] === undefined ? 1 : r.int(o["groups"], `${at}.groups`, 1)!, epilogue: readEpilogue(c, o["epilogue"], `${at}.epilogue`)! });
    case "matmul":
      return all({ ...base, op, transB: o["transB"] === undefined ? false : r.bool(o["transB"], `${at}.transB`)!, epilogue: readEpilogue(c, o["epilogue"], `${at}.epilogue`)! });
    case "add": {
      const ro = r.object(o["rescale"], `${at}.rescale`, ["kind", "leftShift", "in1", "in2", "out", "mode", "derive"]);
      const range = clampRange(c, at, "clampMin", "clampMax");
      if (ro === undefined || range === undefined) return undefined;
      const kind = r.oneOf(ro["kind"], `${at}.rescale.kind`, ["fixed", "float"] as const);
      if (kind === "float") return { ...base, op, rescale: { kind }, clampMin: range[0], clampMax: range[1] };
      if (kind === undefined) return undefined;
      const leftShift = ro["leftShift"] === undefined ? 20 : r.int(ro["leftShift"], `${at}.rescale.leftShift`, 0, 30);
      if (leftShift === undefined) return undefined;
      if (ro["derive"] !== undefined) {
        r.oneOf(ro["derive"], `${at}.rescale.derive`, ["tflite"] as const);
        const mode = r.oneOf(ro["mode"], `${at}.rescale.mode`, FIXED_MODES);
        const s1 = scaleOf(c, c.ins[0], "first input");
        const s2 = scaleOf(c, c.ins[1], "second input");
        const so = scaleOf(c, c.outs[0], "output");
        if (mode === undefined || s1 === undefined || s2 === undefined || so === undefined) return undefined;
        const [a, b, d] = addRealMultipliers(s1, s2, so, leftShift);
        return { ...base, op, rescale: { kind, leftShift, in1: res.requant([a], mode), in2: res.requant([b], mode), out: res.requant([d], mode) }, clampMin: range[0], clampMax: range[1] };
      }
      const no = (): undefined => (r.fail(`${at}.rescale`, "requantizers cannot be derived here"), undefined);
      const in1 = readRequant(c, ro["in1"], `${at}.rescale.in1`, no);
      const in2 = readRequant(c, ro["in2"], `${at}.rescale.in2`, no);
      const out = readRequant(c, ro["out"], `${at}.rescale.out`, no);
      return all({ ...base, op, rescale: all({ kind, leftShift, in1: in1!, in2: in2!, out: out! })!, clampMin: range[0], clampMax: range[1] });
    }
    case "mul": {
      const ro = r.object(o["rescale"], `${at}.rescale`, ["kind", "out"]);
      const range = clampRange(c, at, "clampMin", "clampMax");
      if (ro === undefined || range === undefined) return undefined;
      const kind = r.oneOf(ro["kind"], `${at}.rescale.kind`, ["fixed", "float"] as const);
      if (kind === "float") return { ...base, op, rescale: { kind }, clampMin: range[0], clampMax: range[1] };
      if (kind === undefined) return undefined;
      const out = readRequant(c, ro["out"], `${at}.rescale.out`, () => {
        const s1 = scaleOf(c, c.ins[0], "first input");
        const s2 = scaleOf(c, c.ins[1], "second input");
        const so = scaleOf(c, c.outs[0], "output");
        return s1 === undefined || s2 === undefined || so === undefined ? undefined : [(s1 * s2) / so];
      });
      return out === undefined ? undefined : { ...base, op, rescale: { kind, out }, clampMin: range[0], clampMax: range[1] };
    }
    case "avgpool":
    case "maxpool": {
      const kernel = r.ints(o["kernel"], `${at}.kernel`, 2, 1) as [number, number] | undefined;
      const range = clampRange(c, at, "clampMin", "clampMax");
      if (range === undefined) return undefined;
      const node = all({ ...base, op, layout: layout()!, kernel: kernel!, strides: pair("strides", kernel ?? [1, 1])!, pads: pads4()!, clampMin: range[0], clampMax: range[1] });
      if (op === "maxpool" || node === undefined || o["rescale"] === undefined) return node;
      const ro = r.object(o["rescale"], `${at}.rescale`, ["kind", "countIncludePad"]);
      const kind = ro === undefined ? undefined : r.oneOf(ro["kind"], `${at}.rescale.kind`, ["float"] as const);
      const cip = ro?.["countIncludePad"] === undefined ? false : r.bool(ro["countIncludePad"], `${at}.rescale.countIncludePad`);
      return kind === undefined || cip === undefined ? undefined : { ...node, rescale: { kind, countIncludePad: cip } };
    }
    case "global-avgpool": {
      const range = clampRange(c, at, "clampMin", "clampMax");
      const keepDims = o["keepDims"] === undefined ? true : r.bool(o["keepDims"], `${at}.keepDims`);
      const lay = layout();
      const mean = lay === undefined ? undefined : readMean(c, o["mean"], `${at}.mean`, lay);
      if (range === undefined || keepDims === undefined || lay === undefined || mean === undefined) return undefined;
      return { ...base, op, layout: lay, keepDims, mean, clampMin: range[0], clampMax: range[1] };
    }
    case "pad": {
      const zp = c.ins[0]?.quant === undefined ? 0 : (scalarQuant(c.ins[0].quant)?.zeroPoint ?? 0);
      return all({ ...base, op, pads: r.ints(o["pads"], `${at}.pads`, undefined, 0)!, value: o["value"] === undefined ? zp : r.int(o["value"], `${at}.value`)! });
    }
    case "reshape":
      return all({ ...base, op, shape: r.ints(o["shape"], `${at}.shape`, undefined, 0)! });
    case "transpose":
      return all({ ...base, op, perm: r.ints(o["perm"], `${at}.perm`, undefined, 0)! });
    case "concat":
      return all({ ...base, op, axis: r.int(o["axis"], `${at}.axis`, 0)! });
    case "clamp":
      return all({ ...base, op, min: r.int(o["min"], `${at}.min`)!, max: r.int(o["max"], `${at}.max`)! });
    case "lut": {
      if (o["table"] !== undefined) {
        const table = r.ints(o["table"], `${at}.table`);
        return table === undefined ? undefined : { ...base, op, table: Int32Array.from(table), source: { fn: "custom", builder: "given" } };
      }
      const f = r.object(o["function"], `${at}.function`, ["fn", "alpha", "builder"]);
      if (f === undefined) return undefined;
      const fn = r.oneOf(f["fn"], `${at}.function.fn`, ["sigmoid", "tanh", "leaky-relu"] as const);
      const builder = f["builder"] === undefined ? "float" : r.oneOf(f["builder"], `${at}.function.builder`, ["float", "fixed-point", "xnnpack"] as const);
      const alpha = f["alpha"] === undefined ? undefined : r.number(f["alpha"], `${at}.function.alpha`);
      const inV = c.ins[0];
      const outV = c.outs[0];
      if (fn === undefined || builder === undefined || inV === undefined || outV === undefined) return undefined;
      const source: LutFunction = { fn, builder, ...(alpha === undefined ? {} : { alpha }) };
      return { ...base, op, table: res.lut(source, inV, outV), source };
    }
    case "softmax":
      return all({ ...base, op, variant: r.oneOf(o["variant"], `${at}.variant`, ["fixed-point", "lookup-table", "onnxruntime"] as const)!, beta: o["beta"] === undefined ? 1 : r.number(o["beta"], `${at}.beta`)! });
    case "quantize":
      return all({ ...base, op, rounding: o["rounding"] === undefined ? "half-even" : r.oneOf(o["rounding"], `${at}.rounding`, ["half-even", "half-away"] as const)! });
    case "dequantize":
    case "dynamic-quantize":
      return { ...base, op };
    case "requantize": {
      const requant = readRequant(c, o["requant"], `${at}.requant`, () => {
        const a = scaleOf(c, c.ins[0], "input");
        const b = scaleOf(c, c.outs[0], "output");
        return a === undefined || b === undefined ? undefined : [a / b];
      });
      return requant === undefined ? undefined : { ...base, op, requant };
    }
    case "cast": {
      const to: DType | undefined = typeof o["to"] === "string" ? parseDType(o["to"]) : undefined;
      if (to === undefined) r.fail(`${at}.to`, "unknown dtype", o["to"]);
      return to === undefined ? undefined : { ...base, op, to };
    }
    default: {
      const never: never = op;
      return never;
    }
  }
}

