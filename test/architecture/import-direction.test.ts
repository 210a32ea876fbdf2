/**
 * Keeps the folder table of the architecture true: a scan of every import line in src/ and rtl-gen/
 * (ARCHITECTURE.md, "what may import what"). src/errors.ts and src/types/ are shared by every layer;
 * src/index.ts is the public barrel.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..", "..");
const SHARED = new Set(["errors.ts", "types"]);

/** Folder → folders of src/ it may import (besides itself and the shared files). */
const ALLOWED: Record<string, readonly string[]> = {
  ir: [],
  quant: ["ir"],
  kernels: ["ir", "quant"],
  exec: ["ir", "quant", "kernels"],
  onnx: ["ir", "quant"],
  tflite: ["ir", "quant"],
  zoo: ["ir"],
  hw: [],
  sim: ["ir", "hw", "quant", "kernels"],
  cost: ["hw", "sim"],
  search: ["ir", "hw", "sim", "cost", "quant"],
  report: ["ir", "quant", "kernels", "exec", "onnx", "tflite", "zoo", "hw", "sim", "cost", "search"],
  cli: ["*"],
  "rtl-gen": ["ir", "quant", "kernels", "hw"],
};

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The layer a file belongs to: src/<layer>/…, or rtl-gen. */
function layerOf(file: string): string | undefined {
  const rel = relative(ROOT, file).split(/[\\/]/);
  if (rel[0] === "rtl-gen") return "rtl-gen";
  if (rel[0] !== "src") return undefined;
  if (rel.length === 2) return rel[1] === "index.ts" ? "*" : SHARED.has(rel[1]!) ? "shared" : rel[1];
  return SHARED.has(rel[1]!) ? "shared" : rel[1];
}

function violations(): string[] {
  const out: string[] = [];
  for (const file of [...files(join(ROOT, "src")), ...files(join(ROOT, "rtl-gen"))]) {
    const from = layerOf(file);
    if (from === undefined || from === "*") continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:import|export)[^"']*from\s+["'](\.[^"']+)["']/g)) {
      const to = layerOf(resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
      if (to === undefined || to === from || to === "shared") continue;
      if (from === "shared") {
        out.push(`${relative(ROOT, file)} (shared) imports ${m[1]}`);
        continue;
      }
      const allowed = ALLOWED[from];
      if (allowed === undefined) out.push(`${relative(ROOT, file)}: folder "${from}" is not in the architecture table`);
      else if (!allowed.includes("*") && !allowed.includes(to)) out.push(`${relative(ROOT, file)} (${from}) imports ${m[1]} (${to})`);
    }
  }
  return out;
}

describe("import direction (ARCHITECTURE.md folder table)", () => {
  it("no file imports a layer it may not", () => {
    expect(violations()).toEqual([]);
  });
  it("the scan sees the layers it checks", () => {
    const layers = new Set(files(join(ROOT, "src")).map(layerOf));
    for (const l of ["ir", "quant", "kernels", "exec", "onnx", "cli"]) expect(layers.has(l)).toBe(true);
  });
});
