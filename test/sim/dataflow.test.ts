/**
 * FPGA dataflow (finn-binary): FINN folding cycles equal (MH/PE)·(MW/SIMD)·vectors; folding chosen like
 * FINN's SetFolding meets the target frame rate with the fewest lanes along SIMD-then-PE; network
 * throughput is set by the slowest layer; latency = Σ layer latencies + FIFO fill; pinned foldings that do
 * not divide the matrix are refused.
 */
import { describe, expect, it } from "vitest";
import { MappingError } from "../../src/errors.js";
import { chooseFolding, engineShape } from "../../src/sim/dataflow/finn.js";
import { type SimLayer, convLayer, gemmLayer, layersFromList, simulateNetwork, vectorLayer } from "../../src/sim/index.js";
import { getZoo } from "../../src/zoo/index.js";
import { preset } from "./presets.js";

const arch = preset("finn-binary");
const bin = { wBits: 1, aBits: 1, outBits: 1, source: "bits" as const };
// The FINN paper's CNV topology (binarized): 3×3 convs 64-64-128-128-256-256, then FC 512-512-10.
const cnv: SimLayer[] = [
  convLayer({ name: "conv0", batch: 1, inH: 32, inW: 32, inC: 3, outC: 64, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], groups: 1, bits: { ...bin, aBits: 8 } }),
  convLayer({ name: "conv1", batch: 1, inH: 30, inW: 30, inC: 64, outC: 64, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], groups: 1, bits: bin }),
  vectorLayer("pool1", "maxpool", { N: 1, channels: 64, H: 28, W: 28, P: 14, Q: 14, R: 2, S: 2, strideH: 2, strideW: 2, pads: [0, 0, 0, 0], inputs: 1 }, bin),
  convLayer({ name: "conv2", batch: 1, inH: 14, inW: 14, inC: 64, outC: 128, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], groups: 1, bits: bin }),
  convLayer({ name: "conv3", batch: 1, inH: 12, inW: 12, inC: 128, outC: 128, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], groups: 1, bits: bin }),
  gemmLayer("fc0", "fc", 1, 128 * 10 * 10, 512, 1, bin),
  gemmLayer("fc1", "fc", 1, 512, 10, 1, bin),
];

describe("finn-binary dataflow", () => {
  const r = simulateNetwork(cnv, arch);
  const d = r.dataflow!;
  it("every layer's cycles are (MH/PE)·(MW/SIMD)·vectors, with PE | MH and SIMD | MW", () => {
    for (const [i, x] of d.layers.entries()) {
      const s = engineShape(cnv[i]!);
      expect([x.mh, x.mw, x.vectors]).toEqual([s.mh, s.mw, s.vectors]);
      expect(s.mh % x.folding.pe).toBe(0);
      expect(s.mw % x.folding.simd).toBe(0);
      expect(x.cycles).toBe((s.mh / x.folding.pe) * (s.mw / x.folding.simd) * s.vectors);
      expect(r.layers[i]!.cycles.compute).toBe(x.cycles);
    }
    expect(d.layers[1]).toMatchObject({ unit: "mvau", mh: 64, mw: 576, vectors: 28 * 28 });
    expect(d.layers[1]!.lanes).toMatch(/XNOR-popcount/);
    expect(d.layers[0]!.lanes).toMatch(/multiply/);
    expect(d.layers[1]!.weightMemory).toEqual({ depth: (64 * 576) / (d.layers[1]!.folding.pe * d.layers[1]!.folding.simd), widthBits: d.layers[1]!.folding.pe * d.layers[1]!.folding.simd });
    expect(d.layers[1]!.thresholdMemory).toEqual({ depth: 64 / d.layers[1]!.folding.pe, thresholdsPerChannel: 1 });
  });
  it("throughput is bound by the slowest layer; latency is Σ layer latencies + FIFO fill", () => {
    const worst = Math.max(...d.layers.map((x) => x.cycles));
    expect(d.initiationIntervalCycles).toBe(worst);
    expect(d.framesPerSecond).toBe(200e6 / worst);
    expect(d.layers.find((x) => x.cycles === worst)!.name).toBe(d.bottleneck);
    expect(d.fifoFillCycles).toBe(2 * (cnv.length - 1));
    expect(d.latencyCycles).toBe(d.layers.reduce((s, x) => s + x.cycles + 5, 0) + d.fifoFillCycles);
    expect(r.totals.cycles.total).toBe(d.latencyCycles);
  });
  it("folding is chosen like FINN's SetFolding: SIMD first, then PE, the first divisors meeting the target", () => {
    const target = 200e6 / 10000;
    for (const x of d.layers) {
      expect(x.cycles).toBeLessThanOrEqual(target);
      if (x.unit === "stream") continue;
      const f = chooseFolding(x.mh, x.mw, x.vectors, target, 64, 64);
      expect(f).toEqual(x.folding);
    }
    // conv1 (MH 64, MW 576, 784 vectors) at 20,000 cycles per frame: SIMD through 576's divisors up to maxSimd
    // 64 (451,584 cycles), then PE 1, 2, … 32 (14,112 cycles); PE 16 would give 28,224.
    expect(chooseFolding(64, 576, 784, 20000, 64, 64)).toEqual({ pe: 32, simd: 64 });
    expect((64 / 16) * (576 / 64) * 784).toBeGreaterThan(20000);
    expect(chooseFolding(64, 576, 784, undefined, 64, 64)).toEqual({ pe: 1, simd: 1 });
  });
  it("a pinned folding is used as given; one that does not divide the matrix is a MappingError", () => {
    const pinned = simulateNetwork(cnv, arch, { mappings: new Map([["conv1", { pe: 16, simd: 32 }]]) });
    const c1 = pinned.dataflow!.layers[1]!;
    expect([c1.folding, c1.chosen, c1.cycles]).toEqual([{ pe: 16, simd: 32 }, false, 4 * 18 * 784]);
    expect(() => simulateNetwork(cnv, arch, { mappings: new Map([["conv1", { pe: 5, simd: 32 }]]) })).toThrow(MappingError);
    expect(() => simulateNetwork(cnv, arch, { mappings: new Map([["conv1", { pe: 5, simd: 32 }]]) })).toThrow(/mapping for "conv1"\.pe: must divide MH, the engine's output channels \(64\) \(given 5; expected one of 1, 2, 4, 8, 16, 32, 64\)/);
  });
  it("zoo networks: every MAC accounted for; the slowest layer sets the frame rate", () => {
    const z = simulateNetwork(layersFromList(getZoo("tiny_resnet8_cifar10").layers), arch);
    expect(z.totals.macs).toBe(getZoo("tiny_resnet8_cifar10").totals.macs);
    expect(z.dataflow!.framesPerSecond).toBeGreaterThan(0);
  });
});
