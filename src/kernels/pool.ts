/**
 * Integer pooling, TFLite reference semantics: windows are clipped to the image (padded taps are skipped),
 * average pooling sums raw values and divides rounding half away from zero (the zero point is not
 * subtracted: input and output share their quantization), max pooling takes the max of valid taps.
 * Means over the whole plane follow the node's named rule; the `float` rule is desktop TFLite's own
 * float32 formula, reproduced operation by operation.
 */
import type { IntArray } from "../ir/dtype.js";
import type { Layout, MeanRule } from "../ir/ops.js";
import { requantFn } from "../quant/requantize.js";
import { roundHalfAway } from "../quant/rounding.js";
import { type Dims4, type WindowGeometry, strides4 } from "./geometry.js";
import { type OutputRange, Saturator } from "./saturate.js";

export type PoolGeometry = WindowGeometry;

/** TFLite's rounded integer division: (acc ± n/2) / n, truncating. */
export function divRoundHalfAway(acc: number, n: number): number {
  const h = Math.floor(n / 2);
  return acc > 0 ? Math.trunc((acc + h) / n) : Math.trunc((acc - h) / n);
}

export function pool(
  kind: "avg" | "max",
  g: PoolGeometry,
  x: IntArray,
  out: IntArray,
  range: OutputRange,
): { saturated: number } {
  const { input: I, output: O } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const sat = new Saturator(range);
  for (let b = 0; b < O.n; b++) {
    for (let oy = 0; oy < O.h; oy++) {
      const iy0 = oy * g.strideH - g.padTop;
      const y0 = Math.max(0, -iy0);
      const y1 = Math.min(g.kH, I.h - iy0);
      for (let ox = 0; ox < O.w; ox++) {
        const ix0 = ox * g.strideW - g.padLeft;
        const x0 = Math.max(0, -ix0);
        const x1 = Math.min(g.kW, I.w - ix0);
        for (let c = 0; c < O.c; c++) {
          let acc = kind === "avg" ? 0 : -Infinity;
          let n = 0;
          for (let ky = y0; ky < y1; ky++) {
            const row = b * si.n + (iy0 + ky) * si.h + c * si.c;
            for (let kx = x0; kx < x1; kx++) {
              const v = x[row + (ix0 + kx) * si.w]!;
              if (kind === "avg") acc += v;
              else if (v > acc) acc = v;
              n++;
            }
          }
          out[b * so.n + oy * so.h + ox * so.w + c * so.c] = sat.apply(kind === "avg" ? divRoundHalfAway(acc, n) : acc);
        }
      }
    }
  }
  return { saturated: sat.count };
}

/** The per-tensor quantization a mean rule reads (scales only by the float rule). */
export interface MeanQuant {
  readonly zpIn: number;
  readonly zpOut: number;
  readonly sIn: number;
  readonly sOut: number;
}

/** Σx (an exact int32 sum of one channel) → the output integer, before the clamp, by the node's rule (ir/ops.ts MeanRule). */
function meanFinisher(mean: MeanRule, q: MeanQuant, n: number): (sum: number) => number {
  switch (mean.rule) {
    case "truncate":
      return (sum) => Math.trunc(sum / n);
    case "requant": {
      const rq = requantFn(mean.requant);
      // The shifted sum is int32 arithmetic in every runtime: wrap like C.
      return (sum) => rq((sum - q.zpIn * n) | 0, 0) + q.zpOut;
    }
    case "requant-bias": {
      const rq = requantFn(mean.requant);
      return (sum) => rq(sum, 0) + mean.bias;
    }
    case "float": {
      // Desktop TFLite's reference QuantizedMeanOrSum, float32 operation by operation.
      const f = Math.fround;
      const scale = f(f(q.sIn) / f(q.sOut));
      const bias = f(-q.zpIn * scale);
      const count = f(n);
      return (sum) => roundHalfAway(f(f(f(f(sum) / count) * scale) + bias)) + q.zpOut;
    }
    default: {
      const never: never = mean;
      return never;
    }
  }
}

/**
 * Mean over the spatial plane (n = H·W) of each channel: the int32 sum of the raw integers, turned into the
 * output by the node's rule, clamped to the range. Output index b·C + c (either layout, with or without the
 * kept 1×1 dimensions).
 */
export function globalAvgPool(layout: Layout, input: Dims4, x: IntArray, mean: MeanRule, q: MeanQuant, range: OutputRange, out: IntArray): { saturated: number } {
  const si = strides4(input, layout);
  const finish = meanFinisher(mean, q, input.h * input.w);
  const sat = new Saturator(range);
  for (let b = 0; b < input.n; b++) {
    for (let c = 0; c < input.c; c++) {
      let acc = 0;
      for (let y = 0; y < input.h; y++) {
        const row = b * si.n + y * si.h + c * si.c;
        for (let xx = 0; xx < input.w; xx++) acc += x[row + xx * si.w]!;
      }
      out[b * input.c + c] = sat.apply(finish(acc));
    }
  }
  return { saturated: sat.count };
}
