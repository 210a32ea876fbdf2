/** Arch-file test helpers: a minimal valid arch.yaml, and the problems parseArch reports for a text. */
import { SpecError, formatProblem } from "../../src/errors.js";
import { parseArch } from "../../src/hw/index.js";

/** A minimal valid systolic arch.yaml that tests extend or edit. */
export const BASE_ARCH = `version: 1
name: t
clock: 500 MHz
compute:
  kind: systolic
  rows: 16
  cols: 16
  dataflow: os
  precision: { mode: fixed, maxBits: 8 }
buffers:
  weights: { size: 64 KiB, portBits: 128 }
  inputs: { size: 64 KiB, portBits: 128 }
  outputs: { size: 32 KiB, portBits: 128 }
dram: { bandwidth: 12.8 GB/s, latency: 100 ns }
`;

/** The problems parseArch reports for an arch.yaml text, formatted as the CLI prints them ([] when valid). */
export function archProblems(text: string): string[] {
  try {
    parseArch(text);
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.problems.map(formatProblem);
  }
}
