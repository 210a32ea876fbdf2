/**
 * A typed Verilog expression tree. Every node carries its {width, signed}; the constructors refuse operands
 * whose types differ, so an expression never relies on Verilog's context-determined widths or signedness
 * (rtl-flow.md pitfalls 1–3: one unsigned operand turns `>>>` logical, unsized constants are 32-bit,
 * operands silently extend). Extension and truncation are explicit nodes; extension, truncation and bit
 * selects apply to named signals only, because Verilog cannot bit-select an expression.
 */
import { RtlError } from "../src/errors.js";

export interface Ty {
  readonly width: number;
  readonly signed: boolean;
}

export const sTy = (width: number): Ty => ({ width, signed: true });
export const uTy = (width: number): Ty => ({ width, signed: false });
export const BIT: Ty = uTy(1);

export type BinOp = "+" | "-" | "*" | "&" | "|" | "^";
export type CmpOp = "<" | "<=" | ">" | ">=" | "==" | "!=";
export type ShiftOp = "<<" | ">>" | ">>>";

export interface Ref {
  readonly kind: "ref";
  readonly ty: Ty;
  readonly name: string;
}

export type Expr =
  | { readonly kind: "const"; readonly ty: Ty; readonly value: bigint }
  | Ref
  | { readonly kind: "mem"; readonly ty: Ty; readonly name: string; readonly depth: number; readonly index: Expr }
  | { readonly kind: "slice"; readonly ty: Ty; readonly of: Ref; readonly msb: number; readonly lsb: number }
  | { readonly kind: "ext"; readonly ty: Ty; readonly of: Ref }
  | { readonly kind: "cast"; readonly ty: Ty; readonly of: Expr }
  | { readonly kind: "bin"; readonly ty: Ty; readonly op: BinOp; readonly a: Expr; readonly b: Expr }
  | { readonly kind: "mulFull"; readonly ty: Ty; readonly a: Expr; readonly b: Expr }
  | { readonly kind: "shift"; readonly ty: Ty; readonly op: ShiftOp; readonly a: Expr; readonly amount: Expr }
  | { readonly kind: "cmp"; readonly ty: Ty; readonly op: CmpOp; readonly a: Expr; readonly b: Expr }
  | { readonly kind: "not"; readonly ty: Ty; readonly a: Expr }
  | { readonly kind: "neg"; readonly ty: Ty; readonly a: Expr }
  | { readonly kind: "reduce"; readonly ty: Ty; readonly op: "|" | "&"; readonly a: Expr }
  | { readonly kind: "mux"; readonly ty: Ty; readonly sel: Expr; readonly a: Expr; readonly b: Expr }
  | { readonly kind: "concat"; readonly ty: Ty; readonly parts: readonly Expr[] };

export function tyText(t: Ty): string {
  return `${t.signed ? "signed " : ""}${t.width}-bit`;
}

export function sameTy(a: Ty, b: Ty): boolean {
  return a.width === b.width && a.signed === b.signed;
}

function typeError(where: string, message: string, given: string, expected: string): RtlError {
  return new RtlError({ path: `verilog ${where}`, message, given, expected });
}

function need(cond: boolean, where: string, message: string, given: string, expected: string): void {
  if (!cond) throw typeError(where, message, given, expected);
}

function checkWidth(width: number, where: string): void {
  need(Number.isInteger(width) && width >= 1 && width <= 4096, where, "width out of range", String(width), "an integer in [1, 4096]");
}

/** Range of a type as bigints. */
export function tyRange(t: Ty): { lo: bigint; hi: bigint } {
  const w = BigInt(t.width);
  return t.signed ? { lo: -(1n << (w - 1n)), hi: (1n << (w - 1n)) - 1n } : { lo: 0n, hi: (1n << w) - 1n };
}

/** A sized constant; the value must be representable in the type (no silent wrap). */
export function lit(ty: Ty, value: bigint | number): Expr {
  checkWidth(ty.width, "constant");
  const v = BigInt(value);
  const r = tyRange(ty);
  need(v >= r.lo && v <= r.hi, "constant", "value does not fit its type", `${v} as ${tyText(ty)}`, `[${r.lo}, ${r.hi}]`);
  return { kind: "const", ty, value: v };
}

