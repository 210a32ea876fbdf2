/**
 * *.qnet.json → Graph. Every problem in the document is collected (with its JSON path and node name)
 * before one GraphError is thrown; the resulting graph is then verified as a whole.
 * Requantizers and lookup tables may be given as integers or derived at load time from the values'
 * scales; derivation needs quant/ (QuantizeMultiplier, LUT builders), so the caller passes resolvers.
 */
import { GraphError } from "../errors.js";
import { type DType, parseDType, product, qmax, qmin } from "./dtype.js";
import type { Graph, Value } from "./graph.js";
import { JsonReader } from "./json-reader.js";
import { readNode } from "./qnet-nodes.js";
import type { QuantParams } from "./quant-params.js";
import type { Requantizer, RoundingMode } from "./requant.js";
import type { LutFunction, MeanRule } from "./ops.js";
import type { MeanRecipe, MeanScales } from "./profiles.js";
import { syntheticData } from "./synthetic.js";
import { decodeTensorData, fromBase64 } from "./tensor-bytes.js";
import { verifyGraph } from "./verify.js";

export const QNET_FORMAT = "quarch.qnet";
export const QNET_VERSION = 1;

export interface QnetResolvers {
  /** Integer requantizer in `mode` from real multipliers (QuantizeMultiplier, or the onnx float32 scale). */
  readonly requant: (real: readonly number[], mode: RoundingMode) => Requantizer;
  /** A lookup table for `fn` between the given input and output values. */
  readonly lut: (fn: LutFunction, input: Value, output: Value) => Int32Array;
  /** A mean's rule and integers by a runtime's recipe (quant/mean.ts). */
  readonly mean: (recipe: MeanRecipe, scales: MeanScales) => MeanRule;
}

const TOP_KEYS = ["format", "version", "name", "description", "seed", "inputs", "outputs", "values", "nodes"];
const VALUE_KEYS = ["name", "dtype", "shape", "quant", "data", "init"];

function readQuant(r: JsonReader, v: unknown, path: string): QuantParams | undefined {
  const o = r.object(v, path, ["scale", "zeroPoint", "axis", "groupSize", "blockSize"]);
  if (o === undefined) return undefined;
  if (o["axis"] === undefined) {
    const scale = r.number(o["scale"], `${path}.scale`);
    const zeroPoint = o["zeroPoint"] === undefined ? 0 : r.int(o["zeroPoint"], `${path}.zeroPoint`);
    if (scale === undefined || zeroPoint === undefined) return undefined;
    return { kind: "tensor", scale: Math.fround(scale), zeroPoint };
  }
  const axis = r.int(o["axis"], `${path}.axis`, 0);
  const scale = r.numbers(o["scale"], `${path}.scale`);
  const zeroPoint = o["zeroPoint"] === undefined ? scale?.map(() => 0) : r.ints(o["zeroPoint"], `${path}.zeroPoint`);
  if (axis === undefined || scale === undefined || zeroPoint === undefined) return undefined;
  const s = scale.map((x) => Math.fround(x));
  if (o["groupSize"] !== undefined && o["blockSize"] !== undefined) {
    r.fail(path, "give groupSize or blockSize, not both");
    return undefined;
  }
  if (o["groupSize"] !== undefined) {
    const groupSize = r.int(o["groupSize"], `${path}.groupSize`, 1);
    return groupSize === undefined ? undefined : { kind: "group", axis, groupSize, scale: s, zeroPoint };
  }
  if (o["blockSize"] !== undefined) {
    const blockSize = r.int(o["blockSize"], `${path}.blockSize`, 1);
    return blockSize === undefined ? undefined : { kind: "block", axis, blockSize, scale: s, zeroPoint };
  }
  return { kind: "channel", axis, scale: s, zeroPoint };
}

