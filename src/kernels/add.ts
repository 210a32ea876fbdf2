/**
 * Quantized elementwise add with broadcasting.
 *  fixed: TFLite's int8 Add — each input is offset, shifted left by leftShift (20 for int8) and rescaled,
 *         the sum is rescaled to the output; every rescale is a requantizer with its own rounding mode.
 *  (onnxruntime's float32 QLinearAdd kernel is in ort-float.ts.)
 */
import type { IntArray } from "../ir/dtype.js";
import type { Requantizer } from "../ir/requant.js";
import { requantFn } from "../quant/requantize.js";
import { broadcastMap } from "./broadcast.js";
import { type OutputRange, Saturator } from "./saturate.js";

export interface AddQuant {
  readonly aZeroPoint: number;
  readonly bZeroPoint: number;
  readonly outZeroPoint: number;
  readonly range: OutputRange;
}

export interface AddResult {
  saturated: number;
}

export function addFixed(
  a: IntArray,
  aShape: readonly number[],
  b: IntArray,
  bShape: readonly number[],
  outShape: readonly number[],
  rescale: { leftShift: number; in1: Requantizer; in2: Requantizer; out: Requantizer },
  q: AddQuant,
  out: IntArray,
): AddResult {
  const r1 = requantFn(rescale.in1);
  const r2 = requantFn(rescale.in2);
  const ro = requantFn(rescale.out);
  const mul = 2 ** rescale.leftShift;
  return addLoop(a, aShape, b, bShape, outShape, out, q, (x, y) => {
    const s1 = r1(((x - q.aZeroPoint) * mul) | 0, 0);
    const s2 = r2(((y - q.bZeroPoint) * mul) | 0, 0);
    return ro((s1 + s2) | 0, 0) + q.outZeroPoint;
  });
}

function addLoop(
  a: IntArray,
  aShape: readonly number[],
  b: IntArray,
  bShape: readonly number[],
  outShape: readonly number[],
  out: IntArray,
  q: AddQuant,
  f: (x: number, y: number) => number,
): AddResult {
  const ma = broadcastMap(outShape, aShape);
  const mb = broadcastMap(outShape, bShape);
  const sat = new Saturator(q.range);
  for (let i = 0; i < out.length; i++) out[i] = sat.apply(f(a[ma[i]!]!, b[mb[i]!]!));
  return { saturated: sat.count };
}
