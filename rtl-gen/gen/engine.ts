/**
 * A complete layer engine (fully-connected, 1×1 or k×k convolution): an input buffer filled from a
 * stream, an im2col feeder driven by pixel and tap tables (padding reads the input zero point, and the
 * bias ROM holds bias − zp·Σw so the sum stays exact with 8-bit operands), weights in a ROM ($readmemh),
 * the systolic array (os or ws), per-column bias add (and, for ws, partial-sum accumulation across
 * reduction folds), one requantizer per column, and a streaming output of one pixel's channel block per
 * beat. A control FSM takes `start` and raises `done` with the last output beat. The schedule and its
 * cycle count are engine-plan.ts's; this file only builds the hardware that follows it.
 */
import {
  type Expr, type Ref, add, and, asSigned, asUnsigned, concat, eq, ext, ge, indexBits, lit, lt, mux, not, or, slice, sTy, sub, trunc, uTy, unsignedWidthFor,
} from "../ast.js";
import type { Generated } from "../generated.js";
import { type MemHandle, ModuleBuilder, type Stmt, iff, nb } from "../module.js";
import { delay, generateArray } from "./arrays.js";
import { controlFsm, romMaker } from "./control.js";
import { type EnginePlan, RQ_ENTRY_BITS, pixEntryBits, pixelRom, rqRom, tapEntryBits, tapRom, weightRom } from "./engine-plan.js";
import { REQUANT_LATENCY, generateRequant } from "./requant.js";
import { typeRange } from "../vectors/requant-vectors.js";

const U1 = uTy(1);

export function engineName(p: EnginePlan): string {
  const base = p.task.name.replace(/[^A-Za-z0-9_]/g, "_").replace(/^([0-9])/, "_$1");
  return `quarch_engine_${base}_${p.cfg.dataflow}${p.cfg.rows}x${p.cfg.cols}`;
}

/** Field [lsb, lsb + width) of a packed word, as a named wire. */
function fieldOf(b: ModuleBuilder, name: string, word: Ref, lsb: number, width: number, signed: boolean): Ref {
  const s = slice(word, lsb + width - 1, lsb);
  return b.wire(name, signed ? asSigned(s) : s);
}

interface Entry {
  readonly valid: Ref;
  readonly y: Ref;
  readonly x: Ref;
  readonly addr: Ref;
}

function entryOf(b: ModuleBuilder, p: EnginePlan, name: string, word: Ref, lsb: number): Entry {
  return {
    valid: fieldOf(b, `${name}_v`, word, lsb, 1, false),
    y: fieldOf(b, `${name}_y`, word, lsb + 1, p.hw, true),
    x: fieldOf(b, `${name}_x`, word, lsb + 1 + p.hw, p.hw, true),
    addr: fieldOf(b, `${name}_a`, word, lsb + 1 + 2 * p.hw, p.aw, true),
  };
}

/** One operand: the input element at (pixel, tap), or the input zero point outside the image. */
function operand(b: ModuleBuilder, p: EnginePlan, name: string, px: Entry, tp: Entry, ibuf: MemHandle): Expr {
  const t = p.task;
  const iy = b.wire(`${name}_iy`, add(px.y, tp.y));
  const ix = b.wire(`${name}_ix`, add(px.x, tp.x));
  const zero = lit(sTy(p.hw), 0);
  const inside = b.wire(`${name}_in`, and(and(and(px.valid, tp.valid), and(ge(iy, zero), lt(iy, lit(sTy(p.hw), t.inH)))), and(ge(ix, zero), lt(ix, lit(sTy(p.hw), t.inW)))));
  const addr = b.wire(`${name}_addr`, add(px.addr, tp.addr), ["UNUSEDSIGNAL"]);
  const idx = b.wire(`${name}_idx`, asUnsigned(trunc(addr, ibuf.indexWidth)));
  return mux(inside, ibuf.read(idx), lit(uTy(p.eb), BigInt(t.inZeroPoint) & ((1n << BigInt(p.eb)) - 1n)));
}

