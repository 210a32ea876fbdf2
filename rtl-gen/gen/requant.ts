/**
 * The requantizer: an int32 accumulator → multiplier/shift with a named rounding → + zero point → clamp,
 * bit for bit as src/quant/fixed-point.ts defines each mode (the same numerics spec the kernels use):
 *   double            RDBPOT(SRDHM(x·2^left, M), right)            (TFLite / TFLite Micro / CMSIS-NN)
 *   single            int32((x·M + 2^(t−1)) >> t), t = 31 − shift   (ruy / XNNPACK)
 *   dyadic-<rounding> round(x·M / 2^t) with that tie rule, not wrapped
 * Five register stages: operand (x·2^left for double) → 32×32 product → first rounding → second rounding →
 * + zero point and clamp. Latency 5, II 1.
 *
 * Variants: the mode is frozen or a 3-bit run-time input (one Verilator build covers all six modes); the
 * multiplier and shift are run-time inputs, frozen constants, or per-channel ROMs ($readmemh) indexed by a
 * channel input; zero point and clamp are inputs or frozen. `fault: "unsigned-shift"` builds the classic bug
 * (the shift declared unsigned) on purpose, as a negative control the vectors must catch.
 */
import { RtlError } from "../../src/errors.js";
import type { QType } from "../../src/ir/dtype.js";
import { FIXED_MODES, type FixedMode } from "../../src/ir/requant.js";
import {
  type Expr, type Ref, type Ty, add, and, asSigned, asUnsigned, bit, eq, ext, ge, gt, lit, lt, mulFull, mux, neg, not, or, shift, sTy, sub, trunc, uTy,
} from "../ast.js";
import { type Generated, hexWords } from "../generated.js";
import { ModuleBuilder, type MemHandle, iff, nb, type Stmt } from "../module.js";

export const MODE_CODES: Readonly<Record<FixedMode, number>> = {
  double: 0, single: 1, "dyadic-floor": 2, "dyadic-half-up": 3, "dyadic-half-away": 4, "dyadic-half-even": 5,
};

export type RequantCoeffs =
  | { readonly kind: "port" }
  | { readonly kind: "const"; readonly multiplier: number; readonly shift: number }
  | { readonly kind: "rom"; readonly multiplier: readonly number[]; readonly shift: readonly number[] };

export type RequantOutput = { readonly kind: "port" } | { readonly kind: "const"; readonly zeroPoint: number; readonly clampMin: number; readonly clampMax: number };

export interface RequantConfig {
  readonly mode: FixedMode | "runtime";
  readonly coeffs: RequantCoeffs;
  readonly output: RequantOutput;
  readonly outType: QType;
  /** Deliberately wrong variant (negative control). */
  readonly fault?: "unsigned-shift";
  /** Module name (default: derived from the configuration). */
  readonly name?: string;
}

export const REQUANT_LATENCY = 5;

/** Width of the zero-point and clamp ports: the output type plus a sign bit (uint8's 255 needs 9). */
export function zpBits(t: QType): number {
  return t.bits + 1;
}

export function requantName(c: RequantConfig): string {
  const mode = c.mode === "runtime" ? "rt" : c.mode.replace("dyadic-", "dy_").replace("-", "_");
  const co = c.coeffs.kind === "port" ? "p" : c.coeffs.kind === "rom" ? `rom${c.coeffs.multiplier.length}` : `m${c.coeffs.multiplier}_s${c.coeffs.shift < 0 ? `n${-c.coeffs.shift}` : c.coeffs.shift}`;
  const out = c.output.kind === "port" ? "p" : `z${c.output.zeroPoint < 0 ? `n${-c.output.zeroPoint}` : c.output.zeroPoint}`;
  return c.name ?? `quarch_requant_${mode}_${co}_${out}_${c.outType.signed ? "s" : "u"}${c.outType.bits}${c.fault === undefined ? "" : "_bug_unsigned_shift"}`;
}

