/**
 * MAC processing elements. One 8-bit lane carries one INT8, two INT4 or four INT2 operands (element 0 in
 * the low bits, as quarch packs sub-byte tensors), so INT4 gives two products and INT2 four per cycle from
 * the same operand buses; a binary lane of L bits adds 2·popcount(XNOR(a, w)) − L, the ±1 dot product of
 * L bipolar pairs (bit 1 ↔ +1). The accumulator has a configurable width and wraps, as an int32
 * accumulator does in C. The lane logic is shared with the systolic array cells.
 */
import { RtlError } from "../../src/errors.js";
import {
  type Expr, type Ref, type Ty, add, asSigned, bit, concat, ext, lit, mulFull, mux, not, shift, slice, sTy, sub, uTy, unsignedWidthFor, xor,
} from "../ast.js";
import type { Generated } from "../generated.js";
import { ModuleBuilder, iff, nb } from "../module.js";

export type PePrecision = "int8" | "int4" | "int2" | "binary";
export const PE_PRECISIONS: readonly PePrecision[] = ["int8", "int4", "int2", "binary"];

export interface LaneConfig {
  readonly precision: PePrecision;
  /** Binary lanes: bits per lane (XNOR word width). Integer lanes are 8 bits. */
  readonly laneBits?: number;
  /** Activations signed (default) or unsigned (zero-extended before the multiply). */
  readonly aSigned?: boolean;
}

export interface LaneInfo {
  /** Operands (reduction positions) per lane per cycle. */
  readonly elements: number;
  readonly elementBits: number;
  readonly laneBits: number;
  /** Type of the lane's per-cycle dot product. */
  readonly dot: Ty;
}

export function laneInfo(c: LaneConfig): LaneInfo {
  const aSigned = c.aSigned ?? true;
  switch (c.precision) {
    case "int8":
    case "int4":
    case "int2": {
      const eb = c.precision === "int8" ? 8 : c.precision === "int4" ? 4 : 2;
      const n = 8 / eb;
      // One product: eb + eb bits (plus one when a is unsigned); n products need ⌈log2 n⌉ more.
      const prod = 2 * eb + (aSigned ? 0 : 1);
      return { elements: n, elementBits: eb, laneBits: 8, dot: sTy(prod + Math.ceil(Math.log2(n))) };
    }
    case "binary": {
      const L = c.laneBits ?? 32;
      if (!Number.isInteger(L) || L < 1 || L > 1024) throw new RtlError({ path: "pe.laneBits", message: "binary lane width out of range", given: String(L), expected: "an integer in [1, 1024]" });
      return { elements: L, elementBits: 1, laneBits: L, dot: sTy(unsignedWidthFor(L) + 2) };
    }
    default: {
      const never: never = c.precision;
      return never;
    }
  }
}

/** Σ of single bits as an unsigned count, through a balanced adder tree of named wires. */
export function popcount(b: ModuleBuilder, prefix: string, x: Ref): Ref {
  const outW = unsignedWidthFor(x.ty.width);
  let level: Ref[] = [];
  for (let i = 0; i < x.ty.width; i++) level.push(b.wire(`${prefix}_b${i}`, bit(x, i)));
  let depth = 0;
  while (level.length > 1) {
    const next: Ref[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const l = level[i]!;
      const r = level[i + 1];
      if (r === undefined) {
        next.push(l);
        continue;
      }
      const w = Math.min(outW, Math.max(l.ty.width, r.ty.width) + 1);
      next.push(b.wire(`${prefix}_s${depth}_${i >> 1}`, add(ext(l, w), ext(r, w))));
    }
    level = next;
    depth++;
  }
  const top = level[0]!;
  return top.ty.width === outW ? top : b.wire(`${prefix}_count`, ext(top, outW));
}

/**
 * The lane's dot product of one cycle as a signed wire: Σ_j a_j·w_j over its elements (integer lanes), or
 * 2·popcount(~(a ^ w)) − L (binary lanes).
 */
