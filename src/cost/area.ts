/**
 * Area by component: the PE array (per PE by precision mode and PE model), the vector unit of a systolic
 * arch (one 32-bit adder per lane), SRAM buffers per bank (CACTI fit), a dataflow arch's engine memories, caches (data + tag arrays), plus the
 * table's stated fixed fraction for control and on-chip network. µm² per unit, mm² in totals.
 */
import type { ArchSpec } from "../hw/types.js";
import { ENGINE_MEMORIES, type EngineFolding } from "./dataflow.js";
import type { Pricing } from "./prices.js";
import { sramAreaUm2 } from "./sram.js";

export interface AreaItem {
  readonly component: string;
  readonly units: number;
  readonly unitUm2: number;
  readonly totalMm2: number;
  readonly what: string;
}

export interface AreaReport {
  readonly items: readonly AreaItem[];
  readonly overheadFraction: number;
  readonly overheadMm2: number;
  readonly totalMm2: number;
}

const item = (component: string, units: number, unitUm2: number, what: string): AreaItem => ({ component, units, unitUm2, totalMm2: (units * unitUm2) / 1e6, what });

/** The PEs of a dataflow arch's engines (Σ PE, and their area with each engine's SIMD lanes). */
export function enginePes(p: Pricing, folding: ReadonlyMap<string, EngineFolding>): { readonly pes: number; readonly areaUm2: number; readonly leakageUw: number } {
  let pes = 0;
  let areaUm2 = 0;
  let leakageUw = 0;
  for (const f of folding.values()) {
    const a = p.compute.peAreaForLanes(f.simd);
    pes += f.pe;
    areaUm2 += f.pe * a;
    leakageUw += f.pe * p.compute.leakageUw(a);
  }
  return { pes, areaUm2, leakageUw };
}

export function archArea(arch: ArchSpec, p: Pricing, folding?: ReadonlyMap<string, EngineFolding>): AreaReport {
  const c = arch.compute;
  const engines = folding === undefined ? undefined : enginePes(p, folding);
  const items: AreaItem[] = [
    engines === undefined
      ? item("pe", arch.derived.pes, p.compute.peAreaUm2, `${c.precision.mode} ${c.precision.maxBits}-bit PE (${arch.cost.peModel})`)
      : item("pe", engines.pes, engines.areaUm2 / engines.pes, `${c.precision.mode} PEs of ${folding!.size} dataflow engines, SIMD lanes as folded (mean area; ${arch.cost.peModel})`),
  ];
  if (c.kind === "systolic") items.push(item("vector", arch.derived.vectorLanes, p.lookup.get("ops.int32-add.area"), "vector unit lane: one 32-bit adder"));
  for (const b of p.buffers) items.push(item(`sram.${b.name}`, b.banks, b.bankAreaUm2, `${b.bankBytes / 1024} KiB bank`));
  if (folding !== undefined) {
    for (const k of ENGINE_MEMORIES) {
      const mems = [...folding.values()].flatMap((f) => (f[k] === undefined ? [] : [f[k]]));
      const banks = mems.reduce((s, m) => s + m.banks, 0);
      if (banks === 0) continue;
      const um2 = mems.reduce((s, m) => s + m.banks * sramAreaUm2(p.lookup, m.bankBytes), 0);
      const bytes = mems.reduce((s, m) => s + m.banks * m.bankBytes, 0);
      items.push(item(`sram.engine-${k}`, banks, um2 / banks, `${k === "weights" ? "weight" : "threshold"} memories of the dataflow engines, one bank per PE, ${+(bytes / 1024).toFixed(3)} KiB in all (mean bank area)`));
    }
  }
  for (const k of p.caches) items.push(item(`cache.${k.name}`, 1, k.areaUm2, `data + ${k.tagBits}-bit tags`));
  const sum = items.reduce((s, i) => s + i.totalMm2, 0);
  const overheadFraction = p.lookup.get("overhead.controlNoc.fraction");
  return { items, overheadFraction, overheadMm2: sum * overheadFraction, totalMm2: sum * (1 + overheadFraction) };
}
