/**
 * The address stream of MAC transfers (cache/streams.ts) emits a run of adjacent elements as one run where
 * a loop's consecutive runs touch in memory. This checks it against the plain definition — every loop of
 * the tile walked, one run per (group, channel) slice, adjacent runs merged by the same rule — on random
 * conv, grouped, depthwise and FC layers, random tilings and element widths down to one bit (sub-byte
 * runs share bytes): the same accesses (range, read/write, width), in the same order, for every tile and
 * every transfer kind (fast-check, seed printed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hierarchy } from "../../src/sim/cache/hierarchy.js";
import { MacStream, type OperandLayout } from "../../src/sim/cache/streams.js";
import { MacSteps, type Mapping, type SimLayer, StepOut, TILED_DIMS, convLayer, gemmLayer, makeContext } from "../../src/sim/index.js";
import { X_INPUTS, X_OUTPUT, X_PSUM_IN, X_PSUM_OUT, X_WEIGHTS } from "../../src/sim/steps.js";
import { PART2_PRESETS, preset } from "./presets.js";

const SEED = 20261129;

type Access = readonly [lo: number, hi: number, write: boolean, width: number];

/** A hierarchy that records the byte ranges it is asked for. */
function recorder(lineBytes: number): { h: Hierarchy; log: Access[] } {
  const log: Access[] = [];
  const h = { l1: { lineBytes }, range: (lo: number, hi: number, write: boolean, width: number) => (log.push([lo, hi, write, width]), 0) };
  return { h: h as unknown as Hierarchy, log };
}

/** The definition: every loop walked, adjacent (or byte-sharing) runs merged, each merged run one range. */
function reference(st: MacSteps, l: SimLayer, psumBits: number, layout: OperandLayout, width: [number, number, number], s: MacStream, kind: number, j: Int32Array): Access[] {
  const out: Access[] = [];
  let lo = -1;
  let hi = -1;
  let base = 0;
  let bits = 8;
  let write = false;
  let w = 4;
  const flush = () => {
    if (hi > lo) out.push([lo, hi, write, w]);
    lo = hi = -1;
  };
  const run = (e0: number, count: number) => {
    if (count <= 0) return;
    const a = base + Math.floor((e0 * bits) / 8);
    const b = base + Math.ceil(((e0 + count) * bits) / 8);
    if (a <= hi && a >= lo) {
      hi = Math.max(hi, b);
      return;
    }
    flush();
    lo = a;
    hi = b;
  };
  const o0 = (d: number) => j[d]! * st.t[d]!;
  const ext = (d: number) => (j[d] === st.n[d]! - 1 ? st.rem[d]! : st.t[d]!);
  const [n0, g0, k0, c0, p0, q0] = [0, 1, 2, 3, 4, 5].map(o0) as [number, number, number, number, number, number];
  const [eN, eG, eK, eC, eP, eQ] = [0, 1, 2, 3, 4, 5].map(ext) as [number, number, number, number, number, number];
  if (kind === X_WEIGHTS) {
    [base, bits, write, w] = [layout.weights, l.wBits, false, width[0]];
    const rs = l.R * l.S;
    for (let g = g0; g < g0 + eG; g++) for (let k = k0; k < k0 + eK; k++) for (let x = 0; x < rs; x++) run((g * l.K + k) * rs * l.C + x * l.C + c0, eC);
  } else if (kind === X_INPUTS) {
    [base, bits, write, w] = [layout.inputs, l.aBits, false, width[1]];
    const [y0, y1, x0, x1] = [s.lo(false, p0), s.hi(false, p0, eP), s.lo(true, q0), s.hi(true, q0, eQ)];
    for (let n = n0; n < n0 + eN; n++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let g = g0; g < g0 + eG; g++) run(((n * l.H + y) * l.W + x) * l.G * l.C + g * l.C + c0, eC);
  } else {
    const psum = kind === X_PSUM_IN || kind === X_PSUM_OUT;
    [base, bits, write, w] = [psum ? layout.psums : layout.outputs, psum ? psumBits : l.outBits, kind === X_PSUM_OUT || kind === X_OUTPUT, width[2]];
    for (let n = n0; n < n0 + eN; n++) for (let p = p0; p < p0 + eP; p++) for (let q = q0; q < q0 + eQ; q++) for (let g = g0; g < g0 + eG; g++) run(((n * l.P + p) * l.Q + q) * l.G * l.K + g * l.K + k0, eK);
  }
  flush();
  return out;
}

