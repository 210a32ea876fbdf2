/**
 * The address stream of a layer's transfers: each operand laid out in memory at a stated base address —
 * weights OHWI ([G·K][R][S][C]), inputs and outputs NHWC ([N][H][W][G·C], [N][P][Q][G·K]), partial sums
 * NHWC at the accumulator word width in a scratch region — and a transfer of a tile read or written as
 * runs of consecutive elements in memory order, each run split into aligned accesses of the operand's
 * buffer port width (at most a cache line; sub-byte elements packed). Adjacent runs are merged, so a tile
 * that covers whole rows becomes one long sequential stream.
 */
import type { EvalContext } from "../plan.js";
import { type MacSteps, X_INPUTS, X_INPUTS2, X_OUTPUT, X_PSUM_IN, X_PSUM_OUT, X_WEIGHTS } from "../steps.js";
import type { VectorSteps } from "../vector-ops.js";
import type { Hierarchy } from "./hierarchy.js";

/** Base byte addresses of a layer's operands. */
export interface OperandLayout {
  readonly weights: number;
  readonly inputs: number;
  /** An add's second input tensor. */
  readonly inputs2: number;
  readonly outputs: number;
  readonly psums: number;
}

/** Sink of element runs: merges adjacent runs, then turns each into accesses. */
class RunSink {
  private lo = -1;
  private hi = -1;
  cycles = 0;
  constructor(private readonly h: Hierarchy) {}
  base = 0;
  bits = 8;
  write = false;
  width = 4;
  /** The byte ranges the current transfer issued (lo, hi pairs), for a replay moved along (MacStream.shifted). */
  rec: Int32Array = new Int32Array(16);
  nRec = 0;

  /** Elements [e0, e0 + count) of the current tensor. */
  run(e0: number, count: number): void {
    if (count <= 0) return;
    const lo = this.base + Math.floor((e0 * this.bits) / 8);
    const hi = this.base + Math.ceil(((e0 + count) * this.bits) / 8);
    if (lo <= this.hi && lo >= this.lo) {
      if (hi > this.hi) this.hi = hi;
      return;
    }
    this.flush();
    this.lo = lo;
    this.hi = hi;
  }

  flush(): void {
    if (this.hi > this.lo) {
      this.cycles += this.h.range(this.lo, this.hi, this.write, this.width);
      if (this.nRec + 2 > this.rec.length) {
        const grown = new Int32Array(2 * this.rec.length);
        grown.set(this.rec);
        this.rec = grown;
      }
      this.rec[this.nRec++] = this.lo;
      this.rec[this.nRec++] = this.hi;
    }
    this.lo = this.hi = -1;
  }
}

const pow2Floor = (x: number) => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/** Access width in bytes of each operand: its buffer's port word, at most an L1 line. */
function widths(ctx: EvalContext, h: Hierarchy): [number, number, number] {
  const a = ctx.arch;
  const w = (op: "weights" | "inputs" | "outputs") => Math.min(h.l1.lineBytes, pow2Floor(a.buffers[a.derived.holder[op]]!.portBits / 8));
  return [w("weights"), w("inputs"), w("outputs")];
}

/**
 * A MAC layer's transfers. Each tile is walked as nested loops over its runs in memory order, but a loop
 * whose consecutive runs are adjacent in memory (the inner extent covers the whole tensor dimension) is
 * emitted as one run: the sink would merge those runs into exactly that one anyway (test/sim/streams.test.ts
 * checks the accesses against the run-per-element walk), and a depthwise tile's 36 one-byte weight runs
 * or a 1×1 convolution's per-channel runs cost one call instead of dozens.
 */
