/**
 * One arch × one technology table → the price of every action the simulator counts, the area and leakage
 * of every unit, each with how it was derived. Buffers are priced per bank (a bank is one SRAM macro with
 * its port); caches as a data array read a word at a time plus a tag array read across the ways (32-bit
 * addresses, valid and dirty bits), a line written on a fill and read on a writeback; DRAM at the arch file's energyPerBit, else its cost.dramTech entry,
 * else the table's DDR3-class entry; element-wise vector ops as one 32-bit add.
 */
import { SpecError } from "../errors.js";
import type { ArchSpec, BufferName } from "../hw/types.js";
import { type ComputePricing, computePricing } from "./compute.js";
import type { ActionPrices } from "./energy.js";
import { sramAreaUm2, sramLeakageUw, sramReadPj, sramWritePj } from "./sram.js";
import { TechLookup, type TechTable } from "./types.js";

export interface BufferPricing {
  readonly name: BufferName;
  readonly banks: number;
  readonly bankBytes: number;
  readonly portBits: number;
  readonly readPj: number;
  readonly writePj: number;
  readonly bankAreaUm2: number;
  readonly bankLeakageUw: number;
}

export interface CachePricing {
  readonly name: string;
  readonly tagBits: number;
  readonly tagBytes: number;
  readonly accessPj: number;
  readonly fillPj: number;
  /** A dirty line read out to the next level. */
  readonly writebackPj: number;
  readonly areaUm2: number;
  readonly leakageUw: number;
}

export interface DramPricing {
  readonly pjPerBit: number;
  /** Where the price came from, printed with it. */
  readonly from: string;
}

export interface Pricing {
  readonly table: TechTable;
  readonly lookup: TechLookup;
  readonly compute: ComputePricing;
  readonly buffers: readonly BufferPricing[];
  readonly caches: readonly CachePricing[];
  readonly dram: DramPricing;
  readonly vectorOpPj: number;
  readonly prices: ActionPrices;
}

const MAC_KEY = /^w(\d+)a(\d+)$/;

function dramPricing(arch: ArchSpec, L: TechLookup): DramPricing {
  if (arch.dram.energyPerBitPj !== undefined) return { pjPerBit: arch.dram.energyPerBitPj, from: "arch file dram.energyPerBit" };
  const tech = arch.cost.dramTech;
  if (tech !== undefined) {
    const kinds = [...L.table.entries.keys()].filter((k) => k.startsWith("dram.")).map((k) => k.split(".")[1]!);
    if (!kinds.includes(tech)) throw new SpecError({ path: "cost.dramTech", message: `names no dram entry of the ${L.table.node} table`, given: JSON.stringify(tech), expected: kinds.join(" | ") });
    return { pjPerBit: L.dynamic(`dram.${tech}.energy`), from: `cost.dramTech ${tech}` };
  }
  return { pjPerBit: L.dynamic("dram.ddr3.energy"), from: "default: dram.ddr3 (Horowitz, DDR3 class); set dram.energyPerBit or cost.dramTech" };
}

function cachePricing(arch: ArchSpec, m: TechLookup): CachePricing[] {
  return arch.caches.map((c) => {
    const lines = c.sizeBytes / c.lineBytes;
    const sets = lines / c.ways;
    const tagBits = Math.max(1, 32 - Math.log2(sets) - Math.log2(c.lineBytes)) + 2;
    const tagBytes = Math.ceil((lines * tagBits) / 8);
    return {
      name: c.name, tagBits, tagBytes,
      accessPj: sramReadPj(m, c.sizeBytes, 64) + sramReadPj(m, tagBytes, c.ways * tagBits),
      fillPj: sramWritePj(m, c.sizeBytes, c.lineBytes * 8) + sramWritePj(m, tagBytes, tagBits),
      writebackPj: sramReadPj(m, c.sizeBytes, c.lineBytes * 8),
      areaUm2: sramAreaUm2(m, c.sizeBytes) + sramAreaUm2(m, tagBytes),
      leakageUw: sramLeakageUw(m, c.sizeBytes) + sramLeakageUw(m, tagBytes),
    };
  });
}

/** Energy per MAC by the simulator's count key `w<wBits>a<aBits>`, memoized. */
export function macPricer(compute: ComputePricing): (key: string) => number {
  const memo = new Map<string, number>();
  return (key: string): number => {
    let v = memo.get(key);
    if (v === undefined) {
      const m = MAC_KEY.exec(key);
      if (m === null) throw new Error(`internal: MAC count key ${JSON.stringify(key)} is not w<bits>a<bits>`);
      v = compute.macPj(Number(m[1]), Number(m[2]));
      memo.set(key, v);
    }
    return v;
  };
}

/** Prices for `arch` from `table` (overrides already applied). */
export function pricing(arch: ArchSpec, table: TechTable): Pricing {
  const L = new TechLookup(table);
  const compute = computePricing(L, arch.cost.peModel, arch.compute);
  const buffers: BufferPricing[] = [];
  for (const b of Object.values(arch.buffers)) {
    if (b === undefined) continue;
    const bankBytes = b.sizeBytes / b.banks;
    buffers.push({
      name: b.name, banks: b.banks, bankBytes, portBits: b.portBits,
      readPj: sramReadPj(L, bankBytes, b.portBits), writePj: sramWritePj(L, bankBytes, b.portBits),
      bankAreaUm2: sramAreaUm2(L, bankBytes), bankLeakageUw: sramLeakageUw(L, bankBytes),
    });
  }
  const caches = cachePricing(arch, L);
  const dram = dramPricing(arch, L);
  const vectorOpPj = L.get("ops.int32-add.energy");
  const macPj = macPricer(compute);
  return {
    table, lookup: L, compute, buffers, caches, dram, vectorOpPj,
    prices: {
      macPj, vectorOpPj, dramPjPerBit: dram.pjPerBit,
      bufferPjPerBit: Object.fromEntries(buffers.map((b) => [b.name, { read: b.readPj / b.portBits, write: b.writePj / b.portBits }])),
      cachePj: new Map(caches.map((c) => [c.name, { access: c.accessPj, fill: c.fillPj, writeback: c.writebackPj }])),
    },
  };
}
