/**
 * quarch compare <a> <b> [--op add|mul] [--tech]: the survey's comparison for any pair of precisions —
 * energy and area of one add or multiply in each, and their ratio (INT8 vs FP32 add: 30× energy, 116×
 * area), every number with its tag.
 */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import { type CompareOp, type OpComparison, PRECISIONS, type Precision, comparePrecisions, parsePrecision } from "../../cost/compare.js";
import type { TechTable } from "../../cost/types.js";
import { type Cell, type Column, renderCsv, renderTable } from "../../report/table.js";
import { BASE_NODE, resolveTech } from "../tech-tables.js";

const upper = (p: Precision) => (p === "binary" || p === "ternary" ? p : p.toUpperCase());
const ratio = (x: number) => `${+x.toPrecision(3)}×`;
const num = (x: number) => +x.toPrecision(6);

/** "an" before INT8, FP32 (read as letters), "a" before binary, ternary. */
const article = (p: Precision) => (p === "binary" || p === "ternary" ? "a" : "an");

/** "an INT8 add takes 30× less energy and 116× less area than an FP32 add". */
export function compareSentence(c: OpComparison): string {
  const what = c.op === "add" ? "add" : "multiply";
  const part = (r: number, noun: string) => (r === 1 ? `the same ${noun}` : r > 1 ? `${ratio(r)} less ${noun}` : `${ratio(1 / r)} more ${noun}`);
  return `${article(c.a.precision)} ${upper(c.a.precision)} ${what} takes ${part(c.energyRatio, "energy")} and ${part(c.areaRatio, "area")} than ${article(c.b.precision)} ${upper(c.b.precision)} ${what}`;
}

const COLUMNS: readonly Column[] = [
  { key: "op", title: "op" },
  { key: "aEnergy", title: "A pJ", numeric: true },
  { key: "bEnergy", title: "B pJ", numeric: true },
  { key: "energyRatio", title: "B/A energy", numeric: true },
  { key: "aArea", title: "A µm²", numeric: true },
  { key: "bArea", title: "B µm²", numeric: true },
  { key: "areaRatio", title: "B/A area", numeric: true },
  { key: "tags", title: "tags A, B" },
];

function rows(cs: readonly OpComparison[]): Record<string, Cell>[] {
  return cs.map((c) => ({
    op: c.op, aEnergy: num(c.a.energyPj), bEnergy: num(c.b.energyPj), energyRatio: ratio(c.energyRatio),
    aArea: num(c.a.areaUm2), bArea: num(c.b.areaUm2), areaRatio: ratio(c.areaRatio), tags: `${c.a.energyTag}, ${c.b.energyTag}`,
  }));
}

export function renderCompare(t: TechTable, cs: readonly OpComparison[]): string {
  const first = cs[0]!;
  const a = upper(first.a.precision);
  const b = upper(first.b.precision);
  const srcs = [...new Set(cs.flatMap((c) => [c.a, c.b]).map((p) => `${p.entry} [${p.energyTag} ${p.energySource}]`))];
  return [
    `${a} (A) vs ${b} (B) at ${t.node}, one operation each:`,
    "",
    renderTable(COLUMNS.map((c) => ({ ...c, title: c.title.replace(/\bA\b/g, a).replace(/\bB\b/g, b) })), rows(cs)),
    "",
    ...cs.map((c) => `${compareSentence(c)}.`),
    "",
    "entries:",
    ...srcs.map((s) => `  ${s}`),
  ].join("\n") + "\n";
}

function precision(s: string, what: string): Precision {
  const p = parsePrecision(s);
  if (p === undefined) throw new InputError({ path: what, message: "is not a precision quarch can compare", given: JSON.stringify(s), expected: PRECISIONS.join(", ") });
  return p;
}

interface CompareArgs {
  a: string;
  b: string;
  op?: CompareOp;
  tech: string;
  format: "table" | "json" | "csv";
}

async function handler(argv: ArgumentsCamelCase<CompareArgs>): Promise<void> {
  const a = precision(argv.a, "first precision");
  const b = precision(argv.b, "second precision");
  const t = await resolveTech(argv.tech);
  const cs = comparePrecisions(t, a, b, argv.op === undefined ? ["add", "mul"] : [argv.op]);
  if (argv.format === "json") process.stdout.write(JSON.stringify({ node: t.node, comparisons: cs }, null, 2) + "\n");
  else if (argv.format === "csv") process.stdout.write(renderCsv(COLUMNS.map((c) => ({ key: c.key, title: c.key })), rows(cs)));
  else process.stdout.write(renderCompare(t, cs));
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: "compare <a> <b>",
  describe: "Energy and area of one add or multiply in two precisions (INT8 vs FP32 add: 30× energy, 116× area)",
  builder: (y: Argv) =>
    y
      .positional("a", { type: "string", demandOption: true, describe: PRECISIONS.join(" | ") })
      .positional("b", { type: "string", demandOption: true, describe: PRECISIONS.join(" | ") })
      .option("op", { choices: ["add", "mul"] as const, describe: "one operation (default: both)" })
      .option("tech", { type: "string", default: BASE_NODE, describe: "a node (45nm … 7nm) or a table file" })
      .option("format", { choices: ["table", "json", "csv"] as const, default: "table" as const }) as unknown as Argv<CompareArgs>,
  handler,
};
