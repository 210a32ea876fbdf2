/**
 * What a MAC costs on this arch's PEs, and what a PE costs in area and leakage, by precision mode:
 *  - fixed, int4-packing: the PE model at the MAC's operand widths (narrow operands gate the upper bits
 *    of a wider datapath); area of a PE built for maxBits; int4 packing reuses the multiplier (its split
 *    logic is not priced);
 *  - bit-fusion: a fusion unit burns its energy per cycle whatever it fuses (BitFusion's 578 fJ), so a
 *    MAC costs that over the MACs fused per cycle; the unit is 2.45× the energy and 3.4× the area of a
 *    fixed PE of its width (the table's fusion entry against its 8-bit PE; exact at 8 bits when synthesized);
 *  - xnor, bit-serial: `depth` XNOR/AND-popcount lanes per PE, a w·a-bit MAC as w·a bit-plane lane
 *    operations, plus one accumulator add and register write per step of `depth` lanes;
 *  - act-serial: a passes of a wBits × 1-bit PE (Stripes), `depth` weight lanes per PE.
 * PE leakage is the table's per-8-bit-PE figure scaled by the PE's area against that PE's.
 */
import type { ComputeSpec, PeModel } from "../hw/types.js";
import { adder, peAreaUm2, peMacPj, synthesized } from "./pe.js";
import type { TechLookup } from "./types.js";

export interface ComputePricing {
  /** Energy of one MAC at these operand widths, pJ (memoized by the caller). */
  readonly macPj: (wBits: number, aBits: number) => number;
  /** One PE (array position or lane), µm². */
  readonly peAreaUm2: number;
  readonly peLeakageUw: number;
  /** A PE of `lanes` operand lanes (a FINN engine's SIMD width), µm²; peAreaUm2 is that at the arch's depth. */
  readonly peAreaForLanes: (lanes: number) => number;
  /** Leakage of a PE of this area, µW. */
  readonly leakageUw: (areaUm2: number) => number;
  /** How MACs are priced, for reports. */
  readonly what: string;
}

/**
 * MACs a bit-fusion unit completes per cycle at these widths (and cycles per MAC when wider than the unit).
 * The same formula as src/sim/precision.ts's bit-fusion step model (cost may not call sim): a test pins
 * that they agree.
 */
export function fusedMacsPerCycle(maxBits: number, minBits: number, wBits: number, aBits: number): { readonly macs: number; readonly cycles: number } {
  if (wBits <= maxBits && aBits <= maxBits) return { macs: Math.floor(maxBits / Math.max(aBits, minBits)) * Math.floor(maxBits / Math.max(wBits, minBits)), cycles: 1 };
  return { macs: 1, cycles: Math.ceil(wBits / maxBits) * Math.ceil(aBits / maxBits) };
}

export function computePricing(L: TechLookup, model: PeModel, compute: ComputeSpec): ComputePricing {
  const p = compute.precision;
  const acc = compute.accumulatorBits;
  const max = p.maxBits;
  const base8Area = peAreaUm2(L, model, 8, 8, acc);
  const leak = (area: number) => (L.get("pe.leakage.power") * area) / base8Area;
  switch (p.mode) {
    case "fixed":
    case "int4-packing": {
      const area = peAreaUm2(L, model, max, max, acc);
      return {
        macPj: (w, a) => peMacPj(L, model, w, a, acc), peAreaUm2: area, peLeakageUw: leak(area), peAreaForLanes: (n) => n * area, leakageUw: leak,
        what: `${model} PE at the operand widths (${acc}-bit accumulator)`,
      };
    }
    case "bit-fusion": {
      const base = L.get("pe.fusion.bits");
      const exact = model === "synthesized" && max === base;
      const unit = (field: "energy" | "area") =>
        exact ? L.get(`pe.fusion.${field}`) : (L.get(`pe.fusion.${field}`) * (field === "energy" ? peMacPj(L, model, max, max, acc) : peAreaUm2(L, model, max, max, acc))) / synthesized(L, base, base, field);
      const perCycle = unit("energy");
      const area = unit("area");
      return {
        macPj: (w, a) => {
          const f = fusedMacsPerCycle(max, p.minBits, w, a);
          return (perCycle * f.cycles) / f.macs;
        },
        peAreaUm2: area, peLeakageUw: leak(area), peAreaForLanes: (n) => n * area, leakageUw: leak,
        what: `fusion unit, ${+perCycle.toPrecision(4)} pJ per cycle over the MACs it fuses (${model}${exact ? "" : `, ${max}-bit unit scaled from the table's ${base}-bit one`})`,
      };
    }
    case "xnor":
    case "bit-serial": {
      const d = p.depth;
      const step = adder(L, acc, "energy") + L.get("register.flipflop.energy") * acc;
      const lane = L.get("ops.binary-mul.energy");
      const areaFor = (n: number) => n * L.get("ops.binary-mul.area") + adder(L, acc, "area") + L.get("register.flipflop.area") * acc;
      const area = areaFor(d);
      return {
        macPj: (w, a) => w * a * lane + ((w * a) / d) * step,
        peAreaUm2: area, peLeakageUw: leak(area), peAreaForLanes: areaFor, leakageUw: leak,
        what: `${d} XNOR-popcount lanes per PE, w·a bit-plane operations per MAC, one ${acc}-bit accumulate per step`,
      };
    }
    case "act-serial": {
      const lane = peAreaUm2(L, model, max, 1, acc);
      const area = p.depth * lane;
      return { macPj: (w, a) => a * peMacPj(L, model, w, 1, acc), peAreaUm2: area, peLeakageUw: leak(area), peAreaForLanes: (n) => n * lane, leakageUw: leak, what: `${model} PE, activations bit-serial (a passes of w × 1 bit), ${p.depth} weight lanes per PE` };
    }
    default: {
      const never: never = p.mode;
      return never;
    }
  }
}
