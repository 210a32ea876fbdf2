/**
 * XNNPACK's 8-bit elementwise kernels and the parameter ranges its TFLite delegate accepts (outside them the
 * delegate leaves the op to TFLite's builtin kernels). Checked against XNNPACK's microkernel testers and
 * the TFLite delegate in the desktop interpreter (test/tflite/ops.test.ts).
 *
 * qs8/qu8 convert (QUANTIZE) and leaky ReLU use a Q8 multiplier m = lrintf(256·s) (round half to even) of the
 * float32 ratio s = f32(s_in/s_out) (times f32 α on the negative side of leaky ReLU, x < zp_in):
 *   y = asr((zp_in − x)·128·(−m) + 2^14, 15) + zp_out = ⌊((x − zp_in)·m + 128) / 256⌋ + zp_out, saturated.
 * That is quarch's `dyadic-half-up` requantizer with multiplier m and shift 23 (c = 8).
 */
import type { Graph } from "../ir/graph.js";
import { type QType, qmax, qmin, sameDType } from "../ir/dtype.js";
import type { Node } from "../ir/ops.js";
import { scalarQuant } from "../ir/quant-params.js";
import type { FixedRequantizer } from "../ir/requant.js";
import { roundHalfEven } from "./rounding.js";

const f = Math.fround;

/** lrintf(256·s): s is a float32, so 256·s is exact. */
function q8(s: number): number {
  return roundHalfEven(256 * s);
}

/** xnn_create_convert_nc_qs8 / _qu8: the ratio must lie in [2^-8, 2^7]. */
export function xnnpackConvertSupported(sIn: number, sOut: number): boolean {
  const s = f(f(sIn) / f(sOut));
  return s >= 2 ** -8 && s <= 2 ** 7;
}

/** XNNPACK's convert as a requantizer; `real` keeps the source's real multiplier, so other profiles convert back. */
export function xnnpackRequantizer(sIn: number, sOut: number, real: number): FixedRequantizer {
  return { mode: "dyadic-half-up", multiplier: Int32Array.of(q8(f(f(sIn) / f(sOut)))), shift: Int32Array.of(23), real: Float64Array.of(real) };
}

/**
 * xnn_create_leaky_relu_nc_qs8 / _qu8: positive ratio p = f32(s_in/s_out) in [2^-8, 2^7], negative ratio
 * f32(p·α) in [−0x1.FFFCp+6, 2^7] and at least 2^-8 in magnitude.
 */
export function xnnpackLeakyReluSupported(sIn: number, sOut: number, alpha: number): boolean {
  const p = f(f(sIn) / f(sOut));
  const n = f(p * f(alpha));
  return p >= 2 ** -8 && p <= 2 ** 7 && n >= -127.99609375 && n <= 2 ** 7 && Math.abs(n) >= 2 ** -8;
}

/** One entry per input value (x − qmin), XNNPACK's qs8/qu8 vlrelu kernel tabulated. */
export function xnnpackLeakyReluTable(sIn: number, zpIn: number, sOut: number, zpOut: number, alpha: number, type: QType): Int32Array {
  const p = f(f(sIn) / f(sOut));
  const mp = q8(p);
  const mn = q8(f(p * f(alpha)));
  const lo = qmin(type);
  const hi = qmax(type);
  const table = new Int32Array(hi - lo + 1);
  for (let v = lo; v <= hi; v++) {
    const d = v - zpIn;
    const y = Math.floor((d * (d >= 0 ? mp : mn) + 128) / 256) + zpOut;
    table[v - lo] = Math.max(lo, Math.min(hi, y));
  }
  return table;
}

/** xnn_create_global_average_pooling_nwc_qs8 / _qu8: the ratio must lie in [2^-8, 2^8). */
export function xnnpackMeanSupported(sIn: number, sOut: number): boolean {
  const s = f(f(sIn) / f(sOut));
  return s >= 2 ** -8 && s < 2 ** 8;
}

/** Whether the XNNPACK delegate leaves this node to TFLite's builtin kernels (only the ops modelled here). */
export function xnnpackRefuses(n: Node, g: Graph): boolean {
  if (n.op !== "global-avgpool" && n.op !== "requantize" && !(n.op === "lut" && n.source.fn === "leaky-relu")) return false;
  const x = g.values.get(n.inputs[0]!);
  const y = g.values.get(n.outputs[0]!);
  const qx = x?.quant === undefined ? undefined : scalarQuant(x.quant);
  const qy = y?.quant === undefined ? undefined : scalarQuant(y.quant);
  if (x === undefined || y === undefined || qx === undefined || qy === undefined) return true;
  // qs8 → qs8 and qu8 → qu8 only.
  if (x.dtype === "float32" || !sameDType(x.dtype, y.dtype) || x.dtype.bits !== 8) return true;
  switch (n.op) {
    case "global-avgpool":
      return !xnnpackMeanSupported(qx.scale, qy.scale);
    case "requantize":
      return !xnnpackConvertSupported(qx.scale, qy.scale);
    case "lut":
      return !xnnpackLeakyReluSupported(qx.scale, qy.scale, n.source.alpha ?? 0);
    default:
      return false;
  }
}