export class MacStream {
  private readonly sink: RunSink;
  private readonly width: [number, number, number];
  // Layer constants, read at every transfer.
  private readonly G: number;
  private readonly K: number;
  private readonly C: number;
  private readonly H: number;
  private readonly W: number;
  private readonly P: number;
  private readonly Q: number;
  private readonly RS: number;
  private readonly wBits: number;
  private readonly aBits: number;
  private readonly outBits: number;
  private readonly psumBits: number;
  private readonly h: Hierarchy;
  /**
   * Per transfer kind: how many bytes its ranges move when the innermost loop advances by one (its tile
   * moves one tile along that dimension), or −1 when a replay would not be exact (the move is not a
   * whole number of bytes, or an address might not fit the int32 record).
   */
  private readonly shift = new Float64Array(6).fill(-1);
  /** Per transfer slot of a step (StepOut index): the ranges its last transfer issued. */
  private readonly recs: Int32Array[] = [];
  private readonly nRecs = new Int32Array(6);

  constructor(private readonly ctx: EvalContext, private readonly st: MacSteps, readonly layout: OperandLayout, h: Hierarchy) {
    this.sink = new RunSink(h);
    this.h = h;
    for (let i = 0; i < 6; i++) this.recs.push(new Int32Array(16));
    this.width = widths(ctx, h);
    const l = ctx.layer;
    this.G = l.G;
    this.K = l.K;
    this.C = l.C;
    this.H = l.H;
    this.W = l.W;
    this.P = l.P;
    this.Q = l.Q;
    this.RS = l.R * l.S;
    this.wBits = l.wBits;
    this.aBits = l.aBits;
    this.outBits = l.outBits;
    this.psumBits = ctx.psumBits;
    const k = st.loopDims.length;
    if (k > 0) {
      // Elements one tile along dimension d moves each tensor's runs by (OHWI weights, NHWC activations).
      const d = st.loopDims[k - 1]!;
      const t = st.t[d]!;
      const { G, K, C, H, W, P, Q, RS } = this;
      const wEl = [0, K * RS * C, RS * C, 1, 0, 0][d]! * t;
      const iEl = [H * W * G * C, C, 0, 1, 0, 0][d]! * t;
      const oEl = [P * Q * G * K, K, 1, 0, 0, 0][d]! * t;
      const N = l.N;
      const fits = (base: number, elems: number, bits: number) => base + Math.ceil((elems * bits) / 8) < 2 ** 31 - 1;
      const ok = d !== 4 && d !== 5 && fits(layout.weights, G * K * C * RS, this.wBits) && fits(layout.inputs, N * H * W * G * C, this.aBits)
        && fits(layout.outputs, N * P * Q * G * K, this.outBits) && fits(layout.psums, N * P * Q * G * K, this.psumBits);
      const bytes = (el: number, bits: number) => (ok && (el * bits) % 8 === 0 ? (el * bits) / 8 : -1);
      this.shift[X_WEIGHTS] = bytes(wEl, this.wBits);
      this.shift[X_INPUTS] = bytes(iEl, this.aBits);
      this.shift[X_PSUM_IN] = this.shift[X_PSUM_OUT] = bytes(oEl, this.psumBits);
      this.shift[X_OUTPUT] = bytes(oEl, this.outBits);
    }
  }

  /**
   * The transfer of kind `kind` in step slot `slot` when the step repeats the previous one moved one tile
   * along the innermost loop (StepOut.repeat): the ranges that slot issued last, moved by the kind's shift,
   * accessed in the same order — exactly what `transfer` would issue, since a tile's runs, their merging
   * and their byte bounds all move with it. −1 when the kind cannot be replayed (then call `transfer`).
   */
  shifted(kind: number, slot: number): number {
    const by = this.shift[kind]!;
    if (by < 0) return -1;
    const rec = this.recs[slot]!;
    const n = this.nRecs[slot]!;
    const h = this.h;
    const write = kind === X_PSUM_OUT || kind === X_OUTPUT;
    const width = this.width[kind === X_WEIGHTS ? 0 : kind === X_INPUTS ? 1 : 2];
    let cycles = 0;
    for (let i = 0; i < n; i += 2) {
      const lo = rec[i]! + by;
      const hi = rec[i + 1]! + by;
      rec[i] = lo;
      rec[i + 1] = hi;
      cycles += h.range(lo, hi, write, width);
    }
    return cycles;
  }

