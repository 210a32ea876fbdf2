/**
 * Requantizer vectors. Expected outputs come from the kernels' own epilogue (kernels/epilogue.ts: the
 * requantizer of src/quant plus zero point and clamp), so hardware and software share one numerics spec.
 *
 * Random vectors almost never land on a rounding tie (rtl-flow.md: half-up and half-even differed on 7 of
 * 1057 vectors, all directed), so ties are constructed: for single and dyadic rounding x·M ≡ 2^(t−1)
 * (mod 2^t) is solved exactly with a modular inverse; for double rounding both of its roundings get ties —
 * SRDHM's (a·M ≡ 2^30 mod 2^31) and RDBPOT's (an h = SRDHM(x, M) that is an odd multiple of 2^(e−1)).
 * Each tie comes with its neighbours x ± 1, and every (M, shift) with ±saturation, INT32_MIN and INT32_MAX.
 */
import type { QType } from "../../src/ir/dtype.js";
import type { FixedMode } from "../../src/ir/requant.js";
import { makeWriter, newAccStats } from "../../src/kernels/epilogue.js";
import { srdhm } from "../../src/quant/fixed-point.js";
import { requantizerFromFixed } from "../../src/quant/requantize.js";
import { createRng } from "../../src/quant/rng.js";

export interface RequantCase {
  readonly acc: number;
  readonly mode: FixedMode;
  readonly mult: number;
  readonly shift: number;
  readonly zp: number;
  /** The clamp actually applied: the fused range intersected with the output type's. */
  readonly lo: number;
  readonly hi: number;
  /** Channel (per-channel ROM variants). */
  readonly ch: number;
  readonly why: string | undefined;
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

export function typeRange(t: QType): [number, number] {
  return t.signed ? [-(2 ** (t.bits - 1)), 2 ** (t.bits - 1) - 1] : [0, 2 ** t.bits - 1];
}

/** The output integer for one case, by the kernels' epilogue. */
export function expectedOutput(k: RequantCase, out: QType): number {
  const [qmin, qmax] = typeRange(out);
  const res = new Int32Array(1);
  const w = makeWriter(
    { kind: "requant", requant: requantizerFromFixed(k.mode, [k.mult], [k.shift]), clampMin: k.lo, clampMax: k.hi },
    { out: res, outZeroPoint: k.zp, qmin, qmax, bipolar: false },
    newAccStats(),
  );
  w.one(k.acc, 0, 0);
  return res[0]!;
}

const inInt32 = (x: bigint) => x >= BigInt(INT32_MIN) && x <= BigInt(INT32_MAX);

/** x (int32) with x·M ≡ 2^(t−1) (mod 2^t): a tie of round(x·M / 2^t). Up to `limit` solutions, both signs. */
export function tiesOf(mult: number, t: number, limit = 4): number[] {
  if (mult <= 0 || t < 1) return [];
  let m = BigInt(mult);
  let v = 0;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    v++;
  }
  if (v > t - 1) return [];
  const modulus = 1n << BigInt(t - v);
  // Inverse of the odd part modulo 2^(t−v) by Newton iteration (each step doubles the correct bits).
  let inv = 1n;
  for (let i = 0; i < 7; i++) inv = (inv * (2n - m * inv)) % (1n << 64n);
  inv = ((inv % modulus) + modulus) % modulus;
  const r = ((1n << BigInt(t - 1 - v)) * inv) % modulus;
  const out: number[] = [];
  for (const k of [0n, -1n, 1n, -2n, 2n, -5n, 7n]) {
    const x = r + k * modulus;
    if (inInt32(x)) out.push(Number(x));
    if (out.length >= limit) break;
  }
  return out;
}

