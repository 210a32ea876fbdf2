/** The committed WebAssembly binary is exactly what wabt makes of the committed .wat source. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileWat, wasmModuleSource } from "../../scripts/build-wasm.js";

const dir = join(import.meta.dirname, "..", "..", "src", "kernels", "wasm");

describe("src/kernels/wasm", () => {
  it("int8-gemm.wasm.ts is current with int8-gemm.wat (run `npm run build:wasm` after editing the .wat)", async () => {
    const bytes = await compileWat(readFileSync(join(dir, "int8-gemm.wat"), "utf8"), "int8-gemm.wat");
    expect(readFileSync(join(dir, "int8-gemm.wasm.ts"), "utf8")).toBe(wasmModuleSource("int8-gemm", bytes));
  });
});
