/** quarch/exec: the graph interpreter (integer-only and fake-quant), comparisons, loading. */
export { compareGraphs, compareModes, type LayerDifference } from "./compare.js";
export type { NodeStats } from "./context.js";
export { loadQnet } from "./load.js";
export { type ExecMode, type RunOptions, type RunResult, run } from "./run.js";
export { type ArithmeticReport, type RoundingLayer, type RoundingReport, arithmeticReport, roundingReport } from "./rounding-report.js";
