/**
 * Functional execution of one MAC layer tile by tile, in the hardware's arithmetic: each buffer tile's
 * partial sums come from the exact kernels (conv2d on the tile's input window and weight slice, or the
 * matmul inner product), and are added into accumulators of `accumulatorBits` that wrap or saturate on
 * overflow; a partial sum that leaves the array before the last input-channel tile is stored at the
 * output buffer's `wordBits` (wrapping or saturating again). The array's adder tree within a tile is
 * exact; overflow is applied where a tile's sum enters the accumulator. The bias is added in the output
 * path at 32 bits, then the layer's own epilogue (requantization or thresholds) gives the outputs.
 * The exact sums are kept beside, so the report can say how many bits the layer needed.
 */
import { UnsupportedError } from "../../errors.js";
import { type IntArray, allocTensorData, isBipolar, qmax, qmin } from "../../ir/dtype.js";
import type { Graph, Tensor } from "../../ir/graph.js";
import type { Conv2dNode, MatMulNode } from "../../ir/ops.js";
import { perChannelZeroPoints, scalarQuant } from "../../ir/quant-params.js";
import { matmulShapes } from "../../ir/shapes.js";
import { type ConvGeometry, conv2d, convGeometry } from "../../kernels/conv2d.js";
import { dotChannels } from "../../kernels/dot.js";
import { makeWriter, newAccStats, writerOf } from "../../kernels/epilogue.js";
import { strides4 } from "../../kernels/geometry.js";
import { type PreparedWeights, prepareRowMajor, prepareWeights } from "../../kernels/prepared.js";
import type { Overflow } from "../../hw/types.js";
import type { Mapping } from "../mapping.js";
import type { SimLayer } from "../workload.js";

export interface Arithmetic {
  readonly accumulatorBits: number;
  /** Width partial sums are stored at between input-channel tiles. */
  readonly wordBits: number;
  readonly overflow: Overflow;
}

/** v reduced to a signed `bits`-bit integer by wrapping or saturating (exact below 2^53). */
export function reduceTo(v: number, bits: number, mode: Overflow): number {
  if (bits >= 53) return v;
  const half = 2 ** (bits - 1);
  if (v >= -half && v < half) return v;
  if (mode === "saturate") return v < 0 ? -half : half - 1;
  const m = 2 * half;
  let r = v % m;
  if (r < 0) r += m;
  return r >= half ? r - m : r;
}

function zeroPoint(q: Tensor["quant"], where: string): number {
  if (q === undefined) return 0;
  const s = scalarQuant(q);
  if (s === undefined) throw new UnsupportedError({ path: where, message: "activations must be quantized per tensor for --execute", expected: "per-tensor scale and zero point" });
  return s.zeroPoint;
}

/** One zero point per output channel (none: 0); per-block weights cannot run in integer kernels. */
function weightZeroPoints(q: Tensor["quant"], channels: number, node: string): number[] {
  if (q === undefined) return new Array<number>(channels).fill(0);
  const z = perChannelZeroPoints(q, channels);
  if (z.length !== channels) throw new UnsupportedError({ path: `node "${node}"`, message: "weights quantized per block along the reduction cannot run in integer kernels", expected: "per-tensor or per-channel weights" });
  return z;
}

/** One layer's hardware accumulators and the exact sums beside them. */
export class MacTiles {
  /** Hardware accumulators, indexed like the output tensor. */
  readonly hw: Float64Array;
  readonly exact: Float64Array;
  exactMin = 0;
  exactMax = 0;
  /** Accumulator updates that wrapped or saturated (accumulator or stored word). */
  overflowed = 0;
  tiles = 0;
  private readonly prepared = new Map<string, PreparedWeights>();
  private readonly seg: Float64Array;
  private readonly tile: Mapping["tile"];
  private readonly nC: number;
  private readonly outStrides: { n: number; h: number; w: number; c: number };

  constructor(
    private readonly graph: Graph,
    private readonly node: Conv2dNode | MatMulNode,
    private readonly x: Tensor,
    private readonly layer: SimLayer,
    mapping: Mapping,
    private readonly arith: Arithmetic,
  ) {
    const out = graph.values.get(node.outputs[0]!)!;
    const count = out.shape.reduce((a, b) => a * b, 1);
    this.hw = new Float64Array(count);
    this.exact = new Float64Array(count);
    this.tile = mapping.tile;
    this.nC = Math.ceil(layer.C / mapping.tile.C);
    const w = graph.values.get(node.inputs[1]!)!;
    if (isBipolar(x.dtype) && isBipolar(w.dtype)) {
      throw new UnsupportedError({ path: `node "${node.name}"`, message: "binary (bipolar) layers are not executed tile by tile", expected: "quarch run for XNOR layers" });
    }
    this.seg = new Float64Array(mapping.tile.N * mapping.tile.G * mapping.tile.K * mapping.tile.P * mapping.tile.Q);
    this.outStrides = node.op === "conv2d" ? strides4(convGeometry(node, x.shape, w.shape, out.shape).output, node.layout) : { n: 0, h: 0, w: 0, c: 1 };
  }

