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
 * engine sums the steps over classes of equivalent indices (`reps`) and the detailed engine walks
 * every tile: both call `describe`, which is why they agree exactly.
 */
import type { Mapping } from "./mapping.js";
import { type EvalContext, type Plan, REL_MASK, planOf } from "./plan.js";
import { type Reps, type StepConsts, constsOf, dimIndex, repsOf, spanOf } from "./step-consts.js";
import { type Channel, StepOut, X_INPUTS, X_OUTPUT, X_PSUM_IN, X_PSUM_OUT, X_WEIGHTS, ceilDiv, channelOf } from "./step-out.js";

export type { Reps } from "./step-consts.js";
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
  /**
   * `describe`, when `o` holds the step described last and the tile at `j` differs from it only in the
   * innermost loop, advanced by one (the detailed walk's common case).
   */
  describeInner(j: Int32Array, o: StepOut): void;
  /** Transfers before the first step (tile 0's operands), into `o` (only transfers). */
  prologue(o: StepOut): void;
  /** Transfers after the last step (the last output tile's drain when outputs are double-buffered). */
  epilogue(o: StepOut): void;
  /**
   * Representative indices of dimension `d` with their multiplicities: every index whose step costs can
   * differ from its neighbours' alone, and one representative for the run of equivalent ("plain") ones.
   */
  reps(d: number): Reps;
}

const IN_REL = REL_MASK.inputs;
const W_REL = REL_MASK.weights;
const O_REL = REL_MASK.outputs;
const C = 3;
const P = 4;
const Q = 5;

/**
 * Extents of this, the next and the previous tile (DIM_ORDER; R and S at 6 and 7). `describe` fills them
 * and reads them before it returns, and never re-enters, so every MacSteps shares one set.
 */
const E = new Float64Array(8);
const EN = new Float64Array(8);
const EP = new Float64Array(8);

/**
 * A step's compute, array traffic and array ports depend on its tile only through the tile's extents,
 * i.e. through which dimensions sit at their last (remainder) tile: `describe` memoizes them per such mask
 * (bit d set: dimension d at its last index). Per entry: compute, macs, passes, steps, slots, acc[3], and
 * the port cycles of the array streams alone. One memo serves every MacSteps (allocating it per instance
 * would cost more than it saves on a small layer): an entry is valid for the instance whose generation
 * wrote it, and every aim() takes a new generation, so an entry never outlives the mapping it describes.
 */
const MEMO = 9;
const MEMO_COST = new Float64Array(64 * MEMO);
const MEMO_GEN = new Float64Array(64);
let generations = 0;

/** The steps of a MAC layer under one mapping. */
export class MacSteps implements Stepper {
  // Set by `aim` (the constructor's, or evaluateMapping's reuse of one instance).
  channel!: Channel;
  loopDims: number[] = [];
  loopCounts: number[] = [];
  tiles = 0;
  readonly n = new Int32Array(6);
  readonly t = new Int32Array(6);
  readonly rem = new Int32Array(6);
  /** Position of each dimension in the loop order (0 outermost). */
  readonly pos = new Int32Array(6);
  /** Dimension at each position. */
  readonly oi = new Int32Array(6);
  /** Extent of each dimension's first tile. */
  private readonly e0 = new Float64Array(6);
  private pW = -1;
  private pI = -1;
  private pO = -1;
  private oWord = 0;
  private ctx!: EvalContext;
  private k!: StepConsts;
  /** This mapping's generation in the memo (MEMO_GEN). */
  private gen = 0;
  /**
   * The innermost loop's dimension, and the indices x of it (between lo and hi) whose step equals step
   * x − 1's but for the tile indices: both neither first nor last, the next tile's extent unchanged (not
   * the last one, or a full last one), and no input window that the border could clip (P and Q are never
   * taken). Its previous tile is kept only when the full describe keeps one (double-buffered outputs).
   */
  private innerDim = 0;
  private innerLo = 0;
  private innerHi = -1;
  private innerPrev = false;