/** A counter register with a reset-to-zero on `clear`, incrementing on `inc` and wrapping after `n − 1`. */
function counter(b: ModuleBuilder, stmts: Stmt[], name: string, n: number, clear: Expr, inc: Expr): Ref {
  const w = indexBits(n);
  const r = b.reg(name, uTy(w));
  const at = b.wire(`${name}_last`, eq(r, lit(uTy(w), n - 1)));
  stmts.push(iff(clear, [nb(r, lit(uTy(w), 0))], [iff(inc, [nb(r, mux(at, lit(uTy(w), 0), add(r, lit(uTy(w), 1))))])]));
  return r;
}

export function generateEngine(p: EnginePlan): Generated {
  const t = p.task;
  const { rows: R, cols: C, dataflow } = p.cfg;
  const os = dataflow === "os";
  const name = engineName(p);
  const lane = { precision: t.precision, accBits: p.cfg.accBits } as const;
  const array = generateArray({ ...lane, rows: R, cols: C, dataflow });
  const [qlo, qhi] = typeRange(t.outType);
  const rq = generateRequant({
    mode: t.requant.mode, coeffs: { kind: "port" }, outType: t.outType,
    output: { kind: "const", zeroPoint: t.outZeroPoint, clampMin: Math.max(t.clampMin, qlo), clampMax: Math.min(t.clampMax, qhi) },
  });
  const b = new ModuleBuilder(name, [
    `Layer engine for ${t.source}: ${t.kind === "fc" ? "fully-connected" : `${t.kH}x${t.kW} convolution`}, ${t.inH}x${t.inW}x${t.inC} -> ${t.outH}x${t.outW}x${t.outC}, ${t.precision}, ${t.requant.mode} rounding.`,
    `${R}x${C} ${os ? "output" : "weight"}-stationary array; ${p.passes} passes of ${p.passCycles} cycles (${p.steps} ${os ? "reduction steps" : "pixels"} + fill ${p.fillCycles} + drain ${p.drainCycles}).`,
    `Timing: latency ${p.latencyCycles} cycles from start to done (1 + passes * ${p.passCycles} + tail ${p.tailCycles}); a held start restarts on done (II ${p.latencyCycles}).`,
  ]);
  const files = new Map<string, string>();
  const clk = b.input("clk", U1);
  const rst = b.input("rst", U1);
  const start = b.input("start", U1);
  const inValid = b.input("in_valid", U1);
  const inData = b.input("in_data", uTy(p.eb));
  const inReady = b.output("in_ready", U1);
  const outValid = b.output("out_valid", U1);
  const outData = b.output("out_data", uTy(C * t.outType.bits));
  const done = b.outputReg("done", U1);
  const stmts: Stmt[] = [];

  // ROMs.
  const rom = romMaker(b, files, name);
  const vol = t.inH * t.inW * t.inC;
  const ibuf = b.mem("ibuf", uTy(p.eb), vol);
  const wrom = rom("wrom", weightRom(p), C * p.L);
  const prom = rom("pixrom", pixelRom(p), os ? R * pixEntryBits(p) : pixEntryBits(p));
  const trom = rom("taprom", tapRom(p), (os ? p.E : R * p.E) * tapEntryBits(p));
  const qrom = rom("rqrom", rqRom(p), C * RQ_ENTRY_BITS);

  // Control FSM: IDLE (loading the input buffer) -> RUN (passes) -> FLUSH (tail) -> IDLE with done.
  const fsm = controlFsm(b, inReady, start, inValid);
  const { ty: S, state, run, flush, go, accept } = fsm;
  const wptr = counter(b, stmts, "wptr", vol, or(rst, go), accept);
  stmts.push(iff(accept, [ibuf.write(wptr, inData)]));
  const cw = unsignedWidthFor(p.passCycles);
  const cyc = b.reg("cyc", uTy(cw));
  const endPass = b.wire("end_pass", and(run, eq(cyc, lit(uTy(cw), p.passCycles - 1))));
  stmts.push(iff(or(go, endPass), [nb(cyc, lit(uTy(cw), 0))], [iff(run, [nb(cyc, add(cyc, lit(uTy(cw), 1)))])]));
  const fo = counter(b, stmts, "fold", p.rowFolds, go, endPass);
  const foLast = b.wire("fold_end", eq(fo, lit(fo.ty, p.rowFolds - 1)));
  const kf = counter(b, stmts, "kfold", p.KF, go, and(endPass, foLast));
  const lastPass = b.wire("last_pass", and(and(endPass, foLast), eq(kf, lit(kf.ty, p.KF - 1))));
  const fcw = indexBits(p.tailCycles);
  const fc = b.reg("fc", uTy(fcw));
  const flushEnd = b.wire("flush_end", and(flush, eq(fc, lit(uTy(fcw), p.tailCycles - 1))));
  stmts.push(iff(lastPass, [nb(fc, lit(uTy(fcw), 0))], [iff(flush, [nb(fc, add(fc, lit(uTy(fcw), 1)))])]));
  const nextState = fsm.next(lastPass, flushEnd);
  // Weight ROM base: advances by a pass's worth of words (os: when the channel fold changes).
  const ww = wrom.indexWidth;
  const wbase = b.reg("wbase", uTy(ww));
  const wStep = os ? p.steps : R;
  const wAdvance = os ? and(endPass, foLast) : endPass;
  stmts.push(iff(go, [nb(wbase, lit(uTy(ww), 0))], [iff(wAdvance, [nb(wbase, add(wbase, lit(uTy(ww), wStep % 2 ** ww)))])]));

  // Feeder: one registered beat into the array per cycle.
  const sw = indexBits(os ? p.steps : R);
  const tIdx = b.wire("t_idx", trunc(cyc, Math.min(sw, cw)));
  const tExt = b.wire("t_ext", ext(tIdx, ww));
  const wWord = b.wire("w_word", wrom.read(b.wire("w_idx", add(wbase, tExt))));
  const tapWord = b.wire("tap_word", trom.read(os ? b.wire("tap_idx", asUnsigned(trunc(cyc, trom.indexWidth))) : ext(fo, trom.indexWidth) as Expr));
  const lanes: Expr[] = [];
  if (os) {
    const pixWord = b.wire("pix_word", prom.read(ext(fo, prom.indexWidth) as Expr));
    const tps = Array.from({ length: p.E }, (_, j) => entryOf(b, p, `tap${j}`, tapWord, j * tapEntryBits(p)));
    for (let r = 0; r < R; r++) {
      const px = entryOf(b, p, `pix${r}`, pixWord, r * pixEntryBits(p));
      lanes.push(concat(Array.from({ length: p.E }, (_, j) => operand(b, p, `op${r}_${p.E - 1 - j}`, px, tps[p.E - 1 - j]!, ibuf))));
    }
  } else {
    const q = b.wire("q", sub(cyc, lit(uTy(cw), R)), ["UNUSEDSIGNAL"]);
    const pixWord = b.wire("pix_word", prom.read(b.wire("q_idx", asUnsigned(trunc(q, prom.indexWidth)))));
    const px = entryOf(b, p, "pix", pixWord, 0);
    for (let r = 0; r < R; r++) {
      lanes.push(concat(Array.from({ length: p.E }, (_, jj) => {
        const j = p.E - 1 - jj;
        return operand(b, p, `op${r}_${j}`, px, entryOf(b, p, `tap${r}_${j}`, tapWord, (r * p.E + j) * tapEntryBits(p)), ibuf);
      })));
    }
  }
  const opBus = b.wire("op_bus", concat([...lanes].reverse()));
  const fOps = b.reg("f_ops", opBus.ty);
  const fW = b.reg("f_w", uTy(C * p.L));
  const fValid = b.reg("f_valid", U1);
  stmts.push(nb(fOps, opBus), nb(fW, wWord));
  const arrOut: Record<string, Ref> = {};
  const rowBits = unsignedWidthFor(Math.max(1, R - 1));
  if (os) {
    const issue = b.wire("issue", and(run, lt(cyc, lit(uTy(cw), p.steps))));
    const fFirst = b.reg("f_first", U1);
    const fLast = b.reg("f_last", U1);
    stmts.push(nb(fFirst, eq(cyc, lit(uTy(cw), 0))), nb(fLast, eq(cyc, lit(uTy(cw), p.steps - 1))));
    stmts.push(iff(rst, [nb(fValid, lit(U1, 0))], [nb(fValid, issue)]));
    arrOut["ready"] = b.wireFromInstance("arr_ready", U1, ["UNUSEDSIGNAL"]);
    arrOut["valid"] = b.wireFromInstance("arr_valid", U1);
    arrOut["row"] = b.wireFromInstance("arr_row", uTy(rowBits));
    arrOut["data"] = b.wireFromInstance("arr_data", uTy(C * p.cfg.accBits));
    b.instance(array.module, "array", { clk, rst, in_valid: fValid, in_first: fFirst, in_last: fLast, a_row: fOps, w_col: fW, in_ready: arrOut["ready"]!, out_valid: arrOut["valid"]!, out_row: arrOut["row"]!, out_data: arrOut["data"]! });
  } else {
    const load = b.wire("load", and(run, lt(cyc, lit(uTy(cw), R))));
    const pix = b.wire("pix", and(and(run, ge(cyc, lit(uTy(cw), R))), lt(cyc, lit(uTy(cw), R + p.NP))));
    const fLoad = b.reg("f_load", U1);
    stmts.push(nb(fLoad, load));
    stmts.push(iff(rst, [nb(fValid, lit(U1, 0))], [nb(fValid, or(load, pix))]));
    arrOut["ready"] = b.wireFromInstance("arr_ready", U1, ["UNUSEDSIGNAL"]);
    arrOut["valid"] = b.wireFromInstance("arr_valid", U1);
    arrOut["data"] = b.wireFromInstance("arr_data", uTy(C * p.cfg.accBits));
    b.instance(array.module, "array", { clk, rst, in_valid: fValid, w_load: fLoad, w_row: fW, a_col: fOps, in_ready: arrOut["ready"]!, out_valid: arrOut["valid"]!, out_data: arrOut["data"]! });
  }

  // Output side: its own fold counters (every issued row / pixel leaves in order), bias, requantizers.
  const aValid = arrOut["valid"]!;
  const aData = arrOut["data"]!;
  const A = p.cfg.accBits;
  const accOf = (c: number) => b.wire(`acc${c}`, ext(fieldOf(b, `arr_lane${c}`, aData, c * A, A, true), 32));
  let beatDone: Expr;
  let rowOk: Expr;
  let final: Expr;
  const sums: Ref[] = [];
  if (os) {
    const lastRow = b.wire("o_row_end", eq(arrOut["row"]!, lit(uTy(rowBits), R - 1)));
    beatDone = and(aValid, lastRow);
    const ofo = counter(b, stmts, "o_fold", p.rowFolds, go, beatDone);
    const okf = counter(b, stmts, "o_kfold", p.KF, go, and(beatDone, eq(ofo, lit(ofo.ty, p.rowFolds - 1))));
    const lastRows = p.NP - (p.rowFolds - 1) * R;
    rowOk = lastRows === R ? lit(U1, 1) : or(not(eq(ofo, lit(ofo.ty, p.rowFolds - 1))), lt(arrOut["row"]!, lit(uTy(rowBits), lastRows)));
    final = lit(U1, 1);
    for (let c = 0; c < C; c++) sums.push(accOf(c));
    arrOut["kf"] = okf;
  } else {
    const oq = counter(b, stmts, "o_pix", p.NP, go, aValid);
    const qEnd = b.wire("o_pix_end", eq(oq, lit(oq.ty, p.NP - 1)));
    const orf = counter(b, stmts, "o_fold", p.rowFolds, go, and(aValid, qEnd));
    const okf = counter(b, stmts, "o_kfold", p.KF, go, and(and(aValid, qEnd), eq(orf, lit(orf.ty, p.rowFolds - 1))));
    rowOk = lit(U1, 1);
    final = b.wire("o_final", eq(orf, lit(orf.ty, p.rowFolds - 1)));
    if (p.rowFolds > 1) {
      const ps = b.mem("psum", uTy(C * 32), p.NP);
      const first = b.wire("o_first", eq(orf, lit(orf.ty, 0)));
      const prev = b.wire("psum_prev", ps.read(ext(oq, ps.indexWidth) as Expr));
      for (let c = 0; c < C; c++) {
        const old = fieldOf(b, `psum_old${c}`, prev, c * 32, 32, true);
        sums.push(b.wire(`sum${c}`, add(mux(first, lit(sTy(32), 0), old), accOf(c))));
      }
      stmts.push(iff(and(aValid, not(final)), [ps.write(ext(oq, ps.indexWidth) as Expr, concat([...sums].reverse()))]));
    } else {
      for (let c = 0; c < C; c++) sums.push(accOf(c));
    }
    arrOut["kf"] = okf;
  }
  const qWord = b.wire("rq_word", qrom.read(ext(arrOut["kf"]!, qrom.indexWidth) as Expr));
  const bValid = b.reg("b_valid", U1);
  stmts.push(iff(rst, [nb(bValid, lit(U1, 0))], [nb(bValid, and(and(aValid, rowOk), final))]));
  const ys: Expr[] = [];
  const lastCols = p.K - (p.KF - 1) * C;
  for (let c = 0; c < C; c++) {
    const base = c * RQ_ENTRY_BITS;
    const bias = fieldOf(b, `bias${c}`, qWord, base, 32, true);
    const mult = fieldOf(b, `mult${c}`, qWord, base + 32, 32, true);
    const sh = fieldOf(b, `shift${c}`, qWord, base + 64, 6, true);
    const bAcc = b.reg(`b_acc${c}`, sTy(32));
    const bM = b.reg(`b_mult${c}`, sTy(32));
    const bS = b.reg(`b_shift${c}`, sTy(6));
    stmts.push(nb(bAcc, add(sums[c]!, bias)), nb(bM, mult), nb(bS, sh));
    const laneOk: Expr = c < lastCols ? lit(U1, 1) : not(eq(arrOut["kf"]!, lit(arrOut["kf"]!.ty, p.KF - 1)));
    const bOk = b.reg(`b_ok${c}`, U1);
    stmts.push(nb(bOk, laneOk));
    const ok = delay(b, stmts, `ok${c}`, bOk, REQUANT_LATENCY);
    const rdy = b.wireFromInstance(`rq${c}_ready`, U1, ["UNUSEDSIGNAL"]);
    const v = b.wireFromInstance(`rq${c}_valid`, U1, c === 0 ? [] : ["UNUSEDSIGNAL"]);
    const y = b.wireFromInstance(`rq${c}_y`, { width: t.outType.bits, signed: t.outType.signed });
    b.instance(rq.module, `rq${c}`, { clk, rst, in_valid: bValid, acc: bAcc, mult: bM, shift: bS, in_ready: rdy, out_valid: v, y });
    ys.push(mux(ok, asUnsigned(y), lit(uTy(t.outType.bits), 0)));
    if (c === 0) b.assign(outValid, v);
  }
  b.assign(outData, concat([...ys].reverse()));
  b.always(clk, [
    ...stmts,
    iff(rst, [nb(state, lit(S, 0)), nb(done, lit(U1, 0))], [nb(state, nextState), nb(done, flushEnd)]),
  ]);
  return {
    module: b.build(),
    files,
    timing: { latencyCycles: p.latencyCycles, iiCycles: p.latencyCycles, why: `1 + ${p.passes} passes x ${p.passCycles} + tail ${p.tailCycles}` },
  };
}