  /** Add one tile's partial sums (tile indices in DIM_ORDER: N G K C P Q). */
  add(j: Int32Array): void {
    this.tiles++;
    const l = this.layer;
    const t = this.tile;
    const r = (d: number, tile: number, L: number) => {
      const o0 = j[d]! * tile;
      return [o0, Math.min(tile, L - o0)] as const;
    };
    const [n0, eN] = r(0, t.N, l.N);
    const [g0, eG] = r(1, t.G, l.G);
    const [k0, eK] = r(2, t.K, l.K);
    const [c0, eC] = r(3, t.C, l.C);
    const [p0, eP] = r(4, t.P, l.P);
    const [q0, eQ] = r(5, t.Q, l.Q);
    const lastC = j[3] === this.nC - 1;
    if (this.node.op === "conv2d") this.conv(this.node, n0, eN, g0, eG, k0, eK, c0, eC, p0, eP, q0, eQ, lastC);
    else this.matmul(this.node, k0, eK, c0, eC, p0, eP, lastC);
  }

  private accumulate(idx: number, v: number, lastC: boolean): void {
    const e = this.exact[idx]! + v;
    this.exact[idx] = e;
    if (e < this.exactMin) this.exactMin = e;
    if (e > this.exactMax) this.exactMax = e;
    const a = this.arith;
    let h = this.hw[idx]! + v;
    const hr = reduceTo(h, a.accumulatorBits, a.overflow);
    if (hr !== h) this.overflowed++;
    h = hr;
    if (!lastC && a.wordBits < a.accumulatorBits) {
      const w = reduceTo(h, a.wordBits, a.overflow);
      if (w !== h) this.overflowed++;
      h = w;
    }
    this.hw[idx] = h;
  }

  private weights(key: string, make: () => PreparedWeights): PreparedWeights {
    let p = this.prepared.get(key);
    if (p === undefined) this.prepared.set(key, (p = make()));
    return p;
  }

  private conv(node: Conv2dNode, n0: number, eN: number, g0: number, eG: number, k0: number, eK: number, c0: number, eC: number, p0: number, eP: number, q0: number, eQ: number, lastC: boolean): void {
    const wV = this.graph.values.get(node.inputs[1]!)!;
    const out = this.graph.values.get(node.outputs[0]!)!;
    const g = convGeometry(node, this.x.shape, wV.shape, out.shape);
    const wData = wV.data as IntArray;
    const [, kH, kW, cinG] = wV.shape as [number, number, number, number];
    const coutG = g.output.c / g.groups;
    const zw = weightZeroPoints(wV.quant, g.output.c, node.name);
    const zx = zeroPoint(this.x.quant, `node "${node.name}"`);
    const si = strides4(g.input, node.layout);
    const so = this.outStrides;
    const rLo = Math.max(0, p0 * g.strideH - g.padTop);
    const rHi = Math.min(g.input.h, (p0 + eP - 1) * g.strideH - g.padTop + (kH - 1) * g.dilH + 1);
    const cLo = Math.max(0, q0 * g.strideW - g.padLeft);
    const cHi = Math.min(g.input.w, (q0 + eQ - 1) * g.strideW - g.padLeft + (kW - 1) * g.dilW + 1);
    if (rHi <= rLo || cHi <= cLo) return;
    // Depthwise with one output per channel: a tile's channels form one grouped sub-problem.
    const dw = cinG === 1 && coutG === 1;
    const groupsList = dw ? [g0] : Array.from({ length: eG }, (_, i) => g0 + i);
    const chans = dw ? eG : eC;
    const outs = dw ? eG : eK;
    const H = rHi - rLo;
    const W = cHi - cLo;
    const x = this.x.data as IntArray;
    const sub = allocTensorData(this.x.dtype, H * W * chans) as IntArray;
    for (let n = n0; n < n0 + eN; n++) {
      for (const grp of groupsList) {
        const ch0 = dw ? grp : grp * cinG + c0;
        for (let y = 0; y < H; y++)
          for (let xx = 0; xx < W; xx++) {
            const src = n * si.n + (rLo + y) * si.h + (cLo + xx) * si.w;
            const dst = (y * W + xx) * chans;
            for (let c = 0; c < chans; c++) sub[dst + c] = x[src + (ch0 + c) * si.c]!;
          }
        const oc0 = dw ? grp : grp * coutG + k0;
        const prepared = this.weights(`${oc0}:${outs}:${c0}:${chans}`, () => {
          const ws = new Int32Array(outs * kH * kW * (dw ? 1 : chans));
          const per = dw ? 1 : chans;
          for (let o = 0; o < outs; o++)
            for (let t = 0; t < kH * kW; t++)
              for (let c = 0; c < per; c++) ws[(o * kH * kW + t) * per + c] = wData[((oc0 + o) * kH * kW + t) * cinG + (dw ? 0 : c0) + c]!;
          return prepareRowMajor(ws, outs, zw.slice(oc0, oc0 + outs));
        });
        const sg: ConvGeometry = {
          layout: "nhwc", input: { n: 1, h: H, w: W, c: chans }, output: { n: 1, h: eP, w: eQ, c: outs }, kH, kW,
          strideH: g.strideH, strideW: g.strideW, dilH: g.dilH, dilW: g.dilW,
          padTop: g.padTop - p0 * g.strideH + rLo, padLeft: g.padLeft - q0 * g.strideW + cLo, groups: dw ? eG : 1,
        };
        const seg = this.seg;
        conv2d(sg, { x: sub, xZeroPoint: zx, w: prepared, bias: null }, writerOf((acc, _c, i) => { seg[i] = acc; }));
        for (let p = 0; p < eP; p++)
          for (let q = 0; q < eQ; q++)
            for (let o = 0; o < outs; o++) this.accumulate(n * so.n + (p0 + p) * so.h + (q0 + q) * so.w + (oc0 + o) * so.c, seg[(p * eQ + q) * outs + o]!, lastC);
      }
    }
  }

