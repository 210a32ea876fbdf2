/**
 * The cache simulator against hand-computed access sequences (LRU vs FIFO vs tree pseudo-LRU, dirty
 * write-back evictions, write-through without allocation, compulsory misses, seeded random replacement),
 * hits + misses = accesses on random streams (fast-check), and against cachegrind: the same int32 matrix
 * multiply, laid out and walked by quarch's own loop nest, misses within 2 % of cachegrind's D1 misses.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CacheReplacement, CacheSpec, CacheWritePolicy } from "../../src/hw/types.js";
import { parseArch } from "../../src/hw/index.js";
import { CacheLevel, type MemoryPort } from "../../src/sim/cache/cache.js";
import { Hierarchy, gem5Stats } from "../../src/sim/cache/hierarchy.js";
import { detailedMapping } from "../../src/sim/detailed/engine.js";
import { gemmLayer, makeContext, simulateNetwork } from "../../src/sim/index.js";

const MEM: MemoryPort = { latencyCycles: 10, readBitsPerCycle: 64, writeBitsPerCycle: 64 };

function level(ways: number, sets: number, replacement: CacheReplacement, write: CacheWritePolicy = "back-allocate", seed = 1): CacheLevel {
  const spec: CacheSpec = { name: "l1d", sizeBytes: 16 * ways * sets, lineBytes: 16, ways, replacement, write, hitLatencyCycles: 1 };
  return new CacheLevel(spec, undefined, () => MEM, seed);
}

/** Read the lines named by letters (line i at address 16·i·sets so every line maps to set 0). */
function run(c: CacheLevel, seq: string, sets = 1): string {
  return [...seq].map((ch) => {
    const before = c.c.misses;
    c.access((ch.charCodeAt(0) - 65) * 16 * sets, false, 4);
    return c.c.misses > before ? "m" : "h";
  }).join("");
}

describe("replacement policies on hand-computed sequences", () => {
  it("LRU keeps the line just used; FIFO evicts the oldest fill regardless", () => {
    expect(run(level(2, 1, "lru"), "ABACA")).toBe("mmhmh");
    expect(run(level(2, 1, "fifo"), "ABACA")).toBe("mmhmm");
  });
  it("tree pseudo-LRU differs from LRU: after A B C D A, E evicts C (PLRU) or B (LRU)", () => {
    expect(run(level(4, 1, "lru"), "ABCDAEB")).toBe("mmmmhmm");
    expect(run(level(4, 1, "plru"), "ABCDAEB")).toBe("mmmmhmh");
    const p = level(4, 1, "plru");
    run(p, "ABCDAE");
    expect(run(p, "C")).toBe("m");
  });
  it("seeded random replacement is deterministic per seed and differs between seeds", () => {
    const seq = "ABCDEFGHABCDEFGHAECGBFDH".repeat(4);
    expect(run(level(4, 1, "random", "back-allocate", 7), seq)).toBe(run(level(4, 1, "random", "back-allocate", 7), seq));
    const outcomes = new Set([1, 2, 3, 4, 5, 6].map((s) => run(level(4, 1, "random", "back-allocate", s), seq)));
    expect(outcomes.size).toBeGreaterThan(1);
  });
  it("sets are independent: lines of another set do not evict", () => {
    const c = level(1, 2, "lru");
    c.access(0, false, 4);
    c.access(16, false, 4);
    c.access(0, false, 4);
    expect([c.c.hits, c.c.misses]).toEqual([1, 2]);
  });
});

describe("write policies, write-backs and compulsory misses", () => {
  it("write-back + write-allocate: a written line is dirty and written back when evicted", () => {
    const c = level(1, 1, "lru");
    c.access(0, true, 4);
    c.access(4, true, 4);
    expect([c.c.writeMisses, c.c.writeHits, c.c.writebacks]).toEqual([1, 1, 0]);
    const cycles = c.access(16, false, 4);
    expect(c.c.writebacks).toBe(1);
    expect(c.c.replacements).toBe(1);
    expect(c.memWriteBits).toBe(128);
    expect(c.memReadBits).toBe(2 * 128);
    // hit latency + write-back (bandwidth only) + fill (latency + bandwidth).
    expect(cycles).toBe(1 + 2 + 10 + 2);
    c.access(32, false, 4);
    expect(c.c.writebacks).toBe(1);
  });
  it("write-through without allocation: writes go to memory and do not allocate", () => {
    const c = level(2, 1, "lru", "through-no-allocate");
    c.access(0, true, 4);
    expect(c.c.writeMisses).toBe(1);
    expect(c.access(0, false, 4)).toBeGreaterThan(1);
    expect(c.c.readMisses).toBe(1);
    c.access(0, true, 4);
    expect([c.c.writeHits, c.c.writebacks, c.memWriteBits]).toEqual([1, 0, 64]);
  });
  it("compulsory misses count first touches only", () => {
    const c = level(1, 1, "lru");
    run(c, "ABAB");
    expect([c.c.misses, c.c.compulsory, c.c.replacements]).toEqual([4, 2, 3]);
  });
  it("gem5-style keys", () => {
    const c = level(2, 1, "lru");
    run(c, "ABACA");
    const s = gem5Stats("l1d", c.c, 1);
    expect(s).toMatchObject({
      "system.l1d.overallHits::total": 2, "system.l1d.overallMisses::total": 3, "system.l1d.overallAccesses::total": 5,
      "system.l1d.overallMissRate::total": 0.6, "system.l1d.replacements": 1, "system.l1d.compulsoryMisses::total": 3,
    });
  });
  it("hits + misses = accesses; reads + writes split them (fast-check, seed 20261128)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<CacheReplacement>("lru", "plru", "fifo", "random"),
        fc.constantFrom<CacheWritePolicy>("back-allocate", "back-no-allocate", "through-allocate", "through-no-allocate"),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.boolean()), { minLength: 1, maxLength: 300 }),
        (rep, wp, seq) => {
          const c = level(4, 4, rep, wp, 3);
          for (const [a, w] of seq) c.access(a & ~3, w, 4);
          expect(c.c.hits + c.c.misses).toBe(seq.length);
          expect(c.c.readHits + c.c.writeHits).toBe(c.c.hits);
          expect(c.c.readMisses + c.c.writeMisses).toBe(c.c.misses);
          expect(c.c.compulsory).toBeLessThanOrEqual(c.c.misses);
        },
      ),
      { seed: 20261128, numRuns: 200 },
    );
  });
});

