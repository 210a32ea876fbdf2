/**
 * Real multipliers → int32 (multiplier, shift), TFLite's QuantizeMultiplier, with the real number
 * decomposed exactly (frexp from the IEEE bits, not from logarithms).
 */
import { roundHalfAway } from "./rounding.js";

/** d = mantissa · 2^exponent with 0.5 ≤ |mantissa| < 1 (C's frexp); frexp(0) = (0, 0). */
export function frexp(d: number): { mantissa: number; exponent: number } {
  if (d === 0 || !Number.isFinite(d)) return { mantissa: d, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const biased = (view.getUint16(0) >> 4) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first (exact: a power of two).
    const r = frexp(d * 2 ** 64);
    return { mantissa: r.mantissa, exponent: r.exponent - 64 };
  }
  const exponent = biased - 1022;
  return { mantissa: d * 2 ** -exponent, exponent };
}

export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * TFLite QuantizeMultiplier: real = multiplier · 2^(shift − 31). `singleRounding` applies the extra clamp
 * of the TFLITE_SINGLE_ROUNDING build (shift ≤ 30).
 */
export function quantizeMultiplier(d: number, singleRounding = false): QuantizedMultiplier {
  if (d === 0) return { multiplier: 0, shift: 0 };
  let { mantissa, exponent: shift } = frexp(d);
  let qf = roundHalfAway(mantissa * 2 ** 31);
  if (qf === 2 ** 31) {
    qf /= 2;
    shift += 1;
  }
  if (shift < -31) {
    shift = 0;
    qf = 0;
  }
  if (singleRounding && shift > 30) {
    shift = 30;
    qf = 2 ** 31 - 1;
  }
  return { multiplier: qf, shift };
}

/** The real number a (multiplier, shift) pair stands for. */
export function multiplierToReal(multiplier: number, shift: number): number {
  return multiplier * 2 ** (shift - 31);
}
