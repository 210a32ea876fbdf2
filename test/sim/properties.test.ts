/**
 * Properties of the analytic engine (fast-check, fixed seed printed in the suite name): cycles are at least
 * the compute and bandwidth lower bounds; every legal mapping performs the layer's MACs exactly; action
 * counts add up to the per-layer and network totals.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Mapping, type SimLayer, TILED_DIMS, allowedSpatial, convLayer, evaluateMapping, gemmLayer, macsOf, makeContext, peakMacsPerCycle, simulateLayer, simulateNetwork,
} from "../../src/sim/index.js";
import { type ArchSpec, parseArch } from "../../src/hw/index.js";
import { PRESETS, preset } from "./presets.js";

const SEED = 20261126;
const RUNS = 120;

const layerArb: fc.Arbitrary<SimLayer> = fc
  .record({
    kind: fc.constantFrom("conv", "dw", "fc"),
    H: fc.integer({ min: 1, max: 20 }),
    W: fc.integer({ min: 1, max: 20 }),
    C: fc.integer({ min: 1, max: 48 }),
    K: fc.integer({ min: 1, max: 48 }),
    k: fc.constantFrom(1, 3, 5),
    s: fc.integer({ min: 1, max: 2 }),
    sw: fc.integer({ min: 1, max: 2 }),
    pad: fc.integer({ min: 0, max: 2 }),
    batch: fc.integer({ min: 1, max: 2 }),
    w: fc.integer({ min: 1, max: 8 }),
    a: fc.integer({ min: 1, max: 8 }),
  })
  .filter((r) => r.kind === "fc" || (r.H + 2 * r.pad >= r.k && r.W + 2 * r.pad >= r.k))
  .map((r) => {
    const bits = { wBits: r.w, aBits: r.a, outBits: r.a, source: "bits" as const };
    if (r.kind === "fc") return gemmLayer("fc", "fc", r.batch * r.H, r.C * r.W, r.K, 1, bits);
    const groups = r.kind === "dw" ? r.C : 1;
    return convLayer({ name: r.kind, batch: r.batch, inH: r.H, inW: r.W, inC: r.C, outC: r.kind === "dw" ? r.C : r.K, kH: r.k, kW: r.k, strideH: r.s, strideW: r.sw, pads: [r.pad, r.pad, r.pad, r.pad], groups, bits });
  });

/** The presets, plus an input-stationary array and a vector unit with separate DRAM channels. */
const EXTRA: Record<string, ArchSpec> = {
  "test-is": parseArch(`version: 1
name: test-is
clock: 1 GHz
compute: { kind: systolic, rows: 8, cols: 12, dataflow: is, precision: { mode: int4-packing, maxBits: 8, minBits: 4, packing: 4 }, pipeline: { fillCycles: 7, drainCycles: 11, perTileOverheadCycles: 3 } }
buffers:
  weights: { size: 8 KiB, banks: 2, portBits: 64 }
  unified: { size: 32 KiB, banks: 4, portBits: 64, doubleBuffered: true, wordBits: 24 }
dram: { readBandwidth: 4 GB/s, writeBandwidth: 2 GB/s, latency: 60 ns, burst: 32 B }
`),
  "test-vector": parseArch(`version: 1
name: test-vector
clock: 400 MHz
compute: { kind: vector, lanes: 16, precision: { mode: xnor, maxBits: 1, depth: 32 } }
buffers:
  unified: { size: 64 KiB, banks: 2, portBits: 128, doubleBuffered: true }
dram: { bandwidth: 1 GB/s, latency: 200 ns }
`),
};
const archOf = (id: string): ArchSpec => EXTRA[id] ?? preset(id);
const archArb = fc.constantFrom(...PRESETS, ...Object.keys(EXTRA));

