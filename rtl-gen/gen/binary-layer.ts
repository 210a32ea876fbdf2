/**
 * A FINN-style binary layer (matrix–vector–threshold unit): M input vectors of K bipolar bits, N outputs,
 * folded onto PE output lanes × SIMD input bits. Per input vector and output fold, ⌈K/SIMD⌉ steps each
 * XNOR-popcount a SIMD-bit input word against PE weight words; the sums go through per-channel integer
 * thresholds (FINN's multi-threshold: y = outBias + #{i : acc ≥ T[c,i]}, ≤ where the channel is negated;
 * one threshold and a binary output give ±1 as one bit). Folds follow each other with no bubble, so
 *   cycles = M·⌈N/PE⌉·⌈K/SIMD⌉ + 3   (FINN's MVAU formula plus start and pipeline).
 * Tail bits are padded with 0 in both operands (XNOR = 1, +1 each): the thresholds absorb that and the
 * bias (T' = T − bias + pad), as FINN folds constants into thresholds; they are clipped to the sum's range.
 */
import { RtlError } from "../../src/errors.js";
import type { ThresholdEpilogue } from "../../src/ir/ops.js";
import {
  type Expr, type Ref, add, and, asSigned, asUnsigned, concat, eq, ext, ge, indexBits, le, lit, mux, not, or, signedWidthFor, slice, sTy, uTy, unsignedWidthFor,
} from "../ast.js";
import { type Generated, packFields } from "../generated.js";
import { ModuleBuilder, type Stmt, iff, nb } from "../module.js";
import { controlFsm, romMaker } from "./control.js";
import { laneDot } from "./pe.js";

export interface BinaryTask {
  readonly name: string;
  /** Input vectors. */
  readonly M: number;
  /** Bits per input vector (MW). */
  readonly K: number;
  /** Outputs per vector (MH). */
  readonly N: number;
  /** ±1, [N, K]. */
  readonly weights: Int8Array;
  readonly bias: Int32Array | null;
  readonly thresholds: ThresholdEpilogue;
  /** Output: bipolar (one threshold) or a signed integer of outBits. */
  readonly bipolarOut: boolean;
  readonly outBits: number;
  readonly source: string;
}

export interface BinaryConfig {
  /** Output lanes (FINN's PE) and input bits per step (FINN's SIMD). */
  readonly pe: number;
  readonly simd: number;
}

export interface BinaryPlan {
  readonly task: BinaryTask;
  readonly cfg: BinaryConfig;
  readonly SF: number;
  readonly NF: number;
  readonly passes: number;
  readonly pad: number;
  readonly accBits: number;
  readonly thrBits: number;
  readonly outBits: number;
  readonly tailCycles: number;
  readonly latencyCycles: number;
}

export function planBinary(task: BinaryTask, cfg: BinaryConfig): BinaryPlan {
  const problems: string[] = [];
  if (!Number.isInteger(cfg.pe) || cfg.pe < 1 || cfg.pe > 256) problems.push(`pe ${cfg.pe} is not in [1, 256]`);
  if (!Number.isInteger(cfg.simd) || cfg.simd < 1 || cfg.simd > 1024) problems.push(`simd ${cfg.simd} is not in [1, 1024]`);
  if (task.weights.length !== task.N * task.K) problems.push(`weights hold ${task.weights.length} values, expected N·K = ${task.N * task.K}`);
  if (task.thresholds.thresholds.length !== task.N * task.thresholds.count) problems.push("thresholds are not [N, count]");
  if (task.bipolarOut && task.thresholds.count !== 1) problems.push("a bipolar output takes exactly one threshold per channel");
  const cnt = task.thresholds.count;
  const need = Math.max(unsignedWidthFor(cnt) + 1, signedWidthFor(BigInt(task.thresholds.outBias), BigInt(task.thresholds.outBias + cnt)));
  if (!task.bipolarOut && (task.outBits < need || task.outBits > 32)) problems.push(`outBits ${task.outBits} cannot hold outBias + count (${task.thresholds.outBias}..${task.thresholds.outBias + cnt}); needs ${need}..32`);
  if (problems.length > 0) throw new RtlError(problems.map((m) => ({ path: `binary layer ${task.name}`, message: m })));
  const SF = Math.ceil(task.K / cfg.simd);
  const NF = Math.ceil(task.N / cfg.pe);
  const S = SF * cfg.simd;
  const accBits = signedWidthFor(BigInt(-S), BigInt(S));
  const tail = 2;
  const passes = task.M * NF;
  return {
    task, cfg, SF, NF, passes, pad: S - task.K, accBits, thrBits: signedWidthFor(BigInt(-S - 1), BigInt(S + 1)),
    outBits: task.bipolarOut ? 1 : task.outBits, tailCycles: tail, latencyCycles: 1 + passes * SF + tail,
  };
}

