/**
 * The calculator (Accelergy's idea, STYLE.md): dynamic energy = Σ action counts × energy per action. Counts
 * come from the simulator only, prices from one technology table and one arch (src/cost/prices.ts), so a
 * table edit re-prices the same counts without re-simulating, and the result is linear in every count.
 */
import type { BufferName } from "../hw/types.js";
import type { ActionCounts } from "../sim/result.js";

/** Cache accesses of one level (lookups), line fills (misses that allocate) and dirty lines written back. */
export interface CacheCounts {
  readonly accesses: number;
  readonly fills: number;
  readonly writebacks: number;
}

/** Energy per action, pJ. */
export interface ActionPrices {
  /** Per MAC, by the simulator's key `w<wBits>a<aBits>`. */
  readonly macPj: (key: string) => number;
  readonly vectorOpPj: number;
  readonly bufferPjPerBit: Readonly<Partial<Record<BufferName, { readonly read: number; readonly write: number }>>>;
  readonly dramPjPerBit: number;
  readonly cachePj: ReadonlyMap<string, { readonly access: number; readonly fill: number; readonly writeback: number }>;
}

/** Dynamic energy by component, pJ. */
export interface DynamicEnergy {
  readonly mac: number;
  readonly vector: number;
  readonly sram: Readonly<Partial<Record<BufferName, number>>>;
  readonly dram: number;
  readonly cache: Readonly<Record<string, number>>;
}

export function dynamicEnergy(a: ActionCounts, caches: ReadonlyMap<string, CacheCounts>, p: ActionPrices): DynamicEnergy {
  let mac = 0;
  for (const [key, n] of Object.entries(a.macs)) mac += n * p.macPj(key);
  const sram: Partial<Record<BufferName, number>> = {};
  for (const [b, c] of Object.entries(a.buffers) as [BufferName, { readonly readBits: number; readonly writeBits: number }][]) {
    const price = p.bufferPjPerBit[b];
    if (price === undefined) throw new Error(`internal: the simulator counted buffer ${b}, which the arch does not have`);
    sram[b] = c.readBits * price.read + c.writeBits * price.write;
  }
  const cache: Record<string, number> = {};
  for (const [name, c] of caches) {
    const price = p.cachePj.get(name);
    if (price === undefined) throw new Error(`internal: the simulator counted cache ${name}, which the arch does not have`);
    cache[name] = c.accesses * price.access + c.fills * price.fill + c.writebacks * price.writeback;
  }
  return { mac, vector: a.vectorOps * p.vectorOpPj, sram, dram: (a.dram.readBits + a.dram.writeBits) * p.dramPjPerBit, cache };
}
