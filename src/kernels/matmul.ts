/**
 * Integer matrix multiplication with batch broadcasting (ONNX MatMul rules; TFLite FULLY_CONNECTED is the
 * 2-D case with constant [N, K] weights): acc[m, n] = Σ_k (a[m,k] − za)(b[k,n] − zb[n]) + bias[n].
 */
import type { IntArray } from "../ir/dtype.js";
import type { MatMulShapes } from "../ir/shapes.js";
import { dotChannels } from "./dot.js";
import type { OutputWriter } from "./epilogue.js";

export interface MatMulOperands {
  readonly a: IntArray;
  readonly aZeroPoint: number;
  readonly b: IntArray;
  /** One per column n, or a single value. */
  readonly bZeroPoints: ArrayLike<number>;
  readonly bias: Int32Array | null;
}

export function matmul(s: MatMulShapes, ops: MatMulOperands, write: OutputWriter): void {
  const { M, K, N } = s;
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  const row = new Int32Array(K);
  const bT = new Int32Array(N * K);
  let lastB = -1;
  for (let bi = 0; bi < batchCount; bi++) {
    const aOff = broadcastIndex(bi, s.batch, s.aBatch) * M * K;
    const bIdx = broadcastIndex(bi, s.batch, s.bBatch);
    if (bIdx !== lastB) {
      centerTransposedB(ops, bIdx * K * N, K, N, s.transB, bT);
      lastB = bIdx;
    }
    for (let m = 0; m < M; m++) {
      const base = aOff + m * K;
      for (let k = 0; k < K; k++) row[k] = ops.a[base + k]! - ops.aZeroPoint;
      dotChannels(row, bT, K, 0, N, ops.bias, (bi * M + m) * N, 1, write);
    }
  }
}

/** b (− its column zero points) as [N, K] rows. */
function centerTransposedB(ops: MatMulOperands, off: number, K: number, N: number, transB: boolean, out: Int32Array): void {
  const z = ops.bZeroPoints;
  for (let n = 0; n < N; n++) {
    const zn = z.length === 1 ? z[0]! : z[n]!;
    for (let k = 0; k < K; k++) {
      out[n * K + k] = ops.b[off + (transB ? n * K + k : k * N + n)]! - zn;
    }
  }
}

/** Flat index into an operand's batch given the flat index into the broadcast batch. */
export function broadcastIndex(flat: number, full: readonly number[], own: readonly number[]): number {
  let idx = 0;
  let mul = 1;
  for (let i = full.length - 1; i >= 0; i--) {
    const c = flat % full[i]!;
    flat = Math.floor(flat / full[i]!);
    if (own[i]! !== 1) idx += c * mul;
    mul *= own[i]!;
  }
  return idx;
}
