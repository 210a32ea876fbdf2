/**
 * Integer 2-D convolution (groups, dilation, depthwise, either layout), exact: every product and sum is an
 * integer below 2^53, accumulated in doubles and wrapped to int32 only where C would (see epilogue.ts).
 *
 * Three paths, chosen by shape: a general path that gathers one zero-point-corrected patch per output
 * pixel and runs it against four output channels at a time; a depthwise path with channels innermost;
 * and an XNOR-popcount path when both operands are bipolar (see xnor.ts).
 * Weights are OHWI: [outC, kH, kW, inC / groups].
 */
import type { IntArray } from "../ir/dtype.js";
import type { Layout } from "../ir/ops.js";
import { type Dims4, strides4 } from "./geometry.js";
import { dotChannels } from "./dot.js";
import type { OutputWriter } from "./epilogue.js";

export interface ConvGeometry {
  readonly layout: Layout;
  readonly input: Dims4;
  readonly output: Dims4;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilH: number;
  readonly dilW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly groups: number;
}

export interface ConvOperands {
  readonly x: IntArray;
  readonly xZeroPoint: number;
  readonly w: IntArray;
  /** One per output channel, or a single value. */
  readonly wZeroPoints: ArrayLike<number>;
  readonly bias: Int32Array | null;
}

/** Weights minus their zero points, as Int32Array (monomorphic inner loops). */
export function centeredWeights(w: IntArray, zps: ArrayLike<number>, outC: number): Int32Array {
  const k = w.length / outC;
  const r = new Int32Array(w.length);
  for (let o = 0; o < outC; o++) {
    const z = zps.length === 1 ? zps[0]! : zps[o]!;
    const base = o * k;
    for (let i = 0; i < k; i++) r[base + i] = w[base + i]! - z;
  }
  return r;
}

export function conv2d(g: ConvGeometry, ops: ConvOperands, write: OutputWriter): void {
  const wc = centeredWeights(ops.w, ops.wZeroPoints, g.output.c);
  const cinG = g.input.c / g.groups;
  const coutG = g.output.c / g.groups;
  if (cinG === 1 && coutG === 1) depthwise(g, ops, wc, write);
  else general(g, ops, wc, write);
}

/** Gather-and-dot: per output pixel, per group, one patch (ky, kx, ic) shared by the group's channels. */
function general(g: ConvGeometry, ops: ConvOperands, wc: Int32Array, write: OutputWriter): void {
  const { input: I, output: O, kH, kW } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const cinG = I.c / g.groups;
  const coutG = O.c / g.groups;
  const K = kH * kW * cinG;
  const patch = new Int32Array(K);
  const x = ops.x;
  const zx = ops.xZeroPoint;
  const bias = ops.bias;
  for (let b = 0; b < O.n; b++) {
    for (let oy = 0; oy < O.h; oy++) {
      for (let ox = 0; ox < O.w; ox++) {
        const outBase = b * so.n + oy * so.h + ox * so.w;
        const iy0 = oy * g.strideH - g.padTop;
        const ix0 = ox * g.strideW - g.padLeft;
        for (let grp = 0; grp < g.groups; grp++) {
          // Gather (x − zp) for this group's channels; out-of-image taps are 0, i.e. skipped.
          let p = 0;
          const c0 = grp * cinG;
          for (let ky = 0; ky < kH; ky++) {
            const iy = iy0 + ky * g.dilH;
            for (let kx = 0; kx < kW; kx++) {
              const ix = ix0 + kx * g.dilW;
              if (iy < 0 || iy >= I.h || ix < 0 || ix >= I.w) {
                patch.fill(0, p, p + cinG);
                p += cinG;
              } else {
                let off = b * si.n + iy * si.h + ix * si.w + c0 * si.c;
                const sc = si.c;
                for (let ic = 0; ic < cinG; ic++, off += sc) patch[p++] = x[off]! - zx;
              }
            }
          }
          dotChannels(patch, wc, K, grp * coutG, coutG, bias, outBase, so.c, write);
        }
      }
    }
  }
}

/** Depthwise (one input and one output channel per group): channels innermost, accumulators per channel. */
function depthwise(g: ConvGeometry, ops: ConvOperands, wc: Int32Array, write: OutputWriter): void {
  const { input: I, output: O, kH, kW } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const C = O.c;
  const acc = new Float64Array(C);
  const x = ops.x;
  const zx = ops.xZeroPoint;
  const bias = ops.bias;
  const taps = kH * kW;
  for (let b = 0; b < O.n; b++) {
    for (let oy = 0; oy < O.h; oy++) {
      for (let ox = 0; ox < O.w; ox++) {
        if (bias !== null) for (let c = 0; c < C; c++) acc[c] = bias[c]!;
        else acc.fill(0);
        const iy0 = oy * g.strideH - g.padTop;
        const ix0 = ox * g.strideW - g.padLeft;
        for (let ky = 0; ky < kH; ky++) {
          const iy = iy0 + ky * g.dilH;
          if (iy < 0 || iy >= I.h) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ix0 + kx * g.dilW;
            if (ix < 0 || ix >= I.w) continue;
            const base = b * si.n + iy * si.h + ix * si.w;
            const tap = ky * kW + kx;
            const sc = si.c;
            for (let c = 0; c < C; c++) acc[c] = acc[c]! + (x[base + c * sc]! - zx) * wc[c * taps + tap]!;
          }
        }
        const outBase = b * so.n + oy * so.h + ox * so.w;
        for (let c = 0; c < C; c++) write(acc[c]!, c, outBase + c * so.c);
      }
    }
  }
}
