/**
 * Cache counts as the simulator reports them. Caches are simulated by the detailed engine (simulator part
 * 2, `SimActionCounts.caches`: accesses, hits, misses, writebacks per level); without that field the cache
 * term is zero and the report says so. Read structurally, so the plain ActionCounts type serves and either
 * form — a record or a list of levels, each with `accesses` (or hits + misses, or reads + writes), `fills`
 * (or misses) and `writebacks` — is priced.
 */
import type { ActionCounts } from "../sim/result.js";
import type { CacheCounts } from "./energy.js";

export interface FoundCaches {
  readonly counts: ReadonlyMap<string, CacheCounts>;
  /** Whether the simulator reported cache counts at all. */
  readonly reported: boolean;
  /** Levels reported in a form not understood (named, never silently priced as zero). */
  readonly unreadable: readonly string[];
}

const num = (o: Readonly<Record<string, unknown>>, k: string): number | undefined => {
  const v = o[k];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
};

function levelCounts(o: Readonly<Record<string, unknown>>): CacheCounts | undefined {
  const hits = num(o, "hits");
  const misses = num(o, "misses");
  const reads = num(o, "reads");
  const writes = num(o, "writes");
  const accesses = num(o, "accesses") ?? (hits !== undefined && misses !== undefined ? hits + misses : reads !== undefined && writes !== undefined ? reads + writes : undefined);
  if (accesses === undefined) return undefined;
  return { accesses, fills: num(o, "fills") ?? misses ?? 0, writebacks: num(o, "writebacks") ?? 0 };
}

const isRecord = (v: unknown): v is Readonly<Record<string, unknown>> => typeof v === "object" && v !== null && !Array.isArray(v);

export function cacheCountsOf(a: ActionCounts): FoundCaches {
  if (!("caches" in a)) return { counts: new Map(), reported: false, unreadable: [] };
  const raw: unknown = a.caches;
  const levels: [string, unknown][] = Array.isArray(raw)
    ? raw.map((l: unknown, i): [string, unknown] => [isRecord(l) && typeof l["name"] === "string" ? l["name"] : `#${i}`, l])
    : isRecord(raw) ? Object.entries(raw) : [];
  const counts = new Map<string, CacheCounts>();
  const unreadable: string[] = [];
  for (const [name, l] of levels) {
    const c = isRecord(l) ? levelCounts(l) : undefined;
    if (c === undefined) unreadable.push(name);
    else counts.set(name, c);
  }
  if (raw !== undefined && raw !== null && levels.length === 0 && !isRecord(raw)) unreadable.push("caches");
  return { counts, reported: raw !== undefined && raw !== null, unreadable };
}