describe(`analytic engine properties (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it("cycles ≥ max(MACs / peak MACs per cycle, DRAM bytes / bandwidth)", () => {
    fc.assert(
      fc.property(layerArb, archArb, (layer, id) => {
        const arch = archOf(id);
        const r = simulateLayer(layer, arch);
        const peak = peakMacsPerCycle(arch.compute.precision, arch.derived.pes, layer.wBits, layer.aBits);
        expect(r.cycles.total).toBeGreaterThanOrEqual(r.macs / peak - 1e-9);
        const rd = arch.derived.dramReadBitsPerCycle;
        const wr = arch.derived.dramWriteBitsPerCycle;
        const bytesOverBw = arch.derived.dramShared ? ((r.dram.readBytes + r.dram.writeBytes) * 8) / rd : Math.max((r.dram.readBytes * 8) / rd, (r.dram.writeBytes * 8) / wr);
        // Bytes are rounded up from bits: allow the rounding of one byte per direction.
        expect(r.cycles.total).toBeGreaterThanOrEqual(bytesOverBw - 16 / Math.min(rd, wr));
        expect(r.cycles.total).toBe(r.cycles.compute + r.cycles.stall);
        expect(r.cycles.stall).toBeGreaterThanOrEqual(0);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("every legal mapping gives the layer's MAC count", () => {
    const mappingArb = (layer: SimLayer, flow: Mapping["dataflow"]) => {
      const allowed = allowedSpatial(flow);
      return fc.record({
        rows: fc.subarray([...allowed.rows]),
        cols: fc.subarray([...allowed.cols]),
        tile: fc.tuple(...TILED_DIMS.map((d) => fc.integer({ min: 1, max: layer[d] }))),
        order: fc.shuffledSubarray([...TILED_DIMS], { minLength: 6, maxLength: 6 }),
      });
    };
    let legal = 0;
    fc.assert(
      fc.property(
        layerArb.chain((layer) => archArb.chain((id) => {
          const arch = archOf(id);
          const flow = arch.compute.kind === "systolic" ? arch.compute.dataflow : "vector";
          return mappingArb(layer, flow).map((m) => ({ layer, id, m: { dataflow: flow, spatial: { rows: m.rows, cols: m.cols }, tile: Object.fromEntries(TILED_DIMS.map((d, i) => [d, m.tile[i]!])) as Mapping["tile"], order: m.order } as Mapping }));
        })),
        ({ layer, id, m }) => {
          const e = evaluateMapping(makeContext(layer, archOf(id), false, false), m);
          if (!e.legal) return;
          legal++;
          expect(e.macs).toBe(macsOf(layer));
          expect(e.computeCycles).toBeGreaterThan(0);
        },
      ),
      { seed: SEED, numRuns: RUNS * 4 },
    );
    expect(legal).toBeGreaterThan(RUNS);
  });

  it("action counts add up to the per-layer totals and the network totals", () => {
    fc.assert(
      fc.property(fc.array(layerArb, { minLength: 1, maxLength: 4 }), archArb, (layers, id) => {
        const arch = archOf(id);
        const named = layers.map((l, i) => ({ ...l, name: `l${i}`, input: i === 0 ? "x" : `y${i - 1}`, output: `y${i}` }));
        const net = simulateNetwork(named, arch);
        for (const r of net.layers) {
          const a = r.actions;
          expect(Object.values(a.macs).reduce((s, v) => s + v, 0)).toBe(r.macs);
          const ops = [r.operands.weights, r.operands.inputs, r.operands.outputs];
          expect(a.dram.readBits).toBe(ops.reduce((s, o) => s + o.dramReadBits, 0));
          expect(a.dram.writeBits).toBe(ops.reduce((s, o) => s + o.dramWriteBits, 0));
          expect(Math.ceil(a.dram.readBits / 8)).toBe(r.dram.readBytes);
          expect(Math.ceil(a.dram.writeBits / 8)).toBe(r.dram.writeBytes);
          // Each buffer's reads and writes are its operands' reads and writes.
          for (const [b, x] of Object.entries(a.buffers)) {
            const mine = (["weights", "inputs", "outputs"] as const).filter((o) => arch.derived.holder[o] === b);
            expect(x!.readBits).toBe(mine.reduce((s, o) => s + r.operands[o].bufferReadBits, 0));
            expect(x!.writeBits).toBe(mine.reduce((s, o) => s + r.operands[o].bufferWriteBits, 0));
            expect(r.buffers[b as keyof typeof r.buffers]!.readBits).toBe(x!.readBits);
          }
        }
        const sum = (f: (r: (typeof net.layers)[number]) => number) => net.layers.reduce((s, r) => s + f(r), 0);
        expect(net.actions.dram.readBits).toBe(sum((r) => r.actions.dram.readBits));
        expect(net.actions.dram.writeBits).toBe(sum((r) => r.actions.dram.writeBits));
        expect(Object.values(net.actions.macs).reduce((s, v) => s + v, 0)).toBe(net.totals.macs);
        expect(net.actions.arrayPasses).toBe(sum((r) => r.actions.arrayPasses));
        for (const b of Object.keys(net.actions.buffers) as (keyof typeof net.actions.buffers)[]) {
          expect(net.actions.buffers[b]!.readBits).toBe(sum((r) => r.actions.buffers[b]?.readBits ?? 0));
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});
