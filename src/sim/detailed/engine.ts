/**
 * The detailed engine: walks a layer tile by tile through the mapping's DRAM loops, each step the step
 * model of steps.ts (compute of the tile, the next tile's fetches and the previous output tile's drain
 * overlapped by double buffering, per-transfer DRAM latency and bursts, bank-conflicted buffer ports),
 * and keeps the timeline. Without caches it agrees exactly with the analytic engine, which sums the same
 * steps over classes of equivalent tiles. With caches every transfer is simulated access by access on its
 * address stream (cache/streams.ts) and its time is what the hierarchy answers; the DRAM traffic is then
 * the lines the last level filled and wrote back. A hook sees every step (functional execution).
 */
import type { CacheLevel } from "../cache/cache.js";
import type { Hierarchy, HierarchySnapshot } from "../cache/hierarchy.js";
import { diffSnapshots } from "../cache/hierarchy.js";
import { MacStream, type OperandLayout, VectorStream } from "../cache/streams.js";
import { type Eval, evalOf, stepsOf, tileClasses } from "../cost.js";
import type { Mapping } from "../mapping.js";
import type { EvalContext } from "../plan.js";
import { KIND_OPERAND, StepOut, type Stepper } from "../steps.js";
import { Totals, type Timer, dramTimer } from "../totals.js";
import { VectorSteps, vectorClasses } from "../vector-ops.js";

export interface StepTrace {
  /** Tile indices in DIM_ORDER (N G K C P Q), or [chunk] for vector layers. */
  readonly tile: readonly number[];
  readonly start: number;
  readonly compute: number;
  readonly ports: number;
  readonly overlappedDma: number;
  readonly serialDma: number;
  readonly cycles: number;
  /** cycles − compute. */
  readonly stall: number;
}

export interface Timeline {
  readonly tiles: number;
  readonly prologueCycles: number;
  readonly epilogueCycles: number;
  /** Steps in which the array waited (on DMA, ports or serial transfers). */
  readonly stalledSteps: number;
  readonly worstStep: StepTrace | null;
  /** The first steps (as many as asked for). */
  readonly trace: readonly StepTrace[];
}

export interface CacheRun {
  readonly hierarchy: Hierarchy;
  readonly layout: OperandLayout;
}

export interface DetailedOptions {
  readonly cache?: CacheRun;
  /** Keep the first `traceSteps` steps of the timeline. */
  readonly traceSteps?: number;
  /** Called after each step with its numbers (o.j is the tile). */
  readonly onStep?: (o: StepOut) => void;
}

export interface DetailedLayer {
  readonly eval: Eval;
  readonly timeline: Timeline;
  /** The layer's share of the cache statistics (with caches). */
  readonly cache?: HierarchySnapshot;
  /** Accesses the layer made to the first cache level. */
  readonly cacheAccesses?: number;
}

/** The first `dims` tile indices as a plain array (what Array.from(subarray) gives, without its iterator). */
function tileOf(j: Int32Array, dims: number): number[] {
  const tile: number[] = [];
  for (let d = 0; d < dims; d++) tile.push(j[d]!);
  return tile;
}

/** What a trace shows of a step. */
type TracedStep = Pick<StepOut, "j" | "compute" | "port" | "overlapped" | "serial" | "step">;

function trace(o: TracedStep, start: number, dims: number): StepTrace {
  return {
    tile: tileOf(o.j, dims), start, compute: o.compute, ports: o.port, overlappedDma: o.overlapped,
    serialDma: o.serial, cycles: o.step, stall: o.step - o.compute,
  };
}

/** The worst step so far, its numbers copied: its trace is built once, when the walk ends. */
class WorstStep implements TracedStep {
  readonly j = new Int32Array(6);
  compute = 0;
  port = 0;
  overlapped = 0;
  serial = 0;
  step = 0;
  start = 0;
  stall = -1;

  keep(o: StepOut, start: number): void {
    this.j.set(o.j);
    this.compute = o.compute;
    this.port = o.port;
    this.overlapped = o.overlapped;
    this.serial = o.serial;
    this.step = o.step;
    this.start = start;
    this.stall = o.step - o.compute;
  }

  trace(dims: number): StepTrace | null {
    return this.stall < 0 ? null : trace(this, this.start, dims);
  }
}

/** An address stream's transfers (cache/streams.ts). */
interface TransferStream {
  transfer(kind: number, j: Int32Array, slot: number): number;
  shifted(kind: number, slot: number): number;
}