function checkConfig(c: RequantConfig): void {
  const problems: { path: string; message: string; given: string; expected: string }[] = [];
  const shiftRange = (mode: FixedMode | "runtime"): [number, number] => (mode === "double" || mode === "runtime" ? [-31, 31] : [-31, 30]);
  const [slo, shi] = shiftRange(c.mode);
  const coeff = (m: number, s: number, at: string) => {
    if (!Number.isInteger(m) || m < 0 || m > 2147483647) problems.push({ path: `${at}.multiplier`, message: "is not an int32 ≥ 0", given: String(m), expected: "[0, 2^31 − 1]" });
    if (!Number.isInteger(s) || s < slo || s > shi) problems.push({ path: `${at}.shift`, message: `cannot be applied in ${c.mode} rounding`, given: String(s), expected: `[${slo}, ${shi}]` });
  };
  if (c.coeffs.kind === "const") coeff(c.coeffs.multiplier, c.coeffs.shift, "requant");
  if (c.coeffs.kind === "rom") {
    if (c.coeffs.multiplier.length !== c.coeffs.shift.length || c.coeffs.multiplier.length === 0) problems.push({ path: "requant.rom", message: "multiplier and shift tables differ in length", given: `${c.coeffs.multiplier.length} and ${c.coeffs.shift.length}`, expected: "equal, non-empty" });
    c.coeffs.multiplier.forEach((m, i) => coeff(m, c.coeffs.kind === "rom" ? c.coeffs.shift[i]! : 0, `requant.rom[${i}]`));
  }
  if (c.outType.bits < 2 || c.outType.bits > 32) problems.push({ path: "requant.outType", message: "output width out of range", given: String(c.outType.bits), expected: "2..32 bits" });
  if (c.output.kind === "const") {
    const lo = c.outType.signed ? -(2 ** (c.outType.bits - 1)) : 0;
    const hi = c.outType.signed ? 2 ** (c.outType.bits - 1) - 1 : 2 ** c.outType.bits - 1;
    const { zeroPoint: z, clampMin: a, clampMax: b } = c.output;
    if (!(a >= lo && b <= hi && a <= b)) problems.push({ path: "requant.clamp", message: "is not inside the output type's range", given: `[${a}, ${b}]`, expected: `lo ≤ hi within [${lo}, ${hi}]` });
    if (!(z >= -(2 ** c.outType.bits) && z < 2 ** c.outType.bits)) problems.push({ path: "requant.zeroPoint", message: "does not fit", given: String(z), expected: `a ${zpBits(c.outType)}-bit signed value` });
  }
  if (problems.length > 0) throw new RtlError(problems);
}

/** Double rounding's left and right shifts (shift > 0 shifts x left first; else rounds right by −shift). */
function doubleShifts(b: ModuleBuilder, sh: Ref): { left: Expr; right: Expr } {
  const positive = b.wire("sh_pos", gt(sh, lit(sh.ty, 0)));
  const shLow = b.wire("sh_low", trunc(sh, 5), ["UNUSEDSIGNAL"]);
  const left = b.wire("left", mux(positive, asUnsigned(shLow), lit(uTy(5), 0)));
  // −shift for shift ≤ 0 (0..32); with an unsigned shift the same bits mean something else: the bug modelled.
  const negated = b.wire("sh_neg", sh.ty.signed ? asUnsigned(neg(sh)) : sub(lit(uTy(6), 0), sh));
  const right = b.wire("right", mux(positive, lit(uTy(6), 0), negated));
  return { left, right };
}

/** t = 31 − shift for single and dyadic rounding (0..63). */
function totalShift(b: ModuleBuilder, sh: Ref): Expr {
  const sh8 = b.wire("sh8", ext(sh, 8));
  const t8 = b.wire("t8", sub(lit(sh8.ty, 31), sh8), ["UNUSEDSIGNAL"]);
  return b.wire("t", asUnsigned(trunc(t8, 6)));
}

interface Staged {
  readonly valid: Ref;
  readonly zp: Expr;
  readonly lo: Expr;
  readonly hi: Expr;
  readonly mode: Expr | undefined;
}

