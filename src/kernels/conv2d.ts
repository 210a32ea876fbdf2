/**
 * Integer 2-D convolution (groups, dilation, depthwise, either layout), exact: every product and sum is an
 * integer below 2^53, accumulated in doubles (or in int32 lanes where a bound proves no overflow) and
 * wrapped to int32 only where C would (see epilogue.ts).
 *
 * Paths, chosen by shape: dense convolutions gather one zero-point-corrected patch per output pixel and
 * multiply blocks of patches by the weights in WebAssembly SIMD (wasm/gemm.ts) when every accumulator
 * provably fits int32, else in JS four channels at a time; depthwise runs channels innermost; an
 * XNOR-popcount path serves bipolar × bipolar (xnor.ts). Weights are OHWI: [outC, kH, kW, inC / groups].
 */
import type { IntArray } from "../ir/dtype.js";
import type { Conv2dNode } from "../ir/ops.js";
import { dotChannels } from "./dot.js";
import type { OutputWriter } from "./epilogue.js";
import { type WindowGeometry, dims4, strides4 } from "./geometry.js";
import { type PreparedWeights, exactInInt32 } from "./prepared.js";
import { depthwiseWasm, wasmKernelsActive } from "./wasm/gemm.js";

export interface ConvGeometry extends WindowGeometry {
  readonly dilH: number;
  readonly dilW: number;
  readonly groups: number;
}

/** The geometry of a conv2d node given its input, weight and output shapes. */
export function convGeometry(node: Conv2dNode, xShape: readonly number[], wShape: readonly number[], outShape: readonly number[]): ConvGeometry {
  return {
    layout: node.layout,
    input: dims4(xShape, node.layout),
    output: dims4(outShape, node.layout),
    kH: wShape[1]!,
    kW: wShape[2]!,
    strideH: node.strides[0],
    strideW: node.strides[1],
    dilH: node.dilations[0],
    dilW: node.dilations[1],
    padTop: node.pads[0],
    padLeft: node.pads[1],
    groups: node.groups,
  };
}

export interface ConvOperands {
  readonly x: IntArray;
  readonly xZeroPoint: number;
  /** OHWI weights with their zero points subtracted (see prepared.ts). */
  readonly w: PreparedWeights;
  readonly bias: Int32Array | null;
}

/** Largest |x − zp| present in the data. */
export function maxAbsCentered(x: IntArray, zp: number): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! - zp;
    const a = v < 0 ? -v : v;
    if (a > m) m = a;
  }
  return m;
}

export function conv2d(g: ConvGeometry, ops: ConvOperands, write: OutputWriter): void {
  const wc = ops.w.centered;
  const cinG = g.input.c / g.groups;
  const coutG = g.output.c / g.groups;
  if (cinG === 1 && coutG === 1) {
    if (wasmKernelsActive() && exactInInt32(ops.w, maxAbsCentered(ops.x, ops.xZeroPoint), ops.bias)) depthwiseSimd(g, ops, write);
    else depthwise(g, ops, wc, write);
  }
  else if (g.groups === 1 && wasmKernelsActive() && exactInInt32(ops.w, maxAbsCentered(ops.x, ops.xZeroPoint), ops.bias)) {
    denseWasm(g, ops, write);
  } else general(g, ops, wc, write);
}

/**
 * Gather (x − zp) of one output pixel's window for input channels [c0, c0 + cinG) into dest[base…], in
 * (ky, kx, ic) order; out-of-image taps are 0, i.e. skipped.
 */
function gatherPatch(g: ConvGeometry, x: IntArray, zx: number, b: number, oy: number, ox: number, c0: number, cinG: number, dest: Int32Array | Int16Array, base: number): void {
  const I = g.input;
  const si = strides4(I, g.layout);
  const iy0 = oy * g.strideH - g.padTop;
  const ix0 = ox * g.strideW - g.padLeft;
  const sc = si.c;
  let p = base;
  for (let ky = 0; ky < g.kH; ky++) {
    const iy = iy0 + ky * g.dilH;
    for (let kx = 0; kx < g.kW; kx++) {
      const ix = ix0 + kx * g.dilW;
      if (iy < 0 || iy >= I.h || ix < 0 || ix >= I.w) {
        dest.fill(0, p, p + cinG);
        p += cinG;
      } else {
        let off = b * si.n + iy * si.h + ix * si.w + c0 * sc;
        for (let ic = 0; ic < cinG; ic++, off += sc) dest[p++] = x[off]! - zx;
      }
    }
  }
}

