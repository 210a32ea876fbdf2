/**
 * Element types. Integers are QType {bits 1..32, signed}; the one float type is float32.
 * A signed 1-bit type is bipolar ±1 (bit 1 ↔ +1, bit 0 ↔ −1): two's complement {−1, 0} has no use in
 * binary networks, and XNOR-popcount arithmetic needs ±1. Ternary values are int2 restricted to {−1, 0, 1}.
 */

export interface QType {
  readonly bits: number;
  readonly signed: boolean;
}

export type DType = QType | "float32";

export type IntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
export type TensorData = IntArray | Float32Array;

export const INT8: QType = { bits: 8, signed: true };
export const UINT8: QType = { bits: 8, signed: false };
export const INT32: QType = { bits: 32, signed: true };
export const INT4: QType = { bits: 4, signed: true };
export const INT2: QType = { bits: 2, signed: true };
export const BIPOLAR: QType = { bits: 1, signed: true };

export function isFloat(t: DType): t is "float32" {
  return t === "float32";
}

export function isBipolar(t: DType): boolean {
  return t !== "float32" && t.bits === 1 && t.signed;
}

/** Smallest representable value of an integer type. */
export function qmin(t: QType): number {
  if (t.bits === 1 && t.signed) return -1;
  return t.signed ? -(2 ** (t.bits - 1)) : 0;
}

/** Largest representable value of an integer type. */
export function qmax(t: QType): number {
  if (t.bits === 1 && t.signed) return 1;
  return t.signed ? 2 ** (t.bits - 1) - 1 : 2 ** t.bits - 1;
}

export function sameDType(a: DType, b: DType): boolean {
  if (a === "float32" || b === "float32") return a === b;
  return a.bits === b.bits && a.signed === b.signed;
}

/** Canonical name: float32, int8, uint4, binary (signed 1-bit), int17 … */
export function dtypeName(t: DType): string {
  if (t === "float32") return "float32";
  if (t.bits === 1 && t.signed) return "binary";
  return `${t.signed ? "" : "u"}int${t.bits}`;
}

/** Parse a dtype name; returns undefined when it is not one. */
export function parseDType(name: string): DType | undefined {
  if (name === "float32") return "float32";
  if (name === "binary" || name === "bipolar") return BIPOLAR;
  if (name === "ternary") return INT2;
  const m = /^(u?)int([0-9]{1,2})$/.exec(name);
  if (m === null) return undefined;
  const bits = Number(m[2]);
  if (bits < 1 || bits > 32) return undefined;
  if (bits === 1 && m[1] === "") return BIPOLAR;
  return { bits, signed: m[1] === "" };
}

/** The typed array quarch holds an element type in (always unpacked: one element per slot). */
export function allocTensorData(t: DType, length: number): TensorData {
  if (t === "float32") return new Float32Array(length);
  if (t.bits <= 8) return t.signed ? new Int8Array(length) : new Uint8Array(length);
  if (t.bits <= 16) return t.signed ? new Int16Array(length) : new Uint16Array(length);
  return t.signed ? new Int32Array(length) : new Uint32Array(length);
}

/** Does the typed array match the element type's storage class? */
export function dataMatches(t: DType, data: TensorData): boolean {
  const want = allocTensorData(t, 0);
  return want.constructor === data.constructor;
}

/** True when every element is representable in t (bipolar: exactly ±1). */
export function firstOutOfRange(t: QType, data: ArrayLike<number>): number {
  const lo = qmin(t);
  const hi = qmax(t);
  const bip = t.bits === 1 && t.signed;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < lo || v > hi || !Number.isInteger(v) || (bip && v === 0)) return i;
  }
  return -1;
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
