/**
 * R×C systolic arrays built from the PE lanes of pe.ts.
 *
 * Output-stationary (os): row r takes operand lanes of its output row (a pixel), column c those of its
 * output channel; operands enter skewed (row r delayed r cycles, column c delayed c) and hop one PE per
 * cycle, so PE[r][c] sees reduction step t at t + r + c. The first/last/valid flags travel with the row
 * operands. A PE captures its sum when `last` passes; row r is complete once its last column has captured,
 * which happens one cycle after row r − 1: rows leave one per cycle, each with all C results (the
 * de-skew). Latency: C + 1 cycles from the last step to row 0's output; II 1 step per cycle. Passes may
 * follow each other directly when they are at least max(R, C) steps long.
 *
 * Weight-stationary (ws): a load beat shifts one row of weights in at the top (the bottom row's first); a
 * pixel beat brings the R reduction lanes of one pixel, skewed by row; partial sums flow down the columns
 * and column c's sum is delayed C − 1 − c cycles so a pixel's C sums leave together. Latency R + C − 1
 * from the pixel beat to its sums; II 1. Weights must not change while pixels are in flight (a pass
 * needs R + C − 2 cycles to drain before the next pass's loads).
 */
import { type Expr, type Ref, add, and, concat, ext, lit, mux, not, or, slice, sTy, uTy, unsignedWidthFor } from "../ast.js";
import type { Generated } from "../generated.js";
import { type Module, ModuleBuilder, iff, nb, type Stmt } from "../module.js";
import { type LaneConfig, checkAccBits, laneDot, laneInfo, peName } from "./pe.js";
import { RtlError } from "../../src/errors.js";

export type Dataflow = "os" | "ws";

export interface ArrayConfig extends LaneConfig {
  readonly rows: number;
  readonly cols: number;
  readonly accBits: number;
  readonly dataflow: Dataflow;
}

export function arrayName(c: ArrayConfig): string {
  return `${peName(c).replace("quarch_pe_", `quarch_${c.dataflow}_array_${c.rows}x${c.cols}_`)}`;
}

function checkArray(c: ArrayConfig): void {
  checkAccBits(c, "array");
  for (const [k, v] of [["rows", c.rows], ["cols", c.cols]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 64) throw new RtlError({ path: `array.${k}`, message: "out of range", given: String(v), expected: "an integer in [1, 64]" });
  }
}

const U1 = uTy(1);

/** An OS cell: forwards a (with flags) right and w down; accumulates; captures its sum on `last`. */
function osCell(c: ArrayConfig): Module {
  const L = laneInfo(c).laneBits;
  const b = new ModuleBuilder(`${arrayName(c)}_cell`, ["Output-stationary cell: forwards operands, accumulates, captures the sum when `last` passes."]);
  const clk = b.input("clk", U1);
  const rst = b.input("rst", U1);
  const aIn = b.input("a_in", uTy(L));
  const wIn = b.input("w_in", uTy(L));
  const vIn = b.input("v_in", U1);
  const fIn = b.input("f_in", U1);
  const lIn = b.input("l_in", U1);
  const aOut = b.outputReg("a_out", uTy(L));
  const wOut = b.outputReg("w_out", uTy(L));
  const vOut = b.outputReg("v_out", U1);
  const fOut = b.outputReg("f_out", U1);
  const lOut = b.outputReg("l_out", U1);
  const res = b.outputReg("res", sTy(c.accBits));
  const acc = b.reg("acc", sTy(c.accBits));
  const dot = laneDot(b, "lane", aIn, wIn, c);
  const next = b.wire("acc_next", add(mux(fIn, lit(sTy(c.accBits), 0), acc), ext(dot, c.accBits)));
  b.always(clk, [
    nb(aOut, aIn), nb(wOut, wIn), nb(fOut, fIn), nb(lOut, lIn),
    iff(rst, [nb(vOut, lit(U1, 0))], [nb(vOut, vIn)]),
    iff(vIn, [nb(acc, next)]),
    iff(and(vIn, lIn), [nb(res, next)]),
  ]);
  return b.build();
}

/** A WS cell: a stationary weight (loaded through a shift chain), a forwarded, partial sums down. */
function wsCell(c: ArrayConfig): Module {
  const L = laneInfo(c).laneBits;
  const b = new ModuleBuilder(`${arrayName(c)}_cell`, ["Weight-stationary cell: stationary weight, forwards activations right, adds into the partial sum from above."]);
  const clk = b.input("clk", U1);
  const rst = b.input("rst", U1);
  const aIn = b.input("a_in", uTy(L));
  const vIn = b.input("v_in", U1);
  const psumIn = b.input("psum_in", sTy(c.accBits));
  const load = b.input("load", U1);
  const wIn = b.input("w_in", uTy(L));
  const aOut = b.outputReg("a_out", uTy(L));
  const vOut = b.outputReg("v_out", U1);
  const psumOut = b.outputReg("psum_out", sTy(c.accBits));
  const w = b.outputReg("w_out", uTy(L));
  const dot = laneDot(b, "lane", aIn, w, c);
  b.always(clk, [
    nb(aOut, aIn),
    iff(rst, [nb(vOut, lit(U1, 0))], [nb(vOut, vIn)]),
    iff(load, [nb(w, wIn)]),
    nb(psumOut, add(psumIn, ext(dot, c.accBits))),
  ]);
  return b.build();
}

