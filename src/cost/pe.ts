/**
 * Processing elements, priced two ways (the arch file's cost.peModel, printed in every report):
 *  - composed: multiplier ∝ wBits·aBits from the 8-bit multiply, the accumulator adder at the PE's
 *    accumulator width from the add entries, and pipeline registers at the flip-flop cost per bit
 *    (wBits + aBits + accumulatorBits latched per MAC: both operands and the partial sum);
 *  - synthesized: BitFusion's whole-PE energy per MAC and area at 2/4/8/16 bits, interpolated linearly
 *    in bits b = √(wBits·aBits) (the symmetric width of the same multiplier size), the 2-bit PE below
 *    2 bits, ∝ b² above 16.
 * The synthesized PE includes its accumulator and registers; composing Horowitz's single operations and
 * Aladdin's flip-flops does not reproduce it (energy-45nm.md explains why: the accumulator dominates
 * narrow PEs). `quarch energy table --pe-check` prints the deviation.
 */
import type { PeModel } from "../hw/types.js";
import { PE_WIDTHS, type TechLookup } from "./types.js";

/** Integer adder of `bits`: linear between the 8/16/32-bit entries, ∝ bits outside them. */
export function adder(L: TechLookup, bits: number, field: "energy" | "area"): number {
  const pts = [[8, () => L.get(`ops.int8-add.${field}`)], [16, () => L.get(`ops.int16-add.${field}`)], [32, () => L.get(`ops.int32-add.${field}`)]] as const;
  return interpolate(pts, bits, (v, b, at) => (v * b) / at, (v, b, at) => (v * b) / at);
}

/**
 * Linear between points (ascending bits); `below`/`above` extend past the ends. Exact at the points. Values
 * are read only when needed, so the constants a report lists are the ones it used.
 */
function interpolate(
  pts: readonly (readonly [number, () => number])[],
  bits: number,
  below: (v: number, bits: number, at: number) => number,
  above: (v: number, bits: number, at: number) => number,
): number {
  const [b0, v0] = pts[0]!;
  if (bits < b0) return below(v0(), bits, b0);
  for (let i = 0; i < pts.length; i++) {
    const [b, v] = pts[i]!;
    if (bits === b) return v();
    const next = pts[i + 1];
    if (next !== undefined && bits < next[0]) return v() + ((next[1]() - v()) * (bits - b)) / (next[0] - b);
  }
  const [bn, vn] = pts[pts.length - 1]!;
  return above(vn(), bits, bn);
}

export interface ComposedParts {
  readonly mult: number;
  readonly add: number;
  readonly registers: number;
  readonly total: number;
}

/** Composed PE: energy per MAC (pJ) or area (µm²) of its multiplier, accumulator adder and registers. */
export function composed(L: TechLookup, wBits: number, aBits: number, accBits: number, field: "energy" | "area"): ComposedParts {
  const mult = (L.get(`ops.int8-mul.${field}`) * wBits * aBits) / 64;
  const add = adder(L, accBits, field);
  const registers = L.get(`register.flipflop.${field}`) * (wBits + aBits + accBits);
  return { mult, add, registers, total: mult + add + registers };
}

/** Synthesized PE (BitFusion): energy per MAC (pJ) or area (µm²) at operand widths wBits × aBits. */
export function synthesized(L: TechLookup, wBits: number, aBits: number, field: "energy" | "area"): number {
  const pts = PE_WIDTHS.map((b) => [b, () => L.get(`pe.int${b}.${field}`)] as const);
  const b = wBits === aBits ? wBits : Math.sqrt(wBits * aBits);
  return interpolate(pts, b, (v) => v, (v, bits, at) => (v * bits * bits) / (at * at));
}

/** A PE's energy per MAC at operand widths (pJ). */
export function peMacPj(L: TechLookup, model: PeModel, wBits: number, aBits: number, accBits: number): number {
  return model === "composed" ? composed(L, wBits, aBits, accBits, "energy").total : synthesized(L, wBits, aBits, "energy");
}

/** The area of a PE built for wBits × aBits operands (µm²). */
export function peAreaUm2(L: TechLookup, model: PeModel, wBits: number, aBits: number, accBits: number): number {
  return model === "composed" ? composed(L, wBits, aBits, accBits, "area").total : synthesized(L, wBits, aBits, "area");
}

export interface PeCheckRow {
  readonly bits: number;
  readonly composed: ComposedParts;
  readonly composedAreaUm2: ComposedParts;
  readonly synthesizedPj: number;
  readonly synthesizedAreaUm2: number;
  /** (composed − synthesized) / synthesized, energy with registers, energy without, area. */
  readonly deviation: number;
  readonly deviationNoRegisters: number;
  readonly areaDeviation: number;
}

/** The composed model against BitFusion's synthesized PEs at 2/4/8/16 bits (`--pe-check`). */
export function peCheck(L: TechLookup, accBits: number): PeCheckRow[] {
  return PE_WIDTHS.map((bits) => {
    const c = composed(L, bits, bits, accBits, "energy");
    const a = composed(L, bits, bits, accBits, "area");
    const s = synthesized(L, bits, bits, "energy");
    const sa = synthesized(L, bits, bits, "area");
    return {
      bits, composed: c, composedAreaUm2: a, synthesizedPj: s, synthesizedAreaUm2: sa,
      deviation: (c.total - s) / s, deviationNoRegisters: (c.mult + c.add - s) / s, areaDeviation: (a.total - sa) / sa,
    };
  });
}