  constructor(ctx: EvalContext, m: Mapping, complete: boolean, plan: Plan = planOf(ctx, m)) {
    this.aim(ctx, m, complete, plan);
  }

  /**
   * Point this instance at another mapping (of any context). Typed arrays cost more to allocate than a
   * whole step costs to describe, so the mapper's evaluations reuse one instance instead of constructing.
   */
  aim(ctx: EvalContext, m: Mapping, complete: boolean, plan: Plan): this {
    const l = ctx.layer;
    this.ctx = ctx;
    this.channel = channelOf(ctx);
    this.k = constsOf(ctx, plan);
    this.gen = ++generations;
    const tl = m.tile;
    this.setDim(0, l.N, tl.N);
    this.setDim(1, l.G, tl.G);
    this.setDim(2, l.K, tl.K);
    this.setDim(3, l.C, tl.C);
    this.setDim(4, l.P, tl.P);
    this.setDim(5, l.Q, tl.Q);
    const n = this.n;
    this.tiles = n[0]! * n[1]! * n[2]! * n[3]! * n[4]! * n[5]!;
    // The innermost loop (of count > 1) each operand depends on.
    let pW = -1;
    let pI = -1;
    let pO = -1;
    // Fresh arrays: emptying the old ones (length = 0) is a builtin call, dearer than a literal.
    this.loopDims = [];
    this.loopCounts = [];
    for (let i = 0; i < 6; i++) {
      const d = dimIndex(m.order[i]!);
      this.oi[i] = d;
      this.pos[d] = i;
      if (n[d]! > 1) {
        this.loopDims.push(d);
        this.loopCounts.push(n[d]!);
        if ((W_REL >> d) & 1) pW = i;
        if ((IN_REL >> d) & 1) pI = i;
        if ((O_REL >> d) & 1) pO = i;
      }
    }
    this.pW = pW;
    this.pI = pI;
    this.pO = pO;
    this.oWord = complete ? l.outBits : ctx.psumBits;
    const k = this.loopDims.length;
    this.innerHi = -1;
    if (k > 0) {
      const d = this.loopDims[k - 1]!;
      this.innerDim = d;
      this.innerLo = 2;
      if (d !== P && d !== Q) this.innerHi = this.rem[d] === this.t[d] ? n[d]! - 2 : n[d]! - 3;
      this.innerPrev = this.channel.dbOp[2] === 1 && this.pos[d]! <= pO;
    }
    return this;
  }

  private setDim(d: number, size: number, tile: number): void {
    const n = Math.ceil(size / tile);
    this.t[d] = tile;
    this.n[d] = n;
    this.rem[d] = size - (n - 1) * tile;
    this.e0[d] = n === 1 ? this.rem[d]! : tile;
  }

  /** Input rows (cols for `q`) the tile at index j with extent `ext` reads, clipped to the image. */
  span(q: boolean, j: number, ext: number): number {
    return q ? spanOf(this.k.spanQ, this.t[Q]!, j, ext) : spanOf(this.k.spanP, this.t[P]!, j, ext);
  }

  private ext(j: Int32Array, e: Float64Array): void {
    const n = this.n;
    const t = this.t;
    const rem = this.rem;
    for (let d = 0; d < 6; d++) e[d] = j[d] === n[d]! - 1 ? rem[d]! : t[d]!;
  }

  private inputBits(j: Int32Array, e: Float64Array): number {
    const k = this.k;
    return e[0]! * e[1]! * e[C]! * spanOf(k.spanP, this.t[P]!, j[P]!, e[P]!) * spanOf(k.spanQ, this.t[Q]!, j[Q]!, e[Q]!) * k.aBits;
  }

