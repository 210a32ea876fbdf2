/**
 * The cache hierarchy of an arch (`caches`, first = closest to the compute) in front of memory: DRAM, and
 * for weights the arch's `flash` when it has one (an MCU reads its weights from flash). One hierarchy
 * lives through a whole network, so a layer finds what the layer before left in the caches; per-layer
 * statistics are differences of snapshots. Statistics carry gem5's classic cache names.
 */
import type { ArchSpec } from "../../hw/types.js";
import { timeToCycles } from "../../hw/units.js";
import { type CacheCounters, CacheLevel, type MemoryPort, zeroCounters } from "./cache.js";

/** Addresses below this hold weights (see layout.ts); they live in flash when the arch has one. */
export const ACTIVATION_BASE = 0x2000_0000;

export interface LevelSnapshot {
  readonly name: string;
  readonly counters: CacheCounters;
}

export interface HierarchySnapshot {
  readonly levels: readonly LevelSnapshot[];
  readonly accesses: number;
  readonly memReadBits: number;
  readonly memWriteBits: number;
}

export class Hierarchy {
  readonly levels: readonly CacheLevel[];
  readonly l1: CacheLevel;
  readonly seed: number;

  constructor(arch: ArchSpec, seed = 1) {
    if (arch.caches.length === 0) throw new Error("internal: a cache hierarchy needs at least one cache");
    this.seed = seed;
    const d = arch.derived;
    const dram: MemoryPort = { latencyCycles: d.dramLatencyCycles, readBitsPerCycle: d.dramReadBitsPerCycle, writeBitsPerCycle: d.dramWriteBitsPerCycle };
    const f = arch.flash;
    const flash: MemoryPort | undefined =
      f === undefined ? undefined : { latencyCycles: timeToCycles(f.latencyS, arch.clockHz), readBitsPerCycle: (f.bandwidthBytesPerS * 8) / arch.clockHz, writeBitsPerCycle: (f.bandwidthBytesPerS * 8) / arch.clockHz };
    const memory = flash === undefined ? () => dram : (addr: number) => (addr < ACTIVATION_BASE ? flash : dram);
    const levels: CacheLevel[] = [];
    let next: CacheLevel | undefined;
    for (let i = arch.caches.length - 1; i >= 0; i--) {
      // Each level draws its own random stream from the one seed.
      next = new CacheLevel(arch.caches[i]!, next, memory, (seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0);
      levels.unshift(next);
    }
    this.levels = levels;
    this.l1 = levels[0]!;
  }

  get last(): CacheLevel {
    return this.levels[this.levels.length - 1]!;
  }

  /** Accesses the compute side made: L1's, each a hit or a miss (only `range` reaches L1). */
  get accesses(): number {
    return this.l1.c.hits + this.l1.c.misses;
  }

  /** Accesses of `width` bytes (a power of two, at most a line) covering bytes [lo, hi); returns cycles. */
  range(lo: number, hi: number, write: boolean, width: number): number {
    if (hi <= lo) return 0;
    // The first access's address: lo rounded down to the width. A mask where it is exact (an int32 address,
    // a power-of-two width: every caller's) — a remainder by a variable costs a division per transfer run.
    const first = lo >= 0 && lo <= 0x7fff_ffff && (width & (width - 1)) === 0 ? lo & -width : lo - (lo % width);
    return this.l1.accessRun(first, hi, write, width);
  }

  snapshot(): HierarchySnapshot {
    return {
      levels: this.levels.map((l) => ({ name: l.spec.name, counters: { ...l.c } })),
      accesses: this.accesses,
      memReadBits: this.last.memReadBits,
      memWriteBits: this.last.memWriteBits,
    };
  }
}

/** b − a, level by level. */
export function diffSnapshots(a: HierarchySnapshot, b: HierarchySnapshot): HierarchySnapshot {
  return {
    levels: b.levels.map((lv, i) => {
      const x = a.levels[i]?.counters ?? zeroCounters();
      const c = zeroCounters();
      for (const k of Object.keys(c) as (keyof CacheCounters)[]) c[k] = lv.counters[k] - x[k];
      return { name: lv.name, counters: c };
    }),
    accesses: b.accesses - a.accesses,
    memReadBits: b.memReadBits - a.memReadBits,
    memWriteBits: b.memWriteBits - a.memWriteBits,
  };
}

/** The statistic names in the order gem5Stats writes them (the prefix `system.<name>.` added). */
const GEM5_KEYS = [
  "overallHits::total", "overallMisses::total", "overallAccesses::total", "overallMissRate::total", "overallAvgMissLatency::total",
  "demandHits::total", "demandMisses::total", "demandAccesses::total", "demandMissRate::total",
  "ReadReq.hits::total", "ReadReq.misses::total", "WriteReq.hits::total", "WriteReq.misses::total",
  "replacements", "writebacks::total", "compulsoryMisses::total",
] as const;

/** Prefixed names per level name: every layer reports them, so the strings are built once. */
const gem5Names = new Map<string, readonly string[]>();

/** gem5-style statistics of one level (`system.<name>.…`); latencies in cycles. Written into `into` when given. */
export function gem5Stats(name: string, c: CacheCounters, hitLatencyCycles: number, into: Record<string, number> = {}): Record<string, number> {
  let k = gem5Names.get(name);
  if (k === undefined) gem5Names.set(name, (k = GEM5_KEYS.map((s) => `system.${name}.${s}`)));
  const acc = c.hits + c.misses;
  const rate = acc > 0 ? c.misses / acc : 0;
  const values = [
    c.hits, c.misses, acc, rate, c.misses > 0 ? hitLatencyCycles + c.missCycles / c.misses : 0,
    c.hits, c.misses, acc, rate,
    c.readHits, c.readMisses, c.writeHits, c.writeMisses,
    c.replacements, c.writebacks, c.compulsory,
  ];
  for (let i = 0; i < values.length; i++) into[k[i]!] = values[i]!;
  return into;
}
