/**
 * What the step model (steps.ts) computes once instead of once per evaluation: the constants of the hot
 * loop per (context, unrolling), and the representative tile indices per (context, dimension, tile
 * extent) — the mapper evaluates hundreds of tilings and loop orders of each layer, and these repeat.
 */
import type { EvalContext, Plan } from "./plan.js";
import { exactInverse } from "./step-out.js";
import type { TiledDim } from "./workload.js";

const P = 4;
const Q = 5;

/** Representatives of one dimension (see Stepper.reps). */
export interface Reps {
  readonly values: Int32Array;
  readonly mult: Float64Array;
  readonly count: number;
}

/**
 * Constants of the hot loop that depend only on the context and the unrolling: built once per plan (a plan
 * belongs to one context) instead of once per evaluation, since the mapper evaluates hundreds of tilings
 * and loop orders under each unrolling.
 */
export interface StepConsts {
  readonly rowsIdx: Int32Array;
  readonly colsIdx: Int32Array;
  readonly streamIdx: Int32Array;
  readonly foldIdx: Int32Array;
  readonly rowsCap: number;
  readonly cols: number;
  readonly depthSteps: boolean;
  readonly depth: number;
  /** Exact inverses of the three (step-out.ts exactInverse). */
  readonly rowsCapInv: number;
  readonly colsInv: number;
  readonly depthInv: number;
  readonly perStep: number;
  readonly passOverhead: number;
  readonly tileOverhead: number;
  readonly slotsPerStep: number;
  /** Which array role (0 stationary, 1 row stream, 2 column stream) each operand plays. */
  readonly slot: Int32Array;
  readonly rsR: boolean;
  readonly rsC: boolean;
  readonly csR: boolean;
  readonly csC: boolean;
  readonly wBits: number;
  readonly aBits: number;
  readonly outBits: number;
  readonly psumBits: number;
  readonly R: number;
  readonly S: number;
  readonly RS: number;
  readonly inRes: boolean;
  readonly outRes: boolean;
  readonly wRes: boolean;
  /** Per P and Q: stride, padding, kernel extent, dilation, size (span() reads them every step). */
  readonly spanP: Float64Array;
  readonly spanQ: Float64Array;
}

const CONSTS = new WeakMap<Plan, StepConsts>();

export function constsOf(ctx: EvalContext, plan: Plan): StepConsts {
  const hit = CONSTS.get(plan);
  if (hit !== undefined) return hit;
  const l = ctx.layer;
  const pipe = ctx.arch.compute.pipeline;
  const roles = plan.roles;
  const slotOf = (x: string) => (roles.stationary === x ? 0 : roles.rowStream === x ? 1 : 2);
  const k: StepConsts = {
    rowsIdx: new Int32Array(plan.rowsIdx), colsIdx: new Int32Array(plan.colsIdx), streamIdx: new Int32Array(plan.streamIdx), foldIdx: new Int32Array(plan.foldIdx),
    rowsCap: ctx.arrayRows * plan.dRows, cols: ctx.arrayCols, depthSteps: plan.redStreamed && !plan.redOnRows, depth: ctx.depth,
    rowsCapInv: exactInverse(ctx.arrayRows * plan.dRows), colsInv: exactInverse(ctx.arrayCols), depthInv: exactInverse(ctx.depth),
    perStep: ctx.cyclesPerStep, passOverhead: pipe.fillCycles + pipe.drainCycles, tileOverhead: pipe.perTileOverheadCycles,
    slotsPerStep: ctx.arrayRows * ctx.arrayCols * ctx.depth, slot: new Int32Array([slotOf("weights"), slotOf("inputs"), slotOf("outputs")]),
    rsR: plan.rsR, rsC: plan.rsC, csR: plan.csR, csC: plan.csC,
    wBits: l.wBits, aBits: l.aBits, outBits: l.outBits, psumBits: ctx.psumBits, R: l.R, S: l.S, RS: l.R * l.S, inRes: ctx.inputResident, outRes: ctx.outputResident, wRes: ctx.weightsResident,
    spanP: new Float64Array([l.strideH, l.pads[0]!, l.R, l.dilationH, l.H]), spanQ: new Float64Array([l.strideW, l.pads[1]!, l.S, l.dilationW, l.W]),
  };
  CONSTS.set(plan, k);
  return k;
}

/** Index of a tiled dimension in DIM_ORDER (a switch: a keyed lookup by a varying name is slower). */
export function dimIndex(d: TiledDim): number {
  switch (d) {
    case "N":
      return 0;
    case "G":
      return 1;
    case "K":
      return 2;
    case "C":
      return 3;
    case "P":
      return 4;
    case "Q":
      return 5;
    default: {
      const never: never = d;
      return never;
    }
  }
}

/** Input rows (cols for `q`) of the tile at index j of extent `ext` under tile size `t`, clipped to the image. */
export function spanOf(c: Float64Array, t: number, j: number, ext: number): number {
  const o0 = j * t;
  const s = c[0]!;
  const pad = c[1]!;
  const lo = Math.max(0, o0 * s - pad);
  const hi = Math.min(c[4]!, (o0 + ext - 1) * s - pad + (c[2]! - 1) * c[3]! + 1);
  return hi > lo ? hi - lo : 0;
}

/**
 * Representatives of dimension `d` of `n` tiles of extent `t` (the last `rem`). First and last stand
 * alone; the indices in between behave alike — the second to last too when the last tile is full, since a
 * step sees its neighbours only through their extents. P and Q: a plain index also reads the same input
 * span as its successor (no border clips either). Depends on (layer, d, t) only: cached per context.
 */
export function repsOf(ctx: EvalContext, k: StepConsts, d: number, n: number, t: number, rem: number): Reps {
  const cache = (ctx.scratch.reps ??= new Map<number, Reps>());
  const key = t * 8 + d;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const values: number[] = [];
  const mult: number[] = [];
  const lastPlain = rem === t ? n - 2 : n - 3;
  const pq = d === P || d === Q;
  const c = d === Q ? k.spanQ : k.spanP;
  let top = 0;
  if (pq) for (let x = 0; x <= n - 2; x++) top = Math.max(top, spanOf(c, t, x, t));
  let runAt = -1;
  for (let x = 0; x < n; x++) {
    const plain = x >= 1 && x <= lastPlain && (!pq || (spanOf(c, t, x, t) === top && spanOf(c, t, x + 1, t) === top));
    if (plain && runAt >= 0) {
      mult[runAt]!++;
      continue;
    }
    if (plain) {
      runAt = values.length;
      // Outside P and Q every plain index is alike: one representative for the whole run.
      if (!pq) {
        values.push(x);
        mult.push(lastPlain - x + 1);
        x = lastPlain;
        continue;
      }
    }
    values.push(x);
    mult.push(1);
  }
  const r = { values: new Int32Array(values), mult: new Float64Array(mult), count: values.length };
  cache.set(key, r);
  return r;
}
