/**
 * Layer engines: real MLPerf Tiny ResNet-8 layers with their real weights and requantizers (a 1×1
 * stride-2 convolution in both simulators, a 3×3 convolution in Verilator, the fully-connected layer in
 * Icarus), and synthetic ones covering both dataflows, every integer precision, every fixed-point
 * rounding mode, padding, strides and ragged folds (Icarus). For every configuration: outputs equal the
 * kernels', measured cycles (start → done) and start-to-start interval equal the declaration, and the
 * measured total equals `quarch sim`'s predicted total from the generated arch.yaml and mapping.
 */
import { describe, expect, it } from "vitest";
import { FIXED_MODES, type FixedMode } from "../../src/ir/requant.js";
import { type EngineConfig, type IntPrecision, layerDesign, layerTaskFromGraph, syntheticLayerTask } from "../../rtl-gen/index.js";
import { ICARUS_TIMEOUT, VERILATOR_TIMEOUT, resnet8, verified } from "./helpers.js";

describe("ResNet-8 layers (real weights and requantizers)", () => {
  it("fully_connected_14 on a 4x4 os engine: bit-exact in Icarus, cycles = declaration = quarch sim", async () => {
    const g = resnet8();
    const d = layerDesign(layerTaskFromGraph(g, "fully_connected_14"), { rows: 4, cols: 4, dataflow: "os", accBits: 32 }, { seed: 51, modelPath: "model.tflite" });
    const { predicted } = await verified(d, "resnet-fc", ["iverilog"], g);
    expect(predicted).toBe(219);
  }, ICARUS_TIMEOUT);
  it("conv_2d_10 (1x1, stride 2) on an 8x8 ws engine: bit-exact in Icarus and Verilator, cycles = declaration = quarch sim", async () => {
    const g = resnet8();
    const d = layerDesign(layerTaskFromGraph(g, "conv_2d_10"), { rows: 8, cols: 8, dataflow: "ws", accBits: 32 }, { seed: 52, modelPath: "model.tflite" });
    expect(d.vectors.values).toBe(2 * 8 * 8 * 64);
    const { predicted } = await verified(d, "resnet-c10", ["iverilog", "verilator"], g);
    expect(predicted).toBe(d.timing.latencyCycles);
  }, VERILATOR_TIMEOUT);
  it("conv_2d_9 (3x3, padded) on an 8x8 os engine: bit-exact in Verilator, cycles = declaration = quarch sim", async () => {
    const g = resnet8();
    const d = layerDesign(layerTaskFromGraph(g, "conv_2d_9"), { rows: 8, cols: 8, dataflow: "os", accBits: 32 }, { seed: 53, modelPath: "model.tflite" });
    // 64 passes (8 pixel folds × 8 channel folds) of 576 steps + 14 (SCALE-Sim's os fold), plus 9.
    expect(d.timing.latencyCycles).toBe(1 + 64 * (576 + 8 + 8 - 2) + 8);
    await verified(d, "resnet-c9", ["verilator"], g);
  }, VERILATOR_TIMEOUT);
});

interface Case {
  readonly kind: "conv" | "fc";
  readonly shape: readonly [number, number, number];
  readonly outC: number;
  readonly k: number;
  readonly stride: number;
  readonly precision: IntPrecision;
  readonly mode: FixedMode;
  readonly cfg: EngineConfig;
}

// Every rounding mode, precision and dataflow appears; folds are ragged on rows and columns.
const CASES: readonly Case[] = [
  { kind: "conv", shape: [6, 5, 3], outC: 5, k: 3, stride: 1, precision: "int8", mode: "double", cfg: { rows: 4, cols: 2, dataflow: "os", accBits: 32 } },
  { kind: "conv", shape: [7, 6, 4], outC: 6, k: 3, stride: 2, precision: "int8", mode: "single", cfg: { rows: 3, cols: 4, dataflow: "ws", accBits: 32 } },
  { kind: "conv", shape: [5, 5, 6], outC: 7, k: 3, stride: 1, precision: "int4", mode: "dyadic-floor", cfg: { rows: 3, cols: 3, dataflow: "os", accBits: 32 } },
  { kind: "conv", shape: [4, 6, 10], outC: 3, k: 1, stride: 1, precision: "int4", mode: "dyadic-half-up", cfg: { rows: 2, cols: 2, dataflow: "ws", accBits: 32 } },
  { kind: "fc", shape: [3, 1, 37], outC: 9, k: 1, stride: 1, precision: "int2", mode: "dyadic-half-away", cfg: { rows: 2, cols: 4, dataflow: "os", accBits: 24 } },
  { kind: "conv", shape: [5, 4, 5], outC: 4, k: 3, stride: 2, precision: "int2", mode: "dyadic-half-even", cfg: { rows: 4, cols: 3, dataflow: "ws", accBits: 32 } },
];

describe("synthetic engines", () => {
  it("the cases cover every rounding mode, precision and dataflow", () => {
    expect(new Set(CASES.map((c) => c.mode))).toEqual(new Set(FIXED_MODES));
    expect(new Set(CASES.map((c) => `${c.precision}/${c.cfg.dataflow}`)).size).toBe(6);
  });
  CASES.forEach((c, i) => {
    it(`${c.kind} ${c.shape.join("x")} k${c.k} s${c.stride} -> ${c.outC}, ${c.precision}, ${c.mode}, ${c.cfg.rows}x${c.cfg.cols} ${c.cfg.dataflow}: bit-exact, cycles = declaration = quarch sim`, async () => {
      const task = syntheticLayerTask({ kind: c.kind, inH: c.shape[0], inW: c.shape[1], inC: c.shape[2], outC: c.outC, k: c.k, stride: c.stride, pad: "same", precision: c.precision, mode: c.mode, seed: 60 + i });
      await verified(layerDesign(task, c.cfg, { seed: 70 + i }), `engine-${i}`, ["iverilog"]);
    }, ICARUS_TIMEOUT);
  });
});