export function laneDot(b: ModuleBuilder, prefix: string, a: Ref, w: Ref, c: LaneConfig): Ref {
  const info = laneInfo(c);
  if (c.precision === "binary") {
    const agree = b.wire(`${prefix}_xnor`, not(xor(a, w)));
    const count = popcount(b, `${prefix}_pc`, agree);
    const W = info.dot.width;
    const wide = b.wire(`${prefix}_pcw`, ext(count, W));
    const twice = shift("<<", asSigned(wide), lit(uTy(1), 1));
    return b.wire(`${prefix}_dot`, sub(twice, lit(sTy(W), info.laneBits)));
  }
  const eb = info.elementBits;
  const aSigned = c.aSigned ?? true;
  const terms: Ref[] = [];
  for (let j = 0; j < info.elements; j++) {
    const hi = (j + 1) * eb - 1;
    const lo = j * eb;
    const wj = b.wire(`${prefix}_w${j}`, asSigned(slice(w, hi, lo)));
    // An unsigned activation gets a zero sign bit so the product stays a signed multiply.
    const aj = b.wire(`${prefix}_a${j}`, aSigned ? asSigned(slice(a, hi, lo)) : asSigned(concat([lit(uTy(1), 0), slice(a, hi, lo)])));
    terms.push(b.wire(`${prefix}_p${j}`, mulFull(aj, wj)));
  }
  if (terms.length === 1) return terms[0]!;
  let sum: Expr = ext(terms[0]!, info.dot.width);
  for (let j = 1; j < terms.length; j++) sum = add(sum, ext(terms[j]!, info.dot.width));
  return b.wire(`${prefix}_dot`, sum);
}

export interface PeConfig extends LaneConfig {
  /** Accumulator width in bits (wraps on overflow). */
  readonly accBits: number;
}

export function peName(c: PeConfig): string {
  const lane = c.precision === "binary" ? `xnor${laneInfo(c).laneBits}` : c.precision === "int8" ? "i8" : c.precision === "int4" ? "i4x2" : "i2x4";
  return `quarch_pe_${lane}${c.aSigned === false ? "u" : ""}_acc${c.accBits}`;
}

export function checkAccBits(c: PeConfig, where: string): void {
  const dot = laneInfo(c).dot.width;
  if (!Number.isInteger(c.accBits) || c.accBits < dot || c.accBits > 64) {
    throw new RtlError({ path: `${where}.accBits`, message: "accumulator narrower than one cycle's dot product, or wider than 64", given: String(c.accBits), expected: `an integer in [${dot}, 64]` });
  }
}

/**
 * A MAC PE with a valid/first/last stream: acc ← (first ? 0 : acc) + dot(a, w) on every valid beat;
 * out_valid rises one cycle after a `last` beat, with the finished accumulator. Latency 1, II 1.
 */
export function generatePe(c: PeConfig): Generated {
  checkAccBits(c, "pe");
  const info = laneInfo(c);
  const b = new ModuleBuilder(peName(c), [
    `MAC PE: ${c.precision === "binary" ? `binary XNOR-popcount lane of ${info.laneBits} bits` : `${info.elements} × INT${info.elementBits} products per cycle in an 8-bit lane`}, ${c.accBits}-bit wrapping accumulator.`,
    "Timing: latency 1 cycle (last operand beat -> out_valid), II 1 (one beat per cycle).",
  ]);
  const clk = b.input("clk", uTy(1));
  const rst = b.input("rst", uTy(1));
  const inValid = b.input("in_valid", uTy(1));
  const inFirst = b.input("in_first", uTy(1));
  const inLast = b.input("in_last", uTy(1));
  const a = b.input("a", uTy(info.laneBits));
  const w = b.input("w", uTy(info.laneBits));
  const inReady = b.output("in_ready", uTy(1));
  const outValid = b.outputReg("out_valid", uTy(1));
  const acc = b.outputReg("acc", sTy(c.accBits));
  b.assign(inReady, lit(uTy(1), 1));
  const dot = laneDot(b, "lane", a, w, c);
  const dotAcc = b.wire("dot_acc", ext(dot, c.accBits));
  const base = mux(inFirst, lit(sTy(c.accBits), 0), acc);
  b.always(clk, [
    iff(rst, [nb(outValid, lit(uTy(1), 0))], [
      nb(outValid, mux(inValid, inLast, lit(uTy(1), 0))),
      iff(inValid, [nb(acc, add(base, dotAcc))]),
    ]),
  ]);
  return {
    module: b.build(),
    files: new Map(),
    timing: { latencyCycles: 1, iiCycles: 1, why: "one register: the accumulator" },
  };
}
