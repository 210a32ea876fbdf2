/**
 * Functional + timing execution on the MLPerf Tiny ResNet-8 (int8 TFLite): with 32-bit accumulators the
 * tile-by-tile outputs equal the executor's (quarch run) on every layer and at the network outputs; with
 * 16-bit accumulators the layers whose sums need more bits are reported with the count of changed outputs
 * and the first differing element, and layers that fit are unchanged. Wrap and saturate as defined.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { executeSim, seededInputs } from "../../src/cli/sim-detailed.js";
import { loadModel } from "../../src/cli/models.js";
import { run } from "../../src/exec/run.js";
import { parseArch } from "../../src/hw/index.js";
import { reduceTo } from "../../src/sim/execute/tiles.js";
import { applyBits, layersFromGraph, simulateNetwork } from "../../src/sim/index.js";
import { REPO } from "../helpers/cli.js";

const MODEL = join(REPO, "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite");
const EDGE = readFileSync(join(REPO, "hw-models", "arch", "edge-16x16.arch.yaml"), "utf8");
const graph = loadModel(MODEL);
const layers = applyBits(layersFromGraph(graph).layers, {});

describe("accumulator arithmetic", () => {
  it("wrap is modulo 2^bits, saturate clamps; values that fit are untouched", () => {
    expect(reduceTo(32767, 16, "wrap")).toBe(32767);
    expect(reduceTo(32768, 16, "wrap")).toBe(-32768);
    expect(reduceTo(-32769, 16, "wrap")).toBe(32767);
    expect(reduceTo(70000, 16, "wrap")).toBe(70000 - 65536);
    expect(reduceTo(70000, 16, "saturate")).toBe(32767);
    expect(reduceTo(-70000, 16, "saturate")).toBe(-32768);
    expect(reduceTo(2 ** 31, 32, "wrap")).toBe(2 ** 31 | 0);
    expect(reduceTo(2 ** 40, 64, "wrap")).toBe(2 ** 40);
  });
});

describe("--execute on the MLPerf Tiny ResNet-8", () => {
  const inputs = seededInputs(graph, 1);
  const reference = run(graph, inputs);
  it("32-bit accumulators (edge-16x16): every layer and the network outputs equal quarch run's", () => {
    const arch = parseArch(EDGE);
    const { result } = executeSim({ model: MODEL, input: undefined, seed: 1, arch, layers, options: {} });
    expect(result.layers).toHaveLength(10);
    expect(result.affected).toEqual([]);
    for (const l of result.layers) {
      expect([l.layer, l.changed, l.overflowed]).toEqual([l.layer, 0, 0]);
      expect(l.neededBits).toBeLessThanOrEqual(32);
    }
    for (const [name, t] of reference.outputs) expect(Array.from(result.outputs.get(name)!.data)).toEqual(Array.from(t.data));
    expect(result.outputChanges.every((o) => o.changed === 0)).toBe(true);
    // The timing is the detailed engine's, identical to --engine detailed without execution.
    const timing = simulateNetwork(layers, arch, { engine: "detailed" });
    expect(result.network.totals.cycles).toEqual(timing.totals.cycles);
    expect(result.network.layers.map((l) => l.timeline!.tiles)).toEqual(timing.layers.map((l) => l.timeline!.tiles));
  });
  it("16-bit accumulators: every layer whose sums need more bits is reported, the others are unchanged", () => {
    const arch = parseArch(EDGE.replace("accumulatorBits: 32", "accumulatorBits: 16").replace("wordBits: 32", "wordBits: 16"));
    const { result } = executeSim({ model: MODEL, input: undefined, seed: 1, arch, layers, options: {} });
    expect(result.arithmetic).toEqual({ accumulatorBits: 16, wordBits: 16, overflow: "wrap" });
    expect(result.affected.length).toBeGreaterThan(0);
    for (const l of result.layers) {
      if (l.neededBits <= 16) expect([l.layer, l.changed]).toEqual([l.layer, 0]);
      if (l.changed > 0) {
        expect(l.neededBits).toBeGreaterThan(16);
        expect(l.first).not.toBeNull();
        expect(l.first!.hardware).not.toBe(l.first!.reference);
        expect(l.first!.at).toHaveLength(4);
      }
    }
    expect(result.affected).toEqual(result.layers.filter((l) => l.changed > 0).map((l) => l.layer));
    expect(result.affected).toContain("conv_2d_0");
    // The final FC needs 14 bits: untouched.
    expect(result.layers.at(-1)).toMatchObject({ layer: "fully_connected_14", changed: 0 });
  });
});
