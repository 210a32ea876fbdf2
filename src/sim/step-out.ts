/**
 * One step's numbers (StepOut) and the arch constants transfers and ports need (Channel): DRAM time of a
 * transfer, bursts, port words per bank, and how a step's transfers compose with its compute (steps.ts).
 */
import type { ArchSpec, BufferName } from "../hw/types.js";
import type { EvalContext } from "./plan.js";

/** Transfer kinds. */
export const X_WEIGHTS = 0;
export const X_INPUTS = 1;
export const X_PSUM_IN = 2;
export const X_PSUM_OUT = 3;
export const X_OUTPUT = 4;
/** A vector layer's second input tensor (an add's other operand). */
export const X_INPUTS2 = 5;
/** The operand (0 weights, 1 inputs, 2 outputs) of each transfer kind. */
export const KIND_OPERAND: readonly number[] = [0, 1, 2, 2, 2, 1];
export const KIND_WRITES: readonly number[] = [0, 0, 0, 1, 1, 0];

const MAX_T = 6;

/** One step's numbers, filled in place (no allocation in the hot loop). */
export class StepOut {
  compute = 0;
  /** Array steps of one pass (the formula's "steps"). */
  steps = 0;
  macs = 0;
  passes = 0;
  slots = 0;
  /** Values moved between the buffers and the array: weights, inputs, outputs. */
  readonly acc = new Float64Array(3);
  /** Port cycles of the overlapped phase (array streams and overlapped transfers). */
  port = 0;
  nT = 0;
  readonly kind = new Int8Array(MAX_T);
  readonly bits = new Float64Array(MAX_T);
  /** 1 when the transfer overlaps compute (its operand's buffer is double-buffered). */
  readonly db = new Uint8Array(MAX_T);
  /** Which tile the transfer belongs to: 1 the next, 0 this one, −1 the previous. */
  readonly which = new Int8Array(MAX_T);
  readonly time = new Float64Array(MAX_T);
  overlapped = 0;
  serial = 0;
  step = 0;
  /**
   * The step's transfers are the previous step's, each tile moved one index along the innermost loop
   * (MacSteps.describeInner): an address stream may replay the previous step's ranges moved as far.
   */
  repeat = false;
  /** Tile indices (DIM_ORDER) of this, the next and the previous tile. */
  readonly j = new Int32Array(6);
  readonly jNext = new Int32Array(6);
  readonly jPrev = new Int32Array(6);
}

/** 1/d when d is a power of two (x·(1/d) is then exactly x/d, and a multiply costs less than a divide), else 0. */
export function exactInverse(d: number): number {
  return Number.isInteger(d) && d > 0 && d < 2 ** 31 && (d & (d - 1)) === 0 ? 1 / d : 0;
}

/** ⌈x / d⌉, multiplying by `inv` when it is d's exact inverse (exactInverse): the same number either way. */
export function ceilDiv(x: number, d: number, inv: number): number {
  return Math.ceil(inv !== 0 ? x * inv : x / d);
}

/** A buffer's port: bits per word and banks. */
interface Port {
  readonly bits: number;
  readonly banks: number;
}

const BUF_INDEX: Readonly<Record<BufferName, number>> = { weights: 0, inputs: 1, outputs: 2, unified: 3 };

/** Arch constants the transfers and ports need, shared by MAC and vector steps. */
export class Channel {
  readonly latency: number;
  readonly rd: number;
  readonly wr: number;
  readonly burst: number;
  readonly shared: boolean;
  /** Buffer index (BUF_INDEX) holding weights, inputs, outputs. */
  readonly holder: Int32Array;
  readonly dbOp: Uint8Array;
  /** Some operand's buffer is double-buffered: its transfers overlap compute and take port words then. */
  readonly overlaps: boolean;
  readonly ports: readonly (Port | undefined)[];
  /** Per buffer (BUF_INDEX): port bits and banks (1 where there is no such buffer: never read). */
  private readonly portBits = new Float64Array(4);
  private readonly banks = new Float64Array(4);
  /** Their exact inverses (exactInverse), and the burst's. */
  private readonly portInv = new Float64Array(4);
  private readonly banksInv = new Float64Array(4);
  private readonly burstInv: number;
  private readonly words = new Float64Array(4);

  constructor(ctx: EvalContext) {
    const a = ctx.arch;
    this.latency = ctx.latency;
    this.rd = a.derived.dramReadBitsPerCycle;
    this.wr = a.derived.dramWriteBitsPerCycle;
    this.burst = ctx.burstBits;
    this.shared = a.derived.dramShared;
    const h = a.derived.holder;
    this.holder = new Int32Array([BUF_INDEX[h.weights], BUF_INDEX[h.inputs], BUF_INDEX[h.outputs]]);
    this.dbOp = new Uint8Array([h.weights, h.inputs, h.outputs].map((b) => (a.buffers[b]!.doubleBuffered ? 1 : 0)));
    this.overlaps = this.dbOp.includes(1);
    this.ports = (["weights", "inputs", "outputs", "unified"] as const).map((b) => {
      const s = a.buffers[b];
      return s === undefined ? undefined : { bits: s.portBits, banks: s.banks };
    });
    this.ports.forEach((p, b) => {
      this.portBits[b] = p?.bits ?? 1;
      this.banks[b] = p?.banks ?? 1;
      this.portInv[b] = exactInverse(this.portBits[b]!);
      this.banksInv[b] = exactInverse(this.banks[b]!);
    });
    this.burstInv = exactInverse(this.burst);
  }

