/**
 * `*.arch.yaml` → ArchSpec. Every problem in the file is collected before failing (SpecError with the
 * path, the value given and what is allowed); unknown keys are errors; units are converted here, once.
 * The schema and the unit of every key are documented in docs/arch-yaml.md.
 */
import { YAMLParseError, parse } from "yaml";
import { type Problem, SpecError } from "../errors.js";
import { readCostSpec } from "./cost-spec.js";
import { deriveParams, holderOf } from "./derive.js";
import { DATAFLOW_EXTRA_KEYS, VECTOR_EXTRA_KEYS, checkCacheGeometry, readDataflow, readFlash, readKernel } from "./load-sim2.js";
import { type Obj, checkKeys, isObj, join, missing, readBool, readEnum, readInt, readObj, readQuantity, readString, show } from "./fields.js";
import {
  type ArchSpec,
  BUFFER_NAMES,
  type BufferName,
  type BufferSpec,
  type CacheReplacement,
  type CacheSpec,
  type CacheWritePolicy,
  type ComputeSpec,
  DATAFLOWS,
  type DramSpec,
  OPERANDS,
  type Overflow,
  PRECISION_MODES,
  type PipelineSpec,
  type PrecisionSpec,
} from "./types.js";

const TOP_KEYS = ["version", "name", "description", "clock", "compute", "buffers", "dram", "caches", "tech", "cost", "flash"];
const COMPUTE_COMMON = ["kind", "precision", "accumulatorBits", "overflow", "pipeline"];
const SYSTOLIC_KEYS = [...COMPUTE_COMMON, "rows", "cols", "dataflow"];
const VECTOR_KEYS = [...COMPUTE_COMMON, "lanes", ...VECTOR_EXTRA_KEYS];
const DATAFLOW_KEYS = [...COMPUTE_COMMON, ...DATAFLOW_EXTRA_KEYS];
const PRECISION_KEYS = ["mode", "maxBits", "minBits", "packing", "depth"];
const PIPELINE_KEYS = ["fillCycles", "drainCycles", "perTileOverheadCycles"];
const BUFFER_KEYS = ["size", "banks", "portBits", "doubleBuffered", "wordBits", "resident"];
const DRAM_KEYS = ["bandwidth", "readBandwidth", "writeBandwidth", "latency", "burst", "energyPerBit"];
const CACHE_KEYS = ["name", "size", "line", "ways", "replacement", "write", "hitLatency"];
const REPLACEMENTS: readonly CacheReplacement[] = ["lru", "plru", "fifo", "random"];
const WRITE_POLICIES: readonly CacheWritePolicy[] = ["back-allocate", "through-no-allocate", "through-allocate", "back-no-allocate"];

function readPrecision(c: Obj, problems: Problem[]): PrecisionSpec | undefined {
  const p = readObj(c, "precision", "compute", problems, true);
  if (p === undefined) return undefined;
  const at = "compute.precision";
  checkKeys(p, at, PRECISION_KEYS, problems);
  const mode = readEnum(p, "mode", at, problems, PRECISION_MODES, true);
  const maxBits = readInt(p, "maxBits", at, problems, { max: 32, required: true });
  const needsMin = mode === "int4-packing" || mode === "bit-fusion";
  let minBits = readInt(p, "minBits", at, problems, { max: 32, required: needsMin });
  if (mode === undefined || maxBits === undefined) return undefined;
  minBits ??= mode === "fixed" ? maxBits : 1;
  if (minBits > maxBits) problems.push({ path: join(at, "minBits"), message: "is larger than maxBits", given: String(minBits), expected: `at most ${maxBits}` });
  let packing = readInt(p, "packing", at, problems, { max: 64 });
  if (packing !== undefined && mode !== "int4-packing") {
    problems.push({ path: join(at, "packing"), message: `applies to mode int4-packing only, not ${mode}`, given: String(packing) });
  }
  packing ??= mode === "int4-packing" ? Math.max(1, Math.floor(maxBits / minBits)) : 1;
  const needsDepth = mode === "bit-serial" || mode === "xnor";
  let depth = readInt(p, "depth", at, problems, { max: 1 << 16, required: needsDepth });
  if (depth !== undefined && !(needsDepth || mode === "act-serial")) {
    problems.push({ path: join(at, "depth"), message: `applies to modes bit-serial, act-serial and xnor only, not ${mode}`, given: String(depth) });
  }
  if (needsDepth && depth === undefined) return undefined;
  depth ??= 1;
  return { mode, maxBits, minBits, packing, depth };
}