/** groups = 1 with every accumulator provably inside int32: blocks of pixels through WebAssembly SIMD. */
function denseWasm(g: ConvGeometry, ops: ConvOperands, write: OutputWriter): void {
  const O = g.output;
  const so = strides4(O, g.layout);
  const hw = O.h * O.w;
  const bias = ops.bias;
  const gemm = ops.w.gemm();
  // Within one image, pixel r = oy·W + ox sits at r·so.w in both layouts (so.h = W·so.w).
  const outBase = (pixel: number): number => {
    const b = Math.floor(pixel / hw);
    return b * so.n + (pixel - b * hw) * so.w;
  };
  gemm.run(
    O.n * hw,
    (pixel, view, base) => {
      const b = Math.floor(pixel / hw);
      const r = pixel - b * hw;
      const oy = Math.floor(r / O.w);
      gatherPatch(g, ops.x, ops.xZeroPoint, b, oy, r - oy * O.w, 0, g.input.c, view, base);
    },
    (pixel, accs, off) => write.row(accs, off, 0, O.c, bias, outBase(pixel), so.c),
  );
}

/** Gather-and-dot in JS: per output pixel, per group, one patch shared by the group's channels. */
function general(g: ConvGeometry, ops: ConvOperands, wc: Int32Array, write: OutputWriter): void {
  const { input: I, output: O } = g;
  const so = strides4(O, g.layout);
  const cinG = I.c / g.groups;
  const coutG = O.c / g.groups;
  const K = g.kH * g.kW * cinG;
  const patch = new Int32Array(K);
  const accs = new Float64Array(coutG);
  for (let b = 0; b < O.n; b++) {
    for (let oy = 0; oy < O.h; oy++) {
      for (let ox = 0; ox < O.w; ox++) {
        const outBase = b * so.n + oy * so.h + ox * so.w;
        for (let grp = 0; grp < g.groups; grp++) {
          gatherPatch(g, ops.x, ops.xZeroPoint, b, oy, ox, grp * cinG, cinG, patch, 0);
          dotChannels(patch, wc, K, grp * coutG, coutG, ops.bias, outBase, so.c, write, accs);
        }
      }
    }
  }
}

/** Depthwise through WebAssembly SIMD, one image at a time; the input is centered into NHWC int16. */
function depthwiseSimd(g: ConvGeometry, ops: ConvOperands, write: OutputWriter): void {
  const { input: I, output: O } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const x = ops.x;
  const zx = ops.xZeroPoint;
  const shape = { H: I.h, W: I.w, C: I.c, kH: g.kH, kW: g.kW, sH: g.strideH, sW: g.strideW, dH: g.dilH, dW: g.dilW, pT: g.padTop, pL: g.padLeft, oH: O.h, oW: O.w };
  for (let b = 0; b < O.n; b++) {
    depthwiseWasm(
      shape,
      ops.w.centered,
      (view, Cp) => {
        for (let y = 0; y < I.h; y++)
          for (let xx = 0; xx < I.w; xx++) {
            const src = b * si.n + y * si.h + xx * si.w;
            const dst = (y * I.w + xx) * Cp;
            for (let c = 0; c < I.c; c++) view[dst + c] = x[src + c * si.c]! - zx;
          }
      },
      (pixel, accs, off) => write.row(accs, off, 0, O.c, ops.bias, b * so.n + pixel * so.w, so.c),
    );
  }
}

/** Depthwise (one input and one output channel per group): channels innermost, accumulators per channel. */
function depthwise(g: ConvGeometry, ops: ConvOperands, wc: Int32Array, write: OutputWriter): void {
  const { input: I, output: O, kH, kW } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const C = O.c;
  const taps = kH * kW;
  // Weights as [tap][channel], so the channel loop reads them contiguously.
  const wt = new Int32Array(wc.length);
  for (let c = 0; c < C; c++) for (let t = 0; t < taps; t++) wt[t * C + c] = wc[c * taps + t]!;
  const acc = new Float64Array(C);
  const x = ops.x;
  const zx = ops.xZeroPoint;
  const bias = ops.bias;
  const sc = si.c;
  for (let b = 0; b < O.n; b++) {
    for (let oy = 0; oy < O.h; oy++) {
      for (let ox = 0; ox < O.w; ox++) {
        acc.fill(0);
        const iy0 = oy * g.strideH - g.padTop;
        const ix0 = ox * g.strideW - g.padLeft;
        for (let ky = 0; ky < kH; ky++) {
          const iy = iy0 + ky * g.dilH;
          if (iy < 0 || iy >= I.h) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ix0 + kx * g.dilW;
            if (ix < 0 || ix >= I.w) continue;
            const base = b * si.n + iy * si.h + ix * si.w;
            const wb = (ky * kW + kx) * C;
            for (let c = 0; c < C; c++) acc[c] = acc[c]! + (x[base + c * sc]! - zx) * wt[wb + c]!;
          }
        }
        write.row(acc, 0, 0, C, bias, b * so.n + oy * so.h + ox * so.w, so.c);
      }
    }
  }
}
