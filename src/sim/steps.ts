/**
 * The step model both engines share: a layer runs as a sequence of buffer tiles in the mapping's DRAM loop
 * order, and step s computes tile s while the DMA engine fetches what tile s+1 needs (operands whose tile
 * changes, partial sums of an output tile visited before) and drains the output tile finished before s.
 * A step ends when both are done (step-synchronous double buffering, the ping-pong controllers of most
 * accelerators):
 *
 *   step_s = max(compute_s, buffer ports_s, overlapped DMA_s) + serial DMA_s
 *   total  = prologue (tile 0's operands) + Σ_s step_s + epilogue (the last output tile's drain)
 *
 * Transfers into a double-buffered buffer overlap compute; the others run after the tile's compute
 * (serial). A transfer takes DRAM latency + ⌈bits / bandwidth⌉, its bits rounded up to whole bursts; on a
 * shared interface reads and writes add up, with separate channels the slower direction counts. Buffer
 * ports: every stream (an operand's array accesses, each DMA transfer) occupies whole port words, spread
 * over the banks — streams never share a word, which is where bank conflicts cost time.
 *
 * Everything a step costs depends on its tile's index only through a few comparisons (first, second to
 * last, last, and for P and Q whether the input window is clipped by the image border), so the analytic
 * engine sums the steps over classes of equivalent indices (`plainRun`) and the detailed engine walks
 * every tile: both call `describe`, which is why they agree exactly.
 */
import type { Mapping } from "./mapping.js";
import { type Channel, StepOut, X_INPUTS, X_OUTPUT, X_PSUM_IN, X_PSUM_OUT, X_WEIGHTS, channelOf } from "./step-out.js";
import { DIM_ORDER, type EvalContext, type Plan, REL_MASK, planOf } from "./plan.js";

export { Channel, KIND_OPERAND, KIND_WRITES, StepOut, X_INPUTS, X_INPUTS2, X_OUTPUT, X_PSUM_IN, X_PSUM_OUT, X_WEIGHTS, channelOf } from "./step-out.js";

/** Where a layer's steps come from: a loop nest over tiles and the cost of the step at an index. */
export interface Stepper {
  readonly channel: Channel;
  /** Loops outermost first: dimension index (DIM_ORDER) and trip count (only loops of count > 1). */
  readonly loopDims: readonly number[];
  readonly loopCounts: readonly number[];
  readonly tiles: number;
  /** Fill `o` for the tile at `j` (transfer times not yet set). */
  describe(j: Int32Array, o: StepOut): void;
  /** Transfers before the first step (tile 0's operands), into `o` (only transfers). */
  prologue(o: StepOut): void;
  /** Transfers after the last step (the last output tile's drain when outputs are double-buffered). */
  epilogue(o: StepOut): void;
  /**
   * Representative indices of dimension `d` with their multiplicities: every index whose step costs can
   * differ from its neighbours' alone, and one representative for the run of equivalent ("plain") ones.
   */
  reps(d: number): { readonly values: Int32Array; readonly mult: Float64Array; readonly count: number };
}

const IN_REL = REL_MASK.inputs;
const W_REL = REL_MASK.weights;
const O_REL = REL_MASK.outputs;
const C = 3;
const P = 4;
const Q = 5;

