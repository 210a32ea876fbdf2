/**
 * Integer pooling, TFLite reference semantics: windows are clipped to the image (padded taps are skipped),
 * average pooling sums raw values and divides rounding half away from zero (the zero point is not
 * subtracted: input and output share their quantization), max pooling takes the max of valid taps.
 */
import type { IntArray } from "../ir/dtype.js";
import type { Layout } from "../ir/ops.js";
import { type Dims4, strides4 } from "./geometry.js";
import { type OutputRange, Saturator } from "./saturate.js";

export interface PoolGeometry {
  readonly layout: Layout;
  readonly input: Dims4;
  readonly output: Dims4;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
}

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

/**
 * Mean over the spatial plane. Without a requantizer (input and output share scale and zero point): the
 * int32 sum divided by the element count n, truncating toward zero, as TFLite Micro's and desktop TFLite's
 * reference_ops::Mean do for int8 MEAN (C integer division; measured equal to the desktop interpreter).
 * With one: Σ(x − zp_in) rescaled by s_in/s_out, then divided by n rounding half away from zero, plus zp_out.
 * (TFLite Micro's rescaling mean, with 1/n folded into the multiplier, is the executor's `countInRequant` path.)
 */
export function globalAvgPool(
  layout: Layout,
  input: Dims4,
  x: IntArray,
  rescale: ((acc: number) => number) | null,
  zpIn: number,
  zpOut: number,
  range: OutputRange,
  out: IntArray,
): { saturated: number } {
  const si = strides4(input, layout);
  const n = input.h * input.w;
  const sat = new Saturator(range);
  for (let b = 0; b < input.n; b++) {
    for (let c = 0; c < input.c; c++) {
      let acc = 0;
      for (let y = 0; y < input.h; y++) {
        const row = b * si.n + y * si.h + c * si.c;
        for (let xx = 0; xx < input.w; xx++) acc += x[row + xx * si.w]!;
      }
      out[b * input.c + c] = sat.apply(rescale === null ? Math.trunc(acc / n) : divRoundHalfAway(rescale((acc - zpIn * n) | 0), n) + zpOut);
    }
  }
  return { saturated: sat.count };
}
