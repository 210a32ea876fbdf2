/**
 * The mapper: a bounded search over spatial unrollings (which loop dimensions go on the array rows and
 * columns — depthwise layers may spread their channels over an array dimension instead of being stranded
 * on one column), buffer tiles (candidate extents per dimension: the whole dimension, multiples of the
 * array's share, and halvings) and DRAM loop orders. It minimizes cycles, then DRAM traffic, then buffer
 * accesses; ties keep the first candidate, so results are deterministic. A user-pinned mapping is
 * checked and evaluated instead.
 */
import { MappingError } from "../errors.js";
import { type Eval, type EvalContext, evaluateMapping, tileFits } from "./cost.js";
import { type Mapping, allowedSpatial } from "./mapping.js";
import { planOf, tileFit } from "./plan.js";
import { type Dim, type SimLayer, TILED_DIMS, type TiledDim } from "./workload.js";

export interface SearchStats {
  /** Spatial unrollings considered. */
  readonly spatialOptions: number;
  /** Nominal size of the space: unrollings × tile candidates × loop orders. */
  readonly space: number;
  /** Mappings evaluated (after pruning) and how many fit the buffers. */
  readonly evaluated: number;
  readonly legal: number;
}

export interface MapResult {
  readonly mapping: Mapping;
  readonly eval: Eval;
  readonly search: SearchStats;
}

type Spatial = Mapping["spatial"];

/** Unrollings worth considering for a layer (dimensions of extent 1 are left out). */
export function spatialOptions(l: SimLayer, ctx: EvalContext): Spatial[] {
  const allowed = allowedSpatial(ctx.flow);
  const big = (d: Dim) => l[d] > 1;
  const rowOpts: Dim[][] = [];
  const colOpts: Dim[][] = [];
  const addUnique = (list: Dim[][], v: Dim[]) => {
    if (!list.some((x) => x.join() === v.join())) list.push(v);
  };
  if (allowed.rows.includes("C")) {
    addUnique(rowOpts, ["C"]);
    if (l.R * l.S > 1) addUnique(rowOpts, ["C", "R", "S"].filter((d) => d === "C" || big(d as Dim)) as Dim[]);
  } else if (allowed.rows.includes("P")) {
    addUnique(rowOpts, ["P", "Q"]);
    if (big("N")) addUnique(rowOpts, ["N", "P", "Q"]);
  } else rowOpts.push([]);
  if (allowed.cols.includes("K")) {
    addUnique(colOpts, ["K"]);
    if (big("G")) {
      addUnique(colOpts, ["G"]);
      if (big("K")) addUnique(colOpts, ["G", "K"]);
    }
  }
  if (allowed.cols.includes("P")) {
    if (!allowed.cols.includes("K") || !big("K")) addUnique(colOpts, ["P", "Q"]);
    if (big("N") && (!allowed.cols.includes("K") || !big("K"))) addUnique(colOpts, ["N", "P", "Q"]);
  }
  const out: Spatial[] = [];
  for (const r of rowOpts) for (const c of colOpts) out.push({ rows: r, cols: c });
  return out;
}

/** Candidate tile extents for a dimension of size D whose array share is `cap`, largest first. */
export function tileCandidates(D: number, cap: number, limit = 9): number[] {
  const s = new Set<number>([D]);
  for (let m = 1; cap * m < D && s.size < limit + 4; m *= 2) s.add(cap * m);
  for (let k = 2; k <= D && s.size < 2 * limit; k = k < 4 ? k + 1 : k * 2) s.add(Math.ceil(D / k));
  s.add(1);
  const sorted = [...s].sort((a, b) => b - a);
  if (sorted.length <= limit) return sorted;
  // Keep the largest few and a geometric spread of the small ones (tight buffers need small tiles).
  const keep = sorted.slice(0, limit - 3);
  const tail = sorted.slice(limit - 3);
  for (const f of [0.25, 0.5, 1]) keep.push(tail[Math.min(tail.length - 1, Math.floor((tail.length - 1) * f))]!);
  return [...new Set(keep)].sort((a, b) => b - a);
}

/** The array's share of dimension d under an unrolling: its axis size divided by the other dims on it. */
function capOf(l: SimLayer, ctx: EvalContext, sp: Spatial, d: Dim): number {
  const axis = sp.rows.includes(d) ? sp.rows : sp.cols.includes(d) ? sp.cols : undefined;
  if (axis === undefined) return 1;
  const size = axis === sp.rows ? ctx.arrayRows * (d === "C" ? ctx.depth : 1) : ctx.arrayCols;
  const others = axis.filter((x) => x !== d).reduce((a, x) => a * l[x], 1);
  return Math.max(1, Math.floor(size / others));
}

const PIX: readonly TiledDim[] = ["N", "P", "Q"];

