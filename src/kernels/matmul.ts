/**
 * Integer matrix multiplication with batch broadcasting (ONNX MatMul rules; TFLite FULLY_CONNECTED is the
 * 2-D case with constant [N, K] weights): acc[m, n] = Σ_k (a[m,k] − za)(b[k,n] − zb[n]) + bias[n].
 */
import type { IntArray } from "../ir/dtype.js";
import type { MatMulShapes } from "../ir/shapes.js";
import { maxAbsCentered } from "./conv2d.js";
import { dotChannels } from "./dot.js";
import { type PreparedWeights, exactInInt32, prepareWeights } from "./prepared.js";
import { wasmKernelsActive } from "./wasm/gemm.js";
import type { OutputWriter } from "./epilogue.js";

export interface MatMulOperands {
  readonly a: IntArray;
  readonly aZeroPoint: number;
  /** b of one batch matrix as prepared [N, K] rows (column zero points subtracted). */
  readonly b: (batchIndex: number) => PreparedWeights;
  readonly bias: Int32Array | null;
}

export function matmul(s: MatMulShapes, ops: MatMulOperands, write: OutputWriter): void {
  const { M, K, N } = s;
  const batchCount = s.batch.reduce((x, y) => x * y, 1);
  const useWasm = wasmKernelsActive() && M > 1;
  const maxAbsA = useWasm ? maxAbsCentered(ops.a, ops.aZeroPoint) : 0;
  const row = new Int32Array(K);
  const accs = new Float64Array(N);
  for (let bi = 0; bi < batchCount; bi++) {
    const aOff = broadcastIndex(bi, s.batch, s.aBatch) * M * K;
    const w = ops.b(broadcastIndex(bi, s.batch, s.bBatch));
    const outOff = bi * M * N;
    if (useWasm && exactInInt32(w, maxAbsA, ops.bias)) {
      const bias = ops.bias;
      w.gemm().run(
        M,
        (m, view, base) => {
          const src = aOff + m * K;
          for (let k = 0; k < K; k++) view[base + k] = ops.a[src + k]! - ops.aZeroPoint;
        },
        (m, accs, off) => write.row(accs, off, 0, N, bias, outOff + m * N, 1),
      );
      continue;
    }
    for (let m = 0; m < M; m++) {
      const base = aOff + m * K;
      for (let k = 0; k < K; k++) row[k] = ops.a[base + k]! - ops.aZeroPoint;
      dotChannels(row, w.centered, K, 0, N, ops.bias, outOff + m * N, 1, write, accs);
    }
  }
}

/** b (one batch matrix at `off`) as prepared [N, K] rows. */
export function prepareB(b: IntArray, off: number, K: number, N: number, transB: boolean, zps: ArrayLike<number>): PreparedWeights {
  return prepareWeights(N, K, zps, transB ? (n, k) => b[off + n * K + k]! : (n, k) => b[off + k * N + n]!);
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
