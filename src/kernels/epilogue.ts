/**
 * Turning exact accumulators into outputs: the epilogue of a MAC op, plus the per-node statistics every
 * kernel reports (accumulator range, overflow, saturation).
 *
 * A writer is called per output, `write(acc, channel, index)`, or per pixel, `write.row(...)` for a run of
 * channels: the row form keeps the requantization loop tight (no call per output), which matters when a
 * layer has few MACs per output.
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

/**
 * `row(accs, accOff, c0, count, bias, outBase, strideC)`: accumulators accs[accOff + j] (plus bias[c0 + j]
 * when given) of channels c0 + j go to out[outBase + (c0 + j)·strideC].
 */
export type RowWriter = (
  accs: ArrayLike<number>,
  accOff: number,
  c0: number,
  count: number,
  bias: Int32Array | null,
  outBase: number,
  strideC: number,
) => void;

export type OutputWriter = ((acc: number, channel: number, index: number) => void) & { readonly row: RowWriter };

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

/** The channel-to-value map of one output: (wrapped int32 accumulator, channel) → stored integer. */
type Finish = (a: number, c: number) => number;

function finisher(e: Epilogue, spec: OutputSpec, stats: AccStats): Finish {
  switch (e.kind) {
    case "int32":
      return (a) => a;
    case "requant": {
      const zp = spec.outZeroPoint;
      const lo = Math.max(e.clampMin, spec.qmin);
      const hi = Math.min(e.clampMax, spec.qmax);
      const tmin = spec.qmin;
      const tmax = spec.qmax;
      const r = e.requant;
      if (r.mode === "double") {
        // MultiplyByQuantizedMultiplier (double rounding) inlined; see quant/fixed-point.ts.
        const m = r.multiplier;
        const sh = r.shift;
        const one = m.length === 1;
        return (a, c) => {
          const i = one ? 0 : c;
          const s = sh[i]!;
          const M = m[i]!;
          const x = s > 0 ? a << s : a;
          let h: number;
          if (x < 4194304 && x > -4194304) {
            const ab = x * M;
            h = Math.trunc((ab >= 0 ? ab + 1073741824 : ab + (1 - 1073741824)) / 2147483648);
          } else h = srdhm(x, M);
          const v = (s < 0 ? rdbpot(h, -s) : h) + zp;
          if (v < tmin || v > tmax) stats.saturated++;
          return v < lo ? lo : v > hi ? hi : v;
        };
      }
      const rq = requantFn(r);
      return (a, c) => {
        const v = rq(a, c) + zp;
        if (v < tmin || v > tmax) stats.saturated++;
        return v < lo ? lo : v > hi ? hi : v;
      };
    }
    case "threshold": {
      const { thresholds: t, count: n, negate, outBias } = e;
      const bipolar = spec.bipolar;
      return (a, c) => {
        let k = 0;
        const row = c * n;
        if (negate[c] === 1) {
          for (let j = 0; j < n; j++) if (a <= t[row + j]!) k++;
        } else {
          for (let j = 0; j < n; j++) if (a >= t[row + j]!) k++;
        }
        return bipolar ? (k > 0 ? 1 : -1) : outBias + k;
      };
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}

export function makeWriter(e: Epilogue, spec: OutputSpec, stats: AccStats): OutputWriter {
  const out = spec.out;
  const finish = finisher(e, spec, stats);
  const one = (acc: number, c: number, i: number): void => {
    if (acc < stats.accMin) stats.accMin = acc;
    if (acc > stats.accMax) stats.accMax = acc;
    const a = acc | 0;
    if (a !== acc) stats.overflowed++;
    out[i] = finish(a, c);
  };
  const row: RowWriter = (accs, accOff, c0, count, bias, outBase, strideC) => {
    let lo = stats.accMin;
    let hi = stats.accMax;
    for (let j = 0; j < count; j++) {
      const c = c0 + j;
      const acc = bias === null ? accs[accOff + j]! : accs[accOff + j]! + bias[c]!;
      if (acc < lo) lo = acc;
      if (acc > hi) hi = acc;
      const a = acc | 0;
      if (a !== acc) stats.overflowed++;
      out[outBase + c * strideC] = finish(a, c);
    }
    stats.accMin = lo;
    stats.accMax = hi;
  };
  return Object.assign(one, { row });
}

/** A writer from a per-output function (tests and simple consumers); `row` loops over it. */
export function writerOf(fn: (acc: number, channel: number, index: number) => void): OutputWriter {
  const row: RowWriter = (accs, accOff, c0, count, bias, outBase, strideC) => {
    for (let j = 0; j < count; j++) {
      const c = c0 + j;
      fn(bias === null ? accs[accOff + j]! : accs[accOff + j]! + bias[c]!, c, outBase + c * strideC);
    }
  };
  return Object.assign((acc: number, c: number, i: number) => fn(acc, c, i), { row });
}
