/** Test helpers: the bundled 45 nm table (read once) and a document form of it to edit. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SpecError, formatProblem } from "../../src/errors.js";
import { TechLookup, type TechTable, parseTechTable, techFromDocument } from "../../src/cost/index.js";
import { REPO } from "../helpers/cli.js";

export const TABLE_PATH = join(REPO, "hw-models", "tech", "45nm.yaml");
export const TABLE_TEXT = readFileSync(TABLE_PATH, "utf8");

let cached: TechTable | undefined;
export function base(): TechTable {
  cached ??= parseTechTable(TABLE_TEXT, "45nm.yaml");
  return cached;
}

export const lookup = (t: TechTable = base()) => new TechLookup(t);

/** The value of one entry. */
export function val(id: string, t: TechTable = base()): number {
  const e = t.entries.get(id);
  if (e === undefined) throw new Error(`no entry ${id}`);
  return e.value;
}

/** The 45 nm YAML as a fresh plain object. */
export function doc(): Record<string, unknown> {
  return parse(TABLE_TEXT) as Record<string, unknown>;
}

/** The formatted problems of validating `d`, or [] when it is valid. */
export function problemsOf(d: unknown): string[] {
  try {
    techFromDocument(d, "t.yaml");
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.problems.map(formatProblem);
  }
}

/** Relative difference. */
export const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