export const ONE = lit(BIT, 1);
export const ZERO = lit(BIT, 0);

export function ref(name: string, ty: Ty): Ref {
  checkWidth(ty.width, `signal ${name}`);
  need(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), `signal ${name}`, "is not a Verilog identifier", name, "[A-Za-z_][A-Za-z0-9_]*");
  return { kind: "ref", ty, name };
}

/** Read word `index` of a memory (the index must be exactly ⌈log2 depth⌉ bits, pitfall 5). */
export function memRead(name: string, word: Ty, depth: number, index: Expr): Expr {
  const w = indexBits(depth);
  need(!index.ty.signed && index.ty.width === w, `memory ${name}`, "index has the wrong type", tyText(index.ty), `unsigned ${w}-bit`);
  return { kind: "mem", ty: word, name, depth, index };
}

/** Bits needed to index `depth` words (at least 1). */
export function indexBits(depth: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(1, depth))));
}

/** Bits [msb:lsb] of a signal, unsigned (as in Verilog). */
export function slice(of: Ref, msb: number, lsb: number): Expr {
  need(Number.isInteger(msb) && Number.isInteger(lsb) && lsb >= 0 && msb >= lsb && msb < of.ty.width, `slice of ${of.name}`, "bits out of range", `[${msb}:${lsb}]`, `within [${of.ty.width - 1}:0]`);
  return { kind: "slice", ty: uTy(msb - lsb + 1), of, msb, lsb };
}

export function bit(of: Ref, i: number): Expr {
  return slice(of, i, i);
}

/** Widen a signal: sign extension when it is signed, zero extension otherwise. */
export function ext(of: Ref, width: number): Expr {
  need(width >= of.ty.width, `extension of ${of.name}`, "target is narrower than the signal", `${of.ty.width} → ${width}`, "a width ≥ the signal's");
  if (width === of.ty.width) return of;
  return { kind: "ext", ty: { width, signed: of.ty.signed }, of };
}

/** Keep the low `width` bits of a signal, keeping its signedness (deliberate wrap). */
export function trunc(of: Ref, width: number): Expr {
  need(width <= of.ty.width, `truncation of ${of.name}`, "target is wider than the signal", `${of.ty.width} → ${width}`, "a width ≤ the signal's");
  if (width === of.ty.width) return of;
  const s = slice(of, width - 1, 0);
  return of.ty.signed ? asSigned(s) : s;
}

/** Reinterpret the same bits as signed ($signed). */
export function asSigned(e: Expr): Expr {
  return e.ty.signed ? e : { kind: "cast", ty: sTy(e.ty.width), of: e };
}

/** Reinterpret the same bits as unsigned ($unsigned). */
export function asUnsigned(e: Expr): Expr {
  return e.ty.signed ? { kind: "cast", ty: uTy(e.ty.width), of: e } : e;
}

/** a op b with identical operand types; the result has that type (sums and products wrap). */
export function bin(op: BinOp, a: Expr, b: Expr): Expr {
  need(sameTy(a.ty, b.ty), `operator ${op}`, "operand types differ", `${tyText(a.ty)} ${op} ${tyText(b.ty)}`, "identical widths and signedness (extend explicitly)");
  return { kind: "bin", ty: a.ty, op, a, b };
}

export const add = (a: Expr, b: Expr): Expr => bin("+", a, b);
export const sub = (a: Expr, b: Expr): Expr => bin("-", a, b);
export const and = (a: Expr, b: Expr): Expr => bin("&", a, b);
export const or = (a: Expr, b: Expr): Expr => bin("|", a, b);
export const xor = (a: Expr, b: Expr): Expr => bin("^", a, b);

/**
 * The full product of two operands of the same signedness: width = sum of the widths. It may only be the
 * whole right-hand side of a wire of exactly that width (checked), where Verilog's extension of both
 * operands to the target width is the product's own definition — and lets synthesis see a narrow multiplier.
 */
