/**
 * Sums of steps: what both engines accumulate from `StepOut`s (steps.ts), and the analytic engine's sum
 * over classes of equivalent tile indices. Everything here is plain arithmetic on numbers so that the two
 * engines, summing the same steps in a different grouping, produce identical results (all quantities are
 * integers below 2^53, so the order of additions does not matter).
 */
import { KIND_OPERAND, KIND_WRITES, type Reps, StepOut, type Stepper } from "./steps.js";

export class Totals {
  compute = 0;
  macs = 0;
  passes = 0;
  slots = 0;
  readonly acc = new Float64Array(3);
  port = 0;
  onchip = 0;
  overlapped = 0;
  serial = 0;
  steps = 0;
  prologue = 0;
  epilogue = 0;
  tiles = 0;
  /** Per operand (weights, inputs, outputs). */
  readonly readBits = new Float64Array(3);
  readonly writeBits = new Float64Array(3);
  readonly transfers = new Float64Array(3);
  readonly dramCycles = new Float64Array(3);
  /** Outputs: partial sums read back, and spilled (bits). */
  psumIn = 0;
  psumOut = 0;

  /** Back to zero, for reuse. */
  clear(): this {
    this.compute = this.macs = this.passes = this.slots = this.port = this.onchip = this.overlapped = this.serial = 0;
    this.steps = this.prologue = this.epilogue = this.tiles = this.psumIn = this.psumOut = 0;
    // Element stores: a typed array's fill() is a builtin call, dearer than three stores.
    for (let i = 0; i < 3; i++) this.acc[i] = this.readBits[i] = this.writeBits[i] = this.transfers[i] = this.dramCycles[i] = 0;
    return this;
  }

  get total(): number {
    return this.prologue + this.steps + this.epilogue;
  }

  private transfersOf(o: StepOut, mult: number): void {
    for (let i = 0; i < o.nT; i++) {
      const op = KIND_OPERAND[o.kind[i]!]!;
      const bits = o.bits[i]! * mult;
      if (KIND_WRITES[o.kind[i]!]! === 1) this.writeBits[op] = this.writeBits[op]! + bits;
      else this.readBits[op] = this.readBits[op]! + bits;
      this.transfers[op] = this.transfers[op]! + mult;
      this.dramCycles[op] = this.dramCycles[op]! + o.time[i]! * mult;
      if (o.kind[i] === 2) this.psumIn += bits;
      else if (o.kind[i] === 3) this.psumOut += bits;
    }
  }

  add(o: StepOut, mult: number): void {
    this.compute += o.compute * mult;
    this.macs += o.macs * mult;
    this.passes += o.passes * mult;
    this.slots += o.slots * mult;
    for (let k = 0; k < 3; k++) this.acc[k] = this.acc[k]! + o.acc[k]! * mult;
    this.port += o.port * mult;
    this.onchip += Math.max(o.compute, o.port) * mult;
    this.overlapped += o.overlapped * mult;
    this.serial += o.serial * mult;
    this.steps += o.step * mult;
    this.tiles += mult;
    this.transfersOf(o, mult);
  }

  /** Prologue or epilogue: transfers only, all exposed (one direction each, so they add up). */
  addEdge(o: StepOut, which: "prologue" | "epilogue"): number {
    let t = 0;
    for (let i = 0; i < o.nT; i++) t += o.time[i]!;
    if (which === "prologue") this.prologue += t;
    else this.epilogue += t;
    this.transfersOf(o, 1);
    return t;
  }
}

/** How transfer times are found: the DRAM model, or a cache simulation / estimate. */
/** `mult`: how many tiles the step stands for (the analytic sum), 1 in the detailed walk. */
export type Timer = (o: StepOut, stepper: Stepper, mult: number) => void;

export const dramTimer: Timer = (o, s) => s.channel.dramTimes(o);

/** The analytic sum's scratch (it is not re-entered: timers never sum steps themselves). */
const SCRATCH = new StepOut();
const AT = new Int32Array(6);
const J = new Int32Array(6);
const REPS: Reps[] = [];

/**
 * The analytic sum: every combination of representative indices, weighted by how many tiles it stands
 * for. Exact because a step's cost depends on its indices only through the representatives' classes.
 * `into` (cleared first) saves a caller that reads the sums at once an allocation per evaluation.
 */
export function sumSteps(st: Stepper, timer: Timer = dramTimer, into?: Totals): Totals {
  const tot = into === undefined ? new Totals() : into.clear();
  const o = SCRATCH;
  const ch = st.channel;
  // The DRAM model is called directly: the mapper's inner loop need not go through the Timer indirection.
  const dram = timer === dramTimer;
  st.prologue(o);
  timer(o, st, 1);
  tot.addEdge(o, "prologue");
  const dims = st.loopDims;
  const k = dims.length;
  for (let i = 0; i < k; i++) {
    REPS[i] = st.reps(dims[i]!);
    AT[i] = 0;
  }
  const j = J;
  for (let d = 0; d < 6; d++) j[d] = 0;
  for (;;) {
    let mult = 1;
    for (let i = 0; i < k; i++) {
      const r = REPS[i]!;
      j[dims[i]!] = r.values[AT[i]!]!;
      mult *= r.mult[AT[i]!]!;
    }
    st.describe(j, o);
    if (dram) ch.dramCompose(o);
    else {
      timer(o, st, mult);
      ch.compose(o);
    }
    tot.add(o, mult);
    let i = k - 1;
    while (i >= 0 && ++AT[i]! === REPS[i]!.count) AT[i--] = 0;
    if (i < 0) break;
  }
  st.epilogue(o);
  timer(o, st, 1);
  tot.addEdge(o, "epilogue");
  return tot;
}
