/**
 * A systolic array with its vectors: each pass is a small GEMM whose expected results come from the
 * kernels (matmul, or matmulXnor for binary lanes), wrapped to the accumulator width.
 *   os: passes of T ≥ max(R, C) steps, back to back; R output beats (one row each) per pass.
 *   ws: R load beats, P pixel beats, then R + C − 2 bubbles so no pixel is in flight when weights change.
 * The first pass holds extreme operands (largest products) so accumulators see their biggest values.
 */
import { matmul, prepareB } from "../../src/kernels/matmul.js";
import { writerOf } from "../../src/kernels/epilogue.js";
import { matmulXnor } from "../../src/kernels/xnor.js";
import { createRng } from "../../src/quant/rng.js";
import { wrap } from "../../src/quant/rounding.js";
import { uTy, unsignedWidthFor } from "../ast.js";
import { type Design, type Mismatch, streamMeasure } from "../design.js";
import { field, hexWords, packFields } from "../generated.js";
import { type ArrayConfig, generateArray } from "../gen/arrays.js";
import { laneInfo } from "../gen/pe.js";
import { type TbField, streamTestbench } from "../tb/stream-tb.js";
import type { VectorOptions } from "./pe-requant.js";

/** acc[m][n] = Σ_k a[m][k]·w[k][n] through the kernels, wrapped to `bits`. a is [M, K], w is [K, N]. */
export function kernelGemm(binary: boolean, a: readonly number[], w: readonly number[], M: number, K: number, N: number, bits: number): number[] {
  const out = new Array<number>(M * N).fill(0);
  const write = writerOf((acc, _c, i) => {
    out[i] = wrap(acc, bits, true);
  });
  if (binary) matmulXnor(Int8Array.from(a), Int8Array.from(w), M, K, N, false, null, write);
  else {
    const b = Int32Array.from(w);
    matmul({ batch: [], aBatch: [], bBatch: [], M, K, N, transB: false }, { a: Int32Array.from(a), aZeroPoint: 0, b: () => prepareB(b, 0, K, N, false, new Array<number>(N).fill(0)), bias: null }, write);
  }
  return out;
}

/** Pack lane values (element j at bits j·eb) of one PE lane. */
export function packLane(vals: readonly number[], eb: number, binary: boolean): bigint {
  return packFields(vals.map((v) => [binary ? (v > 0 ? 1 : 0) : v, eb] as [number, number]));
}