/** Loop orders: G outermost, then the pixel block (N, P, Q), K and C in every relative order. */
function orders(): TiledDim[][] {
  const blocks: TiledDim[][] = [[...PIX], ["K"], ["C"]];
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  return perms.map((p) => ["G", ...p.flatMap((i) => blocks[i]!)]);
}
const ORDERS = orders();

const IDX: Readonly<Record<TiledDim, number>> = { N: 0, G: 1, K: 2, C: 3, P: 4, Q: 5 };
/** Relevance of the tiled dimensions to weights, inputs and outputs, as bit masks over IDX. */
const MASKS = [0b001110, 0b111011, 0b110111] as const;
const ORDER_IDX = ORDERS.map((o) => o.map((d) => IDX[d]));

/**
 * Cheap DRAM-time estimate of each loop order (reloads · volume / bandwidth + transfers · latency), to
 * pick the order before the full evaluation. `n` holds the tile counts in IDX order; `vols` the cycles of
 * one pass over the weights, the inputs and a partial-sum round trip of the outputs; `wTransfers` false
 * when the weights are resident (they move nothing). With volumes that under-estimate the real traffic,
 * the best score is a lower bound on the DRAM cycles of the mapping.
 */
function bestOrder(n: readonly number[], vols: readonly [number, number, number], latency: number, outTransfers: boolean, wTransfers: boolean): { order: number; score: number } {
  let best = 0;
  let bestScore = Infinity;
  for (let o = 0; o < ORDER_IDX.length; o++) {
    const order = ORDER_IDX[o]!;
    let score = 0;
    // Resident weights cost no DRAM time in any order.
    for (let op = wTransfers ? 0 : 1; op < 3; op++) {
      const mask = MASKS[op]!;
      let inner = -1;
      for (let i = 0; i < 6; i++) if ((mask >> order[i]!) & 1 && n[order[i]!]! > 1) inner = i;
      let reload = 1;
      let transfers = 1;
      for (let i = 0; i <= inner; i++) {
        const k = n[order[i]!]!;
        transfers *= k;
        if (!((mask >> order[i]!) & 1)) reload *= k;
      }
      score += (op === 2 ? reload - 1 : reload) * vols[op]! + (op === 2 && !outTransfers && reload === 1 ? 0 : transfers * latency);
    }
    if (score < bestScore) {
      bestScore = score;
      best = o;
    }
  }
  return { order: best, score: bestScore };
}

function better(a: Eval, b: Eval | undefined): boolean {
  if (b === undefined) return true;
  if (a.totalCycles !== b.totalCycles) return a.totalCycles < b.totalCycles;
  if (a.dramBits !== b.dramBits) return a.dramBits < b.dramBits;
  const bits = (e: Eval) => Object.values(e.bufferBits).reduce((s, x) => s + (x?.read ?? 0) + (x?.write ?? 0), 0);
  return bits(a) < bits(b);
}

/** A MappingError when even the smallest tile (one of everything, whole kernel) does not fit. */
export function checkMinimalFit(ctx: EvalContext): void {
  const l = ctx.layer;
  const one = { N: 1, G: 1, K: 1, C: 1, P: 1, Q: 1 };
  // The tile's fit alone decides (what evaluateMapping checks before it sums any step), so no steps are summed.
  const o = tileFit(ctx, planOf(ctx, { dataflow: ctx.flow, spatial: { rows: [], cols: [] }, tile: one, order: [...TILED_DIMS] }), one, l.C).overflow;
  if (o === undefined) return;
  const spec = ctx.arch.buffers[o.buffer]!;
  const what = o.buffer === "weights" ? `one kernel of ${l.R}×${l.S} weights at ${l.wBits} bits` : o.buffer === "inputs" ? `its input window at ${l.aBits} bits` : "its smallest tile";
  const needBytes = Math.ceil(o.needBits / 8) * (spec.doubleBuffered ? 2 : 1);
  throw new MappingError({
    path: `layer "${l.name}"`,
    message: `can never fit: ${what} needs ${o.needBits} bits, more than buffers.${o.buffer} holds for a tile (${o.haveBits} bits${spec.doubleBuffered ? ", half the buffer as it is double-buffered" : ""})`,
    given: `buffers.${o.buffer}.size ${spec.sizeBytes} B`,
    expected: `buffers.${o.buffer}.size of at least ${needBytes} B`,
  });
}

