/**
 * Pools and adds on the vector unit (one lane per array column, or the vector compute's lanes): one lane
 * operation per input element consumed. The layer runs in chunks sized to the buffers — chunk k takes
 * outputs [⌊k·E/T⌋, ⌊(k+1)·E/T⌋) of E and the same share of every input tensor — through the step model
 * of MAC layers (steps.ts): the next chunk's inputs load and the previous chunk's outputs drain while a
 * chunk computes. Chunk sizes differ by at most one element, so both engines walk every chunk.
 */
import type { EvalContext } from "./cost.js";
import { type Eval, type TileClass, evalOf } from "./cost.js";
import { type Channel, type StepOut, type Stepper, X_INPUTS, X_INPUTS2, X_OUTPUT, channelOf } from "./steps.js";
import { sumSteps } from "./totals.js";
import { outputCount } from "./workload.js";

export class VectorSteps implements Stepper {
  readonly channel: Channel;
  readonly loopDims: number[];
  readonly loopCounts: number[];
  readonly tiles: number;
  /** Output elements, input elements per input tensor, operations per output. */
  readonly outElems: number;
  readonly inElems: number;
  readonly opsPerOut: number;
  private readonly reps0: { values: Int32Array; mult: Float64Array; count: number };

  constructor(private readonly ctx: EvalContext) {
    const l = ctx.layer;
    this.channel = channelOf(ctx);
    this.outElems = outputCount(l);
    this.inElems = l.N * l.G * l.H * l.W;
    this.opsPerOut = l.R * l.S * l.vectorInputs;
    const arch = ctx.arch;
    const h = arch.derived.holder;
    const need = new Map<string, number>();
    need.set(h.inputs, (need.get(h.inputs) ?? 0) + l.vectorInputs * this.inElems * l.aBits);
    need.set(h.outputs, (need.get(h.outputs) ?? 0) + this.outElems * l.outBits);
    let T = 1;
    for (const [b, bits] of need) T = Math.max(T, Math.ceil(bits / Math.max(1, arch.derived.tileCapacityBits[b as keyof typeof arch.derived.tileCapacityBits] ?? 1)));
    T = Math.min(T, this.outElems);
    this.tiles = T;
    this.loopDims = T > 1 ? [0] : [];
    this.loopCounts = T > 1 ? [T] : [];
    this.reps0 = { values: Int32Array.from({ length: T }, (_, i) => i), mult: new Float64Array(T).fill(1), count: T };
  }

  /** Elements [from, to) of a tensor of `total` elements in chunk k. */
  share(total: number, k: number): [number, number] {
    return [Math.floor((k * total) / this.tiles), Math.floor(((k + 1) * total) / this.tiles)];
  }

  private count(total: number, k: number): number {
    const [a, b] = this.share(total, k);
    return b - a;
  }

  private loads(o: StepOut, k: number, which: number): void {
    const l = this.ctx.layer;
    const bits = this.count(this.inElems, k) * l.aBits;
    // A resident input is the chained one; an add's other operand still comes from DRAM.
    if (!this.ctx.inputResident) this.channel.push(o, X_INPUTS, bits, which);
    if (l.vectorInputs > 1) this.channel.push(o, X_INPUTS2, bits, which);
  }

  describe(j: Int32Array, o: StepOut): void {
    const l = this.ctx.layer;
    const k = j[0]!;
    for (let d = 0; d < 6; d++) o.j[d] = j[d]!;
    const outs = this.count(this.outElems, k);
    const ops = outs * this.opsPerOut;
    const lanes = this.ctx.arch.derived.vectorLanes;
    const pipe = this.ctx.arch.compute.pipeline;
    o.steps = Math.ceil(ops / lanes);
    o.compute = o.steps + pipe.fillCycles + pipe.drainCycles + pipe.perTileOverheadCycles;
    o.macs = 0;
    o.passes = 0;
    o.slots = o.steps * lanes;
    o.acc[0] = 0;
    o.acc[1] = this.count(this.inElems, k) * l.vectorInputs;
    o.acc[2] = outs;
    o.nT = 0;
    const last = this.tiles - 1;
    if (k < last) {
      o.jNext[0] = k + 1;
      this.loads(o, k + 1, 1);
    }
    if (this.channel.dbOp[2] === 1) {
      if (k > 0) {
        o.jPrev[0] = k - 1;
        this.drain(o, k - 1, -1);
      }
    } else this.drain(o, k, 0);
    o.port = this.channel.port(o, 0, o.acc[1] * l.aBits, outs * l.outBits);
  }

  describeInner(j: Int32Array, o: StepOut): void {
    this.describe(j, o);
  }

  private drain(o: StepOut, k: number, which: number): void {
    if (!this.ctx.outputResident) this.channel.push(o, X_OUTPUT, this.count(this.outElems, k) * this.ctx.layer.outBits, which);
  }

  prologue(o: StepOut): void {
    o.nT = 0;
    o.j.fill(0);
    this.loads(o, 0, 0);
  }

  epilogue(o: StepOut): void {
    o.nT = 0;
    if (this.channel.dbOp[2] !== 1) return;
    o.j.fill(0);
    o.j[0] = this.tiles - 1;
    this.drain(o, this.tiles - 1, 0);
  }

  reps(): { values: Int32Array; mult: Float64Array; count: number } {
    return this.reps0;
  }
}

export function evaluateVector(ctx: EvalContext): Eval {
  const st = new VectorSteps(ctx);
  const t = sumSteps(st);
  return evalOf(ctx, t, ctx.layer.outBits, [0, 0, 0], vectorClasses(ctx, st, t.compute));
}

/** The formula's tile class of a vector layer: all its chunks, with their summed compute. */
export function vectorClasses(ctx: EvalContext, st: VectorSteps, compute: number): TileClass[] {
  const l = ctx.layer;
  return [{ count: st.tiles, passes: 0, steps: Math.ceil((l.R * l.S * l.vectorInputs * st.outElems) / ctx.arch.derived.vectorLanes), cycles: compute }];
}