function readPipeline(c: Obj, problems: Problem[]): PipelineSpec {
  const p = readObj(c, "pipeline", "compute", problems, false) ?? {};
  checkKeys(p, "compute.pipeline", PIPELINE_KEYS, problems);
  const r = (k: string) => readInt(p, k, "compute.pipeline", problems, { min: 0 }) ?? 0;
  return { fillCycles: r("fillCycles"), drainCycles: r("drainCycles"), perTileOverheadCycles: r("perTileOverheadCycles") };
}

function readCompute(doc: Obj, problems: Problem[]): ComputeSpec | undefined {
  const c = readObj(doc, "compute", "", problems, true);
  if (c === undefined) return undefined;
  const kind = readEnum(c, "kind", "compute", problems, ["systolic", "vector", "dataflow"] as const, true);
  checkKeys(c, "compute", kind === "vector" ? VECTOR_KEYS : kind === "systolic" ? SYSTOLIC_KEYS : kind === "dataflow" ? DATAFLOW_KEYS : [...new Set([...SYSTOLIC_KEYS, ...VECTOR_KEYS, ...DATAFLOW_KEYS])], problems);
  const precision = readPrecision(c, problems);
  const accumulatorBits = readInt(c, "accumulatorBits", "compute", problems, { max: 64 }) ?? 32;
  const overflow: Overflow = readEnum(c, "overflow", "compute", problems, ["wrap", "saturate"] as const, false) ?? "wrap";
  const pipeline = readPipeline(c, problems);
  if (kind === "systolic") {
    const rows = readInt(c, "rows", "compute", problems, { max: 1 << 16, required: true });
    const cols = readInt(c, "cols", "compute", problems, { max: 1 << 16, required: true });
    const dataflow = readEnum(c, "dataflow", "compute", problems, DATAFLOWS, true);
    if (rows === undefined || cols === undefined || dataflow === undefined || precision === undefined) return undefined;
    return { kind, rows, cols, dataflow, precision, accumulatorBits, overflow, pipeline };
  }
  if (kind === "vector") {
    const lanes = readInt(c, "lanes", "compute", problems, { max: 1 << 20, required: true });
    const kernel = readKernel(c, problems);
    if (lanes === undefined || precision === undefined) return undefined;
    return { kind, lanes, kernel, precision, accumulatorBits, overflow, pipeline };
  }
  if (kind === "dataflow") return readDataflow(c, { precision, accumulatorBits, overflow, pipeline }, problems);
  return undefined;
}

function readBuffers(doc: Obj, accumulatorBits: number, problems: Problem[]): Partial<Record<BufferName, BufferSpec>> | undefined {
  const b = readObj(doc, "buffers", "", problems, true);
  if (b === undefined) return undefined;
  checkKeys(b, "buffers", BUFFER_NAMES, problems);
  const out: Partial<Record<BufferName, BufferSpec>> = {};
  let ok = true;
  for (const name of BUFFER_NAMES) {
    const at = join("buffers", name);
    const o = readObj(b, name, "buffers", problems, false);
    if (o === undefined) continue;
    checkKeys(o, at, BUFFER_KEYS, problems);
    const sizeBytes = readQuantity(o, "size", at, problems, "size", { required: true, integer: true });
    const banks = readInt(o, "banks", at, problems, { max: 4096 }) ?? 1;
    const portBits = readInt(o, "portBits", at, problems, { max: 1 << 20, required: true });
    const doubleBuffered = readBool(o, "doubleBuffered", at, problems) ?? false;
    const wb = readInt(o, "wordBits", at, problems, { max: 64 });
    if (wb !== undefined && (name === "weights" || name === "inputs")) {
      problems.push({ path: join(at, "wordBits"), message: "applies to the buffers holding partial sums (outputs, unified) only", given: String(wb) });
    }
    const resident = readBool(o, "resident", at, problems) ?? false;
    if (resident && name !== "weights") {
      problems.push({ path: join(at, "resident"), message: "applies to the weights buffer only (the other operands change with every input)", given: "true", expected: "buffers.weights.resident" });
    } else if (resident && doubleBuffered) {
      problems.push({ path: join(at, "resident"), message: "and doubleBuffered exclude each other: resident weights are never refilled", given: "resident: true, doubleBuffered: true", expected: "doubleBuffered: false (or absent)" });
    }
    if (sizeBytes === undefined || portBits === undefined) {
      ok = false;
      continue;
    }
    // `resident` only when set, so specs without it keep their shape.
    out[name] = { name, sizeBytes, banks, portBits, doubleBuffered, wordBits: wb ?? accumulatorBits, ...(resident ? { resident } : {}) };
  }
  for (const op of OPERANDS) {
    if (holderOf(out, op) === undefined && b[op] === undefined && b["unified"] === undefined) {
      problems.push({ path: "buffers", message: `no buffer holds the ${op}`, expected: `buffers.${op} or buffers.unified` });
      ok = false;
    }
  }
  if (out.unified !== undefined && OPERANDS.every((op) => out[op] !== undefined)) {
    problems.push({ path: "buffers.unified", message: "holds no operand: weights, inputs and outputs each have their own buffer", expected: "remove it, or drop one of the per-operand buffers" });
  }
  return ok ? out : undefined;
}

