/**
 * The analytic cost of one mapping of one MAC layer: the step model of steps.ts summed over classes of
 * equivalent tiles (microseconds per layer, the mapper's inner loop). Per buffer tile, on an R_a × C_a
 * array whose PEs take `depth` reduction operands per step of c cycles:
 *   passes = ⌈rows extent/(R_a·depth)⌉ · ⌈cols extent/C_a⌉ · (extent of the non-streamed temporal loops)
 *   compute = passes · (steps · c + fill + drain) + per-tile overhead
 * DRAM: an operand's tile is fetched when the loop that advances sits at or outside its innermost relevant
 * loop; outputs revisited across input-channel tiles spill partial sums (accumulator width) and read them
 * back. Each transfer costs latency + ⌈bits / bandwidth⌉ (bursts rounded up), and
 *   total = prologue + Σ_steps [max(compute, buffer ports, overlapped DMA) + serial DMA] + epilogue.
 * The detailed engine (detailed/engine.ts) walks the same steps tile by tile and agrees exactly.
 */
import type { BufferName } from "../hw/types.js";
import type { Mapping } from "./mapping.js";
import { type EvalContext, type Fit, type Overflow, planOf, tileFit } from "./plan.js";
import { MacSteps, StepOut } from "./steps.js";
import { type Timer, Totals, dramTimer, sumSteps } from "./totals.js";

export { type EvalContext, makeContext, tileFits } from "./plan.js";

/** Per-operand numbers (bits unless named otherwise). */
export interface OperandCost {
  /** Values moved between the buffer and the array. */
  readonly arrayAccesses: number;
  readonly bufferReadBits: number;
  readonly bufferWriteBits: number;
  readonly dramReadBits: number;
  readonly dramWriteBits: number;
  readonly transfers: number;
  /** DRAM time of this operand: Σ over its transfers of latency + ⌈bits / bandwidth⌉. */
  readonly dramCycles: number;
  readonly portCycles: number;
  /** max(dramCycles, portCycles): this operand's traffic term. */
  readonly term: number;
  readonly tileBits: number;
}

export interface TileClass {
  readonly count: number;
  readonly passes: number;
  readonly steps: number;
  readonly cycles: number;
}

export interface Eval {
  readonly legal: boolean;
  /** Why not legal: the buffer that overflows, with the bits needed and available. */
  readonly overflow?: Overflow;
  readonly macs: number;
  readonly computeCycles: number;
  /** Σ over steps of the buffer-port cycles of the overlapped phase. */
  readonly portCycles: number;
  /** Σ over steps of max(compute, ports). */
  readonly onchipCycles: number;
  /** Tile 0's operands before the first step. */
  readonly prologueCycles: number;
  /** The last output tile's drain after the last step. */
  readonly epilogueCycles: number;
  /** Σ over steps of the DMA that overlaps compute. */
  readonly overlappedCycles: number;
  /** Σ over steps of the DMA that does not (buffers without double buffering). */
  readonly serialCycles: number;
  /** prologue + epilogue + serial: transfer time never hidden by compute. */
  readonly exposedCycles: number;
  /** Σ over steps of max(compute, ports, overlapped DMA) + serial DMA. */
  readonly stepCycles: number;
  readonly totalCycles: number;
  readonly passes: number;
  /** PE-operand slots offered during the active steps (mapping-utilization denominator). */
  readonly slots: number;
  readonly tiles: number;
  readonly weights: OperandCost;
  readonly inputs: OperandCost;
  readonly outputs: OperandCost;
  readonly bufferBits: Readonly<Partial<Record<BufferName, { read: number; write: number }>>>;
  readonly classes: readonly TileClass[];
  readonly dramBits: number;
}

function operandCost(t: Totals, i: number, read: number, write: number, rate: number, tileBits: number): OperandCost {
  const port = Math.ceil((read + write) / rate);
  const dram = t.dramCycles[i]!;
  return {
    arrayAccesses: t.acc[i]!, bufferReadBits: read, bufferWriteBits: write,
    dramReadBits: t.readBits[i]!, dramWriteBits: t.writeBits[i]!, transfers: t.transfers[i]!,
    dramCycles: dram, portCycles: port, term: Math.max(dram, port), tileBits,
  };
}

function addBits(to: Partial<Record<BufferName, { read: number; write: number }>>, b: BufferName, read: number, write: number): void {
  const cur = to[b];
  to[b] = cur === undefined ? { read, write } : { read: cur.read + read, write: cur.write + write };
}

