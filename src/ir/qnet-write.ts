/**
 * Graph → *.qnet.json text. Deterministic: fixed key order, constants inline as base64 (or, with
 * `synthetic`, left out and marked for regeneration from the seed), requantizers with their integers and
 * the real multipliers they came from, so the file reloads to an identical graph.
 */
import { dtypeName } from "./dtype.js";
import type { Graph, Value } from "./graph.js";
import type { Epilogue, MeanRule, Node } from "./ops.js";
import { QNET_FORMAT, QNET_VERSION } from "./qnet-read.js";
import type { QuantParams } from "./quant-params.js";
import type { Requantizer } from "./requant.js";
import { encodeTensorData, toBase64 } from "./tensor-bytes.js";

type J = null | boolean | number | string | J[] | { [k: string]: J };

function quantJson(q: QuantParams): J {
  switch (q.kind) {
    case "tensor":
      return { scale: q.scale, zeroPoint: q.zeroPoint };
    case "channel":
      return { axis: q.axis, scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
    case "group":
      return { axis: q.axis, groupSize: q.groupSize, scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
    case "block":
      return { axis: q.axis, blockSize: q.blockSize, scale: [...q.scale], zeroPoint: [...q.zeroPoint] };
    default: {
      const never: never = q;
      return never;
    }
  }
}

export function requantJson(r: Requantizer): J {
  if (r.mode === "onnx") return { mode: r.mode, scale: Array.from(r.scale), real: Array.from(r.real) };
  return { mode: r.mode, multiplier: Array.from(r.multiplier), shift: Array.from(r.shift), real: Array.from(r.real) };
}

function meanJson(m: MeanRule): J {
  switch (m.rule) {
    case "truncate":
    case "float":
      return { rule: m.rule };
    case "requant":
      return { rule: m.rule, requant: requantJson(m.requant) };
    case "requant-bias":
      return { rule: m.rule, requant: requantJson(m.requant), bias: m.bias };
    default: {
      const never: never = m;
      return never;
    }
  }
}

function epilogueJson(e: Epilogue): J {
  switch (e.kind) {
    case "int32":
      return { kind: e.kind };
    case "requant":
      return { kind: e.kind, requant: requantJson(e.requant), clampMin: e.clampMin, clampMax: e.clampMax };
    case "threshold":
      return { kind: e.kind, count: e.count, thresholds: Array.from(e.thresholds), negate: Array.from(e.negate), outBias: e.outBias };
    default: {
      const never: never = e;
      return never;
    }
  }
}

function nodeJson(n: Node): J {
  const base = { name: n.name, op: n.op, inputs: [...n.inputs], outputs: [...n.outputs] };
  switch (n.op) {
    case "conv2d":
      return { ...base, layout: n.layout, strides: [...n.strides], dilations: [...n.dilations], pads: [...n.pads], groups: n.groups, epilogue: epilogueJson(n.epilogue) };
    case "matmul":
      return { ...base, transB: n.transB, epilogue: epilogueJson(n.epilogue) };
    case "add": {
      const rescale: J =
        n.rescale.kind === "float"
          ? { kind: "float" }
          : { kind: "fixed", leftShift: n.rescale.leftShift, in1: requantJson(n.rescale.in1), in2: requantJson(n.rescale.in2), out: requantJson(n.rescale.out) };
      return { ...base, rescale, clampMin: n.clampMin, clampMax: n.clampMax };
    }
    case "mul": {
      const rescale: J = n.rescale.kind === "float" ? { kind: "float" } : { kind: "fixed", out: requantJson(n.rescale.out) };
      return { ...base, rescale, clampMin: n.clampMin, clampMax: n.clampMax };
    }
    case "avgpool":
    case "maxpool": {
      const pool = { ...base, layout: n.layout, kernel: [...n.kernel], strides: [...n.strides], pads: [...n.pads], clampMin: n.clampMin, clampMax: n.clampMax };
      return n.op === "avgpool" && n.rescale !== undefined ? { ...pool, rescale: { kind: n.rescale.kind, countIncludePad: n.rescale.countIncludePad } } : pool;
    }
    case "global-avgpool":
      return { ...base, layout: n.layout, keepDims: n.keepDims, mean: meanJson(n.mean), clampMin: n.clampMin, clampMax: n.clampMax };
    case "pad":
      return { ...base, pads: [...n.pads], value: n.value };
    case "reshape":
      return { ...base, shape: [...n.shape] };
    case "transpose":
      return { ...base, perm: [...n.perm] };
    case "concat":
      return { ...base, axis: n.axis };
    case "clamp":
      return { ...base, min: n.min, max: n.max };
    case "lut":
      // The table is written out even when a function built it: reloading must not depend on the builder.
      return { ...base, table: Array.from(n.table) };
    case "softmax":
      return { ...base, variant: n.variant, beta: n.beta };
    case "quantize":
      return { ...base, rounding: n.rounding };
    case "requantize":
      return { ...base, requant: requantJson(n.requant) };
    case "cast":
      return { ...base, to: dtypeName(n.to) };
    case "dequantize":
    case "dynamic-quantize":
      return base;
    default: {
      const never: never = n;
      return never;
    }
  }
}

function valueJson(v: Value, synthetic: boolean): J {
  const o: { [k: string]: J } = { name: v.name, dtype: dtypeName(v.dtype), shape: [...v.shape] };
  if (v.quant) o["quant"] = quantJson(v.quant);
  if (v.data !== undefined) {
    if (synthetic) o["init"] = "synthetic";
    else o["data"] = toBase64(encodeTensorData(v.dtype, v.data));
  }
  return o;
}

export interface WriteOptions {
  /** Leave constants out and mark them synthetic (needs `seed`). */
  readonly synthetic?: boolean;
  readonly seed?: number;
}

/** Compact but line-per-value/node JSON, stable across runs. */
export function serializeQnet(g: Graph, options: WriteOptions = {}): string {
  const synthetic = options.synthetic === true;
  const head: { [k: string]: J } = { format: QNET_FORMAT, version: QNET_VERSION, name: g.name };
  if (g.description !== undefined) head["description"] = g.description;
  if (options.seed !== undefined) head["seed"] = options.seed;
  head["inputs"] = [...g.inputs];
  head["outputs"] = [...g.outputs];
  const lines = [
    "{",
    ...Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`),
    '  "values": [',
    [...g.values.values()].map((v) => `    ${JSON.stringify(valueJson(v, synthetic))}`).join(",\n"),
    "  ],",
    '  "nodes": [',
    g.nodes.map((n) => `    ${JSON.stringify(nodeJson(n))}`).join(",\n"),
    "  ]",
    "}",
    "",
  ];
  return lines.join("\n");
}