/** The steps of a MAC layer under one mapping. */
export class MacSteps implements Stepper {
  readonly channel: Channel;
  readonly loopDims: number[] = [];
  readonly loopCounts: number[] = [];
  readonly tiles: number;
  readonly n = new Int32Array(6);
  readonly t = new Int32Array(6);
  readonly rem = new Int32Array(6);
  /** Position of each dimension in the loop order (0 outermost). */
  readonly pos = new Int32Array(6);
  /** Dimension at each position. */
  readonly oi = new Int32Array(6);
  private readonly pW: number;
  private readonly pI: number;
  private readonly pO: number;
  private readonly plan: Plan;
  private readonly e = new Float64Array(8);
  private readonly eN = new Float64Array(8);
  private readonly eP = new Float64Array(8);
  private readonly oWord: number;
  /** Constants of the hot loop, copied out of the context and plan once. */
  private readonly k: {
    rowsIdx: Int32Array; colsIdx: Int32Array; streamIdx: Int32Array; foldIdx: Int32Array;
    rowsCap: number; cols: number; depthSteps: boolean; depth: number; perStep: number; passOverhead: number; tileOverhead: number;
    slotsPerStep: number; slot: Int32Array; rsR: boolean; rsC: boolean; csR: boolean; csC: boolean;
    wBits: number; aBits: number; outBits: number; psumBits: number; RS: number; inRes: boolean; outRes: boolean;
    spanP: Float64Array; spanQ: Float64Array;
  };
  private readonly repCache: ({ values: Int32Array; mult: Float64Array; count: number } | undefined)[] = [];

  constructor(private readonly ctx: EvalContext, m: Mapping, complete: boolean) {
    const l = ctx.layer;
    this.channel = channelOf(ctx);
    this.plan = planOf(ctx, m);
    const L = [l.N, l.G, l.K, l.C, l.P, l.Q];
    const tile = [m.tile.N, m.tile.G, m.tile.K, m.tile.C, m.tile.P, m.tile.Q];
    let tiles = 1;
    for (let d = 0; d < 6; d++) {
      this.t[d] = tile[d]!;
      this.n[d] = Math.ceil(L[d]! / tile[d]!);
      this.rem[d] = L[d]! - (this.n[d]! - 1) * tile[d]!;
      tiles *= this.n[d]!;
    }
    this.tiles = tiles;
    for (let i = 0; i < 6; i++) {
      const d = DIM_ORDER.indexOf(m.order[i]!);
      this.oi[i] = d;
      this.pos[d] = i;
      if (this.n[d]! > 1) {
        this.loopDims.push(d);
        this.loopCounts.push(this.n[d]!);
      }
    }
    const inner = (mask: number) => {
      let p = -1;
      for (let i = 0; i < 6; i++) if ((mask >> this.oi[i]!) & 1 && this.n[this.oi[i]!]! > 1) p = i;
      return p;
    };
    this.pW = inner(W_REL);
    this.pI = inner(IN_REL);
    this.pO = inner(O_REL);
    this.oWord = complete ? l.outBits : ctx.psumBits;
    this.e[6] = this.eN[6] = this.eP[6] = l.R;
    this.e[7] = this.eN[7] = this.eP[7] = l.S;
    const plan = this.plan;
    const pipe = ctx.arch.compute.pipeline;
    const roles = plan.roles;
    const slotOf = (x: string) => (roles.stationary === x ? 0 : roles.rowStream === x ? 1 : 2);
    // Per P and Q: stride, padding, kernel extent, dilation, size (span() reads them every step).
    const spanK = (q: boolean) => Float64Array.from(q ? [l.strideW, l.pads[1], l.S, l.dilationW, l.W] : [l.strideH, l.pads[0], l.R, l.dilationH, l.H]);
    this.k = {
      rowsIdx: Int32Array.from(plan.rowsIdx), colsIdx: Int32Array.from(plan.colsIdx), streamIdx: Int32Array.from(plan.streamIdx), foldIdx: Int32Array.from(plan.foldIdx),
      rowsCap: ctx.arrayRows * plan.dRows, cols: ctx.arrayCols, depthSteps: plan.redStreamed && !plan.redOnRows, depth: ctx.depth,
      perStep: ctx.cyclesPerStep, passOverhead: pipe.fillCycles + pipe.drainCycles, tileOverhead: pipe.perTileOverheadCycles,
      slotsPerStep: ctx.arrayRows * ctx.arrayCols * ctx.depth, slot: Int32Array.from([slotOf("weights"), slotOf("inputs"), slotOf("outputs")]),
      rsR: plan.rsR, rsC: plan.rsC, csR: plan.csR, csC: plan.csC,
      wBits: l.wBits, aBits: l.aBits, outBits: l.outBits, psumBits: ctx.psumBits, RS: l.R * l.S, inRes: ctx.inputResident, outRes: ctx.outputResident,
      spanP: spanK(false), spanQ: spanK(true),
    };
  }

