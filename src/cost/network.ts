/**
 * A simulated network priced by a technology table: per-layer and total energy by component (pJ), energy
 * per inference, average power, effective and peak TOPS and TOPS/W (one MAC = 2 ops), area by component,
 * and every table constant used with its tag. Takes the simulator's result as it is — pricing the same
 * result with another table never re-simulates.
 */
import type { ArchSpec } from "../hw/types.js";
import type { NetworkResult } from "../sim/network.js";
import type { ActionCounts } from "../sim/result.js";
import { type AreaReport, archArea, enginePes } from "./area.js";
import { cacheCountsOf } from "./cache-counts.js";
import { computePricing } from "./compute.js";
import { ENGINE_MEMORIES, type EngineFolding, type EngineMemory, dataflowFolding } from "./dataflow.js";
import { applyOverrides } from "./derive.js";
import { type ActionPrices, type DynamicEnergy, dynamicEnergy } from "./energy.js";
import { type DramPricing, type Pricing, macPricer, pricing } from "./prices.js";
import { sramLeakageUw, sramReadPj } from "./sram.js";
import type { EntryKind, Tag, TechTable } from "./types.js";

export interface CostOptions {
  /** Peak MACs per cycle at these widths: the simulator's precision model (cost may not call sim). Without it, no peak figures. */
  readonly peakMacsPerCycle?: (wBits: number, aBits: number) => number;
  /** Inferences the simulated workload performs (its batch); default 1. */
  readonly inferences?: number;
}

/**
 * Energy by component, pJ, in a fixed order: mac, vector, sram.<buffer>, sram.engine-<weights|thresholds>
 * (dataflow archs), dram, cache.<level>, leakage.<pe|sram|cache>.
 */
export type Components = Readonly<Record<string, number>>;

export interface EnergyGroups {
  readonly mac: number;
  readonly vector: number;
  readonly sram: number;
  readonly dram: number;
  readonly cache: number;
  readonly leakage: number;
}

export interface LayerEnergy {
  readonly name: string;
  readonly macs: number;
  readonly cycles: number;
  readonly components: Components;
  readonly groups: EnergyGroups;
  readonly totalPj: number;
}

export interface UsedConstant {
  readonly id: string;
  readonly kind: EntryKind;
  readonly value: number;
  readonly tag: Tag;
  readonly source: string;
  readonly sourceIsRef: boolean;
}

export interface StaticPower {
  readonly peUw: number;
  readonly sramUw: number;
  readonly cacheUw: number;
  readonly totalUw: number;
}

export interface NetworkTotals {
  readonly components: Components;
  readonly groups: EnergyGroups;
  readonly dynamicPj: number;
  readonly leakagePj: number;
  readonly totalPj: number;
  readonly inferences: number;
  readonly perInferencePj: number;
  readonly seconds: number;
  readonly averagePowerW: number;
  readonly staticPower: StaticPower;
  readonly macs: number;
  readonly effectiveTops: number;
  readonly effectiveTopsPerW: number;
  /** At the precision with the most MACs; the MAC array alone (MAC energy and PE leakage at full utilization). */
  readonly peak: { readonly wBits: number; readonly aBits: number; readonly tops: number; readonly topsPerW: number } | undefined;
  /** DRAM energy over total energy, and over dynamic energy. */
  readonly dramShare: number;
  readonly dramShareOfDynamic: number;
}