/** x with RDBPOT(SRDHM(x, M), e) at a tie: SRDHM(x, M) = (2j+1)·2^(e−1) for a few j of both signs. */
export function rdbpotTies(mult: number, e: number, limit = 4): number[] {
  if (mult <= 0 || e < 1 || e > 31) return [];
  const out: number[] = [];
  for (const j of [0, -1, 3, -4, 1000, -1001]) {
    const h = (2 * j + 1) * 2 ** (e - 1);
    if (h > INT32_MAX || h < INT32_MIN) continue;
    const x0 = Math.round((h * 2147483648) / mult);
    for (let d = -3; d <= 3; d++) {
      const x = x0 + d;
      if (x >= INT32_MIN && x <= INT32_MAX && srdhm(x, mult) === h) {
        out.push(x);
        break;
      }
    }
    if (out.length >= limit) break;
  }
  return out;
}

/** Directed accumulators for one (mode, M, shift, zp, clamp): ties and neighbours, saturation, extremes. */
export function directedAccs(mode: FixedMode, mult: number, shift: number, zp: number, lo: number, hi: number): [number, string][] {
  const out: [number, string][] = [];
  const add = (x: number, why: string) => {
    if (Number.isInteger(x) && x >= INT32_MIN && x <= INT32_MAX) out.push([x, why]);
  };
  const withNeighbours = (xs: number[], why: string) => {
    for (const x of xs) {
      add(x, why);
      add(x - 1, `${why} − 1`);
      add(x + 1, `${why} + 1`);
    }
  };
  if (mode === "double") {
    const left = Math.max(shift, 0);
    withNeighbours(tiesOf(mult, 31).filter((a) => left === 0 || a % 2 ** left === 0).map((a) => a / 2 ** left), "SRDHM tie");
    if (shift < 0) withNeighbours(rdbpotTies(mult, -shift), "RDBPOT tie");
  } else {
    withNeighbours(tiesOf(mult, 31 - shift), "rounding tie");
  }
  for (const [x, why] of [[INT32_MAX, "INT32_MAX"], [INT32_MIN, "INT32_MIN"], [0, "zero"], [1, "one"], [-1, "minus one"], [2 ** 30, "2^30"], [-(2 ** 30), "−2^30"]] as const) add(x, why);
  // Just past the clamp on each side: acc ≈ (bound − zp ± 1)·2^(31−shift)/M.
  if (mult > 0) {
    for (const [bound, why] of [[hi + 1, "+saturation"], [lo - 1, "−saturation"]] as const) {
      const x = Math.round(((bound - zp) * 2 ** (31 - shift)) / mult);
      add(x, why);
      add(x - 1, `${why} − 1`);
    }
  }
  return out;
}

const SPECIAL_MULTS = [1073741824, 2147483647, 1431655765, 1073741825, 1728325632, 1342177280, 1];

/**
 * Vectors for a requantizer whose multiplier and shift are run-time inputs: directed cases for each mode
 * over a grid of (M, shift) — shift 0, the extremes of the mode's range and typical layer shifts — plus
 * INT32_MIN products and `random` seeded cases per mode.
 */