  /** Input rows (cols for `q`) the tile at index j with extent `ext` reads, clipped to the image. */
  span(q: boolean, j: number, ext: number): number {
    const c = q ? this.k.spanQ : this.k.spanP;
    const o0 = j * this.t[q ? Q : P]!;
    const s = c[0]!;
    const pad = c[1]!;
    const lo = Math.max(0, o0 * s - pad);
    const hi = Math.min(c[4]!, (o0 + ext - 1) * s - pad + (c[2]! - 1) * c[3]! + 1);
    return hi > lo ? hi - lo : 0;
  }

  private ext(j: Int32Array, e: Float64Array): void {
    for (let d = 0; d < 6; d++) e[d] = j[d] === this.n[d]! - 1 ? this.rem[d]! : this.t[d]!;
  }

  private inputBits(j: Int32Array, e: Float64Array): number {
    return e[0]! * e[1]! * e[C]! * this.span(false, j[P]!, e[P]!) * this.span(true, j[Q]!, e[Q]!) * this.k.aBits;
  }

  describe(j: Int32Array, o: StepOut): void {
    const k = this.k;
    const e = this.e;
    const n = this.n;
    for (let d = 0; d < 6; d++) o.j[d] = j[d]!;
    this.ext(j, e);
    // Compute: passes over the array (timing-models.md), as in the analytic formula.
    let rowsExt = 1;
    for (let i = 0; i < k.rowsIdx.length; i++) rowsExt *= e[k.rowsIdx[i]!]!;
    let colsExt = 1;
    for (let i = 0; i < k.colsIdx.length; i++) colsExt *= e[k.colsIdx[i]!]!;
    let T = 1;
    for (let i = 0; i < k.streamIdx.length; i++) T *= e[k.streamIdx[i]!]!;
    let F = 1;
    for (let i = 0; i < k.foldIdx.length; i++) F *= e[k.foldIdx[i]!]!;
    const foldsRows = Math.ceil(rowsExt / k.rowsCap);
    const foldsCols = Math.ceil(colsExt / k.cols);
    const steps = k.depthSteps ? Math.ceil(T / k.depth) : T;
    const passes = foldsRows * foldsCols * F;
    o.compute = passes * (steps * k.perStep + k.passOverhead) + k.tileOverhead;
    o.macs = e[0]! * e[1]! * e[2]! * e[3]! * e[4]! * e[5]! * k.RS;
    o.passes = passes;
    o.steps = steps;
    o.slots = passes * steps * k.slotsPerStep;
    const stat = rowsExt * colsExt * F;
    const row = T * (k.rsR ? rowsExt : foldsRows) * (k.rsC ? colsExt : foldsCols) * F;
    const col = T * (k.csR ? rowsExt : foldsRows) * (k.csC ? colsExt : foldsCols) * F;
    for (let x = 0; x < 3; x++) {
      const sl = k.slot[x]!;
      o.acc[x] = sl === 0 ? stat : sl === 1 ? row : col;
    }

    // The loop that advances after this tile (λ) and the one that advanced before it (μ).
    let lam = -1;
    let mu = -1;
    for (let i = 5; i >= 0; i--) {
      const d = this.oi[i]!;
      if (lam < 0 && j[d]! < n[d]! - 1) lam = i;
      if (mu < 0 && j[d]! > 0) mu = i;
    }
    const ch = this.channel;
    const RS = k.RS;
    o.nT = 0;
    // Without double buffering the finished output tile drains first, then the next tile's operands load
    // (the order the address stream shows); with it, the previous output tile drains during this step.
    if (ch.dbOp[2] !== 1 && (lam < 0 || lam <= this.pO)) this.drain(o, j, e, 0);
    if (lam >= 0) {
      const jn = o.jNext;
      for (let d = 0; d < 6; d++) {
        const p = this.pos[d]!;
        jn[d] = p < lam ? j[d]! : p === lam ? j[d]! + 1 : 0;
      }
      const eN = this.eN;
      this.ext(jn, eN);
      if (lam <= this.pW) ch.push(o, X_WEIGHTS, eN[1]! * eN[2]! * eN[C]! * RS * k.wBits, 1);
      if (lam <= this.pI && !k.inRes) ch.push(o, X_INPUTS, this.inputBits(jn, eN), 1);
      if (lam <= this.pO && jn[C]! > 0) ch.push(o, X_PSUM_IN, eN[0]! * eN[1]! * eN[2]! * eN[4]! * eN[5]! * k.psumBits, 1);
    }
    if (ch.dbOp[2] === 1 && mu >= 0 && mu <= this.pO) {
      const jp = o.jPrev;
      for (let d = 0; d < 6; d++) {
        const p = this.pos[d]!;
        jp[d] = p < mu ? j[d]! : p === mu ? j[d]! - 1 : n[d]! - 1;
      }
      this.ext(jp, this.eP);
      this.drain(o, jp, this.eP, -1);
    }
    o.port = ch.port(o, o.acc[0]! * k.wBits, o.acc[1]! * k.aBits, o.acc[2]! * this.oWord);
  }

