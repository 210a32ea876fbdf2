/**
 * What the cost model needs before it counts anything: the per-layer context (precision step model,
 * array shape, partial-sum width, residency), the per-unrolling plan (which loops are on the array,
 * streamed, or start new passes; which operands each axis reuses), and a tile's footprint in the buffers.
 */
import type { ArchSpec, BufferName } from "../hw/types.js";
import { type ArrayFlow, type Mapping, type Operand3, RELEVANT, operandRoles, streamedDims } from "./mapping.js";
import { stepModel } from "./precision.js";
import type { Channel } from "./step-out.js";
import type { Reps } from "./step-consts.js";
import { type Dim, type SimLayer, type TiledDim, weightCount } from "./workload.js";

export interface EvalContext {
  readonly layer: SimLayer;
  readonly arch: ArchSpec;
  readonly flow: ArrayFlow;
  readonly arrayRows: number;
  readonly arrayCols: number;
  readonly depth: number;
  readonly cyclesPerStep: number;
  readonly psumBits: number;
  readonly inputResident: boolean;
  readonly outputResident: boolean;
  /** The arch keeps weights resident (buffers.weights.resident) and this layer's all fit: none come over DRAM. */
  readonly weightsResident: boolean;
  readonly latency: number;
  readonly burstBits: number;
  /** Per operand (weights, inputs, outputs): the tile capacity (bits) of the buffer holding it. */
  readonly opTileCapBits: readonly [number, number, number];
  /** Per operand: banks · port bits of the buffer holding it (bits per cycle). */
  readonly opPortRate: readonly [number, number, number];
  /** Weights, inputs and outputs each in their own per-operand buffer (no `unified`). */
  readonly ownBuffers: boolean;
  /** Per-unrolling constants, computed once per context. */
  readonly plans: WeakMap<object, Plan>;
  /** Arch constants of the step model (steps.ts) and the representatives of each (dimension, tile extent), built on first use. */
  readonly scratch: { channel?: Channel; reps?: Map<number, Reps> };
}

export function makeContext(layer: SimLayer, arch: ArchSpec, inputResident: boolean, outputResident: boolean): EvalContext {
  const c = arch.compute;
  const s = stepModel(c.precision, layer.wBits, layer.aBits);
  const h = arch.derived.holder;
  const outHolder = arch.buffers[h.outputs];
  const cap = (b: BufferName) => arch.derived.tileCapacityBits[b] ?? 0;
  const rate = (b: BufferName) => arch.buffers[b]!.banks * arch.buffers[b]!.portBits;
  const wBuf = arch.buffers.weights;
  return {
    layer, arch,
    flow: c.kind === "systolic" ? c.dataflow : "vector",
    arrayRows: arch.derived.arrayRows, arrayCols: arch.derived.arrayCols,
    depth: s.depth, cyclesPerStep: s.cyclesPerStep,
    psumBits: outHolder?.wordBits ?? c.accumulatorBits,
    inputResident, outputResident,
    weightsResident: wBuf?.resident === true && layer.kind === "mac" && weightCount(layer) * layer.wBits <= wBuf.sizeBytes * 8,
    latency: arch.derived.dramLatencyCycles, burstBits: arch.dram.burstBytes * 8,
    opTileCapBits: [cap(h.weights), cap(h.inputs), cap(h.outputs)],
    opPortRate: [rate(h.weights), rate(h.inputs), rate(h.outputs)],
    ownBuffers: h.weights === "weights" && h.inputs === "inputs" && h.outputs === "outputs",
    plans: new WeakMap(),
    scratch: {},
  };
}

/** The buffer a tile overflows, with the bits it needs and the bits the buffer has for a tile. */
export interface Overflow {
  readonly buffer: BufferName;
  readonly needBits: number;
  readonly haveBits: number;
}

function has(list: readonly Dim[], set: ReadonlySet<Dim>): boolean {
  for (const d of list) if (set.has(d)) return true;
  return false;
}

/** Rows (or columns) of input a run of output tiles touches, halos re-read, padding not stored. */
export function inputSpan(size: number, n: number, t: number, rem: number, k: number, s: number, dil: number, padA: number, padB: number): number {
  const span = (x: number) => (x - 1) * s + (k - 1) * dil + 1;
  const total = (n - 1) * span(t) + span(rem) - padA - padB;
  return Math.max(1, Math.min(n * size, n === 1 ? Math.min(size, total) : total));
}

function tileSpan(size: number, t: number, k: number, s: number, dil: number): number {
  return Math.min(size, (t - 1) * s + (k - 1) * dil + 1);
}


/** What an unrolling implies, independent of the tile: computed once per (layer, unrolling). */
export interface Plan {
  readonly rows: readonly Dim[];
  readonly cols: readonly Dim[];
  readonly stream: readonly Dim[];
  readonly fold: readonly Dim[];
  readonly redOnRows: boolean;
  readonly redStreamed: boolean;
  /** A reduction dimension (C, R or S of extent > 1) outside the array and the stream: passes accumulate. */
  readonly redFolded: boolean;
  readonly dRows: number;
  readonly roles: ReturnType<typeof operandRoles>;
  readonly rsR: boolean;
  readonly rsC: boolean;
  readonly csR: boolean;
  readonly csC: boolean;
  /** The same dimension lists as indices into DIM_ORDER, for the hot loop. */
  readonly rowsIdx: readonly number[];
  readonly colsIdx: readonly number[];
  readonly streamIdx: readonly number[];
  readonly foldIdx: readonly number[];
}