  private ext(j: Int32Array, d: number): number {
    const st = this.st;
    return j[d] === st.n[d]! - 1 ? st.rem[d]! : st.t[d]!;
  }

  /** The cycles of one transfer of kind `kind` for the tile at `j` (its ranges kept for slot `slot`). */
  transfer(kind: number, j: Int32Array, slot = 0): number {
    const s = this.sink;
    s.cycles = 0;
    s.rec = this.recs[slot]!;
    s.nRec = 0;
    if (kind === X_WEIGHTS) {
      s.base = this.layout.weights;
      s.bits = this.wBits;
      s.write = false;
      s.width = this.width[0];
      this.weights(j);
    } else if (kind === X_INPUTS) {
      s.base = this.layout.inputs;
      s.bits = this.aBits;
      s.write = false;
      s.width = this.width[1];
      this.inputs(j);
    } else {
      const psum = kind === X_PSUM_IN || kind === X_PSUM_OUT;
      s.base = psum ? this.layout.psums : this.layout.outputs;
      s.bits = psum ? this.psumBits : this.outBits;
      s.write = kind === X_PSUM_OUT || kind === X_OUTPUT;
      s.width = this.width[2];
      this.outputs(j);
    }
    s.flush();
    this.recs[slot] = s.rec;
    this.nRecs[slot] = s.nRec;
    return s.cycles;
  }

  /** Weights OHWI: per output channel (g, k) its R·S rows of the tile's C slice. */
  private weights(j: Int32Array): void {
    const s = this.sink;
    const t = this.st.t;
    const { K, C, RS } = this;
    const g0 = j[1]! * t[1]!, eG = this.ext(j, 1);
    const k0 = j[2]! * t[2]!, eK = this.ext(j, 2);
    const c0 = j[3]! * t[3]!, eC = this.ext(j, 3);
    const kLen = RS * C;
    if (eC === C) {
      // Whole kernels: an output channel's rows follow each other, and so do the channels.
      if (eK === K) s.run(g0 * K * kLen, eG * K * kLen);
      else for (let g = g0; g < g0 + eG; g++) s.run((g * K + k0) * kLen, eK * kLen);
      return;
    }
    for (let g = g0; g < g0 + eG; g++) {
      for (let k = k0; k < k0 + eK; k++) {
        const row = (g * K + k) * kLen;
        for (let x = 0; x < RS; x++) s.run(row + x * C + c0, eC);
      }
    }
  }