export function binaryName(p: BinaryPlan): string {
  return `quarch_binary_${p.task.name.replace(/[^A-Za-z0-9_]/g, "_")}_pe${p.cfg.pe}_simd${p.cfg.simd}`;
}

/** T' = T − bias + pad, clipped to just outside the sum's range (comparisons unchanged). */
export function adjustedThreshold(p: BinaryPlan, c: number, i: number): number {
  const t = p.task;
  const S = p.SF * p.cfg.simd;
  const v = t.thresholds.thresholds[c * t.thresholds.count + i]! - (t.bias?.[c] ?? 0) + p.pad;
  return Math.max(-S - 1, Math.min(S + 1, v));
}

/** Input words: vector n's bits t·SIMD … (bit 1 ↔ +1), zero-padded; one word per beat. */
export function binaryInputWords(p: BinaryPlan, x: Int8Array): bigint[] {
  const { SF } = p;
  const simd = p.cfg.simd;
  const out: bigint[] = [];
  for (let n = 0; n < p.task.M; n++) {
    for (let s = 0; s < SF; s++) {
      out.push(packFields(Array.from({ length: simd }, (_, j) => {
        const k = s * simd + j;
        return [k < p.task.K && x[n * p.task.K + k]! > 0 ? 1 : 0, 1] as [number, number];
      })));
    }
  }
  return out;
}