const layerArb: fc.Arbitrary<SimLayer> = fc
  .record({
    kind: fc.constantFrom("conv", "grouped", "dw", "fc"),
    H: fc.integer({ min: 1, max: 9 }),
    W: fc.integer({ min: 1, max: 9 }),
    C: fc.integer({ min: 1, max: 6 }),
    K: fc.integer({ min: 1, max: 6 }),
    groups: fc.integer({ min: 2, max: 3 }),
    k: fc.constantFrom(1, 2, 3),
    s: fc.integer({ min: 1, max: 3 }),
    dil: fc.integer({ min: 1, max: 2 }),
    pad: fc.integer({ min: 0, max: 3 }),
    batch: fc.integer({ min: 1, max: 2 }),
    w: fc.constantFrom(1, 2, 3, 4, 8),
    a: fc.constantFrom(1, 2, 4, 5, 8),
    o: fc.constantFrom(1, 4, 8, 16),
  })
  .filter((r) => r.kind === "fc" || (r.H + 2 * r.pad >= (r.k - 1) * r.dil + 1 && r.W + 2 * r.pad >= (r.k - 1) * r.dil + 1))
  .map((r) => {
    const bits = { wBits: r.w, aBits: r.a, outBits: r.o, source: "bits" as const };
    if (r.kind === "fc") return gemmLayer("fc", "fc", r.batch * r.H, r.C * r.W, r.K, 1, bits);
    const groups = r.kind === "dw" ? r.C : r.kind === "grouped" ? r.groups : 1;
    const inC = r.kind === "grouped" ? r.C * groups : r.C;
    const outC = r.kind === "dw" ? r.C : r.kind === "grouped" ? r.K * groups : r.K;
    return convLayer({ name: r.kind, batch: r.batch, inH: r.H, inW: r.W, inC, outC, kH: r.k, kW: r.k, strideH: r.s, strideW: r.s, dilationH: r.dil, dilationW: r.dil, pads: [r.pad, r.pad, r.pad, r.pad], groups, bits });
  });

function mappingArb(l: SimLayer): fc.Arbitrary<Mapping> {
  return fc
    .record({
      tile: fc.tuple(...TILED_DIMS.map((d) => fc.integer({ min: 1, max: l[d] }))),
      order: fc.shuffledSubarray([...TILED_DIMS], { minLength: 6, maxLength: 6 }),
    })
    .map((m) => ({ dataflow: "vector", spatial: { rows: [], cols: [] }, tile: Object.fromEntries(TILED_DIMS.map((d, i) => [d, m.tile[i]!])) as Mapping["tile"], order: m.order }));
}

