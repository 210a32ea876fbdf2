/**
 * Energy and area for `quarch sim --tech …` and the demo: prices a finished simulation with a technology
 * table (src/cost) and renders it as text, JSON (the sim's JSON plus `energy`) or CSV (the sim's layer
 * CSV plus energy columns). The simulation is never re-run to change the table.
 */
import { InputError } from "../errors.js";
import { type NetworkCost, costNetwork } from "../cost/network.js";
import type { TechTable } from "../cost/types.js";
import { formatValue } from "../cost/quantity.js";
import { peakMacsPerCycle } from "../sim/precision.js";
import { type Cell, type Column, renderCsv, renderTable } from "../report/table.js";
import { demoModelPath, ownCsv, renderOwnTable, runSim, shortName, type SimRun } from "./commands/sim.js";
import { writeOutDir } from "./out-dir.js";
import { BASE_NODE, resolveTech } from "./tech-tables.js";

type OwnRun = Extract<SimRun, { kind: "own" }>;

/** `12.3 µJ`: an energy given in pJ, four significant digits in the largest unit below it. */
export function energyText(pj: number): string {
  const units: [number, string][] = [[1e12, "J"], [1e9, "mJ"], [1e6, "µJ"], [1e3, "nJ"], [1, "pJ"], [1e-3, "fJ"]];
  if (pj === 0) return "0 pJ";
  for (const [f, u] of units) if (Math.abs(pj) >= f || f === 1e-3) return `${+(pj / f).toPrecision(4)} ${u}`;
  return `${pj} pJ`;
}

export function powerText(w: number): string {
  if (w >= 1) return `${+w.toPrecision(4)} W`;
  if (w >= 1e-3) return `${+(w * 1e3).toPrecision(4)} mW`;
  return `${+(w * 1e6).toPrecision(4)} µW`;
}

const pct = (x: number) => `${+(x * 100).toPrecision(3)} %`;
const sig = (x: number, n = 4) => +x.toPrecision(n);

/** Price an own-model simulation at `tech` (a node or a table file). */
export async function costRun(run: OwnRun, tech: string | TechTable): Promise<{ readonly cost: NetworkCost; readonly notes: readonly string[] }> {
  const table = typeof tech === "string" ? await resolveTech(tech) : tech;
  const arch = run.arch;
  const notes: string[] = [];
  if (arch.tech !== undefined && arch.tech !== table.node) notes.push(`priced at ${table.node} (--tech); the arch file names ${arch.tech}`);
  const first = run.workload.layers[0];
  const cost = costNetwork(run.result, arch, table, {
    peakMacsPerCycle: (w, a) => peakMacsPerCycle(arch.compute.precision, arch.derived.pes, w, a),
    inferences: first?.N ?? 1,
  });
  return { cost, notes: [...notes, ...cost.notes] };
}

const LAYER_COLUMNS: readonly Column[] = [
  { key: "name", title: "layer" },
  { key: "mac", title: "MAC nJ", numeric: true },
  { key: "vector", title: "vector nJ", numeric: true },
  { key: "sram", title: "SRAM nJ", numeric: true },
  { key: "dram", title: "DRAM nJ", numeric: true },
  { key: "cache", title: "cache nJ", numeric: true },
  { key: "leakage", title: "leakage nJ", numeric: true },
  { key: "total", title: "total nJ", numeric: true },
];

const nj = (pj: number) => sig(pj / 1e3, 5);

function groupRow(name: string, g: NetworkCost["totals"]["groups"], total: number): Record<string, Cell> {
  return { name, mac: nj(g.mac), vector: nj(g.vector), sram: nj(g.sram), dram: nj(g.dram), cache: nj(g.cache), leakage: nj(g.leakage), total: nj(total) };
}

/** The PE model line every report prints. */
export function peModelLine(c: NetworkCost): string {
  return `PE model: ${c.peModel.model}${c.peModel.given ? " (arch file cost.peModel)" : " (default; the arch file's cost.peModel chooses composed | synthesized)"} — MACs priced as ${c.macPricing}`;
}

export function splitText(c: NetworkCost): string {
  const g = c.totals.groups;
  const t = c.totals.totalPj;
  const parts: [string, number][] = [["MAC", g.mac], ["vector", g.vector], ["SRAM", g.sram], ["DRAM", g.dram], ["cache", g.cache], ["leakage", g.leakage]];
  return parts.filter(([k, v]) => v > 0 || k === "DRAM").map(([k, v]) => `${k} ${pct(t > 0 ? v / t : 0)}`).join(" · ");
}