export function generateBinaryLayer(p: BinaryPlan): Generated {
  const t = p.task;
  const { pe: PE, simd: SIMD } = p.cfg;
  const { SF, NF } = p;
  const name = binaryName(p);
  const cnt = t.thresholds.count;
  const b = new ModuleBuilder(name, [
    `FINN-style binary layer for ${t.source}: ${t.M} vectors x ${t.K} bits -> ${t.N} ${t.bipolarOut ? "bipolar outputs" : `int${p.outBits} outputs`} (${cnt} threshold(s) per channel).`,
    `PE ${PE} x SIMD ${SIMD}: ${p.passes} folds of ${SF} steps back to back.`,
    `Timing: latency ${p.latencyCycles} cycles from start to done (1 + ${p.passes} x ${SF} + ${p.tailCycles}); a held start restarts on done.`,
  ]);
  const files = new Map<string, string>();
  const U1 = uTy(1);
  const clk = b.input("clk", U1);
  const rst = b.input("rst", U1);
  const start = b.input("start", U1);
  const inValid = b.input("in_valid", U1);
  const inData = b.input("in_data", uTy(SIMD));
  const inReady = b.output("in_ready", U1);
  const outValid = b.outputReg("out_valid", U1);
  const outData = b.outputReg("out_data", uTy(PE * p.outBits));
  const done = b.outputReg("done", U1);
  const stmts: Stmt[] = [];
  const rom = romMaker(b, files, name);
  const wWords: bigint[] = [];
  for (let nf = 0; nf < NF; nf++) {
    for (let s = 0; s < SF; s++) {
      wWords.push(packFields(Array.from({ length: PE }, (_, c) => {
        const oc = nf * PE + c;
        return [packFields(Array.from({ length: SIMD }, (_, j) => {
          const k = s * SIMD + j;
          return [oc < t.N && k < t.K && t.weights[oc * t.K + k]! > 0 ? 1 : 0, 1] as [number, number];
        })), SIMD] as [bigint, number];
      })));
    }
  }
  const entryBits = cnt * p.thrBits + 1;
  const thrWords = Array.from({ length: NF }, (_, nf) => packFields(Array.from({ length: PE }, (_, c) => {
    const oc = nf * PE + c;
    const fields: [number, number][] = oc < t.N ? Array.from({ length: cnt }, (_, i) => [adjustedThreshold(p, oc, i), p.thrBits] as [number, number]) : Array.from({ length: cnt }, () => [0, p.thrBits] as [number, number]);
    fields.push([oc < t.N ? t.thresholds.negate[oc]! : 0, 1]);
    return [packFields(fields), entryBits] as [bigint, number];
  })));
  const ibuf = b.mem("ibuf", uTy(SIMD), t.M * SF);
  const wrom = rom("wrom", wWords, PE * SIMD);
  const trom = rom("thrrom", thrWords, PE * entryBits);

  // FSM and fold counters: for each vector n, for each output fold nf, SF steps.
  const fsm = controlFsm(b, inReady, start, inValid);
  const { ty: S, state, run, flush, go, accept } = fsm;
  const cnt1 = (n: string, size: number, clear: Expr, inc: Expr): Ref => {
    const w = indexBits(size);
    const r = b.reg(n, uTy(w));
    const at = b.wire(`${n}_end`, eq(r, lit(uTy(w), size - 1)));
    stmts.push(iff(clear, [nb(r, lit(uTy(w), 0))], [iff(inc, [nb(r, mux(at, lit(uTy(w), 0), add(r, lit(uTy(w), 1))))])]));
    return r;
  };
  const wptr = cnt1("wptr", t.M * SF, or(rst, go), accept);
  stmts.push(iff(accept, [ibuf.write(wptr, inData)]));
  const step = cnt1("step", SF, go, run);
  const stepEnd = b.wire("step_last", eq(step, lit(step.ty, SF - 1)));
  const nf = cnt1("nf", NF, go, and(run, stepEnd));
  const nfEnd = b.wire("nf_last", eq(nf, lit(nf.ty, NF - 1)));
  const vec = cnt1("vec", t.M, go, and(and(run, stepEnd), nfEnd));
  const lastIssue = b.wire("last_issue", and(and(and(run, stepEnd), nfEnd), eq(vec, lit(vec.ty, t.M - 1))));
  // Addresses kept as running bases (no multipliers): input vector base and weight fold base.
  const iw = ibuf.indexWidth;
  const ibase = b.reg("ibase", uTy(iw));
  const ww = wrom.indexWidth;
  const wbase = b.reg("wbase", uTy(ww));
  const nextVec = and(and(run, stepEnd), nfEnd);
  stmts.push(iff(go, [nb(ibase, lit(uTy(iw), 0))], [iff(nextVec, [nb(ibase, add(ibase, lit(uTy(iw), SF % 2 ** iw)))])]));
  stmts.push(iff(or(go, nextVec), [nb(wbase, lit(uTy(ww), 0))], [iff(and(run, stepEnd), [nb(wbase, add(wbase, lit(uTy(ww), SF % 2 ** ww)))])]));
  const fcw = indexBits(p.tailCycles);
  const fc = b.reg("fc", uTy(fcw));
  const flushEnd = b.wire("flush_end", and(flush, eq(fc, lit(uTy(fcw), p.tailCycles - 1))));
  stmts.push(iff(lastIssue, [nb(fc, lit(uTy(fcw), 0))], [iff(flush, [nb(fc, add(fc, lit(uTy(fcw), 1)))])]));

  // Stage A: operand words.
  const stepW = b.wire("step_w", ext(step, Math.max(iw, ww)));
  const iIdx = b.wire("i_idx", iw === stepW.ty.width ? add(ibase, stepW) : add(ibase, asUnsignedSlice(b, "step_i", stepW, iw)));
  const wIdx = b.wire("w_idx", ww === stepW.ty.width ? add(wbase, stepW) : add(wbase, asUnsignedSlice(b, "step_wi", stepW, ww)));
  const fa = b.reg("f_a", uTy(SIMD));
  const fw = b.reg("f_w", uTy(PE * SIMD));
  const fv = b.reg("f_v", U1);
  const ff = b.reg("f_first", U1);
  const fl = b.reg("f_last", U1);
  const fnf = b.reg("f_nf", nf.ty);
  stmts.push(nb(fa, ibuf.read(iIdx)), nb(fw, wrom.read(wIdx)), nb(ff, eq(step, lit(step.ty, 0))), nb(fl, stepEnd), nb(fnf, nf));
  stmts.push(iff(rst, [nb(fv, lit(U1, 0))], [nb(fv, run)]));

  // Stage B: XNOR-popcount per lane, accumulate, capture the fold's sum.
  const A = p.accBits;
  const finV = b.reg("fin_v", U1);
  const finNf = b.reg("fin_nf", nf.ty);
  stmts.push(iff(rst, [nb(finV, lit(U1, 0))], [nb(finV, and(fv, fl))]), iff(and(fv, fl), [nb(finNf, fnf)]));
  const fins: Ref[] = [];
  for (let c = 0; c < PE; c++) {
    const wl = b.wire(`w_lane${c}`, slice(fw, (c + 1) * SIMD - 1, c * SIMD));
    const dot = laneDot(b, `l${c}`, fa, wl, { precision: "binary", laneBits: SIMD });
    const acc = b.reg(`acc${c}`, sTy(A));
    const next = b.wire(`acc_next${c}`, add(mux(ff, lit(sTy(A), 0), acc), ext(dot, A)));
    const fin = b.reg(`fin${c}`, sTy(A));
    stmts.push(iff(fv, [nb(acc, next)]), iff(and(fv, fl), [nb(fin, next)]));
    fins.push(fin);
  }

  // Stage C: thresholds of the fold's channels.
  const tw = b.wire("thr_word", trom.read(ext(finNf, trom.indexWidth) as Expr));
  const lastCols = t.N - (NF - 1) * PE;
  const lanes: Expr[] = [];
  const kBits = unsignedWidthFor(cnt);
  for (let c = 0; c < PE; c++) {
    const base = c * entryBits;
    const negate = b.wire(`neg${c}`, slice(tw, base + cnt * p.thrBits, base + cnt * p.thrBits));
    const finX = b.wire(`fin_x${c}`, ext(fins[c]!, p.thrBits));
    let count: Expr = lit(uTy(kBits), 0);
    for (let i = 0; i < cnt; i++) {
      const thr = b.wire(`thr${c}_${i}`, asSigned(slice(tw, base + (i + 1) * p.thrBits - 1, base + i * p.thrBits)));
      const hit = b.wire(`hit${c}_${i}`, mux(negate, le(finX, thr), ge(finX, thr)));
      count = add(count, ext(hit, kBits));
    }
    const k = b.wire(`count${c}`, count);
    const ok = c < lastCols ? lit(U1, 1) : not(eq(finNf, lit(finNf.ty, NF - 1)));
    let y: Expr;
    if (t.bipolarOut) y = b.wire(`y${c}`, and(ok, not(eq(k, lit(uTy(kBits), 0)))));
    else {
      const ob = p.outBits;
      const val = b.wire(`yv${c}`, add(lit(sTy(ob), t.thresholds.outBias), asSigned(concat([lit(uTy(ob - kBits), 0), k]))));
      y = mux(ok, asUnsigned(val), lit(uTy(ob), 0));
    }
    lanes.push(y);
  }
  stmts.push(nb(outData, concat([...lanes].reverse())));
  const nextState = fsm.next(lastIssue, flushEnd);
  b.always(clk, [
    ...stmts,
    iff(rst, [nb(state, lit(S, 0)), nb(done, lit(U1, 0)), nb(outValid, lit(U1, 0))], [nb(state, nextState), nb(done, flushEnd), nb(outValid, finV)]),
  ]);
  return { module: b.build(), files, timing: { latencyCycles: p.latencyCycles, iiCycles: p.latencyCycles, why: `1 + ${p.passes} folds x ${SF} steps + ${p.tailCycles}` } };
}

/** The low `width` bits of a wider unsigned signal, named. */
function asUnsignedSlice(b: ModuleBuilder, name: string, x: Ref, width: number): Expr {
  return b.wire(name, slice(x, width - 1, 0));
}
