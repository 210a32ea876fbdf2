/**
 * Run a design through a simulator inside a directory the caller gives: write its files there, build,
 * run, and turn the testbench's report into passed / failed counts, the first mismatch in the user's terms,
 * and the measured timing against the declaration.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Design, type MeasuredTiming, type Mismatch, TB_FILE, designFiles, dutFiles } from "./design.js";
import { type SimBuild, type Simulator, buildSim, runSim } from "./run/simulate.js";

export interface VerifyResult {
  readonly simulator: Simulator;
  readonly version: string;
  readonly passed: number;
  readonly failed: number;
  readonly firstMismatch: Mismatch | undefined;
  readonly timedOut: boolean;
  readonly measured: MeasuredTiming | undefined;
  /** Measured latency and II equal the declaration. */
  readonly timingMatches: boolean;
  readonly buildSeconds: number;
  readonly runSeconds: number;
}

/** Write the design's files into `dir` (created if needed). */
export function writeDesign(d: Design, dir: string): void {
  for (const [name, text] of designFiles(d)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

export interface VerifyOptions {
  /** Build directory name under dir/build (default: the simulator's name). */
  readonly tag?: string;
  readonly timeoutMs?: number;
  /** Reuse a build (same design files) instead of compiling again. */
  readonly build?: SimBuild;
  readonly plusargs?: readonly string[];
  /** Optimized Verilator build (slower to build, faster to run). */
  readonly optimize?: boolean;
}

/** Build (unless given a build) and run; the design's files must already be in `dir` (writeDesign). */
export async function verifyIn(d: Design, dir: string, simulator: Simulator, opts: VerifyOptions = {}): Promise<VerifyResult & { readonly build: SimBuild }> {
  const build = opts.build ?? (await buildSim(simulator, dir, [TB_FILE, ...dutFiles(d)], opts.tag ?? simulator, opts.timeoutMs, opts.optimize ?? false));
  const rep = await runSim(build, opts.plusargs ?? [], opts.timeoutMs);
  const first = rep.failures[0];
  const measured = rep.timing === undefined ? undefined : d.measure(rep.timing);
  return {
    simulator,
    version: rep.version,
    passed: rep.passed,
    failed: rep.failed,
    firstMismatch: first === undefined ? undefined : d.explain(first.index, first.got),
    timedOut: rep.timedOut,
    measured,
    timingMatches: measured !== undefined && measured.latencyCycles === d.timing.latencyCycles && measured.iiCycles === d.timing.iiCycles,
    buildSeconds: build.buildSeconds,
    runSeconds: rep.runSeconds,
    build,
  };
}

/** Write the design into `dir` and verify it in each simulator in turn. */
export async function verifyDesign(d: Design, dir: string, simulators: readonly Simulator[], opts: VerifyOptions = {}): Promise<VerifyResult[]> {
  writeDesign(d, dir);
  const out: VerifyResult[] = [];
  for (const s of simulators) {
    const { build: _b, ...r } = await verifyIn(d, dir, s, opts);
    out.push(r);
  }
  return out;
}

/** One line per simulator: counts, timing, tool version beside the numbers. */
export function verifySummary(d: Design, results: readonly VerifyResult[]): string {
  return results.map((r) => {
    const m = r.measured;
    const t = m === undefined ? "no timing" : `latency ${m.latencyCycles} (declared ${d.timing.latencyCycles}), II ${m.iiCycles} (declared ${d.timing.iiCycles}), total ${m.totalCycles} cycles`;
    return `${r.version}: ${r.passed} passed, ${r.failed} failed${r.timedOut ? " (timed out)" : ""}; ${t}`;
  }).join("\n");
}
