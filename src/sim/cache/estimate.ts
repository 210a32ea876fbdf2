/**
 * The analytic engine's cache estimate (no simulation): per operand, accesses from the run structure of
 * each transfer (runs of consecutive elements split into port-wide accesses) and misses from a classic
 * loop-nest reuse model — an operand's footprint costs its lines once (compulsory; an input the previous
 * layer just wrote and that fits in the cache is warm), and again for every iteration of an irrelevant
 * loop outside its innermost relevant loop whose working set (the data all operands touch inside it) does
 * not fit in the cache. Conflict misses, partial reuse and the order of accesses inside a transfer are
 * ignored; the error this makes against the detailed engine is measured and reported.
 */
import { timeToCycles } from "../../hw/units.js";
import type { EvalContext } from "../plan.js";
import type { MacSteps, StepOut, Stepper } from "../steps.js";
import { KIND_OPERAND, X_PSUM_IN, X_PSUM_OUT } from "../steps.js";
import type { Timer } from "../totals.js";
import { VectorSteps } from "../vector-ops.js";

const pow2Floor = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/** Per-operand element extents of a tile j of a MAC layer. */
function extents(st: MacSteps, j: Int32Array): number[] {
  const e: number[] = [];
  for (let d = 0; d < 6; d++) e.push(j[d] === st.n[d]! - 1 ? st.rem[d]! : st.t[d]!);
  return e;
}

/** Accesses of a transfer: runs of contiguous bytes, each ⌈bytes / width⌉ accesses. */
function macAccesses(ctx: EvalContext, st: MacSteps, kind: number, j: Int32Array, bits: number, width: number): number {
  const l = ctx.layer;
  const [eN, eG, eK, eC, eP, eQ] = extents(st, j) as [number, number, number, number, number, number];
  const op = KIND_OPERAND[kind]!;
  let runLen: number;
  let count: number;
  let elemBits: number;
  if (op === 0) {
    elemBits = l.wBits;
    const rs = l.R * l.S;
    if (eC < l.C) [runLen, count] = [eC, eG * eK * rs];
    else if (eK < l.K) [runLen, count] = [eK * rs * l.C, eG];
    else [runLen, count] = [eG * l.K * rs * l.C, 1];
  } else if (op === 1) {
    elemBits = l.aBits;
    const pix = bits / (elemBits * eN * eG * eC);
    const rows = Math.max(1, Math.min(l.H, eP * l.strideH));
    const cols = Math.max(1, pix / rows);
    if (eC < l.C) [runLen, count] = [eC, eN * pix * eG];
    else if (eG < l.G) [runLen, count] = [eG * l.C, eN * pix];
    else if (cols < l.W) [runLen, count] = [cols * l.G * l.C, eN * rows];
    else [runLen, count] = [pix * l.G * l.C, eN];
  } else {
    elemBits = kind === X_PSUM_IN || kind === X_PSUM_OUT ? ctx.psumBits : l.outBits;
    if (eK < l.K) [runLen, count] = [eK, eN * eP * eQ * eG];
    else if (eG < l.G) [runLen, count] = [eG * l.K, eN * eP * eQ];
    else if (eQ < l.Q) [runLen, count] = [eQ * l.G * l.K, eN * eP];
    else [runLen, count] = [eP * l.Q * l.G * l.K, eN];
  }
  return count * Math.ceil((runLen * elemBits) / 8 / width);
}

/**
 * The estimate for one layer. Use: sum the steps once with `countTimer` (it counts accesses), call
 * `finish()`, then sum them with `priceTimer` (hit latency per access, the miss penalty per estimated miss).
 * `warmInputs`: the input is the previous layer's output (it may still be in the cache).
 */
export class CacheEstimate {
  readonly accesses = new Float64Array(3);
  readonly misses = new Float64Array(3);
  readonly missRatio = new Float64Array(3);
  readonly compulsory: number;
  /** Cycles a miss costs, per operand (weights may come from flash). */
  readonly missPenalty: readonly number[];
  readonly hitLatency: number;
  readonly lineBits: number;
  private readonly missLines: readonly number[];
  private readonly widths: readonly number[];

