/**
 * An analytic LUT / FF / DSP / BRAM estimate in milliseconds, without Yosys, in the style of FINN's
 * per-layer estimates (finn/custom_op/fpgadataflow/matrixvectoractivation.py): a multiplier of W + A
 * bits costs (2⌈(W + A)/6⌉ − 1)·(W + A) LUTs or, when synthesis puts it in DSP slices, ⌈·⌉ DSPs; adders
 * and accumulators one LUT per bit; the sum is scaled by FINN's c1 = 1.1. Rather than one formula per
 * layer type, the rules are applied to the typed Verilog tree, so every generator is covered:
 *   + −: one LUT per bit (xc7 carry chains; iCE40 likewise)      compare: ½ LUT per bit
 *   mux, bitwise ops: ½ LUT per bit on xc7 (two per LUT6), one on iCE40 (LUT4)
 *   variable shift: width·⌈log2 width⌉ / 2 (xc7) or ·1 (iCE40); by a constant: wiring, free
 *   product: DSP48E1 when its result is ≥ 9 bits (as Yosys's xilinx_dsp maps), ⌈a/25⌉·⌈b/18⌉ of them;
 *            else FINN's LUT formula. iCE40 HX has no DSPs: always LUTs.
 *   registers: one FF per bit; ROMs and RAMs: xc7 LUTs of 64×1 (or RAMB18 past 16 Kbit), iCE40 LUTs of
 *            16×1 (or 4 Kbit SB_RAM40_4K past 2 Kbit).
 * Constant subtrees cost nothing. The estimate's error against Yosys is reported by the tests and bench;
 * it is a rough guide, as FINN's are (FINN accepts ±15 % on cycles, and its LUT formulas are looser).
 */
import type { Expr } from "./ast.js";
import type { Module, Stmt } from "./module.js";
import type { SynthTarget } from "./run/lint-synth.js";

export interface AreaEstimate {
  readonly target: SynthTarget;
  readonly luts: number;
  readonly ffs: number;
  readonly dsps: number;
  readonly brams: number;
}

const C1 = 1.1;

interface Acc {
  luts: number;
  ffs: number;
  dsps: number;
  brams: number;
}

export function estimateArea(top: Module, target: SynthTarget): AreaEstimate {
  const acc: Acc = { luts: 0, ffs: 0, dsps: 0, brams: 0 };
  visitModule(top, target, acc);
  return { target, luts: Math.round(acc.luts * C1), ffs: acc.ffs, dsps: acc.dsps, brams: acc.brams };
}

/** Non-blocking assignments by register name (reset branches excluded: a reset value is not logic). */
function assignments(body: readonly Stmt[], out: Map<string, Expr[]>, underReset: boolean): void {
  for (const s of body) {
    if (s.kind === "nb") {
      if (!underReset && s.target.kind === "reg") out.set(s.target.name, [...(out.get(s.target.name) ?? []), s.value]);
    } else if (s.kind === "if") {
      const isReset = s.cond.kind === "ref" && s.cond.name === "rst";
      assignments(s.then, out, underReset || isReset);
      assignments(s.else, out, underReset);
    } else {
      for (const a of s.arms) assignments(a.body, out, underReset);
      assignments(s.default, out, underReset);
    }
  }
}

