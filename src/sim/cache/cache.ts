/**
 * A set-associative cache level, simulated access by access: LRU, tree pseudo-LRU, FIFO or seeded random
 * replacement; write-back or write-through, with or without write allocation. An access returns its
 * cycles: the hit latency, plus on a miss the next level's time for the line (another cache, or memory:
 * latency + line bits / bandwidth) and the write-back of a dirty victim (posted: bandwidth only). Counters
 * follow gem5's classic cache statistics; compulsory misses (first touch of a line, as DynamoRIO's
 * drcachesim reports them) come from a sparse bitset consulted on misses only.
 *
 * Written for speed (≥ 20 M accesses/s): typed arrays, line numbers as int32 tags, no allocation per
 * access, and a fast path for the line touched last (sequential streams hit it most of the time; the fast
 * path is exact because re-touching the most recent line changes no replacement order). `accessRun` walks
 * a transfer's consecutive accesses in one loop, the fast path inline.
 */
import type { CacheReplacement, CacheSpec, CacheWritePolicy } from "../../hw/types.js";

/** Where a level's misses go when it is the last cache: memory with a latency and bandwidths. */
export interface MemoryPort {
  readonly latencyCycles: number;
  readonly readBitsPerCycle: number;
  readonly writeBitsPerCycle: number;
}

export interface CacheCounters {
  hits: number;
  misses: number;
  readHits: number;
  readMisses: number;
  writeHits: number;
  writeMisses: number;
  /** Valid lines evicted to make room. */
  replacements: number;
  /** Dirty lines written to the next level. */
  writebacks: number;
  /** Misses on lines never touched before. */
  compulsory: number;
  /** Cycles spent beyond the hit latency on misses (for the average miss latency). */
  missCycles: number;
}

export function zeroCounters(): CacheCounters {
  return { hits: 0, misses: 0, readHits: 0, readMisses: 0, writeHits: 0, writeMisses: 0, replacements: 0, writebacks: 0, compulsory: 0, missCycles: 0 };
}

const POLICY: Readonly<Record<CacheReplacement, number>> = { lru: 0, plru: 1, fifo: 2, random: 3 };

export class CacheLevel {
  readonly spec: CacheSpec;
  readonly sets: number;
  readonly ways: number;
  readonly lineBytes: number;
  readonly lineShift: number;
  readonly c: CacheCounters = zeroCounters();
  /** Bits this level moved from and to memory (last level only). */
  memReadBits = 0;
  memWriteBits = 0;
  private readonly setMask: number;
  private readonly policy: number;
  private readonly writeBack: boolean;
  private readonly allocateOnWrite: boolean;
  private readonly tags: Int32Array;
  private readonly dirty: Uint8Array;
  private readonly stamp: Float64Array;
  private readonly tree: Uint32Array;
  private readonly levels: number;
  private clock = 0;
  private rng: number;
  private lastLine = -1;
  /** The slot holding lastLine (valid while lastLine ≥ 0: only this level's misses move lines, and a miss resets both). */
  private lastSlot = -1;
  private readonly hitLatency: number;
  private readonly seen = new Map<number, Uint32Array>();
  /** The page of `seen` a miss looked up last (misses are mostly sequential: one page serves many); none yet. */
  private seenKey = -1;
  private seenPage: Uint32Array = new Uint32Array(0);
  private readonly lineBits: number;
  /** A line's fill time from the memory port filled from last (memory(addr) names one of very few ports). */
  private fillPort: MemoryPort | undefined;
  private fillCycles = 0;