  describe(j: Int32Array, o: StepOut): void {
    const e = E;
    const n = this.n;
    const t = this.t;
    const rem = this.rem;
    const oi = this.oi;
    const oj = o.j;
    // One pass in loop order: this tile's extents, the loop that advances after it (λ: the innermost not
    // at its last index) and the one that advanced before it (μ: the innermost not at its first).
    let lam = -1;
    let mu = -1;
    let last = 0;
    o.repeat = false;
    for (let i = 0; i < 6; i++) {
      const d = oi[i]!;
      const x = j[d]!;
      oj[d] = x;
      if (x === n[d]! - 1) {
        e[d] = rem[d]!;
        last |= 1 << d;
      } else {
        e[d] = t[d]!;
        lam = i;
      }
      if (x > 0) mu = i;
    }
    const memo = MEMO_COST;
    const at = last * MEMO;
    if (MEMO_GEN[last] !== this.gen) {
      this.tileCost(e, at);
      MEMO_GEN[last] = this.gen;
    }
    o.compute = memo[at]!;
    o.macs = memo[at + 1]!;
    o.passes = memo[at + 2]!;
    o.steps = memo[at + 3]!;
    o.slots = memo[at + 4]!;
    o.acc[0] = memo[at + 5]!;
    o.acc[1] = memo[at + 6]!;
    o.acc[2] = memo[at + 7]!;
    this.transfers(j, e, lam, mu, o);
    // Overlapped transfers add their words to the array's; without double buffering there are none.
    o.port = this.channel.overlaps ? this.channel.port(o, o.acc[0]! * this.k.wBits, o.acc[1]! * this.k.aBits, o.acc[2]! * this.oWord) : memo[at + 8]!;
  }

  describeInner(j: Int32Array, o: StepOut): void {
    const d = this.innerDim;
    const x = j[d]!;
    if (x < this.innerLo || x > this.innerHi) {
      this.describe(j, o);
      return;
    }
    // Everything but the tile indices is what the previous step left in `o`.
    o.repeat = true;
    o.j[d] = x;
    o.jNext[d] = x + 1;
    if (this.innerPrev) o.jPrev[d] = x - 1;
  }

  /** Compute and array traffic of a tile of extents `e` (R and S at 6 and 7), into the memo at `at`. */
  private tileCost(e: Float64Array, at: number): void {
    const k = this.k;
    const memo = MEMO_COST;
    e[6] = k.R;
    e[7] = k.S;
    // Compute: passes over the array (timing-models.md), as in the analytic formula.
    let rowsExt = 1;
    for (let i = 0; i < k.rowsIdx.length; i++) rowsExt *= e[k.rowsIdx[i]!]!;
    let colsExt = 1;
    for (let i = 0; i < k.colsIdx.length; i++) colsExt *= e[k.colsIdx[i]!]!;
    let T = 1;
    for (let i = 0; i < k.streamIdx.length; i++) T *= e[k.streamIdx[i]!]!;
    let F = 1;
    for (let i = 0; i < k.foldIdx.length; i++) F *= e[k.foldIdx[i]!]!;
    const foldsRows = ceilDiv(rowsExt, k.rowsCap, k.rowsCapInv);
    const foldsCols = ceilDiv(colsExt, k.cols, k.colsInv);
    const steps = k.depthSteps ? ceilDiv(T, k.depth, k.depthInv) : T;
    const passes = foldsRows * foldsCols * F;
    memo[at] = passes * (steps * k.perStep + k.passOverhead) + k.tileOverhead;
    memo[at + 1] = e[0]! * e[1]! * e[2]! * e[3]! * e[4]! * e[5]! * k.RS;
    memo[at + 2] = passes;
    memo[at + 3] = steps;
    memo[at + 4] = passes * steps * k.slotsPerStep;
    const stat = rowsExt * colsExt * F;
    const row = T * (k.rsR ? rowsExt : foldsRows) * (k.rsC ? colsExt : foldsCols) * F;
    const col = T * (k.csR ? rowsExt : foldsRows) * (k.csC ? colsExt : foldsCols) * F;
    for (let x = 0; x < 3; x++) {
      const sl = k.slot[x]!;
      memo[at + 5 + x] = sl === 0 ? stat : sl === 1 ? row : col;
    }
    memo[at + 8] = this.channel.arrayPort(memo[at + 5]! * k.wBits, memo[at + 6]! * k.aBits, memo[at + 7]! * this.oWord);
  }