function peakText(c: NetworkCost): string {
  const p = c.totals.peak;
  return p === undefined ? "no MACs: no peak" : `peak ${sig(p.tops)} TOPS at W${p.wBits}A${p.aBits}, ${sig(p.topsPerW)} TOPS/W (MAC array at full utilization: MAC energy and PE leakage)`;
}

export function renderEnergyTable(c: NetworkCost, notes: readonly string[]): string {
  const t = c.totals;
  const lines = [
    `== energy and area at ${c.tech.node}: ${c.tech.origin}`,
    peModelLine(c),
    `DRAM: ${c.dram.pjPerBit} pJ/bit (${c.dram.from})`,
    "",
    renderTable(LAYER_COLUMNS, [...c.layers.map((l) => groupRow(shortName(l.name), l.groups, l.totalPj)), groupRow("total", t.groups, t.totalPj)]),
    "",
    `energy per inference: ${energyText(t.perInferencePj)} (${t.inferences} inference${t.inferences === 1 ? "" : "s"}, ${energyText(t.totalPj)} in all): ${splitText(c)}`,
    `DRAM share: ${pct(t.dramShare)} of the energy, ${pct(t.dramShareOfDynamic)} of the dynamic energy`,
    `by component: ${Object.entries(t.components).map(([k, v]) => `${k} ${energyText(v)}`).join(", ")}`,
    `average power: ${powerText(t.averagePowerW)} over ${sig(t.seconds * 1e3)} ms at ${c.clockHz / 1e6} MHz; static ${powerText(t.staticPower.totalUw * 1e-6)} (PEs ${powerText(t.staticPower.peUw * 1e-6)}, SRAM ${powerText(t.staticPower.sramUw * 1e-6)}${t.staticPower.cacheUw > 0 ? `, caches ${powerText(t.staticPower.cacheUw * 1e-6)}` : ""})`,
    `throughput: ${sig(t.effectiveTops)} TOPS, ${sig(t.effectiveTopsPerW)} TOPS/W effective (one MAC = 2 ops); ${peakText(c)}`,
    "",
    renderTable(
      [{ key: "component", title: "area" }, { key: "units", title: "units", numeric: true }, { key: "unit", title: "µm² per unit", numeric: true }, { key: "mm2", title: "mm²", numeric: true }, { key: "what", title: "what" }],
      [
        ...c.area.items.map((i) => ({ component: i.component, units: i.units, unit: sig(i.unitUm2, 6), mm2: sig(i.totalMm2, 5), what: i.what })),
        { component: "control/NoC", units: null, unit: null, mm2: sig(c.area.overheadMm2, 5), what: `${pct(c.area.overheadFraction)} of the above (overhead.controlNoc)` },
        { component: "total", units: null, unit: null, mm2: sig(c.area.totalMm2, 5), what: "" },
      ],
    ),
    "",
    "constants used (C published, S synthesis/CACTI, D derived by a rule, U arch-file override):",
    renderTable(
      [{ key: "id", title: "entry" }, { key: "value", title: "value" }, { key: "tag", title: "tag" }, { key: "source", title: "source / rule" }],
      c.constants.map((k) => ({ id: k.id, value: formatValue(k.kind, k.value), tag: k.tag, source: k.source })),
    ),
    "sources:",
    ...Object.entries(c.sources).map(([k, v]) => `  ${k}: ${v}`),
    ...notes.map((n) => `note: ${n}`),
  ];
  return lines.join("\n") + "\n";
}

const CSV_KEYS = ["energyMacPj", "energyVectorPj", "energySramPj", "energyDramPj", "energyCachePj", "energyLeakagePj", "energyTotalPj"] as const;

/** The sim's layer CSV with energy columns appended (same rows, same order). */
export function energyCsv(run: OwnRun, c: NetworkCost): string {
  const sim = ownCsv(run.result).trimEnd().split("\n");
  const mine = renderCsv(CSV_KEYS.map((k) => ({ key: k, title: k })), c.layers.map((l) => ({
    energyMacPj: l.groups.mac, energyVectorPj: l.groups.vector, energySramPj: l.groups.sram, energyDramPj: l.groups.dram,
    energyCachePj: l.groups.cache, energyLeakagePj: l.groups.leakage, energyTotalPj: l.totalPj,
  }))).trimEnd().split("\n");
  if (sim.length !== mine.length) throw new Error(`internal: ${sim.length} sim CSV lines against ${mine.length} energy lines`);
  return sim.map((l, i) => `${l},${mine[i]}`).join("\n") + "\n";
}

