/**
 * Float reference of each arithmetic op for simulated ("fake") quantization: inputs are dequantized,
 * the op is computed in float64, and the result is quantized with the output's parameters (round half to
 * even, then clamp). This is the survey's "simulated quantization"; comparing it with the integer kernels
 * shows what integer-only execution changes. Per-block weight scales are supported here.
 */
import type { IntArray } from "../ir/dtype.js";
import type { Layout } from "../ir/ops.js";
import { type QuantParams, paramIndexer } from "../ir/quant-params.js";
import { roundHalfEven } from "../quant/rounding.js";
import { broadcastMap } from "./broadcast.js";
import type { ConvGeometry } from "./conv2d.js";
import { type Dims4, strides4 } from "./geometry.js";
import { type OutputRange, Saturator } from "./saturate.js";

/** Real values of an integer tensor (any granularity). */
export function dequantizeF64(q: IntArray, shape: readonly number[], p: QuantParams | undefined): Float64Array {
  const out = new Float64Array(q.length);
  if (p === undefined) {
    for (let i = 0; i < q.length; i++) out[i] = q[i]!;
    return out;
  }
  const idx = paramIndexer(p, shape);
  const scales = p.kind === "tensor" ? [p.scale] : p.scale;
  const zps = p.kind === "tensor" ? [p.zeroPoint] : p.zeroPoint;
  const one = scales.length === 1;
  for (let i = 0; i < q.length; i++) {
    const j = one ? 0 : idx(i);
    out[i] = scales[j]! * (q[i]! - zps[j]!);
  }
  return out;
}

/** Quantize real values with per-tensor params, rounding half to even, then clamp; returns the saturated count. */
export function quantizeF64(y: Float64Array, scale: number, zeroPoint: number, range: OutputRange, out: IntArray): number {
  const sat = new Saturator(range);
  for (let i = 0; i < y.length; i++) out[i] = sat.apply(roundHalfEven(y[i]! / scale) + zeroPoint);
  return sat.count;
}

/** Direct float convolution; w is OHWI; bias already in real units. Returns real outputs in the layout. */
export function conv2dF64(g: ConvGeometry, x: Float64Array, w: Float64Array, bias: Float64Array | null): Float64Array {
  const { input: I, output: O, kH, kW } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const cinG = I.c / g.groups;
  const coutG = O.c / g.groups;
  const y = new Float64Array(O.n * O.h * O.w * O.c);
  for (let b = 0; b < O.n; b++)
    for (let oy = 0; oy < O.h; oy++)
      for (let ox = 0; ox < O.w; ox++)
        for (let oc = 0; oc < O.c; oc++) {
          const c0 = Math.floor(oc / coutG) * cinG;
          let acc = bias === null ? 0 : bias[oc]!;
          for (let ky = 0; ky < kH; ky++) {
            const iy = oy * g.strideH - g.padTop + ky * g.dilH;
            if (iy < 0 || iy >= I.h) continue;
            for (let kx = 0; kx < kW; kx++) {
              const ix = ox * g.strideW - g.padLeft + kx * g.dilW;
              if (ix < 0 || ix >= I.w) continue;
              const wb = ((oc * kH + ky) * kW + kx) * cinG;
              const xb = b * si.n + iy * si.h + ix * si.w;
              for (let ic = 0; ic < cinG; ic++) acc += x[xb + (c0 + ic) * si.c]! * w[wb + ic]!;
            }
          }
          y[b * so.n + oy * so.h + ox * so.w + oc * so.c] = acc;
        }
  return y;
}

/** Float matmul a [batch, M, K] × b [batch, K, N] (or [batch, N, K]) with broadcast batch offsets given. */
export function matmulF64(
  a: Float64Array,
  b: Float64Array,
  batches: readonly { a: number; b: number }[],
  M: number,
  K: number,
  N: number,
  transB: boolean,
  bias: Float64Array | null,
): Float64Array {
  const y = new Float64Array(batches.length * M * N);
  batches.forEach(({ a: ai, b: bi }, t) => {
    for (let m = 0; m < M; m++)
      for (let n = 0; n < N; n++) {
        let acc = bias === null ? 0 : bias[n]!;
        for (let k = 0; k < K; k++) {
          acc += a[ai * M * K + m * K + k]! * b[bi * K * N + (transB ? n * K + k : k * N + n)]!;
        }
        y[(t * M + m) * N + n] = acc;
      }
  });
  return y;
}

/** An elementwise binary op on real values, with broadcasting. */
export function broadcastF64(
  a: Float64Array,
  aShape: readonly number[],
  b: Float64Array,
  bShape: readonly number[],
  outShape: readonly number[],
  f: (x: number, y: number) => number,
): Float64Array {
  const ma = broadcastMap(outShape, aShape);
  const mb = broadcastMap(outShape, bShape);
  const y = new Float64Array(ma.length);
  for (let i = 0; i < y.length; i++) y[i] = f(a[ma[i]!]!, b[mb[i]!]!);
  return y;
}

/** Mean over valid taps of each window (real values). */
export function avgPoolF64(
  layout: Layout,
  I: Dims4,
  O: Dims4,
  k: readonly [number, number],
  s: readonly [number, number],
  padTop: number,
  padLeft: number,
  x: Float64Array,
): Float64Array {
  const si = strides4(I, layout);
  const so = strides4(O, layout);
  const y = new Float64Array(O.n * O.h * O.w * O.c);
  for (let b = 0; b < O.n; b++)
    for (let oy = 0; oy < O.h; oy++)
      for (let ox = 0; ox < O.w; ox++)
        for (let c = 0; c < O.c; c++) {
          let acc = 0;
          let n = 0;
          for (let ky = 0; ky < k[0]; ky++) {
            const iy = oy * s[0] - padTop + ky;
            if (iy < 0 || iy >= I.h) continue;
            for (let kx = 0; kx < k[1]; kx++) {
              const ix = ox * s[1] - padLeft + kx;
              if (ix < 0 || ix >= I.w) continue;
              acc += x[b * si.n + iy * si.h + ix * si.w + c * si.c]!;
              n++;
            }
          }
          y[b * so.n + oy * so.h + ox * so.w + c * so.c] = acc / n;
        }
  return y;
}

/** Softmax over the last axis of real values scaled by beta. */
export function softmaxF64(x: Float64Array, depth: number, beta: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length; r += depth) {
    let max = -Infinity;
    for (let i = 0; i < depth; i++) max = Math.max(max, x[r + i]!);
    let sum = 0;
    for (let i = 0; i < depth; i++) sum += Math.exp(beta * (x[r + i]! - max));
    for (let i = 0; i < depth; i++) y[r + i] = Math.exp(beta * (x[r + i]! - max)) / sum;
  }
  return y;
}
