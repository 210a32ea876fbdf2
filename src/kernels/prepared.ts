/**
 * Weights prepared for the MAC kernels once per (tensor, zero points): centered int32 rows, per-row sums
 * of |w − zw| (for int32 overflow bounds), and the WebAssembly copy. The executor caches preparations of
 * graph constants, so a network's layers are prepared on its first run only.
 */
import type { IntArray } from "../ir/dtype.js";
import { Int16Gemm } from "./wasm/gemm.js";

export interface PreparedWeights {
  /** [rows, K] with each row's zero point subtracted. */
  readonly centered: Int32Array;
  readonly rows: number;
  readonly K: number;
  /** Σ_k |w[r, k] − zw[r]| per row. */
  readonly absRowSums: Float64Array;
  /** Every centered weight fits int16 (the WebAssembly kernel's operand type). */
  readonly fitsInt16: boolean;
  /** Lazily created WebAssembly copy. */
  gemm(): Int16Gemm;
}

/** rowsOf(w) gives the centered [rows, K] matrix; `at(r, k)` indexes the source layout. */
export function prepareWeights(rows: number, K: number, zps: ArrayLike<number>, at: (r: number, k: number) => number): PreparedWeights {
  const centered = new Int32Array(rows * K);
  const absRowSums = new Float64Array(rows);
  let fitsInt16 = true;
  for (let r = 0; r < rows; r++) {
    const z = zps.length === 1 ? zps[0]! : zps[r]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const v = at(r, k) - z;
      centered[r * K + k] = v;
      s += v < 0 ? -v : v;
      if (v > 32767 || v < -32768) fitsInt16 = false;
    }
    absRowSums[r] = s;
  }
  let gemm: Int16Gemm | undefined;
  return { centered, rows, K, absRowSums, fitsInt16, gemm: () => (gemm ??= new Int16Gemm(centered, rows, K)) };
}

/** Row-major [rows, K] weights (conv OHWI, FC [N, K]). */
export function prepareRowMajor(w: IntArray, rows: number, zps: ArrayLike<number>): PreparedWeights {
  const K = w.length / rows;
  return prepareWeights(rows, K, zps, (r, k) => w[r * K + k]!);
}

/**
 * Can every accumulator be computed in int32 lanes exactly? max|x − zx| · Σ|w| + |bias| < 2^31 for every
 * row, and all operands fit int16.
 */
export function exactInInt32(p: PreparedWeights, maxAbsX: number, bias: Int32Array | null): boolean {
  if (!p.fitsInt16 || maxAbsX > 32767) return false;
  for (let r = 0; r < p.rows; r++) {
    const b = bias === null ? 0 : Math.abs(bias[r]!);
    if (p.absRowSums[r]! * maxAbsX + b > 2147483647) return false;
  }
  return true;
}

const cache = new WeakMap<object, Map<string, PreparedWeights>>();

/** Cached preparation of a constant weight tensor (keyed by its data array and zero points). */
export function cachedPrepared(data: IntArray, key: string, make: () => PreparedWeights): PreparedWeights {
  let m = cache.get(data);
  if (m === undefined) cache.set(data, (m = new Map()));
  let p = m.get(key);
  if (p === undefined) m.set(key, (p = make()));
  return p;
}