  /** The step's transfers: the finished output tile's drain and the next tile's fetches (`o.nT` of them). */
  private transfers(j: Int32Array, e: Float64Array, lam: number, mu: number, o: StepOut): void {
    const k = this.k;
    const n = this.n;
    const t = this.t;
    const rem = this.rem;
    const oi = this.oi;
    const ch = this.channel;
    o.nT = 0;
    // Without double buffering the finished output tile drains first, then the next tile's operands load
    // (the order the address stream shows); with it, the previous output tile drains during this step.
    if (ch.dbOp[2] !== 1 && (lam < 0 || lam <= this.pO)) this.drain(o, j, e, 0);
    if (lam >= 0) {
      // The next tile: the loops outside λ stay, λ advances, the ones inside restart.
      const jn = o.jNext;
      const eN = EN;
      for (let i = 0; i < lam; i++) {
        const d = oi[i]!;
        jn[d] = j[d]!;
        eN[d] = e[d]!;
      }
      const dl = oi[lam]!;
      const xl = j[dl]! + 1;
      jn[dl] = xl;
      eN[dl] = xl === n[dl]! - 1 ? rem[dl]! : t[dl]!;
      for (let i = lam + 1; i < 6; i++) {
        const d = oi[i]!;
        jn[d] = 0;
        eN[d] = this.e0[d]!;
      }
      if (lam <= this.pW && !k.wRes) ch.push(o, X_WEIGHTS, eN[1]! * eN[2]! * eN[C]! * k.RS * k.wBits, 1);
      if (lam <= this.pI && !k.inRes) ch.push(o, X_INPUTS, this.inputBits(jn, eN), 1);
      if (lam <= this.pO && jn[C]! > 0) ch.push(o, X_PSUM_IN, eN[0]! * eN[1]! * eN[2]! * eN[4]! * eN[5]! * k.psumBits, 1);
    }
    if (ch.dbOp[2] === 1 && mu >= 0 && mu <= this.pO) {
      // The previous tile: the loops outside μ stay, μ steps back (never to its last index), the ones
      // inside were at their last.
      const jp = o.jPrev;
      const eP = EP;
      for (let i = 0; i < mu; i++) {
        const d = oi[i]!;
        jp[d] = j[d]!;
        eP[d] = e[d]!;
      }
      const dm = oi[mu]!;
      jp[dm] = j[dm]! - 1;
      eP[dm] = t[dm]!;
      for (let i = mu + 1; i < 6; i++) {
        const d = oi[i]!;
        jp[d] = n[d]! - 1;
        eP[d] = rem[d]!;
      }
      this.drain(o, jp, eP, -1);
    }
  }

  private drain(o: StepOut, j: Int32Array, e: Float64Array, which: number): void {
    const final = j[C] === this.n[C]! - 1;
    const vol = e[0]! * e[1]! * e[2]! * e[4]! * e[5]!;
    if (!final) this.channel.push(o, X_PSUM_OUT, vol * this.k.psumBits, which);
    else if (!this.k.outRes) this.channel.push(o, X_OUTPUT, vol * this.k.outBits, which);
  }

  prologue(o: StepOut): void {
    const k = this.k;
    o.nT = 0;
    o.repeat = false;
    const e = EN;
    for (let d = 0; d < 6; d++) {
      o.j[d] = 0;
      e[d] = this.e0[d]!;
    }
    if (!k.wRes) this.channel.push(o, X_WEIGHTS, e[1]! * e[2]! * e[C]! * k.RS * k.wBits, 0);
    if (!k.inRes) this.channel.push(o, X_INPUTS, this.inputBits(o.j, e), 0);
  }

  epilogue(o: StepOut): void {
    o.nT = 0;
    o.repeat = false;
    if (this.channel.dbOp[2] !== 1) return;
    for (let d = 0; d < 6; d++) o.j[d] = this.n[d]! - 1;
    this.ext(o.j, E);
    this.drain(o, o.j, E, 0);
  }

  reps(d: number): Reps {
    return repsOf(this.ctx, this.k, d, this.n[d]!, this.t[d]!, this.rem[d]!);
  }
}