function readDram(doc: Obj, problems: Problem[]): DramSpec | undefined {
  const d = readObj(doc, "dram", "", problems, true);
  if (d === undefined) return undefined;
  checkKeys(d, "dram", DRAM_KEYS, problems);
  const bw = readQuantity(d, "bandwidth", "dram", problems, "bandwidth");
  const rd = readQuantity(d, "readBandwidth", "dram", problems, "bandwidth");
  const wr = readQuantity(d, "writeBandwidth", "dram", problems, "bandwidth");
  const latencyS = readQuantity(d, "latency", "dram", problems, "time", { required: true, zero: true });
  const burstBytes = readQuantity(d, "burst", "dram", problems, "size", { integer: true }) ?? 1;
  const energyPerBitJ = readQuantity(d, "energyPerBit", "dram", problems, "energy", { zero: true });
  const given = (k: string) => d[k] !== undefined && d[k] !== null;
  const separate = given("readBandwidth") || given("writeBandwidth");
  if (given("bandwidth") && separate) {
    problems.push({ path: "dram", message: "gives both a shared bandwidth and separate read/write bandwidths", expected: "either bandwidth, or readBandwidth and writeBandwidth" });
    return undefined;
  }
  if (!given("bandwidth") && !separate) return missing("dram.bandwidth", "a bandwidth, e.g. 12.8 GB/s (or readBandwidth and writeBandwidth)", problems);
  if (separate && !(given("readBandwidth") && given("writeBandwidth"))) {
    problems.push({ path: given("readBandwidth") ? "dram.writeBandwidth" : "dram.readBandwidth", message: "is required with separate read/write bandwidths", expected: "a bandwidth, e.g. 6.4 GB/s" });
    return undefined;
  }
  if (latencyS === undefined) return undefined;
  if (separate) {
    if (rd === undefined || wr === undefined) return undefined;
    return { sharedBandwidthBytesPerS: undefined, readBandwidthBytesPerS: rd, writeBandwidthBytesPerS: wr, latencyS, burstBytes, energyPerBitPj: energyPerBitJ === undefined ? undefined : energyPerBitJ * 1e12 };
  }
  if (bw === undefined) return undefined;
  return { sharedBandwidthBytesPerS: bw, readBandwidthBytesPerS: bw, writeBandwidthBytesPerS: bw, latencyS, burstBytes, energyPerBitPj: energyPerBitJ === undefined ? undefined : energyPerBitJ * 1e12 };
}