export function searchMapping(ctx: EvalContext): MapResult {
  checkMinimalFit(ctx);
  const l = ctx.layer;
  const spatials = spatialOptions(l, ctx);
  let best: { m: Mapping; e: Eval } | undefined;
  let evaluated = 0;
  let legal = 0;
  let space = 0;
  // DRAM cycles per full pass over each operand (outputs: a partial-sum round trip).
  const rd = ctx.arch.derived.dramReadBitsPerCycle;
  // Inputs: at least the rows and columns the output pixels touch (strides may skip some).
  const inRows = Math.max(1, Math.min(l.H, l.P - l.pads[0] - l.pads[2]));
  const inCols = Math.max(1, Math.min(l.W, l.Q - l.pads[1] - l.pads[3]));
  const vols: [number, number, number] = [
    ctx.weightsResident ? 0 : (l.G * l.K * l.C * l.R * l.S * l.wBits) / rd,
    ctx.inputResident ? 0 : (l.N * l.G * l.C * inRows * inCols * l.aBits) / rd,
    (2 * l.N * l.G * l.K * l.P * l.Q * ctx.psumBits) / rd,
  ];
  const shared = ctx.arch.derived.dramShared;
  for (const sp of spatials) {
    const cand = {} as Record<TiledDim, number[]>;
    for (const d of TILED_DIMS) cand[d] = l[d] === 1 ? [1] : tileCandidates(l[d], capOf(l, ctx, sp, d));
    space += TILED_DIMS.reduce((a, d) => a * cand[d].length, 1) * ORDERS.length;
    // One mutable tile for the fit pre-check, so rejected candidates allocate nothing.
    const scratch = { N: 1, G: 1, K: 1, C: 1, P: 1, Q: 1 };
    const probe: Mapping = { dataflow: ctx.flow, spatial: sp, tile: scratch, order: ORDERS[0]! };
    const wHolder = ctx.arch.derived.holder.weights;
    const wCap = ctx.arch.derived.tileCapacityBits[wHolder] ?? 0;
    for (const tG of cand.G) {
      for (const tK of cand.K) {
        for (const tC of cand.C) {
          // Weights alone must fit; no pixel tile can change that.
          if (tG * tK * tC * l.R * l.S * l.wBits > wCap) continue;
          // Pixel tiles: for each (N, Q) candidate the largest P that fits; full rows first.
          let found = 0;
          for (const tN of cand.N) {
            for (const tQ of cand.Q) {
              for (const tP of cand.P) {
                scratch.N = tN; scratch.G = tG; scratch.K = tK; scratch.C = tC; scratch.P = tP; scratch.Q = tQ;
                evaluated++;
                if (!tileFits(ctx, probe)) continue;
                const tile = { N: tN, G: tG, K: tK, C: tC, P: tP, Q: tQ };
                const n = [Math.ceil(l.N / tN), Math.ceil(l.G / tG), Math.ceil(l.K / tK), Math.ceil(l.C / tC), Math.ceil(l.P / tP), Math.ceil(l.Q / tQ)];
                const bo = bestOrder(n, vols, ctx.latency, !ctx.outputResident, !ctx.weightsResident);
                // On one shared DRAM interface the total is at least the sum of the transfers: prune.
                if (shared && best !== undefined && bo.score > best.e.totalCycles) {
                  found++;
                  break;
                }
                const order = ORDERS[bo.order]!;
                const m: Mapping = { dataflow: ctx.flow, spatial: sp, tile, order };
                const e = evaluateMapping(ctx, m);
                if (!e.legal) continue;
                legal++;
                if (better(e, best?.e)) best = { m, e };
                found++;
                break;
              }
              if (found >= 2) break;
            }
            if (found >= 2) break;
          }
        }
      }
    }
  }
  if (best === undefined) {
    throw new MappingError({ path: `layer "${l.name}"`, message: "no mapping fits the buffers", expected: "larger buffers, or narrower operands" });
  }
  return { mapping: best.m, eval: evaluateMapping(ctx, best.m, true), search: { spatialOptions: spatials.length, space, evaluated, legal } };
}

/** Evaluate a user-pinned mapping; a MappingError says which buffer it overflows. */
export function pinnedMapping(ctx: EvalContext, m: Mapping): MapResult {
  const placed = placePinned(ctx, m);
  return { mapping: m, eval: evaluateMapping(ctx, m, true), search: placed.search };
}

/**
 * A pinned mapping checked to fit, as pinnedMapping checks it, but not evaluated: for the detailed engine,
 * which walks the tiles itself. A MappingError says which buffer it overflows.
 */
export function placePinned(ctx: EvalContext, m: Mapping): Pick<MapResult, "mapping" | "search"> {
  checkMinimalFit(ctx);
  // What evaluateMapping finds illegal: the tile's fit, before any step is summed.
  const o = tileFit(ctx, planOf(ctx, m), m.tile, Math.ceil(ctx.layer.C / m.tile.C)).overflow;
  if (o !== undefined) {
    throw new MappingError({
      path: `layer "${ctx.layer.name}" mapping`,
      message: `does not fit: its tile needs ${o.needBits} bits of buffers.${o.buffer}, which holds ${o.haveBits} bits per tile`,
      given: JSON.stringify(m.tile),
      expected: "smaller tile extents",
    });
  }
  return { mapping: m, search: { spatialOptions: 1, space: 1, evaluated: 1, legal: 1 } };
}
