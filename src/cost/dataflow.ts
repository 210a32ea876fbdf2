/**
 * FINN-style dataflow archs have no fixed PE array: the simulator chooses each layer's engine folding
 * (PE × SIMD, `result.dataflow.layers[].folding`, simulator part 2). Read structurally, like cache counts, so
 * the plain NetworkResult type serves: the engines' PEs set the area and leakage, and each layer's SIMD width
 * is the number of lanes one accumulate serves.
 */
import type { NetworkResult } from "../sim/network.js";

export interface EngineFolding {
  readonly pe: number;
  readonly simd: number;
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === "object" && v !== null && !Array.isArray(v);
const count = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;

/** Layer name → its engine's folding, or undefined when the result has no dataflow summary. */
export function dataflowFolding(result: NetworkResult): ReadonlyMap<string, EngineFolding> | undefined {
  if (!("dataflow" in result)) return undefined;
  const d: unknown = result.dataflow;
  if (!isRecord(d) || !Array.isArray(d["layers"])) return undefined;
  const out = new Map<string, EngineFolding>();
  for (const l of d["layers"] as unknown[]) {
    if (!isRecord(l) || typeof l["name"] !== "string" || !isRecord(l["folding"])) continue;
    const { pe, simd } = l["folding"];
    if (count(pe) && count(simd)) out.set(l["name"], { pe, simd });
  }
  return out.size > 0 ? out : undefined;
}
