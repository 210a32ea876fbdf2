/**
 * quarch rtl <pe|requant|array|layer|binary-layer> --out DIR: generate synthesizable Verilog with a
 * self-checking testbench and vectors from quarch's kernels, verify it in Icarus Verilog and Verilator,
 * lint it, compare its measured cycles with the simulator's prediction (engines), and optionally report
 * Yosys area. Exit 3 on any mismatch, naming the first failing vector.
 *
 * DIR is staged as `--out` is everywhere (refused when not empty unless --force; built beside DIR and
 * renamed at the end); the tools run inside the staging directory, so they write nowhere else. A design
 * that fails verification is still moved into DIR, for inspection, before the command exits 3.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import { FIXED_MODES, type FixedMode } from "../../ir/requant.js";
import { DESIGN_KINDS, type DesignKind, SIMULATORS, type Simulator, SYNTH_TARGETS, type SynthTarget, designFiles, toolVersion, verifySummary } from "../../../rtl-gen/index.js";
import { packageRoot } from "../arch-presets.js";
import { checkOutDir } from "../out-dir.js";
import { type BuiltDesign, type RtlRequest, type RtlRunResult, buildRtlDesign, runRtlDesign } from "../rtl-flow.js";
import { VerificationFailed } from "../verification.js";

interface RtlArgs {
  kind: DesignKind;
  model?: string;
  layer?: string;
  arch?: string;
  wbits?: number;
  abits?: number;
  accBits?: number;
  rounding?: FixedMode;
  rows?: number;
  cols?: number;
  dataflow?: "os" | "ws";
  shape?: string;
  laneBits?: number;
  thresholds?: number;
  out: string;
  verify: "iverilog" | "verilator" | "both" | "none";
  synth?: SynthTarget;
  vectors?: number;
  seed: number;
  fault?: "unsigned-shift" | "wrong-rounding";
  force: boolean;
  format: "table" | "json";
  quiet: boolean;
}

/** "conv:8x8x16:16:3:1" or "fc:4x64:10": kind, input, output channels, kernel, stride. */
export function parseShape(s: string): NonNullable<RtlRequest["shape"]> {
  const m = /^(conv|fc):([0-9]+(?:x[0-9]+)*):([0-9]+)(?::([0-9]+))?(?::([0-9]+))?$/.exec(s.trim());
  if (m === null) throw new InputError({ path: "--shape", message: "is not a layer shape", given: JSON.stringify(s), expected: "conv:HxWxC:K[:kernel[:stride]] or fc:MxK:N (binary-layer: fc:MxK:N)" });
  const input = m[2]!.split("x").map(Number);
  const kind = m[1] as "conv" | "fc";
  if (input.length !== (kind === "conv" ? 3 : 2) || input.some((v) => v < 1)) throw new InputError({ path: "--shape", message: "has the wrong input rank", given: m[2]!, expected: kind === "conv" ? "HxWxC" : "MxK" });
  return { kind, input, channels: Number(m[3]), kernel: kind === "fc" ? 1 : Number(m[4] ?? 3), stride: kind === "fc" ? 1 : Number(m[5] ?? 1) };
}

function simulatorsOf(v: RtlArgs["verify"]): Simulator[] {
  return v === "none" ? [] : v === "both" ? [...SIMULATORS] : [v];
}