export function arrayDesign(c: ArrayConfig, passes: number, v: VectorOptions): Design {
  const gen = generateArray(c);
  const info = laneInfo(c);
  const { rows: R, cols: C, accBits: A } = c;
  const E = info.elements;
  const L = info.laneBits;
  const binary = c.precision === "binary";
  const eb = info.elementBits;
  const rng = createRng(v.seed);
  const lo = binary ? -1 : -(2 ** (eb - 1));
  const hi = binary ? 1 : 2 ** (eb - 1) - 1;
  const val = (extreme: boolean) => (binary ? (rng.nextInt(2) === 0 ? -1 : 1) : extreme ? (rng.nextInt(2) === 0 ? lo : hi) : lo + rng.nextInt(hi - lo + 1));
  const inWords: bigint[] = [];
  const expWords: bigint[] = [];
  const expVals: number[][] = [];
  const passOf: number[] = [];
  const rowBits = unsignedWidthFor(Math.max(1, R - 1));
  let latRef = 0;
  for (let p = 0; p < passes; p++) {
    const extreme = p === 0;
    if (c.dataflow === "os") {
      const T = Math.max(R, C) + rng.nextInt(4);
      const K = T * E;
      const a = Array.from({ length: R * K }, () => val(extreme));
      const w = Array.from({ length: K * C }, () => val(extreme));
      for (let t = 0; t < T; t++) {
        const aRow = packFields(Array.from({ length: R }, (_, r) => [packLane(a.slice(r * K + t * E, r * K + t * E + E), eb, binary), L] as [bigint, number]));
        const wCol = packFields(Array.from({ length: C }, (_, k) => [packLane(Array.from({ length: E }, (_, j) => w[(t * E + j) * C + k]!), eb, binary), L] as [bigint, number]));
        inWords.push(packFields([[t === 0 ? 1 : 0, 1], [t === T - 1 ? 1 : 0, 1], [aRow, R * L], [wCol, C * L]]));
      }
      if (p === 0) latRef = T - 1;
      const out = kernelGemm(binary, a, w, R, K, C, A);
      for (let r = 0; r < R; r++) {
        const row = out.slice(r * C, r * C + C);
        expVals.push(row);
        passOf.push(p);
        expWords.push(packFields([[r, rowBits], [packFields(row.map((x) => [x, A] as [number, number])), C * A]]));
      }
    } else {
      const P = 1 + rng.nextInt(2 * R);
      const K = R * E;
      const a = Array.from({ length: P * K }, () => val(extreme));
      const w = Array.from({ length: K * C }, () => val(extreme));
      // Load rows bottom first: after R shifts row r holds reduction lanes r·E … r·E + E − 1.
      for (let i = 0; i < R; i++) {
        const r = R - 1 - i;
        const wRow = packFields(Array.from({ length: C }, (_, k) => [packLane(Array.from({ length: E }, (_, j) => w[(r * E + j) * C + k]!), eb, binary), L] as [bigint, number]));
        inWords.push(packFields([[1, 1], [1, 1], [wRow, C * L], [0, R * L]]));
      }
      if (p === 0) latRef = inWords.length;
      for (let q = 0; q < P; q++) {
        const aCol = packFields(Array.from({ length: R }, (_, r) => [packLane(a.slice(q * K + r * E, q * K + r * E + E), eb, binary), L] as [bigint, number]));
        inWords.push(packFields([[1, 1], [0, 1], [0, C * L], [aCol, R * L]]));
      }
      for (let q = 0; q < R + C - 2; q++) inWords.push(0n);
      const out = kernelGemm(binary, a, w, P, K, C, A);
      for (let q = 0; q < P; q++) {
        const row = out.slice(q * C, q * C + C);
        expVals.push(row);
        passOf.push(p);
        expWords.push(packFields(row.map((x) => [x, A] as [number, number])));
      }
    }
  }
  const inFields: TbField[] = c.dataflow === "os"
    ? [{ port: "in_first", ty: uTy(1) }, { port: "in_last", ty: uTy(1) }, { port: "a_row", ty: uTy(R * L) }, { port: "w_col", ty: uTy(C * L) }]
    : [{ port: "in_valid", ty: uTy(1) }, { port: "w_load", ty: uTy(1) }, { port: "w_row", ty: uTy(C * L) }, { port: "a_col", ty: uTy(R * L) }];
  const outFields: TbField[] = c.dataflow === "os" ? [{ port: "out_row", ty: uTy(rowBits) }, { port: "out_data", ty: uTy(C * A) }] : [{ port: "out_data", ty: uTy(C * A) }];
  const win = inFields.reduce((s, f) => s + f.ty.width, 0);
  const wout = outFields.reduce((s, f) => s + f.ty.width, 0);
  const tb = streamTestbench({ dut: gen.module, inFields, outFields, nIn: inWords.length, nOut: expWords.length, latRef, maxCycles: inWords.length + 4 * (R + C) + 100 });
  const explain = (index: number, got: string): Mismatch => {
    const word = /[xz]/i.test(got) ? undefined : BigInt(`0x${got}`);
    const off = c.dataflow === "os" ? rowBits : 0;
    const vals = word === undefined ? got : `[${Array.from({ length: C }, (_, k) => String(field(word, off + k * A, A, true))).join(", ")}]`;
    return { index, inputs: `pass ${passOf[index]}, ${c.dataflow === "os" ? `row ${index}` : `pixel ${index}`} (operands in vectors.hex)`, expected: `[${expVals[index]!.join(", ")}]`, got: vals };
  };
  return {
    kind: "array",
    title: `${gen.module.name}: ${R}x${C} ${c.dataflow === "os" ? "output" : "weight"}-stationary array, ${passes} passes`,
    dut: gen.module, tb, timing: gen.timing,
    data: new Map([["vectors.hex", hexWords(inWords, win)], ["expected.hex", hexWords(expWords, wout)]]),
    vectors: { outputs: expWords.length, values: expWords.length * C, directed: 1, random: passes - 1, seed: v.seed },
    explain, measure: streamMeasure, notes: [],
  };
}