/** The requantizer module (see the file comment for the variants). */
export function generateRequant(c: RequantConfig): Generated {
  checkConfig(c);
  const name = requantName(c);
  const modes: readonly FixedMode[] = c.mode === "runtime" ? FIXED_MODES : [c.mode];
  const has = (m: FixedMode) => modes.includes(m);
  const hasDyadic = modes.some((m) => m.startsWith("dyadic-"));
  const b = new ModuleBuilder(name, [
    `Requantizer: int32 accumulator -> ${c.mode === "runtime" ? "run-time rounding mode (0 double, 1 single, 2..5 dyadic floor/half-up/half-away/half-even)" : `${c.mode} rounding`}, ` +
      `${c.coeffs.kind === "port" ? "run-time" : c.coeffs.kind === "const" ? "frozen" : "per-channel ROM"} multiplier/shift, + zero point, clamp, ${c.outType.signed ? "" : "u"}int${c.outType.bits} out.`,
    `Timing: latency ${REQUANT_LATENCY} cycles (operand, product, rounding 1, rounding 2, zero point + clamp), II 1.`,
    ...(c.fault === undefined ? [] : ["DELIBERATELY WRONG: the shift is declared unsigned (negative control; vectors must fail)."]),
  ]);
  const files = new Map<string, string>();
  const clk = b.input("clk", uTy(1));
  const rst = b.input("rst", uTy(1));
  const inValid = b.input("in_valid", uTy(1));
  const acc = b.input("acc", sTy(32));
  const modeIn = c.mode === "runtime" ? b.input("mode", uTy(3)) : undefined;
  const shTy: Ty = c.fault === "unsigned-shift" ? uTy(6) : sTy(6);
  let m: Ref;
  let sh: Ref;
  if (c.coeffs.kind === "port") {
    m = b.input("mult", sTy(32));
    sh = b.input("shift", shTy);
  } else if (c.coeffs.kind === "const") {
    m = b.localparam("MULT", sTy(32), c.coeffs.multiplier);
    sh = b.localparam("SHIFT", shTy, shTy.signed ? c.coeffs.shift : c.coeffs.shift & 63);
  } else {
    const n = c.coeffs.multiplier.length;
    const chIn = b.input("ch", uTy(Math.max(1, Math.ceil(Math.log2(n)))));
    const multRom: MemHandle = b.mem("mult_rom", sTy(32), n, `${name}_mult.hex`);
    const shiftRom: MemHandle = b.mem("shift_rom", shTy, n, `${name}_shift.hex`);
    files.set(`${name}_mult.hex`, hexWords(c.coeffs.multiplier, 32));
    files.set(`${name}_shift.hex`, hexWords(c.coeffs.shift, 6));
    m = b.wire("m_rom", multRom.read(chIn));
    sh = b.wire("sh_rom", shiftRom.read(chIn));
  }
  const zt = sTy(zpBits(c.outType));
  const zpIn = c.output.kind === "port" ? b.input("zp", zt) : b.localparam("ZP", zt, c.output.zeroPoint);
  const loIn = c.output.kind === "port" ? b.input("clamp_lo", zt) : b.localparam("CLAMP_LO", zt, c.output.clampMin);
  const hiIn = c.output.kind === "port" ? b.input("clamp_hi", zt) : b.localparam("CLAMP_HI", zt, c.output.clampMax);
  const inReady = b.output("in_ready", uTy(1));
  const outValid = b.outputReg("out_valid", uTy(1));
  const outTy: Ty = { width: c.outType.bits, signed: c.outType.signed };
  const y = b.outputReg("y", outTy);
  b.assign(inReady, lit(uTy(1), 1));

  const isMode = (mode: Expr | undefined, mm: FixedMode): Expr => (mode === undefined ? lit(uTy(1), c.mode === mm ? 1 : 0) : eq(mode, lit(uTy(3), MODE_CODES[mm])));
  const stmts: Stmt[] = [];
  const carry = (prev: Staged, stage: number, keepMode = true): Staged => {
    const valid = b.reg(`v${stage}`, uTy(1));
    stmts.push(nb(valid, prev.valid));
    const keep = (e: Expr, n: string): Expr => {
      if (e.kind === "ref" && /^[A-Z_]+$/.test(e.name)) return e; // frozen constants need no pipeline copy
      const r = b.reg(`${n}${stage}`, e.ty);
      stmts.push(nb(r, e));
      return r;
    };
    return { valid, zp: keep(prev.zp, "zp"), lo: keep(prev.lo, "lo"), hi: keep(prev.hi, "hi"), mode: prev.mode === undefined || !keepMode ? undefined : keep(prev.mode, "mode") };
  };

  // Stage 1: shift decomposition and the multiplier's operand (x·2^left wraps as int32 for double).
  const needT = modes.some((mm) => mm !== "double");
  const dbl = has("double") ? doubleShifts(b, sh) : undefined;
  const t = needT ? totalShift(b, sh) : undefined;
  const s0: Staged = { valid: inValid, zp: zpIn, lo: loIn, hi: hiIn, mode: modeIn };
  const s1 = carry(s0, 1);
  const dblOperand = dbl === undefined ? undefined : b.wire("x_left", shift("<<", acc, dbl.left));
  const operand = dblOperand === undefined ? acc : modes.length === 1 ? dblOperand : mux(isMode(modeIn, "double"), dblOperand, acc);
  const r1Op = b.reg("op1", sTy(32));
  const r1M = b.reg("m1", sTy(32));
  stmts.push(nb(r1Op, operand), nb(r1M, m));
  // Pipeline copies of a value for stages from..to (registers named <n><stage>).
  const pipe = (e: Expr, n: string, from: number, to: number): Ref[] => {
    const out: Ref[] = [];
    let prev = e;
    for (let k = from; k <= to; k++) {
      const r = b.reg(`${n}${k}`, e.ty);
      stmts.push(nb(r, prev));
      out.push(r);
      prev = r;
    }
    return out;
  };
  const rights = dbl === undefined ? [] : pipe(dbl.right, "right", 1, 3);
  const ts = t === undefined ? [] : pipe(t, "t", 1, has("single") ? 3 : 2);
  const int32Min = lit(sTy(32), -2147483648n);
  const sats = dbl === undefined ? [] : pipe(and(eq(operand, int32Min), eq(m, int32Min)), "sat", 1, 2);

  // Stage 2: the 32×32 → 64 product.
  const s2 = carry(s1, 2);
  const prod = b.wire("prod", mulFull(r1Op, r1M));
  const r2Prod = b.reg("prod2", sTy(64));
  stmts.push(nb(r2Prod, prod));

  // Stage 3: first rounding of each mode.
  const s3 = carry(s2, 3);
  const s64 = sTy(64);
  const one64 = lit(s64, 1);
  const r2T = ts[1];
  let tNonZero: Ref | undefined;
  let half: Ref | undefined;
  const needHalf = has("single") || modes.some((mm) => mm.startsWith("dyadic-half-"));
  if (r2T !== undefined && needHalf) {
    tNonZero = b.wire("t_nz", not(eq(r2T, lit(uTy(6), 0))));
    const tMinus1 = b.wire("t_m1", sub(r2T, lit(uTy(6), 1)));
    half = b.wire("half", mux(tNonZero, shift("<<", one64, tMinus1), lit(s64, 0)));
  }
  const regs3: { h?: Ref; sv?: Ref; q?: Ref; gtHalf?: Ref; eqHalf?: Ref; neg?: Ref } = {};
  if (has("double")) {
    // SRDHM: (ab + nudge) / 2^31 truncating toward zero; nudge = 2^30, or 1 − 2^30 for negative products.
    const nudge = mux(ge(r2Prod, lit(s64, 0)), lit(s64, 1073741824), lit(s64, 1 - 1073741824));
    const v = b.wire("srdhm_v", add(r2Prod, nudge));
    const biased = b.wire("srdhm_b", mux(lt(v, lit(s64, 0)), add(v, lit(s64, 2147483647)), v));
    const q = b.wire("srdhm_q", shift(">>>", biased, lit(uTy(5), 31)), ["UNUSEDSIGNAL"]);
    const h = mux(sats[1]!, lit(sTy(32), 2147483647), trunc(q, 32));
    regs3.h = b.reg("h3", sTy(32));
    stmts.push(nb(regs3.h, h));
  }
  if (has("single")) {
    regs3.sv = b.reg("sv3", s64);
    stmts.push(nb(regs3.sv, add(r2Prod, half!)));
  }
  if (hasDyadic) {
    regs3.q = b.reg("q3", s64);
    stmts.push(nb(regs3.q, shift(">>>", r2Prod, r2T!)));
    // Only the tie-breaking modes need the remainder's comparison with one half (and half-away the sign).
    if (modes.some((mm) => mm.startsWith("dyadic-half-"))) {
      const mask = b.wire("rem_mask", sub(shift("<<", one64, r2T!), one64));
      const rem = b.wire("rem", and(r2Prod, mask));
      regs3.gtHalf = b.reg("gt3", uTy(1));
      regs3.eqHalf = b.reg("eq3", uTy(1));
      stmts.push(nb(regs3.gtHalf, gt(rem, half!)), nb(regs3.eqHalf, and(eq(rem, half!), tNonZero!)));
    }
    if (has("dyadic-half-away")) {
      regs3.neg = b.reg("neg3", uTy(1));
      stmts.push(nb(regs3.neg, lt(r2Prod, lit(s64, 0))));
    }
  }
  const r3Right = rights[2];
  const r3T = ts[2];

  // Stage 4: second rounding / final shift; every mode's result as a 64-bit signed value.
  const s4 = carry(s3, 4, false);
  const results: [FixedMode, Expr][] = [];
  if (regs3.h !== undefined) {
    // RDBPOT: x / 2^e rounded half away from zero: (x >> e) + (rem > (mask >> 1) + (x < 0)).
    const h = regs3.h;
    const u32 = uTy(32);
    const mask = b.wire("rd_mask", sub(shift("<<", lit(u32, 1), r3Right!), lit(u32, 1)));
    const rem = b.wire("rd_rem", and(asUnsigned(h), mask));
    const thr = b.wire("rd_thr", add(shift(">>", mask, lit(uTy(1), 1)), ext(b.wire("rd_negbit", lt(h, lit(sTy(32), 0))), 32)));
    const up = b.wire("rd_up", ext(b.wire("rd_inc", gt(rem, thr)), 32));
    const r = b.wire("rd_res", add(shift(">>>", h, r3Right!), asSigned(up)));
    results.push(["double", ext(r, 64)]);
  }
  if (regs3.sv !== undefined) {
    const shifted = b.wire("single_sh", shift(">>>", regs3.sv, r3T!), ["UNUSEDSIGNAL"]);
    const wrapped = b.wire("single_res", trunc(shifted, 32));
    results.push(["single", ext(wrapped, 64)]);
  }
  if (regs3.q !== undefined) {
    const q = regs3.q;
    const one = lit(s64, 1);
    const zero = lit(s64, 0);
    const inc = (e: Expr) => mux(e, one, zero);
    const gtH = regs3.gtHalf;
    const eqH = regs3.eqHalf;
    const rule = (mm: FixedMode): Expr => {
      switch (mm) {
        case "dyadic-half-up":
          return add(q, inc(or(gtH!, eqH!)));
        case "dyadic-half-away":
          return add(q, inc(or(gtH!, and(eqH!, not(regs3.neg!)))));
        case "dyadic-half-even":
          return add(q, inc(or(gtH!, and(eqH!, bit(q, 0)))));
        default:
          return q;
      }
    };
    for (const mm of ["dyadic-floor", "dyadic-half-up", "dyadic-half-away", "dyadic-half-even"] as const) if (has(mm)) results.push([mm, rule(mm)]);
  }
  let res: Expr = results[results.length - 1]![1];
  for (let i = results.length - 2; i >= 0; i--) res = mux(isMode(s3.mode, results[i]![0]), results[i]![1], res);
  const r4 = b.reg("res4", s64);
  stmts.push(nb(r4, res));

  // Stage 5: + zero point, clamp to [lo, hi] (inside the output type), narrow.
  const sum = b.wire("with_zp", add(r4, ext(asRef(b, "zp_x", s4.zp), 64)));
  const lo64 = ext(asRef(b, "lo_x", s4.lo), 64);
  const hi64 = ext(asRef(b, "hi_x", s4.hi), 64);
  const clamped = b.wire("clamped", mux(lt(sum, lo64), lo64, mux(gt(sum, hi64), hi64, sum)), ["UNUSEDSIGNAL"]);
  const narrowed = trunc(clamped, c.outType.bits);
  stmts.push(nb(y, c.outType.signed ? narrowed : asUnsigned(narrowed)));

  b.always(clk, [iff(rst, [nb(outValid, lit(uTy(1), 0)), ...resetValids(stmts)], [...stmts, nb(outValid, s4.valid)])]);
  return {
    module: b.build(),
    files,
    timing: { latencyCycles: REQUANT_LATENCY, iiCycles: 1, why: "five register stages, one beat per cycle" },
  };
}

/** Reset only the valid bits of the pipeline (data registers need none). */
function resetValids(stmts: readonly Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  for (const s of stmts) if (s.kind === "nb" && s.target.kind === "reg" && /^v[0-9]+$/.test(s.target.name)) out.push({ kind: "nb", target: s.target, value: lit(uTy(1), 0) });
  return out;
}

/** A named wire for an expression (extension needs a named signal). */
function asRef(b: ModuleBuilder, name: string, e: Expr): Ref {
  return e.kind === "ref" ? e : b.wire(name, e);
}