/** Build in a staging directory beside DIR, then move it into place (replacing DIR with --force). */
async function staged<T>(dir: string, force: boolean, work: (tmp: string) => Promise<T>): Promise<T> {
  checkOutDir(dir, force);
  const abs = resolve(dir);
  mkdirSync(dirname(abs), { recursive: true });
  const tmp = join(dirname(abs), `.${basename(abs)}.quarch-tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  let result: T;
  try {
    result = await work(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(abs)) {
    const old = join(dirname(abs), `.${basename(abs)}.quarch-old-${process.pid}`);
    renameSync(abs, old);
    renameSync(tmp, abs);
    rmSync(old, { recursive: true, force: true });
  } else renameSync(tmp, abs);
  return result;
}

/** The report of one generated design, as text. */
export function renderRtlReport(b: BuiltDesign, r: RtlRunResult, outDir: string | undefined): string {
  const d = b.design;
  const lines: string[] = [`${d.kind}: ${d.title}`];
  for (const n of [...b.notes, ...d.notes]) lines.push(`note: ${n}`);
  if (outDir !== undefined) lines.push(`files: ${[...designFiles(d).keys()].length} in ${outDir} (Verilog ${d.dut.name}.v and submodules, testbench tb.v, vectors.hex, expected.hex)`);
  lines.push(`vectors: ${d.vectors.outputs} output beats (${d.vectors.values} values; ${d.vectors.directed} directed, ${d.vectors.random} random, seed ${d.vectors.seed}), expected values from quarch's kernels`);
  lines.push(`declared timing: latency ${d.timing.latencyCycles} cycles, II ${d.timing.iiCycles} (${d.timing.why})`);
  if (r.lint !== undefined) lines.push(`lint (${r.lint.version}, --lint-only -Wall): ${r.lint.clean ? "clean" : `${r.lint.messages.length} messages`}`);
  if (r.results.length > 0) lines.push(verifySummary(d, r.results));
  else lines.push("simulation: not run (--verify none)");
  if (d.link !== undefined) {
    lines.push(`engine cycles: ${d.link.formula}`);
    if (r.prediction !== undefined) {
      const m = r.results[0]?.measured;
      const p = r.prediction;
      lines.push(`quarch sim predicts ${p.totalCycles} cycles in total (${p.computeCycles} compute + ${p.totalCycles - p.computeCycles} stall)${m === undefined ? "" : `; measured start -> done ${m.totalCycles}: ${m.totalCycles === p.totalCycles ? "equal" : "DIFFERENT"}`}`);
    }
    lines.push(`reproduce: ${d.link.simCommand}`);
  }
  if (r.area !== undefined) {
    const a = r.area.report;
    const e = r.area.estimate;
    lines.push(`${a.version} ${a.target}: LUT ${a.luts}, FF ${a.ffs}, DSP ${a.dsps}, BRAM ${a.brams} (${a.seconds.toFixed(1)} s); analytic estimate LUT ${e.luts}, FF ${e.ffs}, DSP ${e.dsps}, BRAM ${e.brams} (LUT error ${(r.area.lutError * 100).toFixed(0)} %)`);
  }
  lines.push(r.failures.length === 0 ? "result: verified" : `result: FAILED\n${r.failures.map((f) => `  ${f}`).join("\n")}`);
  return lines.join("\n") + "\n";
}

async function handler(argv: ArgumentsCamelCase<RtlArgs>): Promise<void> {
  const req: RtlRequest = {
    kind: argv.kind, seed: argv.seed,
    ...(argv.model === undefined ? {} : { model: argv.model }), ...(argv.layer === undefined ? {} : { layer: argv.layer }),
    ...(argv.arch === undefined ? {} : { arch: argv.arch }), ...(argv.wbits === undefined ? {} : { wbits: argv.wbits }),
    ...(argv.abits === undefined ? {} : { abits: argv.abits }), ...(argv.accBits === undefined ? {} : { accBits: argv.accBits }),
    ...(argv.rounding === undefined ? {} : { rounding: argv.rounding }), ...(argv.rows === undefined ? {} : { rows: argv.rows }),
    ...(argv.cols === undefined ? {} : { cols: argv.cols }), ...(argv.dataflow === undefined ? {} : { dataflow: argv.dataflow }),
    ...(argv.shape === undefined ? {} : { shape: parseShape(argv.shape) }), ...(argv.laneBits === undefined ? {} : { laneBits: argv.laneBits }),
    ...(argv.thresholds === undefined ? {} : { thresholds: argv.thresholds }), ...(argv.vectors === undefined ? {} : { vectors: argv.vectors }),
    ...(argv.fault === undefined ? {} : { fault: argv.fault }),
  };
  checkOutDir(argv.out, argv.force);
  const built = await buildRtlDesign(req);
  const run = await staged(argv.out, argv.force, (tmp) => runRtlDesign(built, tmp, {
    verify: simulatorsOf(argv.verify), ...(argv.synth === undefined ? {} : { synth: argv.synth }),
    ...(argv.quiet ? {} : { progress: (step: string) => process.stderr.write(`quarch rtl: ${step}\n`) }),
  }));
  if (argv.format === "json") {
    const d = built.design;
    process.stdout.write(JSON.stringify({
      kind: d.kind, title: d.title, top: d.dut.name, out: argv.out, notes: [...built.notes, ...d.notes], vectors: d.vectors, declared: d.timing,
      lint: run.lint, simulations: run.results, prediction: run.prediction, link: d.link === undefined ? null : { formula: d.link.formula, simCommand: d.link.simCommand },
      area: run.area ?? null, failures: run.failures,
    }, null, 2) + "\n");
  } else process.stdout.write(renderRtlReport(built, run, argv.out));
  if (run.failures.length > 0) throw new VerificationFailed(run.failures[0]!);
}

export const rtlCommand: CommandModule<object, RtlArgs> = {
  command: "rtl <kind>",
  describe: "Generate Verilog (PE, requantizer, array, layer engine, binary layer), verify it against quarch's kernels and simulator",
  builder: (y: Argv) =>
    y
      .positional("kind", { choices: DESIGN_KINDS, demandOption: true, describe: "what to generate" })
      .option("model", { type: "string", describe: "a model (.tflite, .onnx, .qnet.json) to take a layer from (layer, requant, binary-layer)" })
      .option("layer", { type: "string", describe: "the layer (node name) of --model" })
      .option("arch", { type: "string", describe: "an arch.yaml or preset giving the array's rows, cols, dataflow and accumulator width" })
      .option("wbits", { type: "number", describe: "weight bits: 8, 4, 2 or 1 (binary)" })
      .option("abits", { type: "number", describe: "activation bits (equal to --wbits; the requantizer's output width)" })
      .option("acc-bits", { type: "number", describe: "accumulator bits" })
      .option("rounding", { choices: FIXED_MODES, describe: "requantization rounding (requant: a frozen mode; default: all modes at run time)" })
      .option("rows", { type: "number", describe: "array rows" })
      .option("cols", { type: "number", describe: "array columns (binary-layer: PE lanes)" })
      .option("dataflow", { choices: ["os", "ws"] as const, describe: "output- or weight-stationary array" })
      .option("shape", { type: "string", describe: "synthetic layer: conv:HxWxC:K[:kernel[:stride]] or fc:MxK:N" })
      .option("lane-bits", { type: "number", describe: "binary lanes: bits per lane (binary-layer: SIMD)" })
      .option("thresholds", { type: "number", describe: "binary-layer: thresholds per channel (1: bipolar output)" })
      .option("out", { type: "string", demandOption: true, describe: "directory for the design, its testbench, vectors and tool outputs" })
      .option("verify", { choices: ["iverilog", "verilator", "both", "none"] as const, default: "both" as const, describe: "simulators to run" })
      .option("synth", { choices: SYNTH_TARGETS, describe: "Yosys synthesis target: LUT/FF/DSP/BRAM and the analytic estimate's error" })
      .option("vectors", { type: "number", describe: "random vectors (PE: dot products; requant: per mode; array: passes)" })
      .option("seed", { type: "number", default: 1, describe: "seed of the random vectors and synthetic layers" })
      .option("fault", { choices: ["unsigned-shift", "wrong-rounding"] as const, describe: "build a deliberately wrong requantizer to see the vectors catch it" })
      .option("force", { type: "boolean", default: false, describe: "replace a non-empty --out DIR" })
      .option("format", { choices: ["table", "json"] as const, default: "table" as const })
      .option("quiet", { type: "boolean", default: false }) as unknown as Argv<RtlArgs>,
  handler,
};

/**
 * For `quarch demo`: one MLPerf Tiny ResNet-8 layer (conv_2d_10, 1×1 stride 2, real weights and
 * requantizers) as an 8×8 weight-stationary engine, verified in Icarus Verilog when it is installed,
 * with measured against predicted cycles. `failure` is set when anything mismatched (the demo exits 3).
 */
export async function rtlDemo(): Promise<{ readonly text: string; readonly failure: string | undefined }> {
  const model = join(packageRoot(), "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite");
  const built = await buildRtlDesign({ kind: "layer", model, layer: "conv_2d_10", rows: 8, cols: 8, dataflow: "ws", seed: 2026 });
  const head = `MLPerf Tiny ResNet-8 conv_2d_10 (1x1, stride 2, 16x16x32 -> 8x8x64, real int8 weights and per-channel double-rounding requantizers) as generated Verilog: ${built.design.title}`;
  const dir = mkdtempSync(join(tmpdir(), "quarch-rtl-demo-"));
  try {
    const icarus = toolVersion("iverilog") !== undefined;
    const run = await runRtlDesign(built, dir, { verify: icarus ? ["iverilog"] : [], lint: false });
    const p = run.prediction!;
    const r = run.results[0];
    const lines = [head];
    if (r === undefined) lines.push(`Icarus Verilog is not installed, so the engine was generated but not simulated (scripts/setup-rtl-tools.sh installs it); the simulator predicts ${p.totalCycles} cycles in total.`);
    else {
      lines.push(`${r.version}: ${r.passed} passed, ${r.failed} failed (outputs against quarch's kernels)`);
      // Totals: the link describes the weight ROM as resident weights, so quarch sim charges no DRAM time.
      lines.push(`total cycles start -> done: measured ${r.measured?.totalCycles ?? "?"}, declared ${built.design.timing.latencyCycles}, predicted by quarch sim ${p.totalCycles} (${p.computeCycles} compute + ${p.totalCycles - p.computeCycles} stall)`);
    }
    return { text: lines.join("\n"), failure: run.failures[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
