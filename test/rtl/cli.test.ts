/**
 * `quarch rtl`, run in-process through its yargs command module (main.ts maps the errors to exit codes:
 * VerificationFailed → 3, QuarchError → 2), the demo's RTL section, and the tool setup script.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import yargs from "yargs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InputError, QuarchError } from "../../src/errors.js";
import { parseShape, rtlCommand, rtlDemo } from "../../src/cli/commands/rtl.js";
import { VerificationFailed } from "../../src/cli/verification.js";
import { REPO } from "../helpers/cli.js";
import { ICARUS_TIMEOUT, scratch } from "./helpers.js";

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly error: string;
}

/** Parse and run like main.ts does, capturing stdout. */
async function rtl(...args: string[]): Promise<Ran> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    return true;
  });
  try {
    await yargs(args).command(rtlCommand).strict().exitProcess(false).fail((msg, err) => {
      throw err ?? new InputError({ path: "usage", message: msg });
    }).parseAsync();
    return { code: 0, stdout: out, error: "" };
  } catch (e) {
    const code = e instanceof VerificationFailed ? 3 : e instanceof QuarchError ? 2 : 1;
    return { code, stdout: out, error: (e as Error).message };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("quarch rtl", () => {
  it("requant --rounding with --fault wrong-rounding exits 3 naming the first failing vector", async () => {
    const out = join(scratch("cli"), "rq");
    const r = await rtl("rtl", "requant", "--rounding", "dyadic-half-even", "--fault", "wrong-rounding", "--out", out, "--verify", "iverilog", "--vectors", "20");
    expect(r.code).toBe(3);
    expect(r.error).toMatch(/^Icarus Verilog 11\.0: [0-9]+ of [0-9]+ outputs mismatch; first failing vector: output [0-9]+: inputs acc -?[0-9]+, dyadic-half-even rounding, multiplier [0-9]+, shift -?[0-9]+, .*\(rounding tie.*; expected -?[0-9]+; got -?[0-9]+$/);
    expect(r.stdout).toContain("quarch_requant_dy_half_up_p_p_s8 checked against dyadic-half-even vectors");
    // The failing design stays in DIR for inspection.
    expect(readdirSync(out)).toEqual(expect.arrayContaining(["quarch_requant_dy_half_up_p_p_s8.v", "tb.v", "vectors.hex", "expected.hex", "build"]));
  }, ICARUS_TIMEOUT);

  it("layer from the ResNet-8 model: verified, measured cycles = quarch sim's prediction, JSON report; non-empty --out refused", async () => {
    const out = join(scratch("cli"), "fc");
    const model = join(REPO, "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite");
    const r = await rtl("rtl", "layer", "--model", model, "--layer", "fully_connected_14", "--rows", "2", "--cols", "8", "--out", out, "--verify", "iverilog", "--format", "json");
    expect(r.error).toBe("");
    const doc = JSON.parse(r.stdout) as { failures: string[]; prediction: { totalCycles: number }; simulations: { passed: number; failed: number; measured: { totalCycles: number } }[]; declared: { latencyCycles: number } };
    expect(doc.failures).toEqual([]);
    expect(doc.simulations[0]!.failed).toBe(0);
    expect(doc.simulations[0]!.measured.totalCycles).toBe(doc.prediction.totalCycles);
    expect(doc.declared.latencyCycles).toBe(doc.prediction.totalCycles);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(["engine.arch.yaml", "mapping.json", "layer.csv", "tb.v", "quarch_engine_fully_connected_14_os2x8.v"]));
    expect(readFileSync(join(out, "mapping.json"), "utf8")).toContain('"fully_connected_14"');
    const again = await rtl("rtl", "layer", "--model", model, "--layer", "fully_connected_14", "--out", out, "--verify", "none");
    expect(again.code).toBe(2);
    expect(again.error).toMatch(/--out directory exists and is not empty/);
  }, ICARUS_TIMEOUT);

  it("bad requests are user errors (exit 2) with the fix named", async () => {
    const out = join(scratch("cli"), "bad");
    const shape = await rtl("rtl", "layer", "--shape", "conv:8x8:4", "--out", out, "--verify", "none");
    expect(shape.code).toBe(2);
    expect(shape.error).toBe("--shape: has the wrong input rank (given 8x8; expected HxWxC)");
    const bits = await rtl("rtl", "pe", "--wbits", "8", "--abits", "4", "--out", out, "--verify", "none");
    expect(bits.error).toBe("--wbits/--abits: has no PE lane (given W8A4; expected equal widths of 8, 4, 2 or 1 bits (one lane carries both operands))");
    const layer = await rtl("rtl", "layer", "--model", join(REPO, "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite"), "--layer", "add_3", "--out", out, "--verify", "none");
    expect(layer.code).toBe(2);
    expect(layer.error).toMatch(/node "add_3": is not a MAC layer \(given add; expected a conv2d or fully-connected layer: conv_2d_0, /);
    expect(parseShape("fc:4x64:10")).toEqual({ kind: "fc", input: [4, 64], channels: 10, kernel: 1, stride: 1 });
    expect(existsSync(out)).toBe(false);
  });

  it("generation only (--verify none) still lints and writes a complete design", async () => {
    const out = join(scratch("cli"), "bin");
    const r = await rtl("rtl", "binary-layer", "--shape", "fc:4x70:6", "--cols", "3", "--lane-bits", "16", "--out", out, "--verify", "none");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lint \(Verilator 5\.006, --lint-only -Wall\): clean/);
    expect(r.stdout).toContain("simulation: not run (--verify none)");
    expect(readdirSync(out).filter((f) => f.endsWith(".hex")).length).toBe(4);
  });
});

describe("quarch demo's RTL section", () => {
  it("generates the ResNet-8 conv_2d_10 engine, verifies it in Icarus, and reports measured = predicted total cycles", async () => {
    const r = await rtlDemo();
    expect(r.failure).toBeUndefined();
    expect(r.text).toMatch(/Icarus Verilog 11\.0: 1024 passed, 0 failed/);
    const m = /total cycles start -> done: measured ([0-9]+), declared ([0-9]+), predicted by quarch sim ([0-9]+) \([0-9]+ compute \+ 0 stall\)/.exec(r.text)!;
    expect(m[1]).toBe(m[2]);
    expect(m[1]).toBe(m[3]);
  }, ICARUS_TIMEOUT);
});

describe("scripts/setup-rtl-tools.sh", () => {
  it("does nothing when the tools are installed, and without them (not root) stops naming the packages", () => {
    const script = join(REPO, "scripts", "setup-rtl-tools.sh");
    expect(spawnSync("bash", [script], { encoding: "utf8" }).status).toBe(0);
    const bin = join(scratch("setup"), "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "id"), "#!/bin/sh\necho 1000\n");
    chmodSync(join(bin, "id"), 0o755);
    const r = spawnSync("/bin/bash", [script], { encoding: "utf8", env: { PATH: bin } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("setup-rtl-tools: missing iverilog verilator yosys.");
    expect(r.stderr).toContain("sudo apt-get update && sudo apt-get install -y iverilog verilator yosys");
  });
});