export function configurableCases(modes: readonly FixedMode[], out: QType, random: number, seed: number): { cases: RequantCase[]; directed: number } {
  const [qmin, qmax] = typeRange(out);
  const cases: RequantCase[] = [];
  const outputs: [number, number, number][] = [[0, qmin, qmax], [qmin, qmin, qmax], [qmax, qmin, qmax], [5, Math.max(qmin, -3), Math.min(qmax, 9)], [qmin, qmin, Math.min(qmax, qmin + 6)]];
  for (const mode of modes) {
    const maxShift = mode === "double" ? 31 : 30;
    const shifts = [0, -1, -2, -5, -13, -31, 1, 7, maxShift];
    let o = 0;
    for (const mult of SPECIAL_MULTS) {
      for (const shift of shifts) {
        const [zp, lo, hi] = outputs[o++ % outputs.length]!;
        for (const [acc, why] of directedAccs(mode, mult, shift, zp, lo, hi)) cases.push({ acc, mode, mult, shift, zp, lo, hi, ch: 0, why: `${why}, M ${mult}, shift ${shift}` });
      }
    }
    const int32MinProducts: [number, number, number, string][] = [
      [INT32_MIN, INT32_MAX, 0, "INT32_MIN · (2^31 − 1)"],
      [INT32_MIN, INT32_MAX, maxShift, "INT32_MIN · (2^31 − 1), largest shift"],
      [INT32_MIN, 1073741824, 1, "INT32_MIN, shift 1 (double: x·2 wraps to 0)"],
      [1073741824, 1073741824, 1, "2^30, shift 1 (double: x·2 wraps to INT32_MIN)"],
      [INT32_MAX, INT32_MAX, -31, "INT32_MAX at the smallest shift"],
    ];
    if (mode === "double") int32MinProducts.push([INT32_MIN, INT32_MIN, 0, "SRDHM(INT32_MIN, INT32_MIN) saturates to INT32_MAX"]);
    if (mode === "single") int32MinProducts.push([INT32_MAX, INT32_MAX, 30, "single: a result past int32 wraps"], [123456789, 2000000000, 25, "single: a result past int32 wraps"]);
    for (const [acc, mult, shift, why] of int32MinProducts) cases.push({ acc, mode, mult, shift, zp: 0, lo: qmin, hi: qmax, ch: 0, why });
  }
  const directed = cases.length;
  const rng = createRng(seed);
  const uniform = (l: number, h: number) => l + rng.nextInt(h - l + 1);
  for (const mode of modes) {
    const maxShift = mode === "double" ? 31 : 30;
    for (let i = 0; i < random; i++) {
      const r = rng.nextInt(3);
      const acc = r === 0 ? (rng.nextUint32() | 0) : r === 1 ? uniform(-(2 ** 20), 2 ** 20) : uniform(-4096, 4096);
      const mr = rng.nextInt(10);
      const mult = mr < 7 ? uniform(1073741824, INT32_MAX) : mr < 9 ? uniform(0, INT32_MAX) : SPECIAL_MULTS[rng.nextInt(SPECIAL_MULTS.length)]!;
      const shift = rng.nextInt(10) < 6 ? uniform(-16, 0) : uniform(-31, maxShift);
      const zp = uniform(qmin, qmax);
      const a = uniform(qmin, qmax);
      const b = uniform(qmin, qmax);
      const [lo, hi] = rng.nextInt(2) === 0 ? [qmin, qmax] : [Math.min(a, b), Math.max(a, b)];
      cases.push({ acc, mode, mult, shift, zp, lo, hi, ch: 0, why: undefined });
    }
  }
  return { cases, directed };
}

/**
 * Vectors for frozen coefficients (one pair, or one per channel of a ROM): only the accumulator (and the
 * channel) vary. Directed cases per channel, then `random` seeded accumulators over random channels.
 */
export function frozenCases(mode: FixedMode, mults: readonly number[], shifts: readonly number[], zp: number, lo: number, hi: number, random: number, seed: number): { cases: RequantCase[]; directed: number } {
  const cases: RequantCase[] = [];
  mults.forEach((mult, ch) => {
    const shift = shifts[ch]!;
    for (const [acc, why] of directedAccs(mode, mult, shift, zp, lo, hi)) cases.push({ acc, mode, mult, shift, zp, lo, hi, ch, why: `${why}${mults.length > 1 ? `, channel ${ch}` : ""}` });
  });
  const directed = cases.length;
  const rng = createRng(seed);
  for (let i = 0; i < random; i++) {
    const ch = rng.nextInt(mults.length);
    const r = rng.nextInt(3);
    const acc = r === 0 ? (rng.nextUint32() | 0) : r === 1 ? -(2 ** 20) + rng.nextInt(2 ** 21 + 1) : -4096 + rng.nextInt(8193);
    cases.push({ acc, mode, mult: mults[ch]!, shift: shifts[ch]!, zp, lo, hi, ch, why: undefined });
  }
  return { cases, directed };
}
