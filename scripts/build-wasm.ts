/**
 * Compiles the WebAssembly text kernels (src/kernels/wasm/*.wat) with wabt into TypeScript modules holding
 * the binary as base64, so the package needs no WebAssembly toolchain at run time.
 * Dev script: `npm run build:wasm`. test/kernels/wasm-build.test.ts checks the committed output is current.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

export async function compileWat(text: string, name: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat(name, text, { simd: true });
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

export function wasmModuleSource(name: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString("base64");
  const lines = b64.match(/.{1,100}/g) ?? [];
  return [
    `// Compiled from ${name}.wat by scripts/build-wasm.ts (wabt). Do not edit: edit the .wat and rebuild.`,
    `export const WASM_BASE64 =`,
    lines.map((l) => `  "${l}"`).join(" +\n") + ";",
    "",
  ].join("\n");
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = join(here, "..", "..", "src", "kernels", "wasm");
  for (const name of ["int8-gemm"]) {
    const bytes = await compileWat(readFileSync(join(dir, `${name}.wat`), "utf8"), `${name}.wat`);
    writeFileSync(join(dir, `${name}.wasm.ts`), wasmModuleSource(name, bytes));
    process.stdout.write(`${name}.wasm.ts: ${bytes.length} bytes\n`);
  }
}