  /** Bits rounded up to whole bursts. */
  bursts(bits: number): number {
    return bits <= 0 ? 0 : ceilDiv(bits, this.burst, this.burstInv) * this.burst;
  }

  /** DRAM time of one transfer: latency + ⌈bits / bandwidth⌉. */
  time(bits: number, write: number): number {
    return bits <= 0 ? 0 : this.latency + Math.ceil(bits / (write === 1 ? this.wr : this.rd));
  }

  push(o: StepOut, kind: number, rawBits: number, which: number): void {
    const bits = this.bursts(rawBits);
    if (bits <= 0) return;
    const i = o.nT++;
    o.kind[i] = kind;
    o.bits[i] = bits;
    o.db[i] = this.dbOp[KIND_OPERAND[kind]!]!;
    o.which[i] = which;
  }

  /** Port cycles of the overlapped phase: array streams `arrayBits` per operand plus overlapped transfers. */
  port(o: StepOut, wArr: number, iArr: number, oArr: number): number {
    this.arrayWords(wArr, iArr, oArr);
    for (let i = 0; i < o.nT; i++) if (o.db[i] === 1) this.addWords(KIND_OPERAND[o.kind[i]!]!, o.bits[i]!);
    return this.bankCycles();
  }

  /** `port` of a step whose transfers all run serially (none overlaps compute). */
  arrayPort(wArr: number, iArr: number, oArr: number): number {
    this.arrayWords(wArr, iArr, oArr);
    return this.bankCycles();
  }

  /** Port words of the array streams, per buffer (into `words`). */
  private arrayWords(wArr: number, iArr: number, oArr: number): void {
    const w = this.words;
    w[0] = 0;
    w[1] = 0;
    w[2] = 0;
    w[3] = 0;
    this.addWords(0, wArr);
    this.addWords(1, iArr);
    // An output access is a read and a write: the same words twice.
    if (oArr > 0) {
      const b = this.holder[2]!;
      w[b] = w[b]! + 2 * ceilDiv(oArr, this.portBits[b]!, this.portInv[b]!);
    }
  }

  /** Cycles of the busiest buffer: its words spread over its banks. */
  private bankCycles(): number {
    const w = this.words;
    let port = 0;
    for (let b = 0; b < 4; b++) if (w[b]! > 0) port = Math.max(port, ceilDiv(w[b]!, this.banks[b]!, this.banksInv[b]!));
    return port;
  }

  private addWords(op: number, bits: number): void {
    if (bits <= 0) return;
    const b = this.holder[op]!;
    this.words[b] = this.words[b]! + ceilDiv(bits, this.portBits[b]!, this.portInv[b]!);
  }

  /** Compose the step from its transfers' times (already in `o.time`). */
  compose(o: StepOut): void {
    let rdA = 0;
    let wrA = 0;
    let rdB = 0;
    let wrB = 0;
    for (let i = 0; i < o.nT; i++) {
      const t = o.time[i]!;
      const w = KIND_WRITES[o.kind[i]!]!;
      if (o.db[i] === 1) {
        if (w === 1) wrA += t;
        else rdA += t;
      } else if (w === 1) wrB += t;
      else rdB += t;
    }
    o.overlapped = this.shared ? rdA + wrA : Math.max(rdA, wrA);
    o.serial = this.shared ? rdB + wrB : Math.max(rdB, wrB);
    o.step = Math.max(o.compute, o.port, o.overlapped) + o.serial;
  }

  /** dramTimes then compose, in one pass over the transfers (the analytic engine's inner loop). */
  dramCompose(o: StepOut): void {
    let rdA = 0;
    let wrA = 0;
    let rdB = 0;
    let wrB = 0;
    for (let i = 0; i < o.nT; i++) {
      const w = KIND_WRITES[o.kind[i]!]!;
      const bits = o.bits[i]!;
      const t = bits <= 0 ? 0 : this.latency + Math.ceil(bits / (w === 1 ? this.wr : this.rd));
      o.time[i] = t;
      if (o.db[i] === 1) {
        if (w === 1) wrA += t;
        else rdA += t;
      } else if (w === 1) wrB += t;
      else rdB += t;
    }
    o.overlapped = this.shared ? rdA + wrA : Math.max(rdA, wrA);
    o.serial = this.shared ? rdB + wrB : Math.max(rdB, wrB);
    o.step = Math.max(o.compute, o.port, o.overlapped) + o.serial;
  }

  /** Times from the DRAM model (no caches). */
  dramTimes(o: StepOut): void {
    for (let i = 0; i < o.nT; i++) o.time[i] = this.time(o.bits[i]!, KIND_WRITES[o.kind[i]!]!);
  }
}

/** Channels by arch: every context of an arch has the same constants (a network builds one context per layer). */
const BY_ARCH = new WeakMap<ArchSpec, Channel>();

/** Per-context channel (arch constants), built once per arch (and its DRAM latency and burst). */
export function channelOf(ctx: EvalContext): Channel {
  let ch = ctx.scratch.channel;
  if (ch !== undefined) return ch;
  ch = BY_ARCH.get(ctx.arch);
  if (ch === undefined || ch.latency !== ctx.latency || ch.burst !== ctx.burstBits) {
    ch = new Channel(ctx);
    BY_ARCH.set(ctx.arch, ch);
  }
  ctx.scratch.channel = ch;
  return ch;
}
