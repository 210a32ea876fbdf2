/**
 * Turning exact accumulators into outputs: the epilogue of a MAC op, plus the per-node statistics every
 * kernel reports (accumulator range, overflow, saturation).
 *
 * A writer is called per output, `write.one(acc, channel, index)`, or per pixel, `write.row(accs, accOff,
 * c0, count, bias, outBase, strideC)`: accumulators accs[accOff + j] (plus bias[c0 + j]) of channels c0 + j
 * go to out[outBase + (c0 + j)·strideC]. The row form keeps the requantization loop tight, which matters
 * when a layer has few MACs per output.
 */
import type { Epilogue } from "../ir/ops.js";
import { rdbpot, srdhm } from "../quant/fixed-point.js";
import { requantFn } from "../quant/requantize.js";

export interface AccStats {
  /** Smallest / largest exact accumulator (bias included), before any int32 wrap. */
  accMin: number;
  accMax: number;
  /** Accumulators outside int32 (they wrap, as int32 arithmetic does in C). */
  overflowed: number;
  /** Outputs saturated to the output type's range (the fused activation's clamp is not counted). */
  saturated: number;
}

export function newAccStats(): AccStats {
  return { accMin: Infinity, accMax: -Infinity, overflowed: 0, saturated: 0 };
}

export interface OutputSpec {
  readonly out: { [i: number]: number };
  /** Zero point of the output (requant epilogue). */
  readonly outZeroPoint: number;
  /** Range of the output type. */
  readonly qmin: number;
  readonly qmax: number;
  /** Output is bipolar ±1 (threshold epilogue). */
  readonly bipolar: boolean;
}

/**
 * One writer class for every epilogue, so its methods are single functions that stay optimized across
 * layers and runs (per-call closures would start cold on every layer).
 */
class Writer {
  private readonly kind: 0 | 1 | 2 | 3; // int32, requant double (inlined), requant other, threshold
  private readonly out: { [i: number]: number };
  private readonly m: Int32Array;
  private readonly sh: Int32Array;
  private readonly perChannel: boolean;
  private readonly rq: ((acc: number, c: number) => number) | null;
  private readonly zp: number;
  private readonly lo: number;
  private readonly hi: number;
  private readonly tmin: number;
  private readonly tmax: number;
  private readonly thr: Int32Array;
  private readonly count: number;
  private readonly negate: Uint8Array;
  private readonly outBias: number;
  private readonly bipolar: boolean;

  constructor(e: Epilogue, spec: OutputSpec, private readonly stats: AccStats) {
    this.out = spec.out;
    this.zp = spec.outZeroPoint;
    this.tmin = spec.qmin;
    this.tmax = spec.qmax;
    this.bipolar = spec.bipolar;
    this.lo = spec.qmin;
    this.hi = spec.qmax;
    this.m = new Int32Array(0);
    this.sh = new Int32Array(0);
    this.perChannel = false;
    this.rq = null;
    this.thr = new Int32Array(0);
    this.count = 0;
    this.negate = new Uint8Array(0);
    this.outBias = 0;
    switch (e.kind) {
      case "int32":
        this.kind = 0;
        break;
      case "requant":
        this.lo = Math.max(e.clampMin, spec.qmin);
        this.hi = Math.min(e.clampMax, spec.qmax);
        if (e.requant.mode === "double") {
          this.kind = 1;
          this.m = e.requant.multiplier;
          this.sh = e.requant.shift;
          this.perChannel = this.m.length > 1;
        } else {
          this.kind = 2;
          this.rq = requantFn(e.requant);
        }
        break;
      case "threshold":
        this.kind = 3;
        this.thr = e.thresholds;
        this.count = e.count;
        this.negate = e.negate;
        this.outBias = e.outBias;
        break;
      default: {
        const never: never = e;
        throw new Error(`internal: epilogue ${String(never)}`);
      }
    }
  }

  /** The stored value for a wrapped int32 accumulator of channel c. */
  private finish(a: number, c: number): number {
    switch (this.kind) {
      case 0:
        return a;
      case 1: {
        // MultiplyByQuantizedMultiplier (double rounding) inlined; see quant/fixed-point.ts.
        const i = this.perChannel ? c : 0;
        const s = this.sh[i]!;
        const M = this.m[i]!;
        const x = s > 0 ? a << s : a;
        let h: number;
        if (x < 4194304 && x > -4194304) {
          const ab = x * M;
          h = Math.trunc((ab >= 0 ? ab + 1073741824 : ab + (1 - 1073741824)) / 2147483648);
        } else h = srdhm(x, M);
        return this.clamp((s < 0 ? rdbpot(h, -s) : h) + this.zp);
      }
      case 2:
        return this.clamp(this.rq!(a, c) + this.zp);
      default: {
        const n = this.count;
        const t = this.thr;
        const row = c * n;
        let k = 0;
        if (this.negate[c] === 1) {
          for (let j = 0; j < n; j++) if (a <= t[row + j]!) k++;
        } else {
          for (let j = 0; j < n; j++) if (a >= t[row + j]!) k++;
        }
        return this.bipolar ? (k > 0 ? 1 : -1) : this.outBias + k;
      }
    }
  }

  private clamp(v: number): number {
    if (v < this.tmin || v > this.tmax) this.stats.saturated++;
    return v < this.lo ? this.lo : v > this.hi ? this.hi : v;
  }

  one(acc: number, c: number, i: number): void {
    const st = this.stats;
    if (acc < st.accMin) st.accMin = acc;
    if (acc > st.accMax) st.accMax = acc;
    const a = acc | 0;
    if (a !== acc) st.overflowed++;
    this.out[i] = this.finish(a, c);
  }

  row(accs: ArrayLike<number>, accOff: number, c0: number, count: number, bias: Int32Array | null, outBase: number, strideC: number): void {
    const st = this.stats;
    let lo = st.accMin;
    let hi = st.accMax;
    const out = this.out;
    for (let j = 0; j < count; j++) {
      const c = c0 + j;
      const acc = bias === null ? accs[accOff + j]! : accs[accOff + j]! + bias[c]!;
      if (acc < lo) lo = acc;
      if (acc > hi) hi = acc;
      const a = acc | 0;
      if (a !== acc) st.overflowed++;
      out[outBase + c * strideC] = this.finish(a, c);
    }
    st.accMin = lo;
    st.accMax = hi;
  }
}

/** Writes outputs one at a time (`one`) or a pixel's run of channels at a time (`row`). */
export interface OutputWriter {
  one(acc: number, channel: number, index: number): void;
  row(accs: ArrayLike<number>, accOff: number, c0: number, count: number, bias: Int32Array | null, outBase: number, strideC: number): void;
}

export function makeWriter(e: Epilogue, spec: OutputSpec, stats: AccStats): OutputWriter {
  return new Writer(e, spec, stats);
}

/** A writer from a per-output function (tests and simple consumers). */
export function writerOf(fn: (acc: number, channel: number, index: number) => void): OutputWriter {
  return {
    one: fn,
    row(accs, accOff, c0, count, bias, outBase, strideC) {
      for (let j = 0; j < count; j++) {
        const c = c0 + j;
        fn(bias === null ? accs[accOff + j]! : accs[accOff + j]! + bias[c]!, c, outBase + c * strideC);
      }
    },
  };
}
