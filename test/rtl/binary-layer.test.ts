/**
 * FINN-style binary layers: XNOR-popcount lanes folded PE × SIMD with per-channel integer thresholds
 * (bipolar outputs, and multi-threshold integer outputs, negated channels included), against the
 * kernels' matmulXnor and threshold epilogue; cycles = FINN's (MH/PE)·(MW/SIMD)·N + 3 = quarch sim.
 */
import { describe, expect, it } from "vitest";
import type { ThresholdEpilogue } from "../../src/ir/ops.js";
import { binaryDesign, expectedBinary, syntheticBinary } from "../../rtl-gen/index.js";
import { ICARUS_TIMEOUT, VERILATOR_TIMEOUT, verified } from "./helpers.js";

describe("binary layers", () => {
  it("directed structure: all-ones and all-zeros XNOR words, thresholds on achieved sums", () => {
    const { task, input } = syntheticBinary({ M: 4, K: 40, N: 6, thresholds: 1, seed: 81 });
    const y = expectedBinary(task, input);
    // Vector 0 is all +1 and channel 0's weights all +1: dot = K; vector 1 all −1 against channel 1 all −1.
    const th: ThresholdEpilogue = task.thresholds;
    expect(th.thresholds[0]).toBe(40 + task.bias![0]!);
    expect(y[0]).toBe(1);
    expect(Array.from(th.negate)).toEqual([0, 0, 1, 0, 0, 1]);
  });
  it("bipolar outputs, 100-bit vectors on PE 4 x SIMD 32 (ragged folds): bit-exact in Icarus and Verilator, cycles = FINN + 3 = quarch sim", async () => {
    const { task, input } = syntheticBinary({ M: 6, K: 100, N: 10, thresholds: 1, seed: 82 });
    const d = binaryDesign(task, { pe: 4, simd: 32 }, input, 82);
    // (⌈10/4⌉ folds × 6 vectors) × ⌈100/32⌉ steps + start and pipeline.
    expect(d.timing.latencyCycles).toBe(18 * 4 + 3);
    await verified(d, "binary-bipolar", ["iverilog", "verilator"]);
  }, VERILATOR_TIMEOUT);
  it("three thresholds per channel (integer outputs): bit-exact in Icarus, cycles = quarch sim", async () => {
    const { task, input } = syntheticBinary({ M: 5, K: 64, N: 7, thresholds: 3, seed: 83 });
    await verified(binaryDesign(task, { pe: 3, simd: 16 }, input, 83), "binary-multi", ["iverilog"]);
  }, ICARUS_TIMEOUT);
});
