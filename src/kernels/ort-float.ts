/**
 * onnxruntime's com.microsoft quantized kernels as its x86-64 CPU build computes them (MLAS, AVX2/FMA3),
 * float32 operation by operation; checked against onnxruntime-node 1.30 (test/fixtures/onnx-graph-goldens).
 *
 *  QLinearAdd (qladd_avx2.cpp): r_a = f32(s_a / s_c), r_b = f32(s_b / s_c),
 *    fixed = f32(z_c − fma(r_a, z_a, f32(r_b · z_b)));
 *    y = rne(fma(a, r_a, fma(b, r_b, fixed))), except where input 0 is constant along onnxruntime's
 *    broadcast span: MLAS then gets the operands swapped (a ↔ b in every formula above).
 *  QLinearMul (qlmul.cpp, SSE2): r = f32(f32(s_a · s_b) / s_c); y = rne(f32(f32(f32(p) · r) + z_c)),
 *    p = (a − z_a)(b − z_b) exact.
 *  QLinearAveragePool (qlinear_pool.cc): x_f = f32(s_x · (x − z_x)); window sum in float32, row by row;
 *    divided by the count (kernel area with count_include_pad, else the valid taps);
 *    y = rne(f32(f32(sum / n / s_y) + z_y)).
 * Inputs are raw integers (zero points not subtracted); every result is saturated to the output type.
 */
import type { IntArray } from "../ir/dtype.js";
import type { Layout } from "../ir/ops.js";
import { fma32, globalAvgPoolScale, nearbyint } from "../quant/float32.js";
import { ortScalarOperand } from "../ir/shapes.js";
import { broadcastMap } from "./broadcast.js";

export { ortScalarOperand };
import { type Dims4, type WindowGeometry, strides4 } from "./geometry.js";
import { type OutputRange, Saturator } from "./saturate.js";

const f = Math.fround;

export interface OperandQuant {
  readonly scale: number;
  readonly zeroPoint: number;
}

export function addOrt(
  a: IntArray,
  aShape: readonly number[],
  b: IntArray,
  bShape: readonly number[],
  outShape: readonly number[],
  qa: OperandQuant,
  qb: OperandQuant,
  qc: OperandQuant,
  range: OutputRange,
  out: IntArray,
): { saturated: number } {
  // A scalar input 0 is handed to MLAS as its second operand: the whole formula runs with roles swapped.
  const swap = ortScalarOperand(outShape, aShape, bShape) === "a";
  const [q1, q2] = swap ? [qb, qa] : [qa, qb];
  const r1 = f(q1.scale / qc.scale);
  const r2 = f(q2.scale / qc.scale);
  const fixed = f(qc.zeroPoint - fma32(r1, q1.zeroPoint, f(r2 * q2.zeroPoint)));
  const ma = broadcastMap(outShape, aShape);
  const mb = broadcastMap(outShape, bShape);
  const sat = new Saturator(range);
  for (let i = 0; i < out.length; i++) {
    const x = a[ma[i]!]!;
    const y = b[mb[i]!]!;
    const v = swap ? fma32(y, r1, fma32(x, r2, fixed)) : fma32(x, r1, fma32(y, r2, fixed));
    out[i] = sat.apply(nearbyint(v));
  }
  return { saturated: sat.count };
}

export function mulOrt(
  a: IntArray,
  aShape: readonly number[],
  b: IntArray,
  bShape: readonly number[],
  outShape: readonly number[],
  qa: OperandQuant,
  qb: OperandQuant,
  qc: OperandQuant,
  range: OutputRange,
  out: IntArray,
): { saturated: number } {
  const ratio = f(f(qa.scale * qb.scale) / qc.scale);
  const ma = broadcastMap(outShape, aShape);
  const mb = broadcastMap(outShape, bShape);
  const sat = new Saturator(range);
  for (let i = 0; i < out.length; i++) {
    const p = (a[ma[i]!]! - qa.zeroPoint) * (b[mb[i]!]! - qb.zeroPoint);
    out[i] = sat.apply(nearbyint(f(f(f(p) * ratio) + qc.zeroPoint)));
  }
  return { saturated: sat.count };
}

export interface OrtPoolGeometry extends WindowGeometry {
  readonly countIncludePad: boolean;
}

/**
 * QLinearAveragePool. A window covering the whole plane without padding runs onnxruntime's global average
 * pool kernel instead (qlinear_pool.cc falls back to it): see globalAvgPoolOrt.
 */
export function avgPoolOrt(g: OrtPoolGeometry, x: IntArray, qx: OperandQuant, qy: OperandQuant, range: OutputRange, out: IntArray): { saturated: number } {
  const { input: I, output: O } = g;
  if (g.kH === I.h && g.kW === I.w && g.padTop === 0 && g.padLeft === 0 && O.h === 1 && O.w === 1) return globalAvgPoolOrt(g.layout, I, x, qx, qy, range, out);
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const sat = new Saturator(range);
  const sx = f(qx.scale);
  const sy = f(qy.scale);
  const deq = (v: number): number => f(sx * (v - qx.zeroPoint));
  for (let b = 0; b < O.n; b++)
    for (let c = 0; c < O.c; c++)
      for (let oy = 0; oy < O.h; oy++) {
        const h0 = oy * g.strideH - g.padTop;
        const h1 = Math.min(h0 + g.kH, I.h);
        const hs = Math.max(h0, 0);
        for (let ox = 0; ox < O.w; ox++) {
          const w0 = ox * g.strideW - g.padLeft;
          const w1 = Math.min(w0 + g.kW, I.w);
          const ws = Math.max(w0, 0);
          let sum = 0;
          for (let h = hs; h < h1; h++) {
            const row = b * si.n + c * si.c + h * si.h;
            for (let w = ws; w < w1; w++) sum = f(sum + deq(x[row + w * si.w]!));
          }
          const n = g.countIncludePad ? g.kH * g.kW : (h1 - hs) * (w1 - ws);
          const mean = f(sum / n);
          out[b * so.n + c * so.c + oy * so.h + ox * so.w] = sat.apply(nearbyint(f(f(mean / sy) + qy.zeroPoint)));
        }
      }
  return { saturated: sat.count };
}


/**
 * QLinearGlobalAveragePool (MLAS qlgavgpool.cpp): acc = Σ x − z_x · n exactly, y = rne(f32(f32(acc) · scale)) + z_y,
 * scale = f32(s_x / f32(s_y · n)).
 */
export function globalAvgPoolOrt(layout: Layout, I: Dims4, x: IntArray, qx: OperandQuant, qy: OperandQuant, range: OutputRange, out: IntArray): { saturated: number } {
  const si = strides4(I, layout);
  const n = I.h * I.w;
  const scale = globalAvgPoolScale(qx.scale, qy.scale, n);
  const sat = new Saturator(range);
  for (let b = 0; b < I.n; b++)
    for (let c = 0; c < I.c; c++) {
      let acc = -qx.zeroPoint * n;
      for (let h = 0; h < I.h; h++) for (let w = 0; w < I.w; w++) acc += x[b * si.n + c * si.c + h * si.h + w * si.w]!;
      out[b * I.c + c] = sat.apply(nearbyint(f(f(acc) * scale)) + qy.zeroPoint);
    }
  return { saturated: sat.count };
}