export function mulFull(a: Expr, b: Expr): Expr {
  need(a.ty.signed === b.ty.signed, "operator *", "operand signedness differs", `${tyText(a.ty)} * ${tyText(b.ty)}`, "both signed or both unsigned");
  return { kind: "mulFull", ty: { width: a.ty.width + b.ty.width, signed: a.ty.signed }, a, b };
}

/** Shift by an unsigned amount; `>>>` on a signed operand is arithmetic. The result keeps a's type. */
export function shift(op: ShiftOp, a: Expr, amount: Expr): Expr {
  need(!amount.ty.signed, `operator ${op}`, "shift amount is signed", tyText(amount.ty), "an unsigned amount");
  need(op !== ">>>" || a.ty.signed, "operator >>>", "arithmetic shift of an unsigned operand", tyText(a.ty), "a signed operand (or >>)");
  return { kind: "shift", ty: a.ty, op, a, amount };
}

export function cmp(op: CmpOp, a: Expr, b: Expr): Expr {
  need(sameTy(a.ty, b.ty), `operator ${op}`, "operand types differ", `${tyText(a.ty)} ${op} ${tyText(b.ty)}`, "identical widths and signedness");
  return { kind: "cmp", ty: BIT, op, a, b };
}

export const eq = (a: Expr, b: Expr): Expr => cmp("==", a, b);
export const lt = (a: Expr, b: Expr): Expr => cmp("<", a, b);
export const gt = (a: Expr, b: Expr): Expr => cmp(">", a, b);
export const ge = (a: Expr, b: Expr): Expr => cmp(">=", a, b);
export const le = (a: Expr, b: Expr): Expr => cmp("<=", a, b);

export function not(a: Expr): Expr {
  return { kind: "not", ty: a.ty, a };
}

export function neg(a: Expr): Expr {
  need(a.ty.signed, "unary -", "negation of an unsigned value", tyText(a.ty), "a signed operand");
  return { kind: "neg", ty: a.ty, a };
}

export function reduceOr(a: Expr): Expr {
  return { kind: "reduce", ty: BIT, op: "|", a };
}

export function reduceAnd(a: Expr): Expr {
  return { kind: "reduce", ty: BIT, op: "&", a };
}

/** sel ? a : b, with a 1-bit select and identically typed branches. */
export function mux(sel: Expr, a: Expr, b: Expr): Expr {
  need(sameTy(sel.ty, BIT), "?:", "select is not one bit", tyText(sel.ty), "unsigned 1-bit");
  need(sameTy(a.ty, b.ty), "?:", "branch types differ", `${tyText(a.ty)} : ${tyText(b.ty)}`, "identical widths and signedness");
  return { kind: "mux", ty: a.ty, sel, a, b };
}

/** {parts[0], parts[1], …}: parts[0] is the most significant; the result is unsigned. */
export function concat(parts: readonly Expr[]): Expr {
  need(parts.length > 0, "concatenation", "has no parts", "0 parts", "at least one");
  if (parts.length === 1) return asUnsigned(parts[0]!);
  return { kind: "concat", ty: uTy(parts.reduce((a, p) => a + p.ty.width, 0)), parts };
}

export const land = (a: Expr, b: Expr): Expr => and(a, b);
export const lor = (a: Expr, b: Expr): Expr => or(a, b);

/** Constant of the same type as `like`. */
export function litOf(like: Expr | Ty, value: bigint | number): Expr {
  return lit("ty" in like ? like.ty : like, value);
}

/** Does `value` fit a signed/unsigned type of `width` bits? */
export function fits(value: bigint, t: Ty): boolean {
  const r = tyRange(t);
  return value >= r.lo && value <= r.hi;
}

/** Smallest signed width holding every value in [lo, hi]. */
export function signedWidthFor(lo: bigint, hi: bigint): number {
  let w = 1;
  while (!(fits(lo, sTy(w)) && fits(hi, sTy(w)))) w++;
  return w;
}

/** Smallest unsigned width holding [0, hi] (at least 1). */
export function unsignedWidthFor(hi: bigint | number): number {
  let w = 1;
  while (!fits(BigInt(hi), uTy(w))) w++;
  return w;
}