  constructor(private readonly ctx: EvalContext, private readonly st: Stepper, warmInputs: boolean) {
    const arch = ctx.arch;
    const l = ctx.layer;
    const caches = arch.caches;
    const l1 = caches[0]!;
    const d = arch.derived;
    this.lineBits = l1.lineBytes * 8;
    this.hitLatency = l1.hitLatencyCycles;
    const cap = caches.reduce((m, c) => Math.max(m, c.sizeBytes), 0);
    const width = (op: "weights" | "inputs" | "outputs") => Math.min(l1.lineBytes, pow2Floor(arch.buffers[d.holder[op]]!.portBits / 8));
    this.widths = [width("weights"), width("inputs"), width("outputs")];
    // Resident weights never pass through the cache.
    const wBytes = ctx.weightsResident ? 0 : (l.G * l.K * l.C * l.R * l.S * l.wBits) / 8;
    const iBytes = (l.vectorInputs * l.N * l.G * l.C * l.H * l.W * l.aBits) / 8;
    const oBytes = (l.N * l.G * l.K * l.P * l.Q * l.outBits) / 8;
    const sweeps = [1, 1, 1];
    if (!(st instanceof VectorSteps)) {
      const mst = st as MacSteps;
      // Working set of one iteration of the loop at position q: every operand's data inside it.
      const inside = (q: number) => {
        const ext = (dim: number) => (mst.pos[dim]! > q ? mst.n[dim]! * mst.t[dim]! : mst.t[dim]!);
        const w = ext(1) * ext(2) * ext(3) * l.R * l.S * l.wBits;
        const i = ext(0) * ext(1) * ext(3) * Math.min(l.H, ext(4) * l.strideH + l.R) * Math.min(l.W, ext(5) * l.strideW + l.S) * l.aBits;
        const o = ext(0) * ext(1) * ext(2) * ext(4) * ext(5) * ctx.psumBits;
        return (w + i + o) / 8;
      };
      const rel = [0b001110, 0b111011, 0b110111];
      for (let op = 0; op < 3; op++) {
        let p = -1;
        for (let q = 0; q < 6; q++) if ((rel[op]! >> mst.oi[q]!) & 1 && mst.n[mst.oi[q]!]! > 1) p = q;
        for (let q = 0; q < p; q++) {
          const dim = mst.oi[q]!;
          if ((rel[op]! >> dim) & 1 || mst.n[dim]! <= 1) continue;
          if (inside(q) > cap) sweeps[op]! *= mst.n[dim]!;
        }
      }
    }
    const lines = (bytes: number) => Math.ceil(bytes / l1.lineBytes);
    const warm = warmInputs && iBytes <= cap;
    this.missLines = [lines(wBytes) * sweeps[0]!, (warm ? 0 : lines(iBytes)) * sweeps[1]!, lines(oBytes) * sweeps[2]!];
    this.compulsory = lines(wBytes) + (warm ? 0 : lines(iBytes)) + lines(oBytes);
    const fill = d.dramLatencyCycles + Math.ceil(this.lineBits / d.dramReadBitsPerCycle);
    // Weights come from flash when the arch has one (as the hierarchy's memory does).
    const f = arch.flash;
    const wFill = f === undefined ? fill : timeToCycles(f.latencyS, arch.clockHz) + Math.ceil(this.lineBits / ((f.bandwidthBytesPerS * 8) / arch.clockHz));
    const l2 = caches[1];
    // With a second level, half the first level's misses are taken to hit it (no reuse model for L2).
    const via = (x: number) => (l2 !== undefined ? l2.hitLatencyCycles + 0.5 * x : x);
    this.missPenalty = [via(wFill), via(fill), via(fill)];
  }

  private accessesOf(o: StepOut, i: number): number {
    const op = KIND_OPERAND[o.kind[i]!]!;
    if (this.st instanceof VectorSteps) return Math.ceil(o.bits[i]! / 8 / this.widths[op]!);
    const j = o.which[i] === 1 ? o.jNext : o.which[i] === -1 ? o.jPrev : o.j;
    return macAccesses(this.ctx, this.st as MacSteps, o.kind[i]!, j, o.bits[i]!, this.widths[op]!);
  }

  readonly countTimer: Timer = (o, _st, mult) => {
    for (let i = 0; i < o.nT; i++) {
      const op = KIND_OPERAND[o.kind[i]!]!;
      this.accesses[op] = this.accesses[op]! + this.accessesOf(o, i) * mult;
      o.time[i] = 0;
    }
  };

  finish(): void {
    for (let op = 0; op < 3; op++) {
      this.missRatio[op] = this.accesses[op]! > 0 ? Math.min(1, this.missLines[op]! / this.accesses[op]!) : 0;
      this.misses[op] = this.accesses[op]! * this.missRatio[op]!;
    }
  }

  readonly priceTimer: Timer = (o) => {
    for (let i = 0; i < o.nT; i++) {
      const op = KIND_OPERAND[o.kind[i]!]!;
      const a = this.accessesOf(o, i);
      // Whole cycles per transfer, so totals stay integers like the simulated ones.
      o.time[i] = Math.round(a * this.hitLatency + a * this.missRatio[op]! * this.missPenalty[op]!);
    }
  };
}