export interface EnergyOutputArgs {
  readonly format: string;
  readonly out?: string | undefined;
  readonly force: boolean;
  readonly quiet: boolean;
}

/**
 * `quarch sim … --tech [NODE|FILE]`: when `--tech` was given, write the sim's report with energy and area
 * (table, JSON, CSV, --out) and return true; otherwise do nothing and return false. `simJson` is the sim's
 * own JSON. The sim handler has already checked --out.
 */
export async function writeSimEnergy(run: SimRun, simJson: object, argv: EnergyOutputArgs): Promise<boolean> {
  const tech: unknown = "tech" in argv ? argv.tech : undefined;
  if (tech === undefined) return false;
  if (typeof tech !== "string") throw new InputError({ path: "--tech", message: "needs a node or a table file", expected: "45nm, 28nm, … or a *.yaml table" });
  if (run.kind !== "own") throw new InputError({ path: "--tech", message: "prices quarch's own simulation: SCALE-Sim compatibility mode has no action counts", expected: "a quarch arch without --compat scalesim" });
  // A bare --tech prices at the arch file's own node.
  const table = tech === "" ? await resolveTech(run.arch.tech ?? BASE_NODE, `${run.arch.name}: tech`) : await resolveTech(tech);
  const { cost, notes } = await costRun(run, table);
  if (!argv.quiet) for (const n of notes) process.stderr.write(`note: ${n}\n`);
  const json = JSON.stringify({ ...simJson, energy: cost }, null, 2) + "\n";
  if (argv.format === "json") process.stdout.write(json);
  else if (argv.format === "csv") process.stdout.write(energyCsv(run, cost));
  else process.stdout.write(renderOwnTable(run) + "\n" + renderEnergyTable(cost, []));
  if (argv.out !== undefined) {
    writeOutDir(argv.out, new Map([["result.json", json], ["layers.csv", energyCsv(run, cost)], ["energy.txt", renderEnergyTable(cost, notes)]]), argv.force);
    if (!argv.quiet) process.stderr.write(`wrote result.json, layers.csv, energy.txt to ${argv.out}\n`);
  }
  return true;
}

/** A few lines of energy and area for a priced run (the demo's section). */
export function energySummary(c: NetworkCost, title: string): string {
  const t = c.totals;
  const a = c.area;
  const pe = a.items.find((i) => i.component === "pe");
  const sram = a.items.filter((i) => i.component.startsWith("sram.")).reduce((s, i) => s + i.totalMm2, 0);
  return [
    `${title}: ${c.tech.node} table, ${c.peModel.model} PE model${c.peModel.given ? "" : " (default)"}`,
    `energy per inference ${energyText(t.perInferencePj)}: ${splitText(c)} (DRAM ${c.dram.pjPerBit} pJ/bit, ${c.dram.from})`,
    `average power ${powerText(t.averagePowerW)} at ${c.clockHz / 1e6} MHz over ${sig(t.seconds * 1e3)} ms; ${sig(t.effectiveTopsPerW)} TOPS/W effective, ${peakText(c)}`,
    `area ${sig(a.totalMm2)} mm²: PE array ${sig(pe?.totalMm2 ?? 0)} mm² (${pe?.units ?? 0} × ${sig(pe?.unitUm2 ?? 0)} µm²), SRAM ${sig(sram)} mm², control/NoC ${pct(a.overheadFraction)} ${sig(a.overheadMm2)} mm²`,
  ].join("\n");
}

/** For `quarch demo`: energy per inference and area for the bundled ResNet-8 on edge-16x16 (its arch file's tech). */
export async function energyDemo(): Promise<string> {
  const run = await runSim({ model: demoModelPath(), arch: "edge-16x16" });
  if (run.kind !== "own") throw new Error("edge-16x16 is a quarch arch, not a SCALE-Sim config");
  const { cost } = await costRun(run, run.arch.tech ?? "45nm");
  return energySummary(cost, "MLPerf Tiny ResNet-8 on edge-16x16, energy and area");
}
