/**
 * Naming a technology table on the command line (`--tech`): a path when the file exists or ends in
 * .yaml/.yml, else a node name — hw-models/tech/<node>.yaml when that file exists, else derived at load
 * time from hw-models/tech/45nm.yaml by its scaling section (32 … 7 nm). The cost library never reads
 * files: this is where tables are read, as arch-presets.ts reads presets.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError, QuarchError, inFile } from "../errors.js";
import type { TechTable } from "../cost/types.js";
import { packageRoot } from "./arch-presets.js";

export const BASE_NODE = "45nm";

export function techDir(): string {
  return join(packageRoot(), "hw-models", "tech");
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError({ path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
}

async function loadFile(path: string, label: string): Promise<TechTable> {
  const { parseTechTable } = await import("../cost/tech-table.js");
  try {
    return parseTechTable(readText(path), label);
  } catch (e) {
    if (e instanceof QuarchError && e.file === undefined) throw inFile(e, label);
    throw e;
  }
}

/** hw-models/tech/45nm.yaml, the base every derived node comes from. */
export async function baseTable(): Promise<TechTable> {
  return loadFile(join(techDir(), `${BASE_NODE}.yaml`), `hw-models/tech/${BASE_NODE}.yaml`);
}

/** Node names `--tech` accepts: table files beside 45nm.yaml and the nodes 45nm.yaml derives, largest first. */
export async function techNodes(): Promise<string[]> {
  const { nodeNames, nodeNm } = await import("../cost/index.js");
  const files = existsSync(techDir()) ? readdirSync(techDir()).filter((f) => /^\d+(\.\d+)?nm\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, "")) : [];
  const all = new Set([...files, ...nodeNames(await baseTable())]);
  return [...all].sort((a, b) => (nodeNm(b) ?? 0) - (nodeNm(a) ?? 0));
}

export function isTechPath(ref: string): boolean {
  return existsSync(ref) || /\.ya?ml$/i.test(ref);
}

/** Load `--tech` (or an arch file's `tech:`): a table file, or a node name. Errors carry the file name. */
export async function resolveTech(ref: string, what = "--tech"): Promise<TechTable> {
  if (isTechPath(ref)) return loadFile(ref, ref);
  if (!/^\d+(\.\d+)?nm$/.test(ref)) {
    throw new InputError({ path: what, message: "is neither a table file nor a technology node", given: JSON.stringify(ref), expected: `${(await techNodes()).join(", ")}, or a *.yaml table` });
  }
  const own = join(techDir(), `${ref}.yaml`);
  if (existsSync(own)) return loadFile(own, `hw-models/tech/${ref}.yaml`);
  const base = await baseTable();
  if (base.scaling?.nodes.has(ref) !== true) {
    throw new InputError({ path: what, message: "is not a technology node quarch knows", given: JSON.stringify(ref), expected: `${(await techNodes()).join(", ")}, or a *.yaml table` });
  }
  const { scaleTable } = await import("../cost/derive.js");
  return scaleTable(base, ref);
}
