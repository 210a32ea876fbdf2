/**
 * quarch energy table [--tech 45nm|28nm|…|FILE] [--pe-check]: the technology table with every value's tag
 * and source, the SRAM model beside CACTI's data, the node factors, cross-check references; or, with
 * --pe-check, the composed PE model against BitFusion's synthesized PEs at 2/4/8/16 bits.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import { peCheck } from "../../cost/pe.js";
import { formatBytes, formatValue } from "../../cost/quantity.js";
import { e64Pj, sramAreaUm2, sramReadPj } from "../../cost/sram.js";
import { TechLookup, type TechTable } from "../../cost/types.js";
import { type Cell, type Column, renderCsv, renderTable } from "../../report/table.js";
import { BASE_NODE, resolveTech, techNodes } from "../tech-tables.js";

const pct = (x: number) => `${x >= 0 ? "+" : ""}${+(x * 100).toFixed(1)} %`;
const sig = (x: number, n = 4) => +x.toPrecision(n);

const ENTRY_COLUMNS: readonly Column[] = [
  { key: "id", title: "entry" },
  { key: "value", title: "value" },
  { key: "tag", title: "tag" },
  { key: "source", title: "source / rule" },
];

export function entryRows(t: TechTable): Record<string, Cell>[] {
  return [...t.entries.values()].map((e) => ({ id: e.id, value: formatValue(e.kind, e.value), tag: e.tag, source: e.note === undefined ? e.source : `${e.source} — ${e.note}` }));
}

/** The SRAM model (64-bit port) beside the CACTI points and Horowitz's anchors. */
export function sramRows(t: TechTable): Record<string, Cell>[] {
  const m = new TechLookup(t);
  const caps = [...new Set([...t.cacti.map((c) => c.capacityBytes), ...t.sramAnchors.map((a) => a.capacityBytes)])].sort((a, b) => a - b);
  return caps.map((c) => {
    const k = t.cacti.find((x) => x.capacityBytes === c);
    const get = (f: string) => (k === undefined ? null : sig(t.entries.get(`cacti.${k.key}.${f}`)!.value, 4));
    const anchor = t.sramAnchors.find((a) => a.capacityBytes === c);
    return {
      capacity: formatBytes(c), e64: sig(e64Pj(m, c), 5), read256: sig(sramReadPj(m, c, 256), 5),
      anchor: anchor === undefined ? null : `${t.entries.get(`sramRead64.${anchor.key}.energy`)!.value} pJ`,
      cactiRead: get("read"), cactiWrite: get("write"), area: sig(sramAreaUm2(m, c) / 1e6, 4), cactiArea: k === undefined ? null : sig(t.entries.get(`cacti.${k.key}.area`)!.value / 1e6, 4),
    };
  });
}

const SRAM_COLUMNS: readonly Column[] = [
  { key: "capacity", title: "capacity" },
  { key: "anchor", title: "Horowitz 64-bit" },
  { key: "e64", title: "model E64 pJ", numeric: true },
  { key: "read256", title: "model 256-bit pJ", numeric: true },
  { key: "cactiRead", title: "CACTI read pJ", numeric: true },
  { key: "cactiWrite", title: "CACTI write pJ", numeric: true },
  { key: "area", title: "model mm²", numeric: true },
  { key: "cactiArea", title: "CACTI mm²", numeric: true },
];

export function peCheckRows(t: TechTable, accBits: number): Record<string, Cell>[] {
  return peCheck(new TechLookup(t), accBits).map((r) => ({
    bits: r.bits, mult: sig(r.composed.mult), add: sig(r.composed.add), regs: sig(r.composed.registers), composed: sig(r.composed.total), synthesized: r.synthesizedPj,
    deviation: pct(r.deviation), noRegs: sig(r.composed.mult + r.composed.add), deviationNoRegs: pct(r.deviationNoRegisters),
    composedArea: sig(r.composedAreaUm2.total, 5), synthesizedArea: r.synthesizedAreaUm2, areaDeviation: pct(r.areaDeviation),
  }));
}

const PE_COLUMNS: readonly Column[] = [
  { key: "bits", title: "bits", numeric: true },
  { key: "mult", title: "mult pJ", numeric: true },
  { key: "add", title: "acc add pJ", numeric: true },
  { key: "regs", title: "registers pJ", numeric: true },
  { key: "composed", title: "composed pJ", numeric: true },
  { key: "synthesized", title: "synthesized pJ", numeric: true },
  { key: "deviation", title: "deviation", numeric: true },
  { key: "noRegs", title: "mult+add pJ", numeric: true },
  { key: "deviationNoRegs", title: "deviation", numeric: true },
  { key: "composedArea", title: "composed µm²", numeric: true },
  { key: "synthesizedArea", title: "synthesized µm²", numeric: true },
  { key: "areaDeviation", title: "deviation", numeric: true },
];