  /**
   * `next` receives this level's misses and write-backs; without it, `memory(addr)` names the memory
   * behind the address (DRAM, or flash for weights).
   */
  constructor(spec: CacheSpec, private readonly next: CacheLevel | undefined, private readonly memory: (addr: number) => MemoryPort, seed: number) {
    this.spec = spec;
    this.ways = spec.ways;
    this.lineBytes = spec.lineBytes;
    this.sets = spec.sizeBytes / (spec.lineBytes * spec.ways);
    this.lineShift = Math.log2(spec.lineBytes);
    if (!Number.isInteger(this.lineShift) || !Number.isInteger(Math.log2(this.sets))) {
      throw new Error(`internal: cache ${spec.name}: line size and set count must be powers of two (the loader checks this)`);
    }
    this.setMask = this.sets - 1;
    this.policy = POLICY[spec.replacement];
    this.writeBack = isWriteBack(spec.write);
    this.allocateOnWrite = spec.write === "back-allocate" || spec.write === "through-allocate";
    const n = this.sets * this.ways;
    this.tags = new Int32Array(n).fill(-1);
    this.dirty = new Uint8Array(n);
    this.stamp = new Float64Array(n);
    this.tree = new Uint32Array(this.sets);
    this.levels = Math.round(Math.log2(this.ways));
    // xorshift32 must not start at 0.
    this.rng = (seed >>> 0) || 0x9e3779b9;
    this.lineBits = spec.lineBytes * 8;
    this.hitLatency = spec.hitLatencyCycles;
  }

  /** One access of `bytes` at byte address `addr` (never crossing a line). Returns its cycles. */
  access(addr: number, write: boolean, bytes: number): number {
    const line = addr >>> this.lineShift;
    const c = this.c;
    if (line === this.lastLine) {
      c.hits++;
      if (write) {
        c.writeHits++;
        return this.hitLatency + this.writeHit(line, this.lastSlot, bytes);
      }
      c.readHits++;
      return this.hitLatency;
    }
    const base = (line & this.setMask) * this.ways;
    const tags = this.tags;
    for (let w = 0; w < this.ways; w++) {
      if (tags[base + w] === line) {
        c.hits++;
        if (this.policy === 0) this.stamp[base + w] = ++this.clock;
        else if (this.policy === 1) this.touch(line & this.setMask, w);
        this.lastLine = line;
        this.lastSlot = base + w;
        if (write) {
          c.writeHits++;
          return this.hitLatency + this.writeHit(line, base + w, bytes);
        }
        c.readHits++;
        return this.hitLatency;
      }
    }
    return this.miss(line, base, write, bytes);
  }

  /**
   * The accesses of `bytes` at first, first + bytes, … below `end` (aligned, so none crosses a line), in
   * order; returns their cycles. Every access is simulated exactly as `access` would; those to the line
   * touched last take its fast path here, in the loop, and their hit counts are added when the run ends
   * (the counters are only read between transfers).
   */
  accessRun(first: number, end: number, write: boolean, bytes: number): number {
    const shift = this.lineShift;
    const lineBytes = this.lineBytes;
    let cycles = 0;
    let fast = 0;
    let a = first;
    while (a < end) {
      if (a >>> shift !== this.lastLine) {
        cycles += this.access(a, write, bytes);
        a += bytes;
        // A miss that does not allocate leaves no line touched last: the next access looks again.
        if (this.lastLine < 0) continue;
      }
      // The rest of the line touched last: every access a hit on it (the fast path, access by access).
      const line = this.lastLine;
      const stop = Math.min(end, (line + 1) * lineBytes);
      if (write) {
        const slot = this.lastSlot;
        for (; a < stop; a += bytes) {
          fast++;
          cycles += this.writeHit(line, slot, bytes);
        }
      } else for (; a < stop; a += bytes) fast++;
    }
    const c = this.c;
    c.hits += fast;
    if (write) c.writeHits += fast;
    else c.readHits += fast;
    return cycles + fast * this.hitLatency;
  }

  private writeHit(line: number, slot: number, bytes: number): number {
    if (this.writeBack) {
      this.dirty[slot] = 1;
      return 0;
    }
    return this.writeNext(line * this.lineBytes, bytes);
  }

