/**
 * The calculator: linear in every count (fast-check, seed printed), re-priced by a table edit or another
 * node without re-simulating, each component scaling by its factor; DRAM and cache terms; power and TOPS.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SpecError } from "../../src/errors.js";
import { type ActionPrices, applyOverrides, cacheCountsOf, costNetwork, dynamicEnergy, pricing, scaleTable, sramLeakageUw, sramReadPj } from "../../src/cost/index.js";
import { type ArchSpec, parseArch } from "../../src/hw/index.js";
import { type NetworkResult, applyBits, layersFromList, peakMacsPerCycle, simulateNetwork } from "../../src/sim/index.js";
import type { ActionCounts } from "../../src/sim/result.js";
import { getZoo } from "../../src/zoo/index.js";
import { preset } from "../sim/presets.js";
import { base, rel } from "./helpers.js";

const SEED = 20261127;

function simulate(zoo: string, arch: ArchSpec): NetworkResult {
  return simulateNetwork(layersFromList(getZoo(zoo).layers, 1, zoo), arch);
}

const scaleCounts = (a: ActionCounts, k: number): ActionCounts => ({
  macs: Object.fromEntries(Object.entries(a.macs).map(([key, n]) => [key, n * k])),
  vectorOps: a.vectorOps * k,
  arrayPasses: a.arrayPasses * k,
  buffers: Object.fromEntries(Object.entries(a.buffers).map(([b, c]) => [b, { readBits: c!.readBits * k, writeBits: c!.writeBits * k }])),
  dram: { readBits: a.dram.readBits * k, writeBits: a.dram.writeBits * k },
});

const countsArb: fc.Arbitrary<ActionCounts> = fc.record({
  w8a8: fc.nat({ max: 1e9 }), w4a4: fc.nat({ max: 1e9 }), w2a8: fc.nat({ max: 1e9 }), vec: fc.nat({ max: 1e6 }),
  wr: fc.nat({ max: 1e9 }), ww: fc.nat({ max: 1e9 }), ir: fc.nat({ max: 1e9 }), iw: fc.nat({ max: 1e9 }), or: fc.nat({ max: 1e9 }), ow: fc.nat({ max: 1e9 }),
  dr: fc.nat({ max: 1e9 }), dw: fc.nat({ max: 1e9 }),
}).map((r) => ({
  macs: { w8a8: r.w8a8, w4a4: r.w4a4, w2a8: r.w2a8 }, vectorOps: r.vec, arrayPasses: 0,
  buffers: { weights: { readBits: r.wr, writeBits: r.ww }, inputs: { readBits: r.ir, writeBits: r.iw }, outputs: { readBits: r.or, writeBits: r.ow } },
  dram: { readBits: r.dr, writeBits: r.dw },
}));

const flat = (d: ReturnType<typeof dynamicEnergy>) => [d.mac, d.vector, ...Object.values(d.sram), d.dram];

describe(`energy = Σ counts × energy per action (fast-check seed ${SEED})`, () => {
  for (const id of ["bitfusion-eyeriss", "edge-16x16"]) {
    const prices: ActionPrices = pricing(preset(id), base()).prices;
    it(`${id}: doubling every count doubles the energy; counts add`, () => {
      fc.assert(fc.property(countsArb, countsArb, (a, b) => {
        const ea = flat(dynamicEnergy(a, new Map(), prices));
        const e2 = flat(dynamicEnergy(scaleCounts(a, 2), new Map(), prices));
        const eb = flat(dynamicEnergy(b, new Map(), prices));
        const sum: ActionCounts = { ...a, macs: { w8a8: a.macs["w8a8"]! + b.macs["w8a8"]!, w4a4: a.macs["w4a4"]! + b.macs["w4a4"]!, w2a8: a.macs["w2a8"]! + b.macs["w2a8"]! },
          vectorOps: a.vectorOps + b.vectorOps, buffers: Object.fromEntries(Object.entries(a.buffers).map(([k, c]) => [k, { readBits: c!.readBits + b.buffers[k as "weights"]!.readBits, writeBits: c!.writeBits + b.buffers[k as "weights"]!.writeBits }])),
          dram: { readBits: a.dram.readBits + b.dram.readBits, writeBits: a.dram.writeBits + b.dram.writeBits } };
        const es = flat(dynamicEnergy(sum, new Map(), prices));
        ea.forEach((v, i) => {
          expect(rel(e2[i]!, 2 * v)).toBeLessThan(1e-12);
          expect(rel(es[i]!, v + eb[i]!)).toBeLessThan(1e-12);
        });
      }), { seed: SEED, numRuns: 200 });
    });
  }
  it("a whole network: doubling every count doubles the dynamic energy of every component", () => {
    const arch = preset("edge-16x16");
    const r = simulate("zoo:lenet5", arch);
    const doubled: NetworkResult = { ...r, layers: r.layers.map((l) => ({ ...l, actions: scaleCounts(l.actions, 2) })), actions: scaleCounts(r.actions, 2) };
    const one = costNetwork(r, arch, base());
    const two = costNetwork(doubled, arch, base());
    for (const [k, v] of Object.entries(one.totals.components)) {
      if (!k.startsWith("leakage")) expect([k, rel(two.totals.components[k]!, 2 * v) < 1e-12]).toEqual([k, true]);
      else expect(two.totals.components[k]).toBe(v);
    }
  });
});

describe("re-pricing without re-simulating", () => {
  const arch = preset("bitfusion-eyeriss");
  const r = simulate("zoo:mobilenet_v2", arch);
  const snapshot = JSON.stringify(r);
  const at45 = costNetwork(r, arch, base());
  it("another node scales each component by its factor (DRAM off chip: unchanged)", () => {
    for (const [node, e, a, sramA] of [["28nm", 0.51, 0.38, 0.38], ["16nm", 0.19, 0.19, 0.25 * (16 / 22)]] as const) {
      const c = costNetwork(r, arch, scaleTable(base(), node));
      const g = c.totals.groups;
      const g45 = at45.totals.groups;
      expect(rel(g.mac, g45.mac * e)).toBeLessThan(1e-12);
      expect(rel(g.sram, g45.sram * e)).toBeLessThan(1e-12);
      expect(rel(g.leakage, g45.leakage * e)).toBeLessThan(1e-12);
      expect(g.dram).toBe(g45.dram);
      const area = (x: typeof c, k: string) => x.area.items.find((i) => i.component === k)!.totalMm2;
      expect(rel(area(c, "pe"), area(at45, "pe") * a)).toBeLessThan(1e-12);
      expect(rel(area(c, "sram.weights"), area(at45, "sram.weights") * sramA)).toBeLessThan(1e-12);
    }
  });
  it("a table edit changes the energy; the simulation result is untouched", () => {
    const edited = applyOverrides(base(), { "pe.fusion.energy": "1156 fJ" });
    const c = costNetwork(r, arch, edited);
    expect(rel(c.totals.groups.mac, 2 * at45.totals.groups.mac)).toBeLessThan(1e-12);
    expect(c.totals.groups.sram).toBe(at45.totals.groups.sram);
    expect(c.totals.groups.dram).toBe(at45.totals.groups.dram);
    expect(c.constants.find((k) => k.id === "pe.fusion.energy")!.tag).toBe("U");
    expect(JSON.stringify(r)).toBe(snapshot);
  });
  it("the arch file's cost: key (PE model, overrides) re-prices the same counts", () => {
    const composed: ArchSpec = { ...arch, cost: { ...arch.cost, peModel: "composed", peModelGiven: true } };
    const c = costNetwork(r, composed, base());
    expect(c.peModel).toEqual({ model: "composed", given: true });
    expect(c.totals.groups.mac).toBeGreaterThan(at45.totals.groups.mac);
    const o: ArchSpec = { ...arch, cost: { ...arch.cost, overrides: { "dram.ddr3.energy": "10 pJ" } } };
    expect(rel(costNetwork(r, o, base()).totals.groups.dram, at45.totals.groups.dram / 2)).toBeLessThan(1e-12);
    expect(JSON.stringify(r)).toBe(snapshot);
  });
});

describe("DRAM, caches, power and throughput", () => {
  it("DRAM: the arch file's energyPerBit, else cost.dramTech, else 20 pJ/bit (DDR3, Horowitz) — said so", () => {
    const edge = pricing(preset("edge-16x16"), base()).dram;
    expect(edge).toEqual({ pjPerBit: 8, from: "arch file dram.energyPerBit" });
    const tpu = preset("tpu-v1");
    expect(pricing(tpu, base()).dram).toEqual({ pjPerBit: 20, from: "default: dram.ddr3 (Horowitz, DDR3 class); set dram.energyPerBit or cost.dramTech" });
    expect(pricing({ ...tpu, cost: { ...tpu.cost, dramTech: "hbm2" } }, base()).dram).toEqual({ pjPerBit: 6.25, from: "cost.dramTech hbm2" });
    expect(() => pricing({ ...tpu, cost: { ...tpu.cost, dramTech: "gddr6" } }, base())).toThrow(SpecError);
    expect(() => pricing({ ...tpu, cost: { ...tpu.cost, dramTech: "gddr6" } }, base())).toThrow('cost.dramTech: names no dram entry of the 45nm table (given "gddr6"; expected ddr3 | lpddr4 | hbm2 | hbm3)');
  });
  const cached = parseArch(`version: 1
name: mcu
clock: 400 MHz
compute: { kind: vector, lanes: 4, precision: { mode: fixed, maxBits: 8 } }
buffers: { unified: { size: 64 KiB, portBits: 32 } }
dram: { bandwidth: 1 GB/s, latency: 50 ns }
caches: [{ name: l1d, size: 16 KiB, line: 32 B, ways: 4 }]
`);
  it("caches: without counts from the simulator the cache term is 0 and a note says so; area and leakage still count", () => {
    const sim = simulate("zoo:lenet5", cached);
    const strip = (a: ActionCounts): ActionCounts => ({ macs: a.macs, vectorOps: a.vectorOps, arrayPasses: a.arrayPasses, buffers: a.buffers, dram: a.dram });
    const r: NetworkResult = { ...sim, layers: sim.layers.map((l) => ({ ...l, actions: strip(l.actions) })), actions: strip(sim.actions) };
    const c = costNetwork(r, cached, base());
    expect(c.totals.components["cache.l1d"]).toBe(0);
    expect(c.notes).toContain("caches: the simulator reported no cache counts (the detailed engine simulates caches), so the cache term is 0; their area and leakage are included");
    expect(c.area.items.find((i) => i.component === "cache.l1d")!.totalMm2).toBeGreaterThan(0);
    expect(c.totals.components["leakage.cache"]).toBeGreaterThan(0);
  });
  it("caches: the simulator's per-level counts, when it reports them, are priced", () => {
    const r = simulate("zoo:lenet5", cached);
    const c = costNetwork(r, cached, base());
    if (cacheCountsOf(r.actions).reported) {
      expect(c.totals.components["cache.l1d"]).toBeGreaterThan(0);
      expect(c.notes.some((n) => n.includes("no cache counts"))).toBe(false);
    } else expect(c.totals.components["cache.l1d"]).toBe(0);
  });
  it("caches: counts in the actions are priced per access, line fill and writeback, in either form", () => {
    const p = pricing(cached, base());
    const l1 = p.caches[0]!;
    expect(l1.tagBits).toBe(32 - 7 - 5 + 2);
    const bare: ActionCounts = { macs: {}, vectorOps: 0, arrayPasses: 0, buffers: {}, dram: { readBits: 0, writeBits: 0 } };
    // The simulator's form (SimActionCounts.caches), and a list with explicit fills.
    const asRecord = { ...bare, caches: { l1d: { accesses: 1000, hits: 900, misses: 100, writebacks: 10 } } };
    const asList = { ...bare, caches: [{ name: "l1d", hits: 900, misses: 100, fills: 100, writebacks: 10 }] };
    for (const a of [asRecord, asList]) {
      const found = cacheCountsOf(a);
      expect(found.reported).toBe(true);
      expect(dynamicEnergy(a, found.counts, p.prices).cache["l1d"]).toBeCloseTo(1000 * l1.accessPj + 100 * l1.fillPj + 10 * l1.writebackPj, 9);
    }
    const unknownForm = { ...bare, caches: { l1d: { lookups: 3 } } };
    expect(cacheCountsOf(unknownForm).unreadable).toEqual(["l1d"]);
  });
  it("dataflow engines (FINN): PEs and SIMD lanes from the simulator's folding set area, leakage and the accumulate share", () => {
    const xnor = parseArch(`version: 1
name: xn
clock: 200 MHz
compute: { kind: vector, lanes: 1, accumulatorBits: 16, precision: { mode: xnor, maxBits: 1, depth: 1 } }
buffers: { unified: { size: 64 KiB, portBits: 64 } }
dram: { bandwidth: 1.2 GB/s, latency: 100 ns }
`);
    const r = simulate("zoo:lenet5", xnor);
    const names = r.layers.filter((l) => l.macs > 0).map((l) => l.name);
    const summary = { layers: names.map((name, i) => ({ name, folding: { pe: 2 + i, simd: 8 } })) };
    // The simulator's dataflow summary carries more; the folding is what pricing reads.
    const folded: NetworkResult = Object.assign({}, r, { dataflow: summary });
    const c = costNetwork(folded, xnor, base());
    const pe = c.area.items.find((i) => i.component === "pe")!;
    expect(pe.units).toBe(names.reduce((s, _, i) => s + 2 + i, 0));
    expect(pe.unitUm2).toBeCloseTo(8 * 5.6 + 67 + 5.98 * 16, 9);
    const l0 = c.layers.find((l) => l.name === names[0])!;
    const plain = costNetwork(r, xnor, base()).layers.find((l) => l.name === names[0])!;
    expect(l0.components["mac"]).toBeLessThan(plain.components["mac"]!);
    expect(l0.components["mac"]).toBeCloseTo(l0.macs * 64 * (0.004 + (0.05 + 0.009 * 16) / 8), 3);
  });
  it("dataflow engines (FINN): each engine's weight and threshold memories are priced as one SRAM bank per PE", () => {
    const finn = preset("finn-binary");
    const layers = applyBits(layersFromList(getZoo("mlp_mnist").layers, 1, "zoo:mlp_mnist"), { bits: { wBits: 1, aBits: 1 } });
    // Pinned folds with PE > 1 (the target alone leaves these layers at PE 1): banks multiply.
    const r = simulateNetwork(layers, finn, { mappings: new Map([["fc1", { pe: 4, simd: 16 }], ["fc2", { pe: 2, simd: 8 }]]) });
    expect(r.dataflow!.layers.map((d) => d.folding.pe)).toEqual([4, 2, 1]);
    const c = costNetwork(r, finn, base());
    const L = pricing(finn, base()).lookup;
    let banks = 0;
    let leakUw = 0;
    for (const d of r.dataflow!.layers) {
      const l = layers.find((x) => x.name === d.name)!;
      // From the layer's shape, not the summary's memory fields: MH × MW one-bit weights over PE banks,
      // SIMD weights per read, one read per bank per compute cycle; one 16-bit threshold per channel.
      const { pe, simd } = d.folding;
      const wBank = (l.K * l.C) / pe / 8;
      const tBank = ((l.K / pe) * 16) / 8;
      const e = c.layers.find((x) => x.name === d.name)!.components;
      expect(e["sram.engine-weights"]).toBeCloseTo(pe * d.cycles * sramReadPj(L, wBank, simd), 6);
      expect(e["sram.engine-thresholds"]).toBeCloseTo(pe * (l.K / pe) * sramReadPj(L, tBank, 16), 6);
      banks += pe;
      leakUw += pe * (sramLeakageUw(L, wBank) + sramLeakageUw(L, tBank));
    }
    expect(c.area.items.find((i) => i.component === "sram.engine-weights")!.units).toBe(banks);
    const plainSram = pricing(finn, base()).buffers.reduce((s, b) => s + b.banks * b.bankLeakageUw, 0);
    expect(c.totals.staticPower.sramUw).toBeCloseTo(plainSram + leakUw, 6);
    expect(c.totals.components["sram.engine-weights"]).toBeGreaterThan(0);
  });
  it("power and TOPS: one MAC = 2 ops; peak from the simulator's precision model", () => {
    const arch = preset("tpu-v1");
    const r = simulate("zoo:lenet5", arch);
    const c = costNetwork(r, arch, base(), { peakMacsPerCycle: (w, a) => peakMacsPerCycle(arch.compute.precision, arch.derived.pes, w, a) });
    const t = c.totals;
    expect(t.effectiveTops).toBeCloseTo((2 * r.totals.macs) / r.totals.seconds / 1e12, 9);
    expect(t.effectiveTopsPerW).toBeCloseTo((2 * r.totals.macs) / t.totalPj, 12);
    expect(t.averagePowerW).toBeCloseTo((t.totalPj * 1e-12) / r.totals.seconds, 9);
    expect(t.peak!.tops).toBeCloseTo((2 * 65536 * 700e6) / 1e12, 9);
    expect(t.peak!.topsPerW).toBeCloseTo(2 / (0.236 + (23 * 1e6) / 700e6), 9);
    expect(costNetwork(r, arch, base()).totals.peak).toBeUndefined();
  });
});
