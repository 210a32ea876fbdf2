/**
 * Shared by the RTL tests: scratch directories, the simulator's prediction for an engine (tests may
 * import the simulator; rtl-gen may not), and the real MLPerf Tiny ResNet-8. The RTL tools must be
 * installed (scripts/setup-rtl-tools.sh): a missing tool fails the tests with an RtlError naming the
 * Debian packages — they are never skipped.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import type { Graph } from "../../src/ir/graph.js";
import { loadTflite } from "../../src/tflite/index.js";
import { type Design, type Simulator, type VerifyResult, verifyDesign } from "../../rtl-gen/index.js";
import { predictCycles } from "../../src/cli/rtl-flow.js";
import { REPO } from "../helpers/cli.js";

const made: string[] = [];
// Verilator builds are megabytes each: remove a test file's scratch directories after it (this module is
// imported afresh by each test file, so the hook belongs to that file).
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function scratch(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `quarch-rtl-${name}-`));
  made.push(d);
  return d;
}

let resnet: Graph | undefined;
/** The bundled MLPerf Tiny ResNet-8 (int8 TFLite), imported once. */
export function resnet8(): Graph {
  resnet ??= loadTflite(new Uint8Array(readFileSync(join(REPO, "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite"))), "resnet8");
  return resnet;
}

export interface Checked {
  readonly results: readonly VerifyResult[];
  readonly predicted: number | undefined;
}

/**
 * Verify a design in the given simulators and check everything the issue asks of it: every output equal
 * to the kernels', measured latency and II equal to the declaration and, for engines, the measured total
 * (start → done) equal to the simulator's predicted total. Returns the results for further checks.
 */
export async function verified(d: Design, name: string, sims: readonly Simulator[], graph?: Graph): Promise<Checked> {
  const results = await verifyDesign(d, scratch(name), sims);
  const predicted = d.link === undefined ? undefined : (await predictCycles(d.link, graph)).totalCycles;
  for (const r of results) {
    const why = `${r.version}: ${r.passed} passed, ${r.failed} failed${r.firstMismatch === undefined ? "" : `; first: ${JSON.stringify(r.firstMismatch)}`}`;
    if (r.failed !== 0 || r.timedOut || r.passed !== d.vectors.outputs) throw new Error(`${d.title}\n${why}`);
    if (!r.timingMatches) throw new Error(`${d.title}: ${r.version} measured ${JSON.stringify(r.measured)}, declared ${JSON.stringify(d.timing)}`);
    if (predicted !== undefined && r.measured!.totalCycles !== predicted) throw new Error(`${d.title}: ${r.version} measured ${r.measured!.totalCycles} cycles in total, quarch sim predicts ${predicted}`);
  }
  if (predicted !== undefined && predicted !== d.timing.latencyCycles) throw new Error(`${d.title}: declared ${d.timing.latencyCycles} cycles, quarch sim predicts ${predicted}`);
  return { results, predicted };
}

/** Time for a test that builds with Verilator (≈ 6–15 s per build on a 2-core machine) and simulates. */
export const VERILATOR_TIMEOUT = 240_000;
export const ICARUS_TIMEOUT = 120_000;
