/**
 * The arch file's `cost:` key (docs/arch-yaml.md): which PE model prices MACs, which DRAM entry of the
 * technology table prices DRAM, and single-entry overrides of that table. Only the shape is checked here:
 * src/hw cannot see the technology table, so entry names and override units are checked when pricing.
 */
import type { Problem } from "../errors.js";
import { type Obj, checkKeys, join, readEnum, readObj, readString, show } from "./fields.js";
import { type CostSpec, PE_MODELS, type PeModel } from "./types.js";

const COST_KEYS = ["peModel", "dramTech", "overrides"];
const ENTRY_ID = /^[A-Za-z][A-Za-z0-9]*\.[A-Za-z0-9_-]+\.[A-Za-z]+$/;

export const DEFAULT_COST: CostSpec = { peModel: "synthesized", peModelGiven: false, dramTech: undefined, overrides: {} };

export function readCostSpec(doc: Obj, dramEnergyGiven: boolean, problems: Problem[]): CostSpec {
  const c = readObj(doc, "cost", "", problems, false);
  if (c === undefined) return DEFAULT_COST;
  checkKeys(c, "cost", COST_KEYS, problems);
  const model: PeModel | undefined = readEnum(c, "peModel", "cost", problems, PE_MODELS, false);
  const dramTech = readString(c, "dramTech", "cost", problems, false);
  if (dramTech !== undefined && dramEnergyGiven) {
    problems.push({ path: "cost.dramTech", message: "and dram.energyPerBit both price DRAM", given: show(dramTech), expected: "one of them" });
  }
  const overrides: Record<string, string | number> = {};
  const o = readObj(c, "overrides", "cost", problems, false);
  for (const [id, v] of Object.entries(o ?? {})) {
    const at = join("cost.overrides", id);
    if (!ENTRY_ID.test(id)) problems.push({ path: at, message: "is not a technology-table entry name", given: show(id), expected: "section.entry.field, e.g. ops.int8-mul.energy (quarch energy table lists them)" });
    else if (typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) overrides[id] = v;
    else problems.push({ path: at, message: "must be a value with its unit (or a plain number)", given: show(v), expected: "e.g. 0.25 pJ, 300 um^2, 20 uW or 0.5" });
  }
  return { peModel: model ?? "synthesized", peModelGiven: model !== undefined, dramTech, overrides };
}