export function renderPeCheck(t: TechTable, accBits: number): string {
  const L = new TechLookup(t);
  const ff = L.get("register.flipflop.energy");
  return [
    `PE check at ${t.node}: the composed model against BitFusion's synthesized PEs (energy per MAC, area per PE)`,
    `composed = int8-mul × w·a/64 + ${accBits}-bit accumulator add + ${ff} pJ/bit × (w + a + ${accBits}) register bits; deviation = composed / synthesized − 1`,
    "",
    renderTable(PE_COLUMNS, peCheckRows(t, accBits)),
    "",
    "Without registers the composed energies are energy-45nm.md's 0.11 / 0.15 / 0.30 pJ (+156 / +61 / +27 %) at a 32-bit accumulator:",
    "the accumulator dominates narrow PEs, and the synthesized PEs' accumulators, registers and clocking are not Horowitz's single operations.",
    "Choose the model per design with cost.peModel in the arch file; every report prints the one used.",
  ].join("\n") + "\n";
}

export async function renderTechTable(t: TechTable): Promise<string> {
  const lines = [
    `technology table ${t.node}: ${t.description}`,
    `from ${t.origin}; tags: C published, S synthesis/CACTI, D derived by the rule given, U user value. Stored units: pJ, µm², µW.`,
    "",
    renderTable(ENTRY_COLUMNS, entryRows(t)),
    "",
    "SRAM model (per bank; E(C, w) = E64(C)·(fixed + (1 − fixed)·w/64)) beside CACTI 7's data points:",
    renderTable(SRAM_COLUMNS, sramRows(t)),
  ];
  if (t.scaling !== undefined) {
    const s = t.scaling;
    lines.push("", `other nodes from ${t.node} [${s.tag} ${s.source}, ${s.accuracy}]; SRAM area linear in the node below ${s.sramAreaLinearBelowNm} nm; DRAM unchanged:`);
    lines.push(renderTable([{ key: "node", title: "node" }, { key: "energy", title: "energy ×", numeric: true }, { key: "area", title: "area ×", numeric: true }], [...s.nodes].map(([node, f]) => ({ node, energy: f.energy, area: f.area }))));
  }
  if (t.references.length > 0) {
    lines.push("", "cross-checks and quoted figures (not used by the model):");
    lines.push(renderTable([{ key: "name", title: "figure" }, { key: "value", title: "value" }, { key: "tag", title: "tag" }, { key: "source", title: "source / rule" }],
      t.references.map((r) => ({ name: r.name, value: r.value, tag: r.tag, source: r.note === undefined ? r.source : `${r.source} — ${r.note}` }))));
  }
  lines.push("", "sources:", ...[...t.sources].map(([k, v]) => `  ${k}: ${v}`), "", `nodes: ${(await techNodes()).join(", ")} (--tech), or a table file of this schema (docs/tech-yaml.md)`);
  return lines.join("\n") + "\n";
}

export function techJson(t: TechTable): object {
  return {
    version: t.version, node: t.node, description: t.description, origin: t.origin,
    entries: [...t.entries.values()], sources: Object.fromEntries(t.sources), references: t.references,
    scaling: t.scaling === undefined ? null : { ...t.scaling, nodes: Object.fromEntries(t.scaling.nodes) },
  };
}

interface EnergyArgs {
  action: "table";
  tech: string;
  peCheck: boolean;
  accBits: number;
  format: "table" | "json" | "csv";
}

async function handler(argv: ArgumentsCamelCase<EnergyArgs>): Promise<void> {
  if (!(Number.isInteger(argv.accBits) && argv.accBits >= 1 && argv.accBits <= 64)) throw new InputError({ path: "--acc-bits", message: "must be an integer from 1 to 64", given: String(argv.accBits) });
  const t = await resolveTech(argv.tech);
  if (argv.peCheck) {
    if (argv.format === "json") process.stdout.write(JSON.stringify({ node: t.node, accumulatorBits: argv.accBits, rows: peCheck(new TechLookup(t), argv.accBits) }, null, 2) + "\n");
    else if (argv.format === "csv") process.stdout.write(renderCsv(PE_COLUMNS, peCheckRows(t, argv.accBits)));
    else process.stdout.write(renderPeCheck(t, argv.accBits));
    return;
  }
  if (argv.format === "json") process.stdout.write(JSON.stringify(techJson(t), null, 2) + "\n");
  else if (argv.format === "csv") process.stdout.write(renderCsv([...ENTRY_COLUMNS.map((c) => ({ key: c.key, title: c.key }))], [...t.entries.values()].map((e) => ({ id: e.id, value: e.value, tag: e.tag, source: e.source }))));
  else process.stdout.write(await renderTechTable(t));
}

export const energyCommand: CommandModule<object, EnergyArgs> = {
  command: "energy <action>",
  describe: "Technology tables: energy and area per action with their sources (energy table [--tech] [--pe-check])",
  builder: (y: Argv) =>
    y
      .positional("action", { choices: ["table"] as const, demandOption: true, describe: "table: print a technology table with tags and sources" })
      .option("tech", { type: "string", default: BASE_NODE, describe: "a node (45nm, 32nm, 28nm, 22nm, 16nm, 14nm, 10nm, 7nm) or a table file" })
      .option("pe-check", { type: "boolean", default: false, describe: "print only the composed PE model against BitFusion's synthesized PEs" })
      .option("acc-bits", { type: "number", default: 32, describe: "accumulator width of the composed PEs in --pe-check" })
      .option("format", { choices: ["table", "json", "csv"] as const, default: "table" as const }) as unknown as Argv<EnergyArgs>,
  handler,
};