/** A chain of `depth` registers (depth 0: the signal itself); statements go into `stmts`. */
export function delay(b: ModuleBuilder, stmts: Stmt[], name: string, x: Expr, depth: number, lintOff: readonly string[] = []): Expr {
  let cur = x;
  for (let k = 0; k < depth; k++) {
    const r = b.reg(`${name}_d${k}`, x.ty, lintOff);
    stmts.push(nb(r, cur));
    cur = r;
  }
  return cur;
}

function lane(b: ModuleBuilder, name: string, bus: Ref, i: number, width: number): Ref {
  return b.wire(name, slice(bus, (i + 1) * width - 1, i * width));
}

export function generateOsArray(c: ArrayConfig): Generated {
  checkArray(c);
  const { rows: R, cols: C, accBits: A } = c;
  const L = laneInfo(c).laneBits;
  const cell = osCell(c);
  const b = new ModuleBuilder(arrayName(c), [
    `${R}x${C} output-stationary systolic array (${laneInfo(c).elements} operand(s) of ${laneInfo(c).elementBits} bit(s) per PE per step), ${A}-bit accumulators.`,
    `Timing: latency ${C + 1} cycles (last step -> row 0's results), then one row per cycle; II 1 step per cycle; passes of >= max(R, C) steps may follow directly.`,
  ]);
  const clk = b.input("clk", U1);
  const rst = b.input("rst", U1);
  const inValid = b.input("in_valid", U1);
  const inFirst = b.input("in_first", U1);
  const inLast = b.input("in_last", U1);
  const aRow = b.input("a_row", uTy(R * L));
  const wCol = b.input("w_col", uTy(C * L));
  const inReady = b.output("in_ready", U1);
  const outValid = b.outputReg("out_valid", U1);
  const rowBits = unsignedWidthFor(Math.max(1, R - 1));
  const outRow = b.outputReg("out_row", uTy(rowBits));
  const outData = b.outputReg("out_data", uTy(C * A));
  b.assign(inReady, lit(U1, 1));
  const stmts: Stmt[] = [];
  const ctrl = b.wire("ctrl", concat([inValid, inFirst, inLast]));
  // Input skew: row r (operands and flags) r cycles, column c c cycles.
  const aSk: Expr[] = [];
  const fSk: Expr[] = [];
  for (let r = 0; r < R; r++) {
    aSk.push(delay(b, stmts, `skew_a${r}`, lane(b, `a_lane${r}`, aRow, r, L), r));
    fSk.push(delay(b, stmts, `skew_f${r}`, ctrl, r));
  }
  const wSk: Expr[] = [];
  for (let k = 0; k < C; k++) wSk.push(delay(b, stmts, `skew_w${k}`, lane(b, `w_lane${k}`, wCol, k, L), k));
  const res: Ref[][] = [];
  const lastCol: { v: Ref; l: Ref }[] = [];
  let wAbove: Expr[] = wSk;
  for (let r = 0; r < R; r++) {
    const f = b.wire(`flags${r}`, fSk[r]!);
    let a: Expr = aSk[r]!;
    let v: Expr = slice(f, 2, 2);
    let fi: Expr = slice(f, 1, 1);
    let la: Expr = slice(f, 0, 0);
    const row: Ref[] = [];
    const wBelow: Expr[] = [];
    for (let k = 0; k < C; k++) {
      const p = `pe${r}_${k}`;
      // Operands leaving the array's right and bottom edges are not used.
      const right = k === C - 1 ? ["UNUSEDSIGNAL"] : [];
      const aO = b.wireFromInstance(`${p}_a`, uTy(L), right);
      const wO = b.wireFromInstance(`${p}_w`, uTy(L), r === R - 1 ? ["UNUSEDSIGNAL"] : []);
      const vO = b.wireFromInstance(`${p}_v`, U1);
      const fO = b.wireFromInstance(`${p}_f`, U1, right);
      const lO = b.wireFromInstance(`${p}_l`, U1);
      const rO = b.wireFromInstance(`${p}_res`, sTy(A));
      b.instance(cell, p, { clk, rst, a_in: a, w_in: wAbove[k]!, v_in: v, f_in: fi, l_in: la, a_out: aO, w_out: wO, v_out: vO, f_out: fO, l_out: lO, res: rO });
      a = aO;
      v = vO;
      fi = fO;
      la = lO;
      row.push(rO);
      wBelow.push(wO);
      if (k === C - 1) lastCol.push({ v: vO, l: lO });
    }
    wAbove = wBelow;
    res.push(row);
  }
  // Drain: row r leaves when its last column has captured (exactly one row per cycle).
  const rowData = res.map((row, r) => b.wire(`row_data${r}`, concat([...row].reverse())));
  const trig = lastCol.map((x, r) => b.wire(`row_done${r}`, and(x.v, x.l)));
  let data: Expr = rowData[R - 1]!;
  let idx: Expr = lit(uTy(rowBits), R - 1);
  let any: Expr = trig[R - 1]!;
  for (let r = R - 2; r >= 0; r--) {
    data = mux(trig[r]!, rowData[r]!, data);
    idx = mux(trig[r]!, lit(uTy(rowBits), r), idx);
    any = or(trig[r]!, any);
  }
  stmts.push(nb(outData, data), nb(outRow, idx));
  b.always(clk, [...stmts, iff(rst, [nb(outValid, lit(U1, 0))], [nb(outValid, any)])]);
  return { module: b.build(), files: new Map(), timing: { latencyCycles: C + 1, iiCycles: 1, why: `skew to column ${C - 1} plus the output register` } };
}

