/**
 * Naming an accelerator on the command line (INTERFACES.md): a path when the file exists or ends in
 * .yaml/.yml/.cfg, else a preset id from hw-models/arch/. The hw loaders (mathjs, yaml) are imported on
 * first use, so commands that never read an arch file do not pay their start-up time.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError, QuarchError, inFile } from "../errors.js";
import type { ScaleSimConfig } from "../hw/scalesim-cfg.js";
import type { ArchSpec } from "../hw/types.js";

/** The package root (holding hw-models/ and examples/), from dist/src/cli or src/cli. */
export function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, ...(here.includes(`${"dist"}`) ? ["..", "..", ".."] : ["..", ".."]));
}

export function presetDir(): string {
  return join(packageRoot(), "hw-models", "arch");
}

export function presetIds(): string[] {
  const dir = presetDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".arch.yaml")).map((f) => f.slice(0, -".arch.yaml".length)).sort();
}

export function presetPath(id: string): string {
  const ids = presetIds();
  if (!ids.includes(id)) {
    throw new InputError({ path: id, message: "is neither an existing file nor a preset id", expected: `a *.arch.yaml or SCALE-Sim .cfg path, or one of ${ids.join(", ")}` });
  }
  return join(presetDir(), `${id}.arch.yaml`);
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError({ path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
}

export type ResolvedArch =
  | { readonly kind: "yaml"; readonly spec: ArchSpec; readonly path: string; readonly text: string }
  | { readonly kind: "cfg"; readonly cfg: ScaleSimConfig; readonly path: string; readonly text: string };

export function isArchPath(ref: string): boolean {
  return existsSync(ref) || /\.(ya?ml|cfg)$/i.test(ref);
}

/** Load and validate `--arch`. Errors carry the file name. */
export async function resolveArch(ref: string): Promise<ResolvedArch> {
  const path = isArchPath(ref) ? ref : presetPath(ref);
  const text = readText(path);
  const label = isArchPath(ref) ? ref : `${basename(path)} (preset ${ref})`;
  try {
    if (/\.cfg$/i.test(path)) {
      const { parseScaleSimCfg } = await import("../hw/scalesim-cfg.js");
      return { kind: "cfg", cfg: parseScaleSimCfg(text, label), path, text };
    }
    const { parseArch } = await import("../hw/load.js");
    return { kind: "yaml", spec: parseArch(text, label), path, text };
  } catch (e) {
    if (e instanceof QuarchError && e.file === undefined) throw inFile(e, label);
    throw e;
  }
}
