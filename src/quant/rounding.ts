/**
 * Rounding of real numbers to integers, each named by its tie rule. JS's Math.round breaks ties toward +∞,
 * which is none of the rules below for negative ties, so each is written out.
 */

/** Ties to even (IEEE roundTiesToEven, std::nearbyint, numpy.round, ONNX). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  // "+ 0" turns −0 into 0: results are integers, and −0 would leak into comparisons with Object.is.
  return (r - v === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/** Ties away from zero (std::round, TFLite's TfLiteRound). */
export function roundHalfAway(v: number): number {
  return (v < 0 ? -Math.round(-v) : Math.round(v)) + 0;
}

/** Ties toward +∞ (ap_fixed AP_RND). JS Math.round is exactly this rule. */
export function roundHalfUp(v: number): number {
  return Math.round(v);
}

/** Clamp to [lo, hi]. */
export function saturate(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Two's-complement wrap of an integer to `bits` bits (signed or unsigned). */
export function wrap(v: number, bits: number, signed: boolean): number {
  const m = 2 ** bits;
  let r = ((v % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
}
