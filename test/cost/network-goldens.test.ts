/**
 * Full-network goldens: zoo:resnet18 W8A8 on tpu-v1 and zoo:mobilenet_v2 (W8A8) on bitfusion-eyeriss at 45 nm
 * — energy per inference, its MAC / SRAM / DRAM / leakage split, the DRAM share, power, TOPS/W and area — so a
 * change in the simulator's counts or in the cost model shows in the diff of test/cost/goldens/*.json. These
 * are quarch's own outputs (regression goldens, not an external reference): after a deliberate change,
 * regenerate with QUARCH_UPDATE_GOLDENS=1 npx vitest run test/cost/network-goldens.test.ts and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type NetworkCost, costNetwork } from "../../src/cost/index.js";
import { applyBits, layersFromList, parseBitsFlag, peakMacsPerCycle, simulateNetwork } from "../../src/sim/index.js";
import { getZoo } from "../../src/zoo/index.js";
import { preset } from "../sim/presets.js";
import { base } from "./helpers.js";

const DIR = join(import.meta.dirname, "goldens");
const UPDATE = process.env["QUARCH_UPDATE_GOLDENS"] === "1";

/** Six significant digits: stable across platforms' last-bit differences in Math.pow, fine enough to see any change. */
const r6 = (x: number) => (x === 0 ? 0 : +x.toPrecision(6));
const round = (o: Readonly<Record<string, number>>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r6(v)]));

function summary(zoo: string, archId: string, bits: string): Record<string, unknown> {
  const arch = preset(archId);
  const layers = applyBits(layersFromList(getZoo(zoo).layers, 1, zoo), { bits: parseBitsFlag(bits) });
  const r = simulateNetwork(layers, arch);
  const c: NetworkCost = costNetwork(r, arch, base(), { peakMacsPerCycle: (w, a) => peakMacsPerCycle(arch.compute.precision, arch.derived.pes, w, a) });
  const t = c.totals;
  const share = (x: number) => r6(x / t.totalPj);
  return {
    workload: zoo, arch: archId, bits, tech: c.tech.node, peModel: c.peModel.model, dramPjPerBit: c.dram.pjPerBit,
    sim: { macs: r.totals.macs, cycles: r.totals.cycles.total, dramReadBits: r.actions.dram.readBits, dramWriteBits: r.actions.dram.writeBits },
    energyPerInferencePj: r6(t.perInferencePj),
    splitPj: round({ ...t.groups }),
    shares: { mac: share(t.groups.mac), sram: share(t.groups.sram), dram: share(t.groups.dram), leakage: share(t.groups.leakage) },
    dramShare: r6(t.dramShare),
    dramShareOfDynamic: r6(t.dramShareOfDynamic),
    componentsPj: round(t.components),
    averagePowerW: r6(t.averagePowerW),
    effectiveTopsPerW: r6(t.effectiveTopsPerW),
    peak: t.peak === undefined ? null : round({ ...t.peak }),
    areaMm2: { ...Object.fromEntries(c.area.items.map((i) => [i.component, r6(i.totalMm2)])), controlNoc: r6(c.area.overheadMm2), total: r6(c.area.totalMm2) },
  };
}

describe("full-network energy goldens (45 nm)", () => {
  for (const [name, zoo, arch, bits] of [
    ["resnet18-tpu-v1", "zoo:resnet18", "tpu-v1", "W8A8"],
    ["mobilenet_v2-bitfusion-eyeriss", "zoo:mobilenet_v2", "bitfusion-eyeriss", "W8A8"],
  ] as const) {
    it(`${zoo} ${bits} on ${arch}`, () => {
      const got = summary(zoo, arch, bits);
      const file = join(DIR, `${name}.json`);
      if (UPDATE) writeFileSync(file, JSON.stringify(got, null, 2) + "\n");
      if (!existsSync(file)) throw new Error(`${file} is missing: run QUARCH_UPDATE_GOLDENS=1 npx vitest run test/cost/network-goldens.test.ts`);
      expect(got).toEqual(JSON.parse(readFileSync(file, "utf8")) as unknown);
      const s = got["shares"] as Record<string, number>;
      expect(s["mac"]! + s["sram"]! + s["dram"]! + s["leakage"]!).toBeCloseTo(1, 4);
    });
  }
});
