/**
 * The final clamp of every quantized output: to the fused activation range [lo, hi] inside the output
 * type's range [tmin, tmax]. Only values outside the type's range count as saturated: the activation's
 * clamp is the op's definition, not a loss.
 */
export interface OutputRange {
  readonly lo: number;
  readonly hi: number;
  readonly tmin: number;
  readonly tmax: number;
}

export function outputRange(clampMin: number, clampMax: number, tmin: number, tmax: number): OutputRange {
  return { lo: Math.max(clampMin, tmin), hi: Math.min(clampMax, tmax), tmin, tmax };
}

export class Saturator {
  count = 0;
  constructor(private readonly r: OutputRange) {}
  apply(v: number): number {
    const r = this.r;
    if (v < r.tmin || v > r.tmax) this.count++;
    return v < r.lo ? r.lo : v > r.hi ? r.hi : v;
  }
}
