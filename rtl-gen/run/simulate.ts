/**
 * Compile and run a testbench in Icarus Verilog or Verilator (`--binary`), inside a directory the caller
 * gives (the design's files are already there; build products go to its build/ subdirectory), and parse
 * the testbench's report. Building and running are separate so one Verilator build (≈ 6 s) can run several
 * vector files.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { RtlError } from "../../src/errors.js";
import { type ProcResult, requireTool, runProcess, toolFailure } from "./tools.js";

export type Simulator = "iverilog" | "verilator";
export const SIMULATORS: readonly Simulator[] = ["iverilog", "verilator"];

export interface SimBuild {
  readonly simulator: Simulator;
  readonly version: string;
  readonly dir: string;
  /** Executable (Verilator) or compiled design (Icarus), relative to dir. */
  readonly program: string;
  readonly buildSeconds: number;
}

export interface TbTiming {
  readonly latency: number;
  readonly firstIn: number;
  readonly lastIn: number;
  readonly nIn: number;
  readonly firstOut: number;
  readonly lastOut: number;
  readonly nOut: number;
  /** Further named numbers a testbench prints (engines: start/done cycles). */
  readonly extra: Readonly<Record<string, number>>;
}

export interface SimReport {
  readonly simulator: Simulator;
  readonly version: string;
  readonly passed: number;
  readonly failed: number;
  /** Mismatching output beats (index and the hex the DUT produced), as the testbench listed them. */
  readonly failures: readonly { readonly index: number; readonly got: string }[];
  readonly timedOut: boolean;
  readonly timing: TbTiming | undefined;
  readonly runSeconds: number;
  readonly log: string;
}

/**
 * Compile `files` (testbench first) with top module `tb`; `tag` names the build directory. Verilator's
 * C++ is compiled at -O0 unless `optimize` (an 8×8 engine: 14 s instead of 26 s to build, 10× slower to
 * run — the right trade for a few thousand vectors; benchmarks optimize).
 */
export async function buildSim(simulator: Simulator, dir: string, files: readonly string[], tag: string, timeoutMs = 600_000, optimize = false): Promise<SimBuild> {
  const version = requireTool(simulator);
  let r: ProcResult;
  if (simulator === "iverilog") {
    const program = `build/${tag}.vvp`;
    mkdirSync(join(dir, "build"), { recursive: true });
    r = await runProcess("iverilog", ["-g2001", "-s", "tb", "-o", program, ...files], dir, timeoutMs);
    if (r.code !== 0) throw toolFailure(`iverilog (${tag})`, r);
    return { simulator, version, dir, program, buildSeconds: r.seconds };
  }
  mkdirSync(join(dir, "build"), { recursive: true });
  const mdir = `build/${tag}`;
  const jobs = String(Math.max(1, Math.min(4, availableParallelism())));
  const opt = optimize ? [] : ["-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"];
  r = await runProcess("verilator", ["--binary", "-j", jobs, ...opt, "--top-module", "tb", "-Mdir", mdir, "-o", "Vtb", ...files], dir, timeoutMs);
  if (r.code !== 0) throw toolFailure(`verilator --binary (${tag})`, r);
  return { simulator, version, dir, program: `${mdir}/Vtb`, buildSeconds: r.seconds };
}

/** Run a built testbench with plusargs (+VEC=…, +EXP=…, +NIN=…). */
export async function runSim(b: SimBuild, plusargs: readonly string[] = [], timeoutMs = 600_000): Promise<SimReport> {
  const r = b.simulator === "iverilog" ? await runProcess("vvp", ["-n", b.program, ...plusargs], b.dir, timeoutMs) : await runProcess(`./${b.program}`, [...plusargs], b.dir, timeoutMs);
  const log = r.stdout + r.stderr;
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(r.stdout);
  if (summary === null) {
    if (r.timedOut) throw toolFailure(`${b.simulator} run`, r);
    throw new RtlError({ path: `${b.simulator} run`, message: "the testbench printed no `N passed, M failed` line", given: log.trim().split("\n").slice(-10).join("\n") });
  }
  const failures = [...r.stdout.matchAll(/^FAIL (\d+) (?:got|extra output) ([0-9a-fA-FxXzZ]+)$/gm)].map((m) => ({ index: Number(m[1]), got: m[2]! }));
  return {
    simulator: b.simulator,
    version: b.version,
    passed: Number(summary[1]),
    failed: Number(summary[2]),
    failures,
    timedOut: /^TIMEOUT/m.test(r.stdout) || r.timedOut,
    timing: parseTiming(r.stdout),
    runSeconds: r.seconds,
    log,
  };
}

function parseTiming(out: string): TbTiming | undefined {
  const line = /^TIMING (.*)$/m.exec(out);
  if (line === null) return undefined;
  const kv: Record<string, number> = {};
  for (const m of line[1]!.matchAll(/(\w+)=(-?\d+)/g)) kv[m[1]!] = Number(m[2]);
  const known = ["latency", "first_in", "last_in", "n_in", "first_out", "last_out", "n_out"];
  const extra: Record<string, number> = {};
  for (const [k, v] of Object.entries(kv)) if (!known.includes(k)) extra[k] = v;
  return {
    latency: kv["latency"] ?? -1, firstIn: kv["first_in"] ?? -1, lastIn: kv["last_in"] ?? -1, nIn: kv["n_in"] ?? 0,
    firstOut: kv["first_out"] ?? -1, lastOut: kv["last_out"] ?? -1, nOut: kv["n_out"] ?? 0, extra,
  };
}
