/**
 * Resident weights (`buffers.weights.resident`, docs/arch-yaml.md): the key's validation, and what it
 * means to both engines — a MAC layer whose weights fit the buffer moves none over DRAM, the analytic and
 * detailed engines still agree exactly, and under the same mapping it is never slower and computes the
 * same; a layer whose weights do not fit is simulated exactly as without the key. The presets are turned
 * into variants by editing their weights line (a resident buffer is not double-buffered).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ArchSpec, parseArch } from "../../src/hw/index.js";
import { type LayerResult, type SimLayer, convLayer, gemmLayer, layersFromList, simulateLayer, simulateNetwork } from "../../src/sim/index.js";
import { getZoo } from "../../src/zoo/index.js";
import { REPO } from "../helpers/cli.js";
import { PRESETS } from "./presets.js";
import { archProblems } from "../helpers/arch-problems.js";

const SEED = 20261128;

/** A preset with its weights buffer resident, or (`resident` false) merely not double-buffered. */
const variants = new Map<string, ArchSpec>();
function variant(id: string, resident: boolean): ArchSpec {
  const key = `${id}/${resident}`;
  let a = variants.get(key);
  if (a === undefined) {
    const text = readFileSync(join(REPO, "hw-models", "arch", `${id}.arch.yaml`), "utf8");
    const edited = text.replace(/^( {2}weights: \{[^}\n]*?)doubleBuffered: true/m, resident ? "$1resident: true" : "$1doubleBuffered: false");
    expect(edited).not.toBe(text);
    a = parseArch(edited, key);
    variants.set(key, a);
  }
  return a;
}

const problems = archProblems;

const BASE = `version: 1
name: t
clock: 500 MHz
compute: { kind: systolic, rows: 4, cols: 4, dataflow: os, precision: { mode: fixed, maxBits: 8 } }
buffers:
  weights: { size: 64 KiB, portBits: 128, resident: true }
  inputs: { size: 64 KiB, portBits: 128 }
  outputs: { size: 32 KiB, portBits: 128 }
dram: { bandwidth: 12.8 GB/s, latency: 100 ns }
`;

describe("buffers.weights.resident in the arch file", () => {
  it("is read on the weights buffer, and absent from specs that do not set it", () => {
    expect(parseArch(BASE).buffers.weights!.resident).toBe(true);
    expect(parseArch(BASE.replace(", resident: true", "")).buffers.weights).toEqual({ name: "weights", sizeBytes: 65536, banks: 1, portBits: 128, doubleBuffered: false, wordBits: 32 });
  });
  it("is refused elsewhere, with double buffering, misspelt or not a boolean", () => {
    expect(problems(BASE.replace("inputs: { size: 64 KiB, portBits: 128 }", "inputs: { size: 64 KiB, portBits: 128, resident: true }"))).toEqual([
      "buffers.inputs.resident: applies to the weights buffer only (the other operands change with every input) (given true; expected buffers.weights.resident)",
    ]);
    expect(problems(BASE.replace("resident: true", "resident: true, doubleBuffered: true"))).toEqual([
      "buffers.weights.resident: and doubleBuffered exclude each other: resident weights are never refilled (given resident: true, doubleBuffered: true; expected doubleBuffered: false (or absent))",
    ]);
    expect(problems(BASE.replace("resident: true", "resdent: true"))[0]).toBe(
      "buffers.weights.resdent: unknown key (did you mean resident?) (given resdent; expected one of size, banks, portBits, doubleBuffered, wordBits, resident)",
    );
    expect(problems(BASE.replace("resident: true", "resident: 1"))[0]).toMatch(/^buffers\.weights\.resident: /);
  });
});

