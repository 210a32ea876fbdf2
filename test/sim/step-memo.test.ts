/**
 * MacSteps.describe memoizes a step's compute, array traffic and array ports per mask of dimensions at their
 * last tile, in one memo shared by every instance. Both engines call describe, so their agreement cannot
 * catch a stale entry: this checks every step of a walk whose memo is warm against the same step computed
 * by an instance of its own (nothing memoized), while a second instance — the same mapping of the layer
 * at other widths, so the same masks with other numbers — writes the memo before every step. Random layers
 * and mappings over the presets, double-buffered and not (fast-check, seed printed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tileFits } from "../../src/sim/cost.js";
import { planOf } from "../../src/sim/plan.js";
import { MacSteps, type Mapping, type SimLayer, StepOut, TILED_DIMS, allowedSpatial, convLayer, gemmLayer, makeContext } from "../../src/sim/index.js";
import { PART2_PRESETS, PRESETS, preset } from "./presets.js";

const SEED = 20261130;

const layerArb: fc.Arbitrary<SimLayer> = fc
  .record({
    kind: fc.constantFrom("conv", "dw", "fc"),
    H: fc.integer({ min: 1, max: 9 }),
    C: fc.integer({ min: 1, max: 12 }),
    K: fc.integer({ min: 1, max: 12 }),
    k: fc.constantFrom(1, 3),
    s: fc.integer({ min: 1, max: 2 }),
    pad: fc.integer({ min: 0, max: 2 }),
    batch: fc.integer({ min: 1, max: 2 }),
  })
  .filter((r) => r.kind === "fc" || r.H + 2 * r.pad >= r.k)
  .map((r) => {
    const bits = { wBits: 8, aBits: 8, outBits: 8, source: "bits" as const };
    if (r.kind === "fc") return gemmLayer("fc", "fc", r.batch * r.H, r.C, r.K, 1, bits);
    const dw = r.kind === "dw";
    return convLayer({ name: r.kind, batch: r.batch, inH: r.H, inW: r.H, inC: r.C, outC: dw ? r.C : r.K, kH: r.k, kW: r.k, strideH: r.s, strideW: r.s, pads: [r.pad, r.pad, r.pad, r.pad], groups: dw ? r.C : 1, bits });
  });

function mappingArb(l: SimLayer, flow: Mapping["dataflow"]): fc.Arbitrary<Mapping> {
  const allowed = allowedSpatial(flow);
  return fc
    .record({
      rows: fc.subarray([...allowed.rows]),
      cols: fc.subarray([...allowed.cols]),
      tile: fc.tuple(...TILED_DIMS.map((d) => fc.integer({ min: 1, max: l[d] }))),
      order: fc.shuffledSubarray([...TILED_DIMS], { minLength: 6, maxLength: 6 }),
    })
    .map((m) => ({ dataflow: flow, spatial: { rows: m.rows, cols: m.cols }, tile: Object.fromEntries(TILED_DIMS.map((d, i) => [d, m.tile[i]!])) as Mapping["tile"], order: m.order }));
}

/** Every field a step's consumers read (the next and previous tile only when a transfer belongs to it). */
function numbers(o: StepOut): unknown {
  const n = o.nT;
  const which = [...o.which.subarray(0, n)];
  return {
    compute: o.compute, steps: o.steps, macs: o.macs, passes: o.passes, slots: o.slots, acc: [...o.acc], port: o.port,
    kind: [...o.kind.subarray(0, n)], bits: [...o.bits.subarray(0, n)], db: [...o.db.subarray(0, n)], which, j: [...o.j],
    ...(which.includes(1) ? { jNext: [...o.jNext] } : {}),
    ...(which.includes(-1) ? { jPrev: [...o.jPrev] } : {}),
  };
}