/** Dimension order of the index arrays: the six tiled dimensions, then R and S. */
export const DIM_ORDER: readonly Dim[] = ["N", "G", "K", "C", "P", "Q", "R", "S"];
const idx = (list: readonly Dim[]) => list.map((d) => DIM_ORDER.indexOf(d));
/** Relevance masks over DIM_ORDER indices 0..5 (weights, inputs, outputs). */
export const REL_MASK: Readonly<Record<Operand3, number>> = { weights: 0b001110, inputs: 0b111011, outputs: 0b110111 };

export function planOf(ctx: EvalContext, m: Mapping): Plan {
  const hit = ctx.plans.get(m.spatial);
  if (hit !== undefined) return hit;
  const l = ctx.layer;
  const rows = m.spatial.rows;
  const cols = m.spatial.cols;
  const on = new Set<Dim>([...rows, ...cols]);
  const streamSet = new Set(streamedDims(m.dataflow));
  const stream: Dim[] = [];
  const fold: Dim[] = [];
  for (const d of ["N", "G", "K", "C", "P", "Q", "R", "S"] as const) {
    if (on.has(d)) continue;
    (streamSet.has(d) ? stream : fold).push(d);
  }
  const isRed = (d: Dim) => d === "C" || d === "R" || d === "S";
  const redOnRows = rows.some(isRed);
  const roles = operandRoles(m.dataflow);
  const relRows = (x: Operand3) => has(rows, RELEVANT[x]);
  const relCols = (x: Operand3) => has(cols, RELEVANT[x]);
  const plan: Plan = {
    rows, cols, stream, fold, redOnRows,
    redStreamed: stream.some(isRed),
    redFolded: fold.some((d) => isRed(d) && l[d] > 1),
    dRows: redOnRows ? ctx.depth : 1,
    roles,
    rsR: relRows(roles.rowStream), rsC: relCols(roles.rowStream), csR: relRows(roles.colStream), csC: relCols(roles.colStream),
    rowsIdx: idx(rows), colsIdx: idx(cols), streamIdx: idx(stream), foldIdx: idx(fold),
  };
  ctx.plans.set(m.spatial, plan);
  return plan;
}

export interface Fit {
  readonly complete: boolean;
  readonly wTile: number;
  readonly iTile: number;
  readonly oTile: number;
  readonly overflow?: Overflow;
}

/**
 * The tile's footprint per buffer. Outputs leave the array complete (stored at the output width, no
 * read-modify-write) when the whole reduction happens within one pass: no reduction loop outside the
 * array, one row fold, one C tile; otherwise the buffer holds partial sums at the accumulator width.
 */
export function tileFit(ctx: EvalContext, plan: Plan, t: Readonly<Record<TiledDim, number>>, nC: number): Fit {
  const l = ctx.layer;
  const complete = nC === 1 && !plan.redFolded && (!plan.redOnRows || rowsExtent(l, plan.rows, t) <= ctx.arrayRows * plan.dRows);
  const wTile = t.G * t.K * t.C * l.R * l.S * l.wBits;
  const iTile = ctx.inputResident ? 0 : t.N * t.G * t.C * tileSpan(l.H, t.P, l.R, l.strideH, l.dilationH) * tileSpan(l.W, t.Q, l.S, l.strideW, l.dilationW) * l.aBits;
  const oTile = t.N * t.G * t.K * t.P * t.Q * (complete ? l.outBits : ctx.psumBits);
  const fit = { complete, wTile, iTile, oTile };
  const holder = ctx.arch.derived.holder;
  if (holder.weights === holder.inputs || holder.weights === holder.outputs || holder.inputs === holder.outputs) {
    const cap = ctx.arch.derived.tileCapacityBits;
    const need: Partial<Record<BufferName, number>> = {};
    need[holder.weights] = (need[holder.weights] ?? 0) + wTile;
    need[holder.inputs] = (need[holder.inputs] ?? 0) + iTile;
    need[holder.outputs] = (need[holder.outputs] ?? 0) + oTile;
    for (const b of Object.keys(need) as BufferName[]) if (need[b]! > (cap[b] ?? 0)) return { ...fit, overflow: { buffer: b, needBits: need[b]!, haveBits: cap[b] ?? 0 } };
    return fit;
  }
  const cap = ctx.opTileCapBits;
  if (wTile > cap[0]) return { ...fit, overflow: { buffer: holder.weights, needBits: wTile, haveBits: cap[0] } };
  if (iTile > cap[1]) return { ...fit, overflow: { buffer: holder.inputs, needBits: iTile, haveBits: cap[1] } };
  if (oTile > cap[2]) return { ...fit, overflow: { buffer: holder.outputs, needBits: oTile, haveBits: cap[2] } };
  return fit;
}

/** Reduction operands an array row pass holds: the product of the row dimensions' tile extents. */
function rowsExtent(l: SimLayer, rows: readonly Dim[], t: Readonly<Record<TiledDim, number>>): number {
  let r = 1;
  for (const d of rows) r *= d === "R" ? l.R : d === "S" ? l.S : t[d];
  return r;
}

/** Does a tile fit the buffers under an unrolling? (The mapper's pre-check before a full evaluation.) */
export function tileFits(ctx: EvalContext, m: Mapping): boolean {
  return tileFit(ctx, planOf(ctx, m), m.tile, Math.ceil(ctx.layer.C / m.tile.C)).overflow === undefined;
}
