/**
 * Two fidelities, one answer (ARCHITECTURE.md): on every target without caches the detailed engine, which
 * walks every tile, agrees exactly with the analytic engine, which sums the same steps over classes of
 * equivalent tiles — cycles, stalls and every action count — for random layers (conv with padding,
 * strides and dilation, depthwise, FC, pools and adds), random mappings and random arch variants over all
 * precision modes, double buffering on and off, shared and separate DRAM channels (fast-check, seed printed).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ArchSpec, parseArch } from "../../src/hw/index.js";
import { detailedMapping, detailedVector } from "../../src/sim/detailed/engine.js";
import {
  type Mapping, type SimLayer, TILED_DIMS, allowedSpatial, convLayer, evaluateMapping, evaluateVector, gemmLayer, makeContext, simulateLayer, vectorLayer,
} from "../../src/sim/index.js";
import { PRESETS, preset } from "./presets.js";

const SEED = 20261127;
const RUNS = 300;

const MODES = ["fixed", "int4-packing", "bit-fusion", "bit-serial", "act-serial", "xnor"] as const;

const archArb: fc.Arbitrary<{ text: string; id: string }> = fc
  .record({
    kind: fc.constantFrom("systolic", "vector"),
    rows: fc.integer({ min: 1, max: 8 }),
    cols: fc.integer({ min: 1, max: 8 }),
    dataflow: fc.constantFrom("os", "ws", "is"),
    mode: fc.constantFrom(...MODES),
    depth: fc.integer({ min: 1, max: 4 }),
    fill: fc.integer({ min: 0, max: 5 }),
    drain: fc.integer({ min: 0, max: 5 }),
    overhead: fc.integer({ min: 0, max: 9 }),
    unified: fc.boolean(),
    dbW: fc.boolean(),
    dbI: fc.boolean(),
    dbO: fc.boolean(),
    kib: fc.constantFrom(1, 2, 4, 16),
    banks: fc.integer({ min: 1, max: 4 }),
    portBits: fc.constantFrom(8, 24, 64, 256),
    wordBits: fc.constantFrom(16, 24, 32),
    separate: fc.boolean(),
    latency: fc.constantFrom(0, 7, 40),
    burst: fc.constantFrom(1, 8, 64),
  })
  .map((r) => {
    const precision =
      r.mode === "fixed" ? "{ mode: fixed, maxBits: 8 }"
      : r.mode === "int4-packing" ? "{ mode: int4-packing, maxBits: 8, minBits: 4 }"
      : r.mode === "bit-fusion" ? "{ mode: bit-fusion, maxBits: 8, minBits: 2 }"
      : r.mode === "act-serial" ? `{ mode: act-serial, maxBits: 8, depth: ${r.depth} }`
      : `{ mode: ${r.mode}, maxBits: ${r.mode === "xnor" ? 1 : 8}, depth: ${r.depth} }`;
    const shape = r.kind === "systolic" ? `rows: ${r.rows}, cols: ${r.cols}, dataflow: ${r.dataflow}` : `lanes: ${r.cols}`;
    const buf = (size: number, db: boolean, extra = "") => `{ size: ${size} KiB, banks: ${r.banks}, portBits: ${r.portBits}, doubleBuffered: ${db}${extra} }`;
    const buffers = r.unified
      ? `  weights: ${buf(r.kib, r.dbW)}\n  unified: ${buf(r.kib * 4, r.dbI, `, wordBits: ${r.wordBits}`)}`
      : `  weights: ${buf(r.kib, r.dbW)}\n  inputs: ${buf(r.kib, r.dbI)}\n  outputs: ${buf(r.kib, r.dbO, `, wordBits: ${r.wordBits}`)}`;
    const dram = r.separate ? "readBandwidth: 3 GB/s, writeBandwidth: 1.5 GB/s" : "bandwidth: 2 GB/s";
    const text = `version: 1
name: variant
clock: 1 GHz
compute: { kind: ${r.kind}, ${shape}, precision: ${precision}, pipeline: { fillCycles: ${r.fill}, drainCycles: ${r.drain}, perTileOverheadCycles: ${r.overhead} } }
buffers:
${buffers}
dram: { ${dram}, latency: ${r.latency} ns, burst: ${r.burst} B }
`;
    return { text, id: JSON.stringify(r) };
  });

const layerArb: fc.Arbitrary<SimLayer> = fc
  .record({
    kind: fc.constantFrom("conv", "dw", "fc", "pool", "add"),
    H: fc.integer({ min: 1, max: 14 }),
    W: fc.integer({ min: 1, max: 14 }),
    C: fc.integer({ min: 1, max: 24 }),
    K: fc.integer({ min: 1, max: 24 }),
    k: fc.constantFrom(1, 2, 3, 5),
    s: fc.integer({ min: 1, max: 3 }),
    sw: fc.integer({ min: 1, max: 2 }),
    dil: fc.integer({ min: 1, max: 2 }),
    pad: fc.integer({ min: 0, max: 4 }),
    batch: fc.integer({ min: 1, max: 2 }),
    w: fc.integer({ min: 1, max: 8 }),
    a: fc.integer({ min: 1, max: 8 }),
    o: fc.integer({ min: 1, max: 16 }),
  })
  .filter((r) => r.kind === "fc" || r.kind === "add" || (r.H + 2 * r.pad >= (r.k - 1) * r.dil + 1 && r.W + 2 * r.pad >= (r.k - 1) * r.dil + 1))
  .map((r) => {
    const bits = { wBits: r.w, aBits: r.a, outBits: r.o, source: "bits" as const };
    if (r.kind === "fc") return gemmLayer("fc", "fc", r.batch * r.H, r.C * r.W, r.K, 1, bits);
    if (r.kind === "add") return vectorLayer("add", "add", { N: r.batch, channels: r.C, H: r.H, W: r.W, P: r.H, Q: r.W, R: 1, S: 1, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], inputs: 2 }, bits);
    if (r.kind === "pool") {
      const P = Math.floor((r.H + 2 * r.pad - r.k) / r.s) + 1;
      const Q = Math.floor((r.W + 2 * r.pad - r.k) / r.sw) + 1;
      return vectorLayer("pool", "maxpool", { N: r.batch, channels: r.C, H: r.H, W: r.W, P, Q, R: r.k, S: r.k, strideH: r.s, strideW: r.sw, pads: [r.pad, r.pad, r.pad, r.pad], inputs: 1 }, bits);
    }
    const groups = r.kind === "dw" ? r.C : 1;
    return convLayer({ name: r.kind, batch: r.batch, inH: r.H, inW: r.W, inC: r.C, outC: r.kind === "dw" ? r.C : r.K, kH: r.k, kW: r.k, strideH: r.s, strideW: r.sw, dilationH: r.dil, dilationW: r.dil, pads: [r.pad, r.pad, r.pad, r.pad], groups, bits });
  });

function mappingArb(layer: SimLayer, flow: Mapping["dataflow"]): fc.Arbitrary<Mapping> {
  const allowed = allowedSpatial(flow);
  return fc
    .record({
      rows: fc.subarray([...allowed.rows]),
      cols: fc.subarray([...allowed.cols]),
      tile: fc.tuple(...TILED_DIMS.map((d) => fc.integer({ min: 1, max: layer[d] }))),
      order: fc.shuffledSubarray([...TILED_DIMS], { minLength: 6, maxLength: 6 }),
    })
    .map((m) => ({ dataflow: flow, spatial: { rows: m.rows, cols: m.cols }, tile: Object.fromEntries(TILED_DIMS.map((d, i) => [d, m.tile[i]!])) as Mapping["tile"], order: m.order }));
}

const archCache = new Map<string, ArchSpec>();
const archOf = (a: { text: string; id: string }) => {
  let s = archCache.get(a.id);
  if (s === undefined) archCache.set(a.id, (s = parseArch(a.text)));
  return s;
};

describe(`analytic = detailed without caches (fast-check seed ${SEED})`, () => {
  it(`random mappings of random layers on random arch variants, every precision mode (${RUNS} runs)`, () => {
    let compared = 0;
    fc.assert(
      fc.property(
        layerArb.chain((layer) => archArb.chain((a) => {
          const arch = archOf(a);
          const flow = arch.compute.kind === "systolic" ? arch.compute.dataflow : "vector";
          return fc.tuple(fc.constant(layer), fc.constant(a), mappingArb(layer, flow), fc.boolean(), fc.boolean());
        })),
        ([layer, a, m, inOn, outOn]) => {
          const ctx = makeContext(layer, archOf(a), inOn, outOn);
          if (layer.kind === "vector") {
            expect(detailedVector(ctx).eval).toEqual(evaluateVector(ctx));
            compared++;
            return;
          }
          // With the formula's tile classes (detail), which the detailed engine lists as well.
          const e = evaluateMapping(ctx, m, true);
          if (!e.legal) return;
          const d = detailedMapping(ctx, m);
          expect(d.eval).toEqual(e);
          expect(d.timeline.tiles).toBe(e.tiles);
          compared++;
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect(compared).toBeGreaterThan(RUNS / 3);
  });

  it("the mapper's own choices on the presets, whole layer results included", () => {
    fc.assert(
      fc.property(layerArb, fc.constantFrom(...PRESETS), fc.boolean(), (layer, id, inOn) => {
        const arch = preset(id);
        const a = simulateLayer(layer, arch, { inputOnChip: inOn });
        const d = simulateLayer(layer, arch, { inputOnChip: inOn, engine: "detailed" });
        expect(d.cycles).toEqual(a.cycles);
        expect(d.actions).toEqual(a.actions);
        expect(d.operands).toEqual(a.operands);
        expect(d.buffers).toEqual(a.buffers);
        expect(d.utilization).toEqual(a.utilization);
        expect(d.formula).toBe(a.formula);
        expect(d.engine).toBe("detailed");
      }),
      { seed: SEED, numRuns: 80 },
    );
  });
});
