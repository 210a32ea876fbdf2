/**
 * Compute models per precision mode (timing-models.md). A PE consumes `depth` operand pairs along the
 * reduction per step and a step takes `cyclesPerStep` cycles:
 *   fixed          depth 1,  ⌈w/max⌉·⌈a/max⌉ cycles (narrower operands pad to the PE width)
 *   int4-packing   depth k when w, a ≤ minBits (k MACs per PE per cycle), else as fixed
 *   bit-fusion     depth pf = ⌊max/max(a,min)⌋·⌊max/max(w,min)⌋, 1 cycle; wider: ⌈a/max⌉·⌈w/max⌉ cycles
 *   bit-serial     depth Dk, w·a cycles (BISMO: one bit-plane pair per cycle)
 *   act-serial     depth D (weight lanes), a·⌈w/max⌉ cycles (Stripes: activations bit-serial)
 *   xnor           depth = word width, w·a cycles (binary lanes; wider operands as bit-planes)
 */
import type { PrecisionSpec } from "../hw/types.js";

export interface StepModel {
  readonly depth: number;
  readonly cyclesPerStep: number;
}

const ceil = Math.ceil;

export function stepModel(p: PrecisionSpec, wBits: number, aBits: number): StepModel {
  const w = Math.max(1, wBits);
  const a = Math.max(1, aBits);
  const passes = ceil(w / p.maxBits) * ceil(a / p.maxBits);
  switch (p.mode) {
    case "fixed":
      return { depth: 1, cyclesPerStep: passes };
    case "int4-packing":
      return { depth: w <= p.minBits && a <= p.minBits ? p.packing : 1, cyclesPerStep: passes };
    case "bit-fusion":
      if (w <= p.maxBits && a <= p.maxBits) {
        return { depth: Math.floor(p.maxBits / Math.max(a, p.minBits)) * Math.floor(p.maxBits / Math.max(w, p.minBits)), cyclesPerStep: 1 };
      }
      return { depth: 1, cyclesPerStep: passes };
    case "bit-serial":
      return { depth: p.depth, cyclesPerStep: w * a };
    case "act-serial":
      return { depth: p.depth, cyclesPerStep: a * ceil(w / p.maxBits) };
    case "xnor":
      return { depth: p.depth, cyclesPerStep: w * a };
    default: {
      const never: never = p.mode;
      return never;
    }
  }
}

/** Peak MACs per cycle of `pes` PEs at these widths. */
export function peakMacsPerCycle(p: PrecisionSpec, pes: number, wBits: number, aBits: number): number {
  const s = stepModel(p, wBits, aBits);
  return (pes * s.depth) / s.cyclesPerStep;
}
