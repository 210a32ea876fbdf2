/**
 * Exact float32 arithmetic for reproducing onnxruntime's float formulas bit for bit: every operation is
 * rounded to float32 where the C++ rounds (Math.fround), and fused multiply-adds — which the x86-64 AVX2
 * builds of MLAS use — are rounded once, exactly, by fma32.
 */

const f = Math.fround;

/**
 * float32 fma(a, b, c) = round32(a·b + c) with a single rounding. a·b of two float32 values is exact in a
 * double; the sum is made exact with TwoSum, and the double result is re-rounded to float32 correctly:
 * double rounding can only go wrong when the double lands exactly halfway between two float32 values, and
 * then the sign of the TwoSum error decides.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  const r = f(s);
  if (err === 0 || r === s || !Number.isFinite(s)) return r;
  // r is the nearest float32 to s; the other neighbour lies on the far side of s.
  const other = nextToward(r, s);
  if ((r + other) / 2 !== s) return r;
  // s is exactly a midpoint: the exact value lies on the side of err.
  const up = err > 0;
  const hi = r > other ? r : other;
  const lo = r > other ? other : r;
  return up ? hi : lo;
}

const buf = new Float32Array(1);
const bits = new Int32Array(buf.buffer);

/** The float32 adjacent to r in the direction of t (r ≠ t, both finite). */
function nextToward(r: number, t: number): number {
  buf[0] = r;
  if (r === 0) {
    bits[0] = 1;
    return t > 0 ? buf[0]! : -buf[0]!;
  }
  // Same-sign steps: increasing the magnitude bits moves away from zero.
  const away = t > r === r > 0;
  bits[0] = bits[0]! + (away ? 1 : -1);
  return buf[0]!;
}

/** Round half to even, for values already rounded to float32 (std::nearbyintf, cvtps2dq). */
export function nearbyint(v: number): number {
  const r = Math.round(v);
  return (r - v === 0.5 && r % 2 !== 0 ? r - 1 : r) + 0;
}

/** MLAS's logistic approximation (Eigen's rational polynomial) as its FMA3 kernel computes it. */
export function mlasLogistic(x: number): number {
  const A9 = f(4.37031012579801e-11);
  const A7 = f(1.15627324459942e-7);
  const A5 = f(6.08574864600143e-5);
  const A3 = f(8.51377133304701e-3);
  const A1 = f(2.48287947061529e-1);
  const B10 = f(6.10247389755681e-13);
  const B8 = f(5.76102136993427e-9);
  const B6 = f(6.2910678501704e-6);
  const B4 = f(1.70198817374094e-3);
  const B2 = f(1.16817656904453e-1);
  const B0 = f(9.9315192102318e-1);
  const v = x < -18 ? -18 : x > 18 ? 18 : f(x);
  const v2 = f(v * v);
  let p = fma32(v2, A9, A7);
  p = fma32(p, v2, A5);
  p = fma32(p, v2, A3);
  p = fma32(p, v2, A1);
  p = f(p * v);
  let q = fma32(v2, B10, B8);
  q = fma32(q, v2, B6);
  q = fma32(q, v2, B4);
  q = fma32(q, v2, B2);
  q = fma32(q, v2, B0);
  const y = f(f(p / q) + 0.5);
  return y < 0 ? 0 : y > 1 ? 1 : y;
}

/** The float32 scale of onnxruntime's QLinearGlobalAveragePool: f32(s_x / f32(s_y · n)). */
export function globalAvgPoolScale(sx: number, sy: number, n: number): number {
  return f(f(sx) / f(f(sy) * n));
}