function readValue(r: JsonReader, v: unknown, path: string, seed: number | undefined): Value | undefined {
  const o = r.object(v, path, VALUE_KEYS);
  if (o === undefined) return undefined;
  const name = r.string(o["name"], `${path}.name`);
  const at = name === undefined ? path : `value "${name}"`;
  let dtype: DType | undefined;
  if (typeof o["dtype"] === "string") dtype = parseDType(o["dtype"]);
  if (dtype === undefined) {
    r.fail(`${at}.dtype`, "unknown dtype", o["dtype"], "float32, binary, or int<bits>/uint<bits> with bits in 1..32");
  }
  const shape = r.ints(o["shape"], `${at}.shape`, undefined, 0);
  const quant = o["quant"] === undefined ? undefined : readQuant(r, o["quant"], `${at}.quant`);
  if (name === undefined || dtype === undefined || shape === undefined) return undefined;
  const base: Value = { name, dtype, shape, ...(quant ? { quant } : {}) };
  if (o["data"] !== undefined && o["init"] !== undefined) {
    r.fail(at, "give data or init, not both");
    return undefined;
  }
  if (o["data"] !== undefined) {
    const s = r.string(o["data"], `${at}.data`);
    if (s === undefined) return undefined;
    try {
      return { ...base, data: decodeTensorData(dtype, fromBase64(s, `${at}.data`), product(shape), `${at}.data`) };
    } catch (e) {
      if (e instanceof GraphError) r.problems.push(...e.problems);
      else throw e;
      return undefined;
    }
  }
  if (o["init"] !== undefined) {
    if (r.oneOf(o["init"], `${at}.init`, ["synthetic"] as const) === undefined) return undefined;
    if (seed === undefined) {
      r.fail(`${at}.init`, "synthetic data needs a top-level seed", undefined, '"seed": <integer>');
      return undefined;
    }
    return { ...base, data: syntheticData(dtype, product(shape), seed, name) };
  }
  return base;
}

/** Parse and verify a *.qnet.json document. */
export function parseQnet(text: string, resolvers: QnetResolvers): Graph {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new GraphError({ path: "", message: `is not valid JSON: ${(e as Error).message}` });
  }
  const r = new JsonReader();
  const o = r.object(doc, "$", TOP_KEYS);
  if (o === undefined) throw new GraphError(r.problems);
  if (o["format"] !== QNET_FORMAT) r.fail("$.format", "is not a quarch network", o["format"], `"${QNET_FORMAT}"`);
  if (o["version"] !== QNET_VERSION) r.fail("$.version", "unsupported version", o["version"], `${QNET_VERSION}`);
  if (r.problems.length > 0) throw new GraphError(r.problems);
  const name = r.string(o["name"], "$.name") ?? "network";
  const description = o["description"] === undefined ? undefined : r.string(o["description"], "$.description");
  const seed = o["seed"] === undefined ? undefined : r.int(o["seed"], "$.seed", 0, 2 ** 32 - 1);
  const inputs = r.array(o["inputs"], "$.inputs", (x, p) => r.string(x, p)) ?? [];
  const outputs = r.array(o["outputs"], "$.outputs", (x, p) => r.string(x, p)) ?? [];
  const values = new Map<string, Value>();
  const broken = new Set<string>();
  const rawValues = Array.isArray(o["values"]) ? o["values"] : (r.fail("$.values", "must be an array", o["values"]), []);
  rawValues.forEach((v, i) => {
    const val = readValue(r, v, `$.values[${i}]`, seed);
    if (val === undefined) {
      const name = (v as { name?: unknown } | null)?.name;
      if (typeof name === "string") broken.add(name);
      return;
    }
    if (values.has(val.name)) r.fail(`value "${val.name}"`, "is defined twice");
    values.set(val.name, val);
  });
  const rawNodes = Array.isArray(o["nodes"]) ? o["nodes"] : (r.fail("$.nodes", "must be an array", o["nodes"]), []);
  const nodes = rawNodes.flatMap((n, i) => {
    const node = readNode(r, n, `$.nodes[${i}]`, values, broken, resolvers);
    return node === undefined ? [] : [node];
  });
  if (r.problems.length > 0) throw new GraphError(r.problems);
  return verifyGraph({ name, values, nodes, inputs, outputs, ...(description === undefined ? {} : { description }) });
}

/** Default clamp range of an output value: its type's range. */
export function typeRange(v: Value | undefined): [number, number] {
  if (v === undefined || v.dtype === "float32") return [-2147483648, 2147483647];
  return [qmin(v.dtype), qmax(v.dtype)];
}
