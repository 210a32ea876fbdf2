/**
 * Turning exact accumulators into outputs: the epilogue of a MAC op, plus the per-node statistics every
 * kernel reports (accumulator range, overflow, saturation).
 */
import type { Epilogue } from "../ir/ops.js";
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

/** Writes one output from one exact accumulator. Returns a function for the kernel's inner loop. */
export type OutputWriter = (acc: number, channel: number, index: number) => void;

export interface OutputSpec {
  readonly out: { [i: number]: number };
  /** Zero point of the output (requant epilogue), per channel or single. */
  readonly outZeroPoint: number;
  /** Range of the output type (or of the fused activation, whichever is narrower for requant). */
  readonly qmin: number;
  readonly qmax: number;
  /** Output is bipolar ±1 (threshold epilogue). */
  readonly bipolar: boolean;
}

export function makeWriter(e: Epilogue, spec: OutputSpec, stats: AccStats): OutputWriter {
  const out = spec.out;
  const track = (acc: number): number => {
    if (acc < stats.accMin) stats.accMin = acc;
    if (acc > stats.accMax) stats.accMax = acc;
    const w = acc | 0;
    if (w !== acc) stats.overflowed++;
    return w;
  };
  switch (e.kind) {
    case "int32":
      return (acc, _c, i) => {
        out[i] = track(acc);
      };
    case "requant": {
      const rq = requantFn(e.requant);
      const zp = spec.outZeroPoint;
      const lo = Math.max(e.clampMin, spec.qmin);
      const hi = Math.min(e.clampMax, spec.qmax);
      const tmin = spec.qmin;
      const tmax = spec.qmax;
      return (acc, c, i) => {
        const v = rq(track(acc), c) + zp;
        if (v < tmin || v > tmax) stats.saturated++;
        out[i] = v < lo ? lo : v > hi ? hi : v;
      };
    }
    case "threshold": {
      const { thresholds: t, count: n, negate, outBias } = e;
      const bipolar = spec.bipolar;
      return (acc, c, i) => {
        const a = track(acc);
        let k = 0;
        const row = c * n;
        if (negate[c] === 1) {
          for (let j = 0; j < n; j++) if (a <= t[row + j]!) k++;
        } else {
          for (let j = 0; j < n; j++) if (a >= t[row + j]!) k++;
        }
        out[i] = bipolar ? (k > 0 ? 1 : -1) : outBias + k;
      };
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}