const layerArb: fc.Arbitrary<SimLayer> = fc
  .record({
    fc: fc.boolean(),
    H: fc.integer({ min: 3, max: 16 }),
    C: fc.integer({ min: 1, max: 48 }),
    K: fc.integer({ min: 1, max: 48 }),
    k: fc.constantFrom(1, 3),
    s: fc.integer({ min: 1, max: 2 }),
    depthwise: fc.boolean(),
    w: fc.integer({ min: 1, max: 8 }),
    a: fc.integer({ min: 1, max: 8 }),
  })
  .map((r) => {
    const bits = { wBits: r.w, aBits: r.a, outBits: 8, source: "bits" as const };
    if (r.fc) return gemmLayer("fc", "fc", r.H, r.C * r.H, r.K, 1, bits);
    return convLayer({ name: "conv", batch: 1, inH: r.H, inW: r.H, inC: r.C, outC: r.depthwise ? r.C : r.K, kH: r.k, kW: r.k, strideH: r.s, strideW: r.s, pads: "same", groups: r.depthwise ? r.C : 1, bits });
  });

/** The parts of a layer result both engines must agree on. */
const numbers = (r: LayerResult) => ({ cycles: r.cycles, actions: r.actions, operands: r.operands, buffers: r.buffers, utilization: r.utilization });

describe(`resident weights in the simulator (fast-check seed ${SEED})`, () => {
  it("a layer whose weights fit moves none over DRAM, the engines agree, and the same mapping is never slower", () => {
    fc.assert(
      fc.property(layerArb, fc.constantFrom(...PRESETS), fc.boolean(), (layer, id, inOn) => {
        const res = variant(id, true);
        const a = simulateLayer(layer, res, { inputOnChip: inOn });
        expect(a.weightsOnChip).toBe(true);
        expect(a.operands.weights).toMatchObject({ dramReadBits: 0, dramWriteBits: 0, transfers: 0, dramCycles: 0 });
        expect(a.formula).toContain("weights resident on chip (none moved)");
        const d = simulateLayer(layer, res, { inputOnChip: inOn, engine: "detailed" });
        expect(numbers(d)).toEqual(numbers(a));
        // The same mapping with the weights fetched: same compute and activation traffic, never faster.
        const fetched = simulateLayer(layer, variant(id, false), { inputOnChip: inOn, mapping: a.mapping });
        expect(fetched.weightsOnChip).toBeUndefined();
        expect(fetched.cycles.compute).toBe(a.cycles.compute);
        expect(fetched.operands.inputs.dramReadBits).toBe(a.operands.inputs.dramReadBits);
        expect(fetched.operands.outputs).toEqual(a.operands.outputs);
        expect(fetched.cycles.total).toBeGreaterThanOrEqual(a.cycles.total);
        expect(fetched.operands.weights.dramReadBits).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it("a layer whose weights do not fit is simulated as without the key (resnet18 on edge-16x16)", () => {
    const layers = layersFromList(getZoo("resnet18").layers);
    const res = simulateNetwork(layers, variant("edge-16x16", true));
    const plain = simulateNetwork(layers, variant("edge-16x16", false));
    const bufferBits = variant("edge-16x16", true).buffers.weights!.sizeBytes * 8;
    let fit = 0;
    res.layers.forEach((r, i) => {
      const l = layers[i]!;
      const fits = l.G * l.K * l.C * l.R * l.S * l.wBits <= bufferBits;
      expect(r.weightsOnChip).toBe(fits);
      if (fits) {
        fit++;
        expect(r.operands.weights.dramReadBits).toBe(0);
        return;
      }
      const { weightsOnChip: _w, ...rest } = r;
      expect(rest).toEqual(plain.layers[i]);
    });
    expect(fit).toBeGreaterThan(0);
    expect(fit).toBeLessThan(layers.length);
    expect(res.totals.cycles.total).toBeLessThan(plain.totals.cycles.total);
  });

  it("a whole network: analytic = detailed with resident weights (tiny_resnet8_cifar10 on bitfusion-eyeriss)", () => {
    const layers = layersFromList(getZoo("tiny_resnet8_cifar10").layers);
    const arch = variant("bitfusion-eyeriss", true);
    const a = simulateNetwork(layers, arch);
    const d = simulateNetwork(layers, arch, { engine: "detailed" });
    expect(d.totals).toEqual(a.totals);
    expect(d.actions).toEqual(a.actions);
    expect(a.layers.every((r) => r.weightsOnChip !== false)).toBe(true);
  });
});