describe(`describe's per-mask memo (fast-check seed ${SEED})`, () => {
  it("a warm, shared memo gives every step exactly what a fresh instance computes", () => {
    let checked = 0;
    fc.assert(
      fc.property(
        layerArb.chain((l) => fc.constantFrom(...PRESETS, ...PART2_PRESETS.filter((p) => p === "mcu-m7")).chain((id) => {
          const arch = preset(id);
          const flow = arch.compute.kind === "systolic" ? arch.compute.dataflow : "vector";
          return fc.tuple(fc.constant(l), fc.constant(id), mappingArb(l, flow), fc.boolean());
        })),
        ([l, id, m, inOn]) => {
          const ctx = makeContext(l, preset(id), inOn, false);
          if (!tileFits(ctx, m)) return;
          const tiles: Int32Array[] = [];
          const steps = new MacSteps(ctx, m, false);
          const k = steps.loopDims.length;
          const at = new Int32Array(k);
          for (;;) {
            const j = new Int32Array(6);
            for (let i = 0; i < k; i++) j[steps.loopDims[i]!] = at[i]!;
            tiles.push(j);
            let i = k - 1;
            while (i >= 0 && ++at[i]! === steps.loopCounts[i]!) at[i--] = 0;
            if (i < 0) break;
          }
          // The definition: each step from an instance of its own (a new generation: nothing memoized).
          const rivalCtx = makeContext({ ...l, wBits: 4, aBits: 2 }, preset(id), inOn, false);
          const fresh = new StepOut();
          const expected = (c: typeof ctx) => tiles.map((j) => {
            new MacSteps(c, m, false).describe(j, fresh);
            return numbers(fresh);
          });
          const mine = expected(ctx);
          const theirs = expected(rivalCtx);
          // One instance through the walk, its memo warm; before every other step a rival (same mapping, other
          // widths: the same masks, other numbers) writes that step's entry, and must not read this one's.
          const rival = new MacSteps(rivalCtx, m, false);
          const o = new StepOut();
          tiles.forEach((j, t) => {
            if (t % 2 === 1) {
              rival.describe(j, o);
              expect(numbers(o)).toEqual(theirs[t]);
            }
            steps.describe(j, o);
            expect(numbers(o)).toEqual(mine[t]);
            checked++;
          });
        },
      ),
      { seed: SEED, numRuns: 120 },
    );
    expect(checked).toBeGreaterThan(1000);
  });

  it("an entry belongs to the mapping that wrote it: another instance, or this one re-aimed, computes its own", () => {
    // The same tiling of a convolution at 8 and at 16 bits: on mcu-m7 (two 8-bit MACs per cycle, one 16-bit)
    // every step's compute differs, and the steps share their masks.
    const conv = (b: number) => convLayer({ name: "c", batch: 1, inH: 6, inW: 6, inC: 4, outC: 6, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], groups: 1, bits: { wBits: b, aBits: b, outBits: 8, source: "bits" } });
    const arch = preset("mcu-m7");
    const m: Mapping = { dataflow: "vector", spatial: { rows: [], cols: [] }, tile: { N: 1, G: 1, K: 2, C: 4, P: 1, Q: 2 }, order: ["N", "G", "P", "Q", "K", "C"] };
    const ctx8 = makeContext(conv(8), arch, false, false);
    const ctx16 = makeContext(conv(16), arch, false, false);
    const j = new Int32Array([0, 0, 1, 0, 2, 1]);
    const a = new MacSteps(ctx8, m, false);
    const b = new MacSteps(ctx16, m, false);
    const o = new StepOut();
    // What the memo holds (the transfers' bits differ with the widths anyway).
    const memoized = () => ({ compute: o.compute, steps: o.steps, macs: o.macs, passes: o.passes, slots: o.slots, acc: [...o.acc], port: o.port });
    a.describe(j, o);
    const a8 = memoized();
    b.describe(j, o);
    const b16 = memoized();
    expect(b16.compute).not.toBe(a8.compute);
    a.describe(j, o);
    expect(memoized()).toEqual(a8);
    a.aim(ctx16, m, false, planOf(ctx16, m));
    a.describe(j, o);
    expect(memoized()).toEqual(b16);
  });
});