  private matmul(node: MatMulNode, k0: number, eK: number, c0: number, eC: number, p0: number, eP: number, lastC: boolean): void {
    const bV = this.graph.values.get(node.inputs[1]!)!;
    const s = matmulShapes(this.x.shape, bV.shape, node.transB);
    if (typeof s === "string") throw new Error(`internal: node "${node.name}": ${s}`);
    if (bV.data === undefined || s.batch.reduce((a, b) => a * b, 1) !== 1) {
      throw new UnsupportedError({ path: `node "${node.name}"`, message: "--execute runs matmuls with constant weights and no batch dimensions (fully connected layers)", expected: "a FULLY_CONNECTED / Gemm layer" });
    }
    const { K, N } = s;
    const b = bV.data as IntArray;
    const zb = weightZeroPoints(bV.quant, N, node.name);
    const za = zeroPoint(this.x.quant, `node "${node.name}"`);
    const a = this.x.data as IntArray;
    const prepared = this.weights(`${k0}:${eK}:${c0}:${eC}`, () =>
      prepareWeights(eK, eC, zb.slice(k0, k0 + eK), node.transB ? (n, k) => b[(k0 + n) * K + c0 + k]! : (n, k) => b[(c0 + k) * N + k0 + n]!),
    );
    const row = new Int32Array(eC);
    const accs = new Float64Array(eK);
    const seg = this.seg;
    const w = writerOf((acc, c) => { seg[c] = acc; });
    for (let m = p0; m < p0 + eP; m++) {
      for (let k = 0; k < eC; k++) row[k] = a[m * K + c0 + k]! - za;
      dotChannels(row, prepared.centered, eC, 0, eK, null, 0, 1, w, accs);
      for (let n = 0; n < eK; n++) this.accumulate(m * N + k0 + n, seg[n]!, lastC);
    }
  }

  /** The layer's outputs: bias at 32 bits, then the node's epilogue on the hardware accumulators. */
  finish(): Tensor {
    const node = this.node;
    const out = this.graph.values.get(node.outputs[0]!)!;
    if (out.dtype === "float32") throw new Error(`internal: MAC output "${out.name}" is float32`);
    const biasName = node.inputs[2];
    const bias = biasName === undefined || biasName === "" ? null : ((this.graph.values.get(biasName)?.data as Int32Array | undefined) ?? null);
    const data = allocTensorData(out.dtype, this.hw.length) as IntArray;
    const write = makeWriter(node.epilogue, { out: data, outZeroPoint: zeroPoint(out.quant, `value "${out.name}"`), qmin: qmin(out.dtype), qmax: qmax(out.dtype), bipolar: isBipolar(out.dtype) }, newAccStats());
    const C = node.op === "conv2d" ? out.shape[node.layout === "nhwc" ? 3 : 1]! : out.shape[out.shape.length - 1]!;
    const so = this.outStrides;
    for (let i = 0; i < this.hw.length; i++) {
      const c = node.op === "conv2d" ? Math.floor(i / so.c) % C : i % C;
      write.one(this.hw[i]! + (bias === null ? 0 : bias[c]!), c, i);
    }
    return out.quant === undefined ? { dtype: out.dtype, shape: out.shape, data } : { dtype: out.dtype, shape: out.shape, data, quant: out.quant };
  }

  /** Bits a signed accumulator needs to hold every exact partial and final sum of this layer. */
  neededBits(): number {
    const m = Math.max(-this.exactMin, this.exactMax + 1, 1);
    return Math.ceil(Math.log2(m)) + 1;
  }
}
