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
    if (this.hi > this.lo) this.cycles += this.h.range(this.lo, this.hi, this.write, this.width);
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

  constructor(private readonly ctx: EvalContext, private readonly st: MacSteps, readonly layout: OperandLayout, h: Hierarchy) {
    this.sink = new RunSink(h);
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
  }

  private ext(j: Int32Array, d: number): number {
    const st = this.st;
    return j[d] === st.n[d]! - 1 ? st.rem[d]! : st.t[d]!;
  }

  /** The cycles of one transfer of kind `kind` for the tile at `j`. */
  transfer(kind: number, j: Int32Array): number {
    const s = this.sink;
    s.cycles = 0;
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

  transfer(kind: number, j: Int32Array): number {
    const l = this.ctx.layer;
    const s = this.sink;
    const k = j[0]!;
    s.cycles = 0;
    const out = kind === X_OUTPUT;
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