function readCaches(doc: Obj, problems: Problem[]): CacheSpec[] {
  const v = doc["caches"];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push({ path: "caches", message: "must be a list", given: show(v), expected: "[] or a list of { name, size, line, ways, … }" });
    return [];
  }
  const out: CacheSpec[] = [];
  const names = new Set<string>();
  v.forEach((c: unknown, i) => {
    const at = join("caches", i);
    if (!isObj(c)) {
      problems.push({ path: at, message: "must be a mapping of keys", given: show(c) });
      return;
    }
    checkKeys(c, at, CACHE_KEYS, problems);
    const name = readString(c, "name", at, problems, true);
    const sizeBytes = readQuantity(c, "size", at, problems, "size", { required: true, integer: true });
    const lineBytes = readQuantity(c, "line", at, problems, "size", { required: true, integer: true });
    const ways = readInt(c, "ways", at, problems, { max: 1024, required: true });
    const replacement = readEnum(c, "replacement", at, problems, REPLACEMENTS, false) ?? "lru";
    const write = readEnum(c, "write", at, problems, WRITE_POLICIES, false) ?? "back-allocate";
    const hitLatencyCycles = readInt(c, "hitLatency", at, problems, { min: 0, max: 1 << 20 }) ?? 1;
    if (name !== undefined) {
      if (names.has(name)) problems.push({ path: join(at, "name"), message: "repeats another cache's name", given: show(name) });
      names.add(name);
    }
    if (name === undefined || sizeBytes === undefined || lineBytes === undefined || ways === undefined) return;
    if (sizeBytes % (lineBytes * ways) !== 0) {
      problems.push({ path: join(at, "size"), message: "is not a whole number of sets (size / (line · ways))", given: `${sizeBytes} B / (${lineBytes} B · ${ways})`, expected: `a multiple of ${lineBytes * ways} B` });
      return;
    }
    const spec = { name, sizeBytes, lineBytes, ways, replacement, write, hitLatencyCycles };
    checkCacheGeometry(spec, at, problems);
    out.push(spec);
  });
  return out;
}

/** Validate a parsed document (the YAML already read). Throws SpecError listing every problem. */
export function archFromDocument(doc: unknown): ArchSpec {
  const problems: Problem[] = [];
  if (!isObj(doc)) throw new SpecError({ path: "", message: "an arch file must be a YAML mapping", given: show(doc), expected: "version: 1, name, clock, compute, buffers, dram" });
  checkKeys(doc, "", TOP_KEYS, problems);
  const keys = Object.keys(doc);
  if (doc["version"] === undefined) missing("version", "version: 1 as the first key", problems);
  else if (doc["version"] !== 1) problems.push({ path: "version", message: "is not a version quarch reads", given: show(doc["version"]), expected: "1" });
  else if (keys[0] !== "version") problems.push({ path: "version", message: "must be the first key", expected: "version: 1 on the first line" });
  const name = readString(doc, "name", "", problems, true);
  const description = readString(doc, "description", "", problems, false) ?? "";
  const clockHz = readQuantity(doc, "clock", "", problems, "frequency", { required: true });
  const compute = readCompute(doc, problems);
  const buffers = readBuffers(doc, compute?.accumulatorBits ?? 32, problems);
  const dram = readDram(doc, problems);
  const caches = readCaches(doc, problems);
  const flash = readFlash(doc, problems);
  const techRaw = doc["tech"];
  let tech: string | undefined;
  if (techRaw !== undefined && techRaw !== null) {
    if (typeof techRaw === "string" && /^[0-9]+nm$/.test(techRaw)) tech = techRaw;
    else problems.push({ path: "tech", message: "is not a technology node name", given: show(techRaw), expected: "a node such as 45nm (hw-models/tech/<node>.yaml)" });
  }
  const cost = readCostSpec(doc, dram?.energyPerBitPj !== undefined, problems);
  if (problems.length > 0 || name === undefined || clockHz === undefined || compute === undefined || buffers === undefined || dram === undefined) {
    throw new SpecError(problems.length > 0 ? problems : [{ path: "", message: "incomplete arch description" }]);
  }
  return { version: 1, name, description, clockHz, compute, buffers, dram, caches, ...(flash === undefined ? {} : { flash }), tech, cost, derived: deriveParams(clockHz, compute, buffers, dram) };
}

/** Parse and validate `*.arch.yaml` text (`source` names the file in messages). */
export function parseArch(text: string, source?: string): ArchSpec {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const before = text.slice(0, e.pos[0]);
      const line = before.split("\n").length;
      const col = e.pos[0] - before.lastIndexOf("\n");
      throw new SpecError({ path: `line ${line}, column ${col}`, message: `is not valid YAML (${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "")})` }, source);
    }
    throw e;
  }
  try {
    return archFromDocument(doc);
  } catch (e) {
    if (e instanceof SpecError && source !== undefined) throw new SpecError(e.problems, source);
    throw e;
  }
}

/** Like parseArch, returning the problems instead of throwing (Zod's safeParse). */
export function safeParseArch(text: string, source?: string): { ok: true; spec: ArchSpec } | { ok: false; problems: readonly Problem[] } {
  try {
    return { ok: true, spec: parseArch(text, source) };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, problems: e.problems };
    throw e;
  }
}