export interface NetworkCost {
  readonly arch: string;
  readonly tech: { readonly node: string; readonly origin: string; readonly description: string };
  readonly peModel: { readonly model: string; readonly given: boolean };
  readonly macPricing: string;
  readonly dram: DramPricing;
  readonly clockHz: number;
  readonly layers: readonly LayerEnergy[];
  readonly totals: NetworkTotals;
  readonly area: AreaReport;
  readonly constants: readonly UsedConstant[];
  /** Citations of the sources the constants name. */
  readonly sources: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

/** Every engine's memories leak for the whole run: the engines are all on chip at once. */
function engineMemoriesLeakageUw(p: Pricing, folding: ReadonlyMap<string, EngineFolding>): number {
  let uw = 0;
  for (const f of folding.values()) for (const k of ENGINE_MEMORIES) if (f[k] !== undefined) uw += f[k].banks * sramLeakageUw(p.lookup, f[k].bankBytes);
  return uw;
}

/** Dynamic energy of one memory kind: every bank's reads at its capacity and width. */
const memoryReadPj = (p: Pricing, m: EngineMemory | undefined): number => (m === undefined ? 0 : m.banks * m.readsPerBank * sramReadPj(p.lookup, m.bankBytes, m.widthBits));

function staticPower(p: Pricing, arch: ArchSpec, folding: ReadonlyMap<string, EngineFolding> | undefined): StaticPower {
  const peUw = folding === undefined ? arch.derived.pes * p.compute.peLeakageUw : enginePes(p, folding).leakageUw;
  const sramUw = p.buffers.reduce((s, b) => s + b.banks * b.bankLeakageUw, 0) + (folding === undefined ? 0 : engineMemoriesLeakageUw(p, folding));
  const cacheUw = p.caches.reduce((s, c) => s + c.leakageUw, 0);
  return { peUw, sramUw, cacheUw, totalUw: peUw + sramUw + cacheUw };
}

/** pJ leaked over `cycles` at `clockHz` by `uw` µW. */
const leakedPj = (uw: number, cycles: number, clockHz: number) => (uw * 1e6 * cycles) / clockHz;

function components(d: DynamicEnergy, leak: StaticPower, cycles: number, arch: ArchSpec, p: Pricing, engine: EngineFolding | null | undefined): Record<string, number> {
  const c: Record<string, number> = { mac: d.mac, vector: d.vector };
  for (const b of p.buffers) c[`sram.${b.name}`] = d.sram[b.name] ?? 0;
  // null: a dataflow arch's layer without memories (a pool, an add), still listed so every layer has the same keys.
  if (engine !== undefined) for (const k of ENGINE_MEMORIES) c[`sram.engine-${k}`] = memoryReadPj(p, engine?.[k]);
  c["dram"] = d.dram;
  for (const k of p.caches) c[`cache.${k.name}`] = d.cache[k.name] ?? 0;
  c["leakage.pe"] = leakedPj(leak.peUw, cycles, arch.clockHz);
  c["leakage.sram"] = leakedPj(leak.sramUw, cycles, arch.clockHz);
  if (p.caches.length > 0) c["leakage.cache"] = leakedPj(leak.cacheUw, cycles, arch.clockHz);
  return c;
}

export function groupsOf(c: Components): EnergyGroups {
  const sum = (prefix: string) => Object.entries(c).reduce((s, [k, v]) => (k === prefix || k.startsWith(`${prefix}.`) ? s + v : s), 0);
  return { mac: c["mac"] ?? 0, vector: c["vector"] ?? 0, sram: sum("sram"), dram: c["dram"] ?? 0, cache: sum("cache"), leakage: sum("leakage") };
}

const total = (c: Components) => Object.values(c).reduce((s, v) => s + v, 0);

function layerEnergy(name: string, macs: number, cycles: number, a: ActionCounts, leak: StaticPower, arch: ArchSpec, p: Pricing, prices: ActionPrices, engine: EngineFolding | null | undefined): LayerEnergy {
  const comps = components(dynamicEnergy(a, cacheCountsOf(a).counts, prices), leak, cycles, arch, p, engine);
  return { name, macs, cycles, components: comps, groups: groupsOf(comps), totalPj: total(comps) };
}

/** Price a simulation result with `table` (the arch file's cost.overrides applied on top). */
export function costNetwork(result: NetworkResult, arch: ArchSpec, table: TechTable, opts: CostOptions = {}): NetworkCost {
  const t = applyOverrides(table, arch.cost.overrides);
  const p = pricing(arch, t);
  const folding = dataflowFolding(result, arch.compute.accumulatorBits);
  const leak = staticPower(p, arch, folding);
  // A dataflow engine's lane group is its SIMD width: one accumulate per SIMD word (xnor, bit-serial).
  const bySimd = new Map<number, ActionPrices>();
  const pricesOf = (name: string): ActionPrices => {
    const simd = folding?.get(name)?.simd;
    if (simd === undefined) return p.prices;
    let v = bySimd.get(simd);
    if (v === undefined) {
      const c = arch.compute;
      v = { ...p.prices, macPj: macPricer(computePricing(p.lookup, arch.cost.peModel, { ...c, precision: { ...c.precision, depth: simd } })) };
      bySimd.set(simd, v);
    }
    return v;
  };
  const engineOf = (name: string) => (folding === undefined ? undefined : (folding.get(name) ?? null));
  const layers = result.layers.map((r) => layerEnergy(r.name, r.macs, r.cycles.total, r.actions, leak, arch, p, pricesOf(r.name), engineOf(r.name)));
  const comps: Record<string, number> = {};
  for (const l of layers) for (const [k, v] of Object.entries(l.components)) comps[k] = (comps[k] ?? 0) + v;
  if (layers.length === 0) Object.assign(comps, components(dynamicEnergy(result.actions, new Map(), p.prices), leak, 0, arch, p, undefined));
  const groups = groupsOf(comps);
  const totalPj = total(comps);
  const seconds = result.totals.cycles.total / arch.clockHz;
  const macs = result.totals.macs;
  const inferences = opts.inferences ?? 1;
  let peak: NetworkTotals["peak"];
  const dominant = Object.entries(result.actions.macs).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
  if (dominant !== undefined && opts.peakMacsPerCycle !== undefined) {
    const [, w, a] = /^w(\d+)a(\d+)$/.exec(dominant[0]) ?? [];
    const wBits = Number(w);
    const aBits = Number(a);
    const perCycle = opts.peakMacsPerCycle(wBits, aBits);
    const pjPerCycle = perCycle * p.prices.macPj(dominant[0]) + leakedPj(leak.peUw, 1, arch.clockHz);
    peak = { wBits, aBits, tops: (2 * perCycle * arch.clockHz) / 1e12, topsPerW: (2 * perCycle) / pjPerCycle };
  }
  const area = archArea(arch, p, folding);
  const constants = [...p.lookup.used].sort().map((id): UsedConstant => {
    const e = t.entries.get(id)!;
    return { id, kind: e.kind, value: e.value, tag: e.tag, source: e.source, sourceIsRef: e.sourceIsRef };
  });
  const sources = Object.fromEntries([...new Set(constants.filter((c) => c.sourceIsRef).map((c) => c.source))].sort().map((s) => [s, t.sources.get(s) ?? ""]));
  const notes: string[] = [];
  const found = cacheCountsOf(result.actions);
  if (arch.caches.length === 0) notes.push("caches: none in this arch (cache term 0)");
  else if (!found.reported) notes.push(`caches: the simulator reported no cache counts (the detailed engine simulates caches), so the cache term is 0; their area and leakage are included`);
  if (found.unreadable.length > 0) notes.push(`caches: counts for ${found.unreadable.join(", ")} in a form quarch cannot read: not priced`);
  if (folding !== undefined) notes.push(`dataflow engines: ${folding.size} layers' PE × SIMD folding from the simulator sets the PE area and leakage; MACs are priced with each layer's SIMD lanes per accumulate; each engine's weight and threshold memories are one SRAM bank per PE (read energy by capacity and width, leakage, area: sram.engine-weights, sram.engine-thresholds)`);
  const overrides = Object.keys(arch.cost.overrides);
  if (overrides.length > 0) notes.push(`table entries overridden by the arch file: ${overrides.join(", ")}`);
  return {
    arch: arch.name,
    tech: { node: t.node, origin: t.origin, description: t.description },
    peModel: { model: arch.cost.peModel, given: arch.cost.peModelGiven },
    macPricing: p.compute.what,
    dram: p.dram,
    clockHz: arch.clockHz,
    layers,
    totals: {
      components: comps, groups, dynamicPj: totalPj - groups.leakage, leakagePj: groups.leakage, totalPj, inferences, perInferencePj: totalPj / inferences,
      seconds, averagePowerW: seconds > 0 ? (totalPj * 1e-12) / seconds : 0, staticPower: leak,
      macs, effectiveTops: seconds > 0 ? (2 * macs) / seconds / 1e12 : 0, effectiveTopsPerW: totalPj > 0 ? (2 * macs) / totalPj : 0, peak,
      dramShare: totalPj > 0 ? groups.dram / totalPj : 0, dramShareOfDynamic: totalPj - groups.leakage > 0 ? groups.dram / (totalPj - groups.leakage) : 0,
    },
    area,
    constants,
    sources,
    notes,
  };
}