export function generateWsArray(c: ArrayConfig): Generated {
  checkArray(c);
  const { rows: R, cols: C, accBits: A } = c;
  const L = laneInfo(c).laneBits;
  const cell = wsCell(c);
  const latency = R + C - 1;
  const b = new ModuleBuilder(arrayName(c), [
    `${R}x${C} weight-stationary systolic array (${laneInfo(c).elements} operand(s) of ${laneInfo(c).elementBits} bit(s) per PE), ${A}-bit partial sums.`,
    `Timing: latency ${latency} cycles (pixel beat -> its ${C} column sums), II 1; load beats shift one weight row in at the top.`,
  ]);
  const clk = b.input("clk", U1);
  const rst = b.input("rst", U1);
  const inValid = b.input("in_valid", U1);
  const wLoad = b.input("w_load", U1);
  const wRow = b.input("w_row", uTy(C * L));
  const aCol = b.input("a_col", uTy(R * L));
  const inReady = b.output("in_ready", U1);
  const outValid = b.output("out_valid", U1);
  const outData = b.output("out_data", uTy(C * A));
  b.assign(inReady, lit(U1, 1));
  const stmts: Stmt[] = [];
  const load = b.wire("load", and(inValid, wLoad));
  const px = b.wire("px", and(inValid, not(wLoad)));
  const bottom: Ref[] = [];
  let vBottomRight: Ref | undefined;
  let wAbove: Expr[] = Array.from({ length: C }, (_, k) => lane(b, `w_lane${k}`, wRow, k, L));
  let psAbove: Expr[] = Array.from({ length: C }, () => lit(sTy(A), 0));
  for (let r = 0; r < R; r++) {
    let a: Expr = delay(b, stmts, `skew_a${r}`, lane(b, `a_lane${r}`, aCol, r, L), r);
    let v: Expr = delay(b, stmts, `skew_v${r}`, px, r);
    const wBelow: Expr[] = [];
    const psBelow: Expr[] = [];
    for (let k = 0; k < C; k++) {
      const p = `pe${r}_${k}`;
      const right = k === C - 1 ? ["UNUSEDSIGNAL"] : [];
      const aO = b.wireFromInstance(`${p}_a`, uTy(L), right);
      const vO = b.wireFromInstance(`${p}_v`, U1, k === C - 1 && r !== R - 1 ? ["UNUSEDSIGNAL"] : []);
      const wO = b.wireFromInstance(`${p}_w`, uTy(L), r === R - 1 ? ["UNUSEDSIGNAL"] : []);
      const psO = b.wireFromInstance(`${p}_psum`, sTy(A));
      b.instance(cell, p, { clk, rst, a_in: a, v_in: v, psum_in: psAbove[k]!, load, w_in: wAbove[k]!, a_out: aO, v_out: vO, psum_out: psO, w_out: wO });
      a = aO;
      v = vO;
      wBelow.push(wO);
      psBelow.push(psO);
      if (r === R - 1 && k === C - 1) vBottomRight = vO;
    }
    wAbove = wBelow;
    psAbove = psBelow;
    if (r === R - 1) bottom.push(...psBelow.map((e) => e as Ref));
  }
  // De-skew: column c is C − 1 − c cycles ahead of the last column.
  const aligned = bottom.map((e, k) => delay(b, stmts, `deskew${k}`, e, C - 1 - k));
  b.assign(outData, concat([...aligned].reverse()));
  b.assign(outValid, vBottomRight!);
  if (stmts.length > 0) b.always(clk, stmts);
  return { module: b.build(), files: new Map(), timing: { latencyCycles: latency, iiCycles: 1, why: `row skew ${R - 1} + column hops ${C - 1} + the cell register` } };
}

export function generateArray(c: ArrayConfig): Generated {
  return c.dataflow === "os" ? generateOsArray(c) : generateWsArray(c);
}
