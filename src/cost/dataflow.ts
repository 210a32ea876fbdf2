/**
 * FINN-style dataflow archs have no fixed PE array: the simulator chooses each layer's engine folding
 * (PE × SIMD, `result.dataflow.layers[]`, simulator part 2). Read structurally, like cache counts, so the
 * plain NetworkResult type serves: the engines' PEs set the area and leakage, each layer's SIMD width is
 * the number of lanes one accumulate serves, and its weight and threshold memories — one of each per PE,
 * as FINN builds them — are priced as SRAM banks of their own.
 */
import type { NetworkResult } from "../sim/network.js";

/** One kind of engine memory: `banks` equal banks (one per PE), each read `readsPerBank` times. */
export interface EngineMemory {
  readonly banks: number;
  readonly bankBytes: number;
  readonly widthBits: number;
  readonly readsPerBank: number;
}

/** The memories of an engine, in report order. */
export const ENGINE_MEMORIES = ["weights", "thresholds"] as const;

export interface EngineFolding {
  readonly pe: number;
  readonly simd: number;
  /** MAC layers: every compute cycle each PE reads one SIMD-wide word of weights. */
  readonly weights?: EngineMemory;
  /** MAC layers: each output reads its channel's thresholds at once, each `accumulatorBits` wide. */
  readonly thresholds?: EngineMemory;
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === "object" && v !== null && !Array.isArray(v);
const count = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;

function memories(l: Readonly<Record<string, unknown>>, pe: number, accumulatorBits: number): Pick<EngineFolding, "weights" | "thresholds"> {
  const out: { weights?: EngineMemory; thresholds?: EngineMemory } = {};
  const w = l["weightMemory"];
  const cycles = l["cycles"];
  if (isRecord(w) && count(w["depth"]) && count(w["widthBits"]) && count(cycles)) {
    const width = w["widthBits"] / pe;
    out.weights = { banks: pe, bankBytes: (w["depth"] * width) / 8, widthBits: width, readsPerBank: cycles };
  }
  const t = l["thresholdMemory"];
  const vectors = l["vectors"];
  if (isRecord(t) && count(t["depth"]) && count(t["thresholdsPerChannel"]) && count(vectors)) {
    const width = t["thresholdsPerChannel"] * accumulatorBits;
    out.thresholds = { banks: pe, bankBytes: (t["depth"] * width) / 8, widthBits: width, readsPerBank: t["depth"] * vectors };
  }
  return out;
}

/** Layer name → its engine's folding and memories, or undefined when the result has no dataflow summary. */
export function dataflowFolding(result: NetworkResult, accumulatorBits: number): ReadonlyMap<string, EngineFolding> | undefined {
  if (!("dataflow" in result)) return undefined;
  const d: unknown = result.dataflow;
  if (!isRecord(d) || !Array.isArray(d["layers"])) return undefined;
  const out = new Map<string, EngineFolding>();
  for (const l of d["layers"] as unknown[]) {
    if (!isRecord(l) || typeof l["name"] !== "string" || !isRecord(l["folding"])) continue;
    const { pe, simd } = l["folding"];
    if (count(pe) && count(simd)) out.set(l["name"], { pe, simd, ...memories(l, pe, accumulatorBits) });
  }
  return out.size > 0 ? out : undefined;
}