const FIX = join(import.meta.dirname, "fixtures", "cachegrind");

/** cachegrind.txt: the printed addresses and the kernel's Dr D1mr Dw D1mw. */
function golden(): { A: number; Bt: number; C: number; reads: number; readMisses: number; writes: number; writeMisses: number } {
  const text = readFileSync(join(FIX, "cachegrind.txt"), "utf8");
  const addr = /A (0x[0-9a-f]+) Bt (0x[0-9a-f]+) C (0x[0-9a-f]+)/.exec(text)!;
  const k = /^(\d+) \d+ \d+ (\d+) (\d+) \d+ (\d+) (\d+) \d+ \?\?\?:kernel$/m.exec(text)!;
  return { A: Number(addr[1]), Bt: Number(addr[2]), C: Number(addr[3]), reads: Number(k[2]), readMisses: Number(k[3]), writes: Number(k[4]), writeMisses: Number(k[5]) };
}

describe("against cachegrind (valgrind 3.19, golden in test/sim/fixtures/cachegrind/)", () => {
  // A CPU-like target: one lane, int32 operands, "buffers" of one word (the kernel's registers), no double
  // buffering, and cachegrind's D1: 4 KiB, 4-way, 32-byte lines, LRU, write-allocate.
  const arch = parseArch(`version: 1
name: cpu-test
clock: 1 GHz
compute: { kind: vector, lanes: 1, precision: { mode: fixed, maxBits: 32 } }
buffers:
  weights: { size: 4 B, portBits: 32 }
  inputs: { size: 4 B, portBits: 32 }
  outputs: { size: 4 B, portBits: 32 }
dram: { bandwidth: 4 GB/s, latency: 50 ns }
caches: [{ name: l1d, size: 4 KiB, line: 32 B, ways: 4, replacement: lru, write: back-allocate, hitLatency: 1 }]
`);
  const bits = { wBits: 32, aBits: 32, outBits: 32, source: "bits" as const };
  // C[i][j] = Σ_k A[i][k]·Bt[j][k]: P = i (48 rows), K = j (48 outputs), C = k (48), i outer, k innermost.
  const layer = gemmLayer("matmul", "fc", 48, 48, 48, 1, bits);
  const mapping = { dataflow: "vector" as const, spatial: { rows: [], cols: [] }, tile: { N: 1, G: 1, K: 1, C: 1, P: 1, Q: 1 }, order: ["N", "G", "P", "K", "C", "Q"] as const };

  it("the matrix multiply's loop nest: D1 misses within 2 % of cachegrind's, accesses equal", () => {
    const g = golden();
    const hierarchy = new Hierarchy(arch, 1);
    const layout = { weights: g.Bt, inputs: g.A, inputs2: g.A, outputs: g.C, psums: 0x3000_0000 };
    const d = detailedMapping(makeContext(layer, arch, false, false), { ...mapping, order: [...mapping.order] }, { cache: { hierarchy, layout } });
    const c = d.cache!.levels[0]!.counters;
    // cachegrind's kernel also reads its return address once (Dr 221185 = 2·48³ + 1).
    expect(c.readHits + c.readMisses).toBe(g.reads - 1);
    expect(c.writeHits + c.writeMisses).toBe(g.writes);
    const ours = c.misses;
    const theirs = g.readMisses + g.writeMisses;
    expect(Math.abs(ours - theirs) / theirs).toBeLessThan(0.02);
    expect(c.writeMisses).toBe(g.writeMisses);
  });

  it("the same network through simulateNetwork reports gem5 keys and the stream", () => {
    const r = simulateNetwork([layer], arch, { engine: "detailed", mappings: new Map([["*", { ...mapping, order: [...mapping.order] }]]) });
    expect(r.cache!.source).toBe("simulated");
    expect(r.cache!.stats["system.l1d.overallAccesses::total"]).toBe(2 * 48 ** 3 + 48 * 48);
    expect(r.layers[0]!.cache!.stream).toMatch(/^weights OHWI 32-bit @0x08000000, inputs NHWC 32-bit @0x20000000, outputs NHWC 32-bit @0x20002400/);
    const a = simulateNetwork([layer], arch, { mappings: new Map([["*", { ...mapping, order: [...mapping.order] }]]) });
    expect(a.cache!.source).toBe("estimated");
    expect(a.cache!.stats["system.l1d.overallAccesses::total"]).toBe(2 * 48 ** 3 + 48 * 48);
  });
});
