/**
 * Tables derived from a table: other technology nodes by its `scaling` factors (Stillmaker & Baas from
 * 45 nm), and an arch file's single-entry overrides. Both return new tables; each changed entry keeps
 * where it came from in its source, so a report still cites it.
 */
import { type Problem, SpecError } from "../errors.js";
import { suggest } from "../hw/field-keys.js";
import { KIND_EXAMPLE, formatValue, parseValue } from "./quantity.js";
import { nodeNm } from "./tech-table.js";
import type { TechEntry, TechTable } from "./types.js";

/** This table's node and the nodes its scaling section derives, largest first. */
export function nodeNames(base: TechTable): string[] {
  const names = [base.node, ...(base.scaling?.nodes.keys() ?? [])];
  return names.sort((a, b) => (nodeNm(b) ?? 0) - (nodeNm(a) ?? 0));
}

/** How an entry scales to another node, or undefined when it does not (DRAM is off chip; plain numbers). */
export function scaleRule(e: TechEntry): "energy" | "area" | "sram-area" | undefined {
  if (e.id.startsWith("dram.")) return undefined;
  if (e.id === "sram.area.coefficient" || (e.id.startsWith("cacti.") && e.kind === "area")) return "sram-area";
  if (e.kind === "energy" || e.kind === "power") return "energy";
  if (e.kind === "area") return "area";
  return undefined;
}

const ref = (e: TechEntry) => `${e.tag} ${e.source}`;

/**
 * The table at `node`, derived by its scaling factors: energies (and leakage powers, for want of a separate
 * factor) × the energy factor, areas × the area factor; SRAM area below `sramAreaLinearBelow` scales
 * linearly with the node ratio from there, not quadratically. DRAM energy per bit is off chip: unchanged.
 */
export function scaleTable(base: TechTable, node: string): TechTable {
  if (node === base.node) return base;
  const s = base.scaling;
  const f = s?.nodes.get(node);
  const nm = nodeNm(node);
  if (s === undefined || f === undefined || nm === undefined) {
    throw new SpecError({ path: node, message: "is not a technology node quarch knows", given: JSON.stringify(node), expected: nodeNames(base).join(", ") + ", or a table file" });
  }
  const linear = s.sramAreaLinearBelowNm;
  const anchor = [...s.nodes.entries()].find(([k]) => nodeNm(k) === linear)?.[1];
  const sramArea = anchor !== undefined && nm < linear ? { factor: anchor.area * (nm / linear), why: `area ${anchor.area} at ${linear}nm × ${nm}/${linear} (SRAM area linear below ${linear}nm)` } : { factor: f.area, why: `area` };
  const cite = `${s.source}, ${s.accuracy}`.replace(/, $/, "");
  const entries = new Map<string, TechEntry>();
  for (const e of base.entries.values()) {
    const rule = scaleRule(e);
    if (rule === undefined) {
      entries.set(e.id, e);
      continue;
    }
    const [factor, why] = rule === "energy" ? [f.energy, "energy"] : rule === "area" ? [f.area, "area"] : [sramArea.factor, sramArea.why];
    entries.set(e.id, { ...e, value: e.value * factor, tag: "D", source: `${base.node} [${ref(e)}] × ${+factor.toPrecision(6)} (${why}, ${base.node} → ${node}, ${cite})`, sourceIsRef: false });
  }
  return {
    ...base, node, nm, entries, scaling: undefined,
    description: `${base.description} — scaled from ${base.node} to ${node} (${cite})`,
    origin: `${base.origin} × ${node} factors (energy ${f.energy}, area ${f.area})`,
  };
}

/**
 * The table with single entries replaced (the arch file's `cost.overrides`, checked here because only now is
 * the table known). Every problem is collected: unknown entry names, wrong units, negative values.
 */
export function applyOverrides(table: TechTable, overrides: Readonly<Record<string, string | number>>, at = "cost.overrides"): TechTable {
  const ids = Object.keys(overrides);
  if (ids.length === 0) return table;
  const problems: Problem[] = [];
  const entries = new Map(table.entries);
  for (const id of ids) {
    const raw = overrides[id]!;
    const path = `${at}.${id}`;
    const e = table.entries.get(id);
    if (e === undefined) {
      const hint = suggest(id, [...table.entries.keys()]);
      problems.push({ path, message: `names no entry of the ${table.node} table${hint === undefined ? "" : ` (did you mean ${hint}?)`}`, given: JSON.stringify(id), expected: "an entry printed by quarch energy table" });
      continue;
    }
    const r = parseValue(e.kind, raw);
    if (!r.ok) problems.push({ path, message: r.message, given: JSON.stringify(raw), expected: KIND_EXAMPLE[e.kind] });
    else if (r.value < 0 || ((e.kind === "count" || e.kind === "size") && r.value <= 0)) problems.push({ path, message: r.value < 0 ? "must not be negative" : "must be positive", given: JSON.stringify(raw) });
    else entries.set(id, { ...e, value: r.value, tag: "U", source: `arch file ${path} (table: ${formatValue(e.kind, e.value)} [${ref(e)}])`, sourceIsRef: false });
  }
  if (problems.length > 0) throw new SpecError(problems);
  return { ...table, entries, origin: `${table.origin} with ${ids.length} override${ids.length === 1 ? "" : "s"} from the arch file` };
}