/** A timer that simulates every transfer on the cache hierarchy; memory traffic per operand is kept. */
class CacheTimer {
  readonly memRead = new Float64Array(3);
  readonly memWrite = new Float64Array(3);
  /** The level that talks to memory: its traffic is what DRAM sees. */
  private readonly last: CacheLevel;
  constructor(h: Hierarchy, private readonly stream: TransferStream) {
    this.last = h.last;
  }
  readonly timer: Timer = (o) => {
    const last = this.last;
    for (let i = 0; i < o.nT; i++) {
      const w = o.which[i]!;
      const j = w === 1 ? o.jNext : w === -1 ? o.jPrev : o.j;
      const r0 = last.memReadBits;
      const w0 = last.memWriteBits;
      // A repeated step replays the previous step's ranges moved along (when the stream can: else -1).
      let t = o.repeat ? this.stream.shifted(o.kind[i]!, i) : -1;
      if (t < 0) t = this.stream.transfer(o.kind[i]!, j, i);
      o.time[i] = t;
      const op = KIND_OPERAND[o.kind[i]!]!;
      this.memRead[op] = this.memRead[op]! + last.memReadBits - r0;
      this.memWrite[op] = this.memWrite[op]! + last.memWriteBits - w0;
    }
  };
}

/** Walk every step of `st` in loop order. */
export function walk(st: Stepper, timer: Timer, opts: DetailedOptions): { totals: Totals; timeline: Timeline } {
  const tot = new Totals();
  const o = new StepOut();
  const keep = opts.traceSteps ?? 0;
  const dims = st.loopDims.length === 0 || st instanceof VectorSteps ? 1 : 6;
  st.prologue(o);
  timer(o, st, 1);
  let cycle = tot.addEdge(o, "prologue");
  const kept: StepTrace[] = [];
  let stalled = 0;
  const worst = new WorstStep();
  // Read once: the loop below runs for every tile.
  const loopDims = st.loopDims;
  const loopCounts = st.loopCounts;
  const channel = st.channel;
  const onStep = opts.onStep;
  const k = loopDims.length;
  const at = new Int32Array(k);
  const j = new Int32Array(6);
  // Whether only the innermost loop advanced since the last step (its index the only one changed).
  let innerOnly = false;
  for (;;) {
    if (innerOnly) {
      j[loopDims[k - 1]!] = at[k - 1]!;
      st.describeInner(j, o);
    } else {
      for (let i = 0; i < k; i++) j[loopDims[i]!] = at[i]!;
      st.describe(j, o);
    }
    timer(o, st, 1);
    channel.compose(o);
    tot.add(o, 1);
    onStep?.(o);
    const stall = o.step - o.compute;
    if (stall > 0) stalled++;
    if (kept.length < keep) kept.push(trace(o, cycle, dims));
    if (stall > worst.stall) worst.keep(o, cycle);
    cycle += o.step;
    let i = k - 1;
    while (i >= 0 && ++at[i]! === loopCounts[i]!) at[i--] = 0;
    if (i < 0) break;
    innerOnly = i === k - 1;
  }
  st.epilogue(o);
  timer(o, st, 1);
  tot.addEdge(o, "epilogue");
  return { totals: tot, timeline: { tiles: tot.tiles, prologueCycles: tot.prologue, epilogueCycles: tot.epilogue, stalledSteps: stalled, worstStep: worst.trace(dims), trace: kept } };
}

function withCache(st: Stepper, stream: TransferStream, cache: CacheRun, opts: DetailedOptions, finish: (t: Totals) => Eval): DetailedLayer {
  const before = cache.hierarchy.snapshot();
  const ct = new CacheTimer(cache.hierarchy, stream);
  const { totals, timeline } = walk(st, ct.timer, opts);
  // What DRAM saw: lines filled and written back, not the bits the buffers asked for.
  totals.readBits.set(ct.memRead);
  totals.writeBits.set(ct.memWrite);
  const snap = diffSnapshots(before, cache.hierarchy.snapshot());
  return { eval: finish(totals), timeline, cache: snap, cacheAccesses: snap.accesses };
}

/** One MAC layer under a mapping, tile by tile (the formula's tile classes as the analytic engine lists them). */
export function detailedMapping(ctx: EvalContext, m: Mapping, opts: DetailedOptions = {}): DetailedLayer {
  const { fit, steps } = stepsOf(ctx, m);
  if (steps === undefined) throw new Error(`internal: the detailed engine was given a mapping that does not fit layer "${ctx.layer.name}"`);
  const oWord = fit.complete ? ctx.layer.outBits : ctx.psumBits;
  const finish = (t: Totals) => evalOf(ctx, t, oWord, [fit.wTile, fit.iTile, fit.oTile], tileClasses(steps));
  if (opts.cache !== undefined) return withCache(steps, new MacStream(ctx, steps, opts.cache.layout, opts.cache.hierarchy), opts.cache, opts, finish);
  const { totals, timeline } = walk(steps, dramTimer, opts);
  return { eval: finish(totals), timeline };
}

/** One pool / add layer, chunk by chunk. */
export function detailedVector(ctx: EvalContext, opts: DetailedOptions = {}): DetailedLayer {
  const st = new VectorSteps(ctx);
  const finish = (t: Totals) => evalOf(ctx, t, ctx.layer.outBits, [0, 0, 0], vectorClasses(ctx, st, t.compute));
  if (opts.cache !== undefined) return withCache(st, new VectorStream(ctx, st, opts.cache.layout, opts.cache.hierarchy), opts.cache, opts, finish);
  const { totals, timeline } = walk(st, dramTimer, opts);
  return { eval: finish(totals), timeline };
}