  /** Inputs NHWC: the tile's window (clipped to the image), per pixel the tile's groups and channels. */
  private inputs(j: Int32Array): void {
    const s = this.sink;
    const t = this.st.t;
    const { G, C, H, W } = this;
    const n0 = j[0]! * t[0]!, eN = this.ext(j, 0);
    const g0 = j[1]! * t[1]!, eG = this.ext(j, 1);
    const c0 = j[3]! * t[3]!, eC = this.ext(j, 3);
    const p0 = j[4]! * t[4]!, eP = this.ext(j, 4);
    const q0 = j[5]! * t[5]!, eQ = this.ext(j, 5);
    const y0 = this.lo(false, p0);
    const y1 = this.hi(false, p0, eP);
    const x0 = this.lo(true, q0);
    const x1 = this.hi(true, q0, eQ);
    const gc = G * C;
    if (eC === C && eG === G) {
      // Whole pixels: a row of the window is one run, whole rows one run per image, whole images one run.
      const cols = x1 - x0;
      if (cols <= 0 || y1 <= y0) return;
      if (cols === W) {
        if (y0 === 0 && y1 === H) s.run(n0 * H * W * gc, eN * H * W * gc);
        else for (let n = n0; n < n0 + eN; n++) s.run((n * H + y0) * W * gc, (y1 - y0) * W * gc);
        return;
      }
      for (let n = n0; n < n0 + eN; n++) for (let y = y0; y < y1; y++) s.run(((n * H + y) * W + x0) * gc, cols * gc);
      return;
    }
    for (let n = n0; n < n0 + eN; n++) {
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const pix = ((n * H + y) * W + x) * gc;
          // Whole channels: the tile's groups are adjacent.
          if (eC === C) s.run(pix + g0 * C, eG * C);
          else for (let g = g0; g < g0 + eG; g++) s.run(pix + g * C + c0, eC);
        }
      }
    }
  }

  /** Outputs and partial sums NHWC: per output pixel the tile's groups and channels. */
  private outputs(j: Int32Array): void {
    const s = this.sink;
    const t = this.st.t;
    const { G, K, P, Q } = this;
    const n0 = j[0]! * t[0]!, eN = this.ext(j, 0);
    const g0 = j[1]! * t[1]!, eG = this.ext(j, 1);
    const k0 = j[2]! * t[2]!, eK = this.ext(j, 2);
    const p0 = j[4]! * t[4]!, eP = this.ext(j, 4);
    const q0 = j[5]! * t[5]!, eQ = this.ext(j, 5);
    const gk = G * K;
    if (eK === K && eG === G) {
      // Whole pixels, as for inputs.
      if (eQ === Q) {
        if (eP === P) s.run(n0 * P * Q * gk, eN * P * Q * gk);
        else for (let n = n0; n < n0 + eN; n++) s.run((n * P + p0) * Q * gk, eP * Q * gk);
        return;
      }
      for (let n = n0; n < n0 + eN; n++) for (let p = p0; p < p0 + eP; p++) s.run(((n * P + p) * Q + q0) * gk, eQ * gk);
      return;
    }
    for (let n = n0; n < n0 + eN; n++) {
      for (let p = p0; p < p0 + eP; p++) {
        for (let q = q0; q < q0 + eQ; q++) {
          const pix = ((n * P + p) * Q + q) * gk;
          if (eK === K) s.run(pix + g0 * K, eG * K);
          else for (let g = g0; g < g0 + eG; g++) s.run(pix + g * K + k0, eK);
        }
      }
    }
  }

  /** First input row (column for `q`) an output range starting at o0 reads, clipped to the image. */
  lo(q: boolean, o0: number): number {
    const l = this.ctx.layer;
    return Math.max(0, o0 * (q ? l.strideW : l.strideH) - (q ? l.pads[1] : l.pads[0]));
  }

  /** One past the last input row (column) of an output range [o0, o0 + ext), clipped to the image. */
  hi(q: boolean, o0: number, ext: number): number {
    const l = this.ctx.layer;
    const s = q ? l.strideW : l.strideH;
    const k = q ? l.S : l.R;
    const dil = q ? l.dilationW : l.dilationH;
    return Math.min(q ? l.W : l.H, (o0 + ext - 1) * s - (q ? l.pads[1] : l.pads[0]) + (k - 1) * dil + 1);
  }
}

export class VectorStream {
  private readonly sink: RunSink;
  private readonly width: [number, number, number];
  constructor(private readonly ctx: EvalContext, private readonly st: VectorSteps, readonly layout: OperandLayout, h: Hierarchy) {
    this.sink = new RunSink(h);
    this.width = widths(ctx, h);
  }

  /** Vector layers' steps never repeat (their chunks differ): nothing to replay. */
  shifted(): number {
    return -1;
  }

  transfer(kind: number, j: Int32Array): number {
    const l = this.ctx.layer;
    const s = this.sink;
    const k = j[0]!;
    s.cycles = 0;
    const out = kind === X_OUTPUT;
    s.nRec = 0;
    const [a, b] = this.st.share(out ? this.st.outElems : this.st.inElems, k);
    s.base = out ? this.layout.outputs : kind === X_INPUTS2 ? this.layout.inputs2 : this.layout.inputs;
    s.bits = out ? l.outBits : l.aBits;
    s.write = out;
    s.width = this.width[out ? 2 : 1];
    s.run(a, b - a);
    s.flush();
    return s.cycles;
  }
}

/** Bytes an operand tensor occupies (for laying tensors out one after another). */
export function tensorBytes(elements: number, bits: number): number {
  return Math.ceil((elements * bits) / 8);
}
