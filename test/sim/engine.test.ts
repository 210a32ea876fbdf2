/**
 * The analytic engine and mapper: layers that can never fit, pinned mappings in the reported JSON form,
 * the Timeloop-like notation and the formula, bit widths, IR graphs, inter-layer spills, every preset on
 * every zoo network.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError, MappingError } from "../../src/errors.js";
import { loadQnet } from "../../src/exec/load.js";
import { parseArch } from "../../src/hw/index.js";
import {
  applyBits, convLayer, layersFromGraph, layersFromList, mappingFromJson, parseBitsFlag, parsePolicy, simulateLayer, simulateNetwork,
} from "../../src/sim/index.js";
import { NETWORKS, getZoo } from "../../src/zoo/index.js";
import { REPO } from "../helpers/cli.js";
import { PRESETS, preset } from "./presets.js";

const bits = { wBits: 8, aBits: 8, outBits: 8, source: "default" as const };
const conv = (over: Partial<Parameters<typeof convLayer>[0]> = {}) =>
  convLayer({ name: "c", batch: 1, inH: 28, inW: 28, inC: 32, outC: 64, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], groups: 1, bits, ...over });

describe("bad input", () => {
  it("a layer that can never fit: one kernel larger than the weight buffer", () => {
    const tiny = parseArch(readFileSync(join(REPO, "hw-models", "arch", "edge-16x16.arch.yaml"), "utf8").replace("weights: { size: 64 KiB", "weights: { size: 64 B"));
    const l = conv({ name: "big", kH: 11, kW: 11, pads: [5, 5, 5, 5] });
    expect(() => simulateLayer(l, tiny)).toThrow(MappingError);
    expect(() => simulateLayer(l, tiny)).toThrow(
      'layer "big": can never fit: one kernel of 11×11 weights at 8 bits needs 968 bits, more than buffers.weights holds for a tile (256 bits, half the buffer as it is double-buffered) (given buffers.weights.size 64 B; expected buffers.weights.size of at least 242 B)',
    );
  });
  it("--bits and policies: bad widths, unknown keys and layer names are refused", () => {
    expect(parseBitsFlag("w4a8")).toEqual({ wBits: 4, aBits: 8 });
    expect(() => parseBitsFlag("W4")).toThrow('--bits: is not a weight/activation width pair (given "W4"; expected W<bits>A<bits> with 1..32 bits each, e.g. W4A8)');
    expect(() => parsePolicy({ layers: { a: { wBits: 0, zBits: 2 } } }, "p.json")).toThrow(/2 problems:\n {2}- p\.json: layers\.a\.wBits: is not a bit width \(given 0; expected an integer from 1 to 32\)\n {2}- p\.json: layers\.a\.zBits: unknown key/);
    expect(() => parsePolicy([], "p.json")).toThrow(InputError);
    const layers = layersFromList(getZoo("lenet5").layers);
    expect(() => applyBits(layers, { policy: parsePolicy({ layers: { conv9: { wBits: 4 } } }) })).toThrow(/policy: layers\.conv9: names no layer of the workload/);
  });
  it("a pinned mapping that does not fit, or is not a mapping, is a MappingError naming the problem", () => {
    const arch = preset("bitfusion-eyeriss");
    const l = conv();
    const r = simulateLayer(l, arch);
    expect(() => simulateLayer(l, arch, { mapping: { ...r.mapping!, tile: { N: 1, G: 1, K: 64, C: 32, P: 28, Q: 28 } } })).toThrow(/^layer "c" mapping: does not fit: its tile needs \d+ bits of buffers\.\w+, which holds \d+ bits per tile/);
    expect(() => mappingFromJson({ dataflow: "os", spatial: { rows: ["Z"] } }, l, "ws", "m")).toThrow(MappingError);
    expect(() => mappingFromJson({ dataflow: "os", spatial: { rows: ["Z"] } }, l, "ws", "m")).toThrow(/m\.dataflow: differs from the architecture's \(given "os"; expected ws\)/);
  });
});

describe("mappings", () => {
  const arch = preset("edge-16x16");
  const l = conv();
  const r = simulateLayer(l, arch);
  it("report the space searched and the mapping in Timeloop-like notation", () => {
    expect(r.search!.space).toBeGreaterThan(r.search!.evaluated);
    expect(r.search!.evaluated).toBeGreaterThanOrEqual(r.search!.legal);
    expect(r.search!.legal).toBeGreaterThan(0);
    expect(r.mappingText.split("\n")[0]).toBe("DRAM");
    expect(r.mappingText).toMatch(/\| parallel-for P·Q in \[0:16\) \(Spatial-Y, array rows of 16\)/);
    expect(r.mappingText).toMatch(/\| parallel-for K in \[0:16\) \(Spatial-X, array columns of 16\)/);
  });
  it("the JSON form --format json reports is accepted back and gives the same result", () => {
    const again = simulateLayer(l, arch, { mapping: JSON.parse(JSON.stringify(r.mapping)) as unknown });
    expect(again.cycles).toEqual(r.cycles);
    expect(again.search).toEqual({ spatialOptions: 1, space: 1, evaluated: 1, legal: 1 });
  });
  it("the formula states how the cycle count arose, with its numbers", () => {
    const first = r.formula.split("\n")[0]!;
    const m = /^total = prologue (\d+) \+ Σ (\d+) steps \[max\(compute, buffer ports, overlapped DMA\) \+ serial DMA\] (\d+) \+ epilogue (\d+) = (\d+) {2}\(Σ compute (\d+), /.exec(first);
    expect(m).not.toBeNull();
    const [pro, , steps, epi, total, compute] = m!.slice(1).map(Number) as number[];
    expect(pro! + steps! + epi!).toBe(total);
    expect(total).toBe(r.cycles.total);
    expect(compute).toBe(r.cycles.compute);
    expect(r.formula).toMatch(/^compute = Σ tiles \d+ × \[\d+ passes × \(\d+ steps × 1 cyc \+ 30\) \+ 0\]/m);
    expect(r.formula).toMatch(/^DRAM: weights \d+ × 50 \+ Σ ⌈bits \/ 204\.8 b\/cyc⌉ over \d+ b = \d+; inputs/m);
  });
});

describe("bit widths", () => {
  it("W8A8 by default; --bits sets every layer; outputs follow their consumer's activation width", () => {
    const layers = layersFromList(getZoo("tiny_dscnn_kws").layers);
    expect(layers.every((l) => l.wBits === 8 && l.aBits === 8)).toBe(true);
    const w4 = applyBits(layers, { bits: { wBits: 4, aBits: 6 } });
    expect(w4.every((l) => l.wBits === 4 && l.aBits === 6 && l.outBits === 6)).toBe(true);
    const pol = applyBits(layers, { policy: parsePolicy({ layers: { [layers[1]!.name]: { wBits: 2, aBits: 3 } } }) });
    expect([pol[0]!.outBits, pol[1]!.wBits, pol[1]!.aBits, pol[2]!.aBits]).toEqual([3, 2, 3, 8]);
  });
});

describe("workloads", () => {
  it("IR graphs: conv, depthwise, matmul as MAC layers with the model's widths; add and pool as vector layers", () => {
    const g = loadQnet(readFileSync(join(REPO, "examples", "tiny-cnn", "tiny-cnn.qnet.json"), "utf8"));
    const { layers, skipped } = layersFromGraph(g);
    expect(layers.map((l) => [l.name, l.op, l.kind])).toEqual([
      ["conv1", "conv2d", "mac"], ["dw2", "depthwise", "mac"], ["pw3", "conv2d", "mac"], ["conv4", "conv2d", "mac"],
      ["add5", "add", "vector"], ["pool6", "avgpool", "vector"], ["fc8", "fc", "mac"],
    ]);
    expect(skipped).toEqual([{ name: "flatten7", op: "reshape" }, { name: "softmax9", op: "softmax" }]);
    expect(layers[1]).toMatchObject({ G: 8, C: 1, K: 1, P: 8, Q: 8, strideH: 2, wBits: 8, aBits: 8, outBits: 8 });
    const net = simulateNetwork(applyBits(layers, {}), preset("edge-16x16"));
    expect(net.totals.macs).toBe(215712 - 0);
    expect(net.layers.find((l) => l.name === "add5")!.vectorOps).toBe(2 * 8 * 8 * 16);
  });
  it("inter-layer: outputs that fit stay on chip for the next layer, the rest spill and are read back", () => {
    const net = simulateNetwork(layersFromList(getZoo("resnet18").layers), preset("bitfusion-eyeriss"));
    expect(net.spills.length).toBeGreaterThan(0);
    // conv1 feeds a max-pool the list leaves out, so the first chained pair is inside layer1.
    expect(net.spills[0]).toMatchObject({ layer: "layer1.0.conv1", consumer: "layer1.0.conv2" });
    const off = simulateNetwork(layersFromList(getZoo("tiny_resnet8_cifar10").layers), preset("tpu-v1"), { interLayer: false });
    const on = simulateNetwork(layersFromList(getZoo("tiny_resnet8_cifar10").layers), preset("tpu-v1"));
    expect(on.layers.some((l) => l.outputOnChip)).toBe(true);
    expect(on.totals.dram.readBytes).toBeLessThan(off.totals.dram.readBytes);
  });
  it("every preset simulates every zoo network", () => {
    for (const id of PRESETS) {
      for (const n of NETWORKS) {
        const r = simulateNetwork(layersFromList(n.layers), preset(id));
        expect(r.totals.macs).toBe(n.totals.macs);
        expect(r.totals.cycles.total).toBeGreaterThan(0);
      }
    }
  });
});