function visitModule(m: Module, target: SynthTarget, acc: Acc): void {
  // Constants as synthesis sees them: localparams, and wires and registers only ever given constants
  // (a frozen requantizer's shift pipeline), found by iterating to a fixpoint.
  const consts = new Set<string>();
  for (const it of m.items) if (it.kind === "localparam") consts.add(it.name);
  const regValues = new Map<string, Expr[]>();
  for (const it of m.items) if (it.kind === "always") assignments(it.body, regValues, false);
  const wireValues = new Map<string, Expr>();
  for (const it of m.items) if (it.kind === "wire" && it.value !== undefined) wireValues.set(it.name, it.value);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [n, v] of wireValues) if (!consts.has(n) && isConstIn(v, consts)) {
      consts.add(n);
      changed = true;
    }
    for (const [n, vs] of regValues) if (!consts.has(n) && vs.length > 0 && vs.every((v) => isConstIn(v, consts))) {
      consts.add(n);
      changed = true;
    }
  }
  const isConst = (e: Expr): boolean => isConstIn(e, consts);
  // Products that land in DSP slices take their accumulator (adder and register) with them.
  const dsp = new Set<string>();
  const fromDsp = (e: Expr): boolean => (e.kind === "ref" && dsp.has(e.name)) || (e.kind === "ext" && dsp.has(e.of.name));
  const xc7 = target === "xc7";
  const dspProduct = (e: Expr): boolean => xc7 && e.kind === "mulFull" && e.a.ty.width + e.b.ty.width >= 9;
  for (const [n, v] of wireValues) if (dspProduct(v) || fromDsp(v)) dsp.add(n);
  const absorbedRegs = new Set<string>();
  const postAdder = (e: Expr): boolean => e.kind === "bin" && e.op === "+" && (fromDsp(e.a) || fromDsp(e.b));
  for (const [n, vs] of regValues) if (vs.length > 0 && vs.every(postAdder) && vs[0]!.ty.width <= 48) absorbedRegs.add(n);
  // Significant widths: a sign- or zero-extended value carries no more information than its source, and
  // synthesis trims the copies (Yosys's wreduce). Registers iterate to a fixpoint (accumulators grow).
  const sigOf = new Map<string, number>();
  const sig = (e: Expr): number => {
    const w = e.ty.width;
    switch (e.kind) {
      case "const": {
        let b = 1;
        while (b < w && !(e.value >= -(1n << BigInt(b - 1)) && e.value < 1n << BigInt(b - 1))) b++;
        return b;
      }
      case "ref":
        return Math.min(w, sigOf.get(e.name) ?? w);
      case "mem":
      case "slice":
      case "concat":
        return w;
      case "ext":
        return Math.min(w, sig(e.of) + (e.of.ty.signed ? 0 : 1));
      case "cast":
      case "not":
        return sig(e.kind === "cast" ? e.of : e.a);
      case "bin":
        return Math.min(w, Math.max(sig(e.a), sig(e.b)) + (e.op === "+" || e.op === "-" ? 1 : 0));
      case "mulFull":
        return Math.min(w, sig(e.a) + sig(e.b));
      case "shift":
        if (e.amount.kind === "const") {
          const k = Number(e.amount.value);
          return e.op === "<<" ? Math.min(w, sig(e.a) + k) : Math.max(1, sig(e.a) - k);
        }
        return w;
      case "neg":
        return Math.min(w, sig(e.a) + 1);
      case "mux":
        return Math.max(sig(e.a), sig(e.b));
      case "cmp":
      case "reduce":
        return 1;
      default: {
        const never: never = e;
        return never;
      }
    }
  };
  for (const [n, v] of wireValues) sigOf.set(n, sig(v));
  for (const n of regValues.keys()) sigOf.set(n, 1);
  for (let round = 0; round < 80; round++) {
    let changed = false;
    for (const [n, v] of wireValues) {
      const x = sig(v);
      if (x !== sigOf.get(n)) {
        sigOf.set(n, x);
        changed = true;
      }
    }
    for (const [n, vs] of regValues) {
      const x = Math.max(1, ...vs.map(sig));
      if (x > (sigOf.get(n) ?? 0)) {
        sigOf.set(n, x);
        changed = true;
      }
    }
    if (!changed) break;
  }

  const bitLuts = (w: number) => (xc7 ? w / 2 : w);
  const expr = (e: Expr): void => {
    if (isConst(e)) return;
    switch (e.kind) {
      case "const":
      case "ref":
      case "mem":
        return;
      case "slice":
      case "ext":
      case "cast":
        expr(e.of);
        return;
      case "bin":
        // A DSP's post-adder takes its operand select with it (the DSP's Z multiplexer).
        if (postAdder(e)) return;
        // Bitwise logic with a constant operand is wiring (bits pass or are fixed); adding a constant
        // needs about half a LUT per bit next to the carry chain.
        if (e.op === "+" || e.op === "-") acc.luts += isConst(e.a) || isConst(e.b) ? sig(e) / 2 : sig(e);
        else if (!(isConst(e.a) || isConst(e.b))) acc.luts += bitLuts(sig(e));
        expr(e.a);
        expr(e.b);
        return;
      case "cmp":
        // A sign test (against constant zero) is one bit; otherwise a carry-chain comparison.
        acc.luts += (e.b.kind === "const" && e.b.value === 0n) || (e.a.kind === "const" && e.a.value === 0n) ? 1 : Math.max(1, Math.max(sig(e.a), sig(e.b)) / (isConst(e.a) || isConst(e.b) ? 4 : 2));
        expr(e.a);
        expr(e.b);
        return;
      case "mulFull": {
        const wa = sig(e.a);
        const wb = sig(e.b);
        const wy = wa + wb;
        if (xc7 && wy >= 9) acc.dsps += Math.ceil(Math.max(wa, wb) / 25) * Math.ceil(Math.min(wa, wb) / 18);
        else acc.luts += (isConst(e.a) || isConst(e.b) ? 0.5 : 1) * (2 * Math.ceil(wy / 6) - 1) * wy;
        expr(e.a);
        expr(e.b);
        return;
      }
      case "shift":
        if (!isConst(e.amount)) acc.luts += (sig(e.a) * Math.min(e.amount.ty.width, Math.ceil(Math.log2(Math.max(2, e.ty.width))))) / (xc7 ? 2 : 1);
        expr(e.a);
        expr(e.amount);
        return;
      case "not":
        expr(e.a);
        return;
      case "neg":
        acc.luts += sig(e);
        expr(e.a);
        return;
      case "reduce":
        acc.luts += Math.ceil(e.a.ty.width / (xc7 ? 6 : 4));
        expr(e.a);
        return;
      case "mux":
        acc.luts += bitLuts(sig(e));
        expr(e.sel);
        expr(e.a);
        expr(e.b);
        return;
      case "concat":
        for (const p of e.parts) expr(p);
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  };
  const stmt = (s: Stmt): void => {
    switch (s.kind) {
      case "nb":
        expr(s.value);
        if (s.target.kind === "word") expr(s.target.index);
        return;
      case "if":
        expr(s.cond);
        s.then.forEach(stmt);
        s.else.forEach(stmt);
        return;
      case "case":
        expr(s.subject);
        s.arms.forEach((a) => a.body.forEach(stmt));
        s.default.forEach(stmt);
        return;
      default: {
        const never: never = s;
        return never;
      }
    }
  };
  const ffBits = (name: string, width: number) => (absorbedRegs.has(name) || consts.has(name) ? 0 : Math.min(width, sigOf.get(name) ?? width));
  for (const p of m.ports) if (p.reg) acc.ffs += ffBits(p.name, p.ty.width);
  for (const it of m.items) {
    switch (it.kind) {
      case "reg":
        acc.ffs += ffBits(it.name, it.ty.width);
        break;
      case "wire":
        if (it.value !== undefined) expr(it.value);
        break;
      case "assign":
        expr(it.value);
        break;
      case "always":
        it.body.forEach(stmt);
        break;
      case "mem": {
        const bits = it.ty.width * it.depth;
        const [bramBits, lutDepth, threshold] = xc7 ? [18432, 64, 16384] : [4096, 16, 2048];
        if (bits > threshold) acc.brams += Math.ceil(bits / bramBits);
        else acc.luts += it.ty.width * Math.ceil(it.depth / lutDepth);
        break;
      }
      case "instance":
        visitModule(it.module, target, acc);
        break;
      case "localparam":
      case "comment":
      case "verbatim":
        break;
      default: {
        const never: never = it;
        throw new Error(`internal: item ${String(never)}`);
      }
    }
  }
}


function isConstIn(e: Expr, consts: ReadonlySet<string>): boolean {
  const isConst = (x: Expr): boolean => isConstIn(x, consts);
    switch (e.kind) {
      case "const":
        return true;
      case "ref":
        return consts.has(e.name);
      case "mem":
        return false;
      case "slice":
      case "ext":
        return isConst(e.of);
      case "cast":
        return isConst(e.of);
      case "bin":
      case "cmp":
      case "mulFull":
        return isConst(e.a) && isConst(e.b);
      case "shift":
        return isConst(e.a) && isConst(e.amount);
      case "not":
      case "neg":
      case "reduce":
        return isConst(e.a);
      case "mux":
        return isConst(e.sel) && isConst(e.a) && isConst(e.b);
      case "concat":
        return e.parts.every(isConst);
      default: {
        const never: never = e;
        return never;
      }
    }
}

/** Relative error of an estimate against a measured count (0 when both are 0). */
export function relativeError(estimate: number, measured: number): number {
  if (measured === 0) return estimate === 0 ? 0 : 1;
  return (estimate - measured) / measured;
}