  private miss(line: number, base: number, write: boolean, bytes: number): number {
    const c = this.c;
    c.misses++;
    if (write) c.writeMisses++;
    else c.readMisses++;
    this.markSeen(line);
    let cost = 0;
    if (write && !this.allocateOnWrite) {
      cost = this.writeNext(line * this.lineBytes, bytes);
      this.lastLine = -1;
      c.missCycles += cost;
      return this.hitLatency + cost;
    }
    const set = line & this.setMask;
    const tags = this.tags;
    let w = 0;
    let empty: boolean;
    if (this.policy === 0 || this.policy === 2) {
      // LRU and FIFO in one pass: the oldest stamp. A way never filled keeps stamp 0 (every fill stamps
      // ≥ 1, and lines are never invalidated), so the first empty way is the first of the oldest — the
      // way the search for an empty way would take — and with none empty this is the victim's scan.
      const stamp = this.stamp;
      let oldest = stamp[base]!;
      for (let k = 1; k < this.ways; k++) {
        const s = stamp[base + k]!;
        if (s < oldest) {
          oldest = s;
          w = k;
        }
      }
      empty = tags[base + w] === -1;
    } else {
      w = -1;
      for (let k = 0; k < this.ways; k++) {
        if (tags[base + k] === -1) {
          w = k;
          break;
        }
      }
      empty = w >= 0;
      if (!empty) w = this.victim(set, base);
    }
    if (!empty) {
      c.replacements++;
      if (this.dirty[base + w] === 1) {
        c.writebacks++;
        cost += this.writeBackLine(tags[base + w]! * this.lineBytes);
      }
    }
    cost += this.fill(line * this.lineBytes);
    const slot = base + w;
    this.tags[slot] = line;
    this.dirty[slot] = write && this.writeBack ? 1 : 0;
    this.stamp[slot] = ++this.clock;
    if (this.policy === 1) this.touch(set, w);
    this.lastLine = line;
    this.lastSlot = slot;
    if (write && !this.writeBack) cost += this.writeNext(line * this.lineBytes, bytes);
    c.missCycles += cost;
    return this.hitLatency + cost;
  }

  private victim(set: number, base: number): number {
    switch (this.policy) {
      case 0:
      case 2: {
        // LRU: oldest use; FIFO: oldest fill (stamps are only refreshed on hits under LRU).
        let w = 0;
        for (let k = 1; k < this.ways; k++) if (this.stamp[base + k]! < this.stamp[base + w]!) w = k;
        return w;
      }
      case 1: {
        let node = 1;
        let w = 0;
        const bits = this.tree[set]!;
        for (let lv = 0; lv < this.levels; lv++) {
          const b = (bits >>> node) & 1;
          w = (w << 1) | b;
          node = 2 * node + b;
        }
        return w;
      }
      default: {
        let x = this.rng;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.rng = x >>> 0;
        return this.rng % this.ways;
      }
    }
  }

  /** Tree pseudo-LRU: every node on the way's path points away from it. */
  private touch(set: number, w: number): void {
    let bits = this.tree[set]!;
    let node = 1;
    for (let lv = this.levels - 1; lv >= 0; lv--) {
      const b = (w >>> lv) & 1;
      if (b === 1) bits &= ~(1 << node);
      else bits |= 1 << node;
      node = 2 * node + b;
    }
    this.tree[set] = bits;
  }

  private fill(addr: number): number {
    if (this.next !== undefined) return this.next.access(addr, false, this.lineBytes);
    const m = this.memory(addr);
    this.memReadBits += this.lineBits;
    if (m !== this.fillPort) {
      this.fillPort = m;
      this.fillCycles = m.latencyCycles + Math.ceil(this.lineBits / m.readBitsPerCycle);
    }
    return this.fillCycles;
  }

  private writeBackLine(addr: number): number {
    if (this.next !== undefined) return this.next.access(addr, true, this.lineBytes);
    this.memWriteBits += this.lineBits;
    return Math.ceil(this.lineBits / this.memory(addr).writeBitsPerCycle);
  }

  private writeNext(addr: number, bytes: number): number {
    if (this.next !== undefined) return this.next.access(addr, true, bytes);
    this.memWriteBits += bytes * 8;
    return Math.ceil((bytes * 8) / this.memory(addr).writeBitsPerCycle);
  }

  private markSeen(line: number): void {
    const key = line >>> 15;
    let page = this.seenPage;
    if (key !== this.seenKey) {
      const known = this.seen.get(key);
      if (known === undefined) this.seen.set(key, (page = new Uint32Array(1024)));
      else page = known;
      this.seenKey = key;
      this.seenPage = page;
    }
    const i = line & 0x7fff;
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    if ((page[word]! & bit) === 0) {
      page[word] = page[word]! | bit;
      this.c.compulsory++;
    }
  }
}

export function isWriteBack(p: CacheWritePolicy): boolean {
  return p === "back-allocate" || p === "back-no-allocate";
}