describe(`MAC address streams (fast-check seed ${SEED})`, () => {
  it("collapsed runs give the same accesses as walking every (group, channel) slice", () => {
    const arch = preset(PART2_PRESETS[0]);
    const layout: OperandLayout = { weights: 0x0800_0000, inputs: 0x2000_0040, inputs2: 0x2000_0040, outputs: 0x2010_0000, psums: 0x3000_0000 };
    let checked = 0;
    fc.assert(
      fc.property(layerArb.chain((l) => fc.tuple(fc.constant(l), mappingArb(l), fc.constantFrom(1, 2, 4, 32))), ([l, m, lineBytes]) => {
        const ctx = makeContext(l, arch, false, false);
        const st = new MacSteps(ctx, m, false);
        const { h, log } = recorder(lineBytes);
        const s = new MacStream(ctx, st, layout, h);
        const width: [number, number, number] = [Math.min(lineBytes, 4), Math.min(lineBytes, 4), Math.min(lineBytes, 4)];
        const j = new Int32Array(6);
        // Every tile, not only the ones a schedule visits.
        for (let t = 0; t < st.tiles; t++) {
          let r = t;
          for (let d = 5; d >= 0; d--) {
            j[d] = r % st.n[d]!;
            r = Math.floor(r / st.n[d]!);
          }
          for (const kind of [X_WEIGHTS, X_INPUTS, X_PSUM_IN, X_PSUM_OUT, X_OUTPUT]) {
            log.length = 0;
            s.transfer(kind, j);
            expect(log).toEqual(reference(st, l, ctx.psumBits, layout, width, s, kind, j));
            checked++;
          }
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
    expect(checked).toBeGreaterThan(1000);
  });

  // The detailed walk's fast path: a step that differs from the previous one only by the innermost loop's
  // index keeps the previous StepOut (MacSteps.describeInner), and its transfers replay the previous
  // step's ranges moved one tile along (MacStream.shifted). Both against the full computation, step by step.
  it("a repeated step equals its full description, and its replayed ranges the generated ones", () => {
    const layout: OperandLayout = { weights: 0x0800_0000, inputs: 0x2000_0040, inputs2: 0x2000_0040, outputs: 0x2010_0000, psums: 0x3000_0000 };
    let replayed = 0;
    let steps = 0;
    fc.assert(
      fc.property(layerArb.chain((l) => fc.tuple(fc.constant(l), mappingArb(l), fc.constantFrom(4, 32), fc.constantFrom("mcu-m7", "edge-16x16"))), ([l, m, lineBytes, arch]) => {
        const ctx = makeContext(l, preset(arch), false, false);
        const full = new MacSteps(ctx, m, false);
        const fast = new MacSteps(ctx, m, false);
        const a = recorder(lineBytes);
        const b = recorder(lineBytes);
        const sa = new MacStream(ctx, full, layout, a.h);
        const sb = new MacStream(ctx, fast, layout, b.h);
        const oa = new StepOut();
        const ob = new StepOut();
        const k = full.loopDims.length;
        const at = new Int32Array(k);
        const j = new Int32Array(6);
        const tile = (o: StepOut, w: number) => (w === 1 ? o.jNext : w === -1 ? o.jPrev : o.j);
        let innerOnly = false;
        for (;;) {
          for (let i = 0; i < k; i++) j[full.loopDims[i]!] = at[i]!;
          full.describe(j, oa);
          if (innerOnly) fast.describeInner(j, ob);
          else fast.describe(j, ob);
          expect([ob.compute, ob.macs, ob.passes, ob.steps, ob.slots, ob.port, ob.nT, [...ob.acc], [...ob.j]]).toEqual([oa.compute, oa.macs, oa.passes, oa.steps, oa.slots, oa.port, oa.nT, [...oa.acc], [...oa.j]]);
          for (let i = 0; i < oa.nT; i++) {
            expect([ob.kind[i], ob.bits[i], ob.db[i], ob.which[i], [...tile(ob, ob.which[i]!)]]).toEqual([oa.kind[i], oa.bits[i], oa.db[i], oa.which[i], [...tile(oa, oa.which[i]!)]]);
            a.log.length = 0;
            b.log.length = 0;
            sa.transfer(oa.kind[i]!, tile(oa, oa.which[i]!), i);
            let t = ob.repeat ? sb.shifted(ob.kind[i]!, i) : -1;
            if (t >= 0) replayed++;
            else t = sb.transfer(ob.kind[i]!, tile(ob, ob.which[i]!), i);
            expect(b.log).toEqual(a.log);
          }
          steps++;
          let i = k - 1;
          while (i >= 0 && ++at[i]! === full.loopCounts[i]!) at[i--] = 0;
          if (i < 0) break;
          innerOnly = i === k - 1;
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
    expect(steps).toBeGreaterThan(1000);
    expect(replayed).toBeGreaterThan(100);
  });
});