/** Turn step sums into an Eval (shared by both engines and by vector layers). */
export function evalOf(ctx: EvalContext, t: Totals, oWord: number, tileBits: readonly [number, number, number], classes: readonly TileClass[]): Eval {
  const l = ctx.layer;
  const holder = ctx.arch.derived.holder;
  const wRead = t.acc[0]! * l.wBits;
  const wWrite = t.readBits[0]!;
  const iRead = t.acc[1]! * l.aBits;
  const iWrite = t.readBits[1]!;
  // Every array write but an output's first is a read-modify-write, and every output is read once more
  // to leave the buffer: reads = (writes − outputs) + outputs; partial sums also go out and come back.
  const oRead = t.acc[2]! * oWord + t.psumOut;
  const oWrite = t.acc[2]! * oWord + t.psumIn;
  let bufferBits: Partial<Record<BufferName, { read: number; write: number }>>;
  // The common case as one literal (same keys, same order as the general one).
  if (ctx.ownBuffers) bufferBits = { weights: { read: wRead, write: wWrite }, inputs: { read: iRead, write: iWrite }, outputs: { read: oRead, write: oWrite } };
  else {
    bufferBits = {};
    addBits(bufferBits, holder.weights, wRead, wWrite);
    addBits(bufferBits, holder.inputs, iRead, iWrite);
    addBits(bufferBits, holder.outputs, oRead, oWrite);
  }
  const rate = ctx.opPortRate;
  const dramBits = t.readBits[0]! + t.readBits[1]! + t.readBits[2]! + t.writeBits[0]! + t.writeBits[1]! + t.writeBits[2]!;
  return {
    legal: true, macs: t.macs, computeCycles: t.compute, portCycles: t.port, onchipCycles: t.onchip,
    prologueCycles: t.prologue, epilogueCycles: t.epilogue, overlappedCycles: t.overlapped, serialCycles: t.serial,
    exposedCycles: t.prologue + t.epilogue + t.serial, stepCycles: t.steps, totalCycles: t.total,
    passes: t.passes, slots: t.slots, tiles: t.tiles,
    weights: operandCost(t, 0, wRead, wWrite, rate[0], tileBits[0]),
    inputs: operandCost(t, 1, iRead, iWrite, rate[1], tileBits[1]),
    outputs: operandCost(t, 2, oRead, oWrite, rate[2], tileBits[2]),
    bufferBits, classes, dramBits,
  };
}

/** The fit and step model of a mapping, or the overflow that makes it illegal. */
export function stepsOf(ctx: EvalContext, m: Mapping): { fit: Fit; steps: MacSteps } | { fit: Fit; steps: undefined } {
  const plan = planOf(ctx, m);
  const fit = tileFit(ctx, plan, m.tile, Math.ceil(ctx.layer.C / m.tile.C));
  if (fit.overflow !== undefined) return { fit, steps: undefined };
  return { fit, steps: new MacSteps(ctx, m, fit.complete) };
}

/** Tile shapes (full and remainder extents) with their counts and compute, for the formula. */
export function tileClasses(st: MacSteps): TileClass[] {
  const ragged: number[] = [];
  let base = 1;
  for (let d = 0; d < 6; d++) {
    if (st.n[d]! > 1 && st.rem[d] !== st.t[d]) ragged.push(d);
    else base *= st.n[d]!;
  }
  const o = new StepOut();
  const j = new Int32Array(6);
  const out: TileClass[] = [];
  for (let mask = 0; mask < 1 << ragged.length; mask++) {
    let count = base;
    j.fill(0);
    ragged.forEach((d, i) => {
      if ((mask >> i) & 1) j[d] = st.n[d]! - 1;
      else count *= st.n[d]! - 1;
    });
    st.describe(j, o);
    out.push({ count, passes: o.passes, steps: o.steps, cycles: o.compute });
  }
  return out;
}

/**
 * The sums and the steps of the evaluation in progress: evalOf copies the numbers out and neither escapes
 * evaluateMapping (which the timer never re-enters), so one of each serves every evaluation.
 */
const SUMS = new Totals();
let STEPS: MacSteps | undefined;

/** Evaluate one mapping. With `detail`, the tile classes are kept (for the formula). */
export function evaluateMapping(ctx: EvalContext, m: Mapping, detail = false, timer: Timer = dramTimer): Eval {
  const plan = planOf(ctx, m);
  const fit = tileFit(ctx, plan, m.tile, Math.ceil(ctx.layer.C / m.tile.C));
  if (fit.overflow !== undefined) return illegal(fit.overflow);
  const steps = STEPS === undefined ? (STEPS = new MacSteps(ctx, m, fit.complete, plan)) : STEPS.aim(ctx, m, fit.complete, plan);
  const t = sumSteps(steps, timer, SUMS);
  const l = ctx.layer;
  return evalOf(ctx, t, fit.complete ? l.outBits : ctx.psumBits, [fit.wTile, fit.iTile, fit.oTile], detail ? tileClasses(steps) : []);
}

const ZERO_OP: OperandCost = { arrayAccesses: 0, bufferReadBits: 0, bufferWriteBits: 0, dramReadBits: 0, dramWriteBits: 0, transfers: 0, dramCycles: 0, portCycles: 0, term: 0, tileBits: 0 };

function illegal(overflow: Overflow): Eval {
  return {
    legal: false, overflow, macs: 0, computeCycles: Infinity, portCycles: 0, onchipCycles: Infinity, prologueCycles: 0, epilogueCycles: 0,
    overlappedCycles: 0, serialCycles: 0, exposedCycles: 0, stepCycles: Infinity, totalCycles: Infinity, passes: 0, slots: 0, tiles: 0,
    weights: ZERO_OP, inputs: ZERO_OP, outputs: ZERO_OP, bufferBits: {}, classes: [], dramBits: Infinity,
  };
}