  private drain(o: StepOut, j: Int32Array, e: Float64Array, which: number): void {
    const final = j[C] === this.n[C]! - 1;
    const vol = e[0]! * e[1]! * e[2]! * e[4]! * e[5]!;
    if (!final) this.channel.push(o, X_PSUM_OUT, vol * this.k.psumBits, which);
    else if (!this.k.outRes) this.channel.push(o, X_OUTPUT, vol * this.k.outBits, which);
  }

  prologue(o: StepOut): void {
    const l = this.ctx.layer;
    o.nT = 0;
    o.j.fill(0);
    this.ext(o.j, this.eN);
    const e = this.eN;
    this.channel.push(o, X_WEIGHTS, e[1]! * e[2]! * e[C]! * l.R * l.S * l.wBits, 0);
    if (!this.ctx.inputResident) this.channel.push(o, X_INPUTS, this.inputBits(o.j, e), 0);
  }

  epilogue(o: StepOut): void {
    o.nT = 0;
    if (this.channel.dbOp[2] !== 1) return;
    for (let d = 0; d < 6; d++) o.j[d] = this.n[d]! - 1;
    this.ext(o.j, this.e);
    this.drain(o, o.j, this.e, 0);
  }

  reps(d: number): { values: Int32Array; mult: Float64Array; count: number } {
    const hit = this.repCache[d];
    if (hit !== undefined) return hit;
    const n = this.n[d]!;
    const values: number[] = [];
    const mult: number[] = [];
    if (d !== P && d !== Q) {
      // First, last and second to last stand alone; the rest behave alike.
      for (let x = 0; x < n; x++) {
        if (x >= 1 && x <= n - 3) {
          values.push(1);
          mult.push(n - 3);
          x = n - 3;
        } else {
          values.push(x);
          mult.push(1);
        }
      }
    } else {
      // P, Q: a plain index also reads the same input span as its successor (no border clips either).
      const q = d === Q;
      const t = this.t[d]!;
      let top = 0;
      for (let x = 0; x <= n - 2; x++) top = Math.max(top, this.span(q, x, t));
      let runAt = -1;
      for (let x = 0; x < n; x++) {
        const plain = x >= 1 && x <= n - 3 && this.span(q, x, t) === top && this.span(q, x + 1, t) === top;
        if (plain && runAt >= 0) {
          mult[runAt]!++;
          continue;
        }
        if (plain) runAt = values.length;
        values.push(x);
        mult.push(1);
      }
    }
    const r = { values: Int32Array.from(values), mult: Float64Array.from(mult), count: values.length };
    this.repCache[d] = r;
    return r;
  }
}

