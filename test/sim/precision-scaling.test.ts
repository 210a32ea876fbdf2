/**
 * Compute scaling with operand widths on compute-bound layers (timing-models.md): BitFusion's perf factor,
 * BISMO's wBits·aBits, Stripes' aBits, and a fixed INT8 array whose compute ignores widths ≤ 8 (only the
 * bytes moved shrink).
 */
import { describe, expect, it } from "vitest";
import { parseArch } from "../../src/hw/index.js";
import { type Mapping, type SimLayer, convLayer, gemmLayer, simulateLayer } from "../../src/sim/index.js";
import { preset } from "./presets.js";

const at = (l: SimLayer, wBits: number, aBits: number): SimLayer => ({ ...l, wBits, aBits, outBits: aBits });
const bits = { wBits: 8, aBits: 8, outBits: 8, source: "default" as const };
const W = [1, 2, 3, 4, 5, 6, 7, 8];

describe("BitFusion (bitfusion-eyeriss): compute cycles = ⌈OC/M⌉·OH·OW·K²·⌈IC/(N·pf)⌉", () => {
  const arch = preset("bitfusion-eyeriss");
  // 1×1, 256 → 256 channels on 14×14: IC = 256 = N·16, so ⌈IC/(N·pf)⌉ = 16/pf exactly.
  const layer = convLayer({ name: "pw", batch: 1, inH: 14, inW: 14, inC: 256, outC: 256, kH: 1, kW: 1, strideH: 1, strideW: 1, pads: [0, 0, 0, 0], groups: 1, bits });
  const pinned = (kTile: number): Mapping => ({ dataflow: "ws", spatial: { rows: ["C"], cols: ["K"] }, tile: { N: 1, G: 1, K: kTile, C: 256, P: 1, Q: 14 }, order: ["G", "K", "N", "P", "Q", "C"] });
  const pf = (w: number, a: number) => Math.floor(8 / Math.max(a, 2)) * Math.floor(8 / Math.max(w, 2));
  it("scales by the perf factor for every (w, a) in 1..8", () => {
    for (const w of W) {
      for (const a of W) {
        const r = simulateLayer(at(layer, w, a), arch, { mapping: pinned(128) });
        // ⌈256/32⌉ · 14 · 14 · 1 · (16/pf)
        expect([w, a, r.cycles.compute]).toEqual([w, a, (8 * 196 * 16) / pf(w, a)]);
      }
    }
  });
  it("is compute-bound at W8A8 and takes 4× at W16A16 (several cycles per MAC)", () => {
    expect(simulateLayer(at(layer, 8, 8), arch, { mapping: pinned(128) }).bound).toBe("compute");
    expect(simulateLayer(at(layer, 16, 16), arch, { mapping: pinned(64) }).cycles.compute).toBe(4 * 25088);
  });
});

describe("BISMO (bismo-pynq): cycles = ⌈M/Dm⌉·⌈N/Dn⌉·⌈K/Dk⌉·wBits·aBits", () => {
  const arch = preset("bismo-pynq");
  const layer = gemmLayer("mm", "fc", 64, 1024, 64, 1, bits);
  // Whole operands on chip, pinned: at low widths the layer turns DRAM-bound and the search trades compute
  // for traffic, which would hide the compute model this test is about.
  const pinned: Mapping = { dataflow: "os", spatial: { rows: ["P", "Q"], cols: ["K"] }, tile: { N: 1, G: 1, K: 64, C: 1024, P: 64, Q: 1 }, order: ["G", "N", "P", "Q", "K", "C"] };
  it("scales with wBits·aBits", () => {
    for (const w of W) {
      for (const a of W) {
        const r = simulateLayer(at(layer, w, a), arch, { mapping: pinned });
        expect([w, a, r.cycles.compute]).toEqual([w, a, 8 * 8 * 4 * w * a]);
      }
    }
    expect(simulateLayer(at(layer, 8, 8), arch).bound).toBe("compute");
  });
});

describe("Stripes-like activation bit-serial array: cycles ∝ aBits, independent of wBits", () => {
  const arch = parseArch(`version: 1
name: stripes-16x16
clock: 1 GHz
compute:
  kind: systolic
  rows: 16
  cols: 16
  dataflow: ws
  precision: { mode: act-serial, maxBits: 16, depth: 16 }
buffers:
  weights: { size: 1 MiB, portBits: 4096 }
  inputs: { size: 1 MiB, portBits: 4096 }
  outputs: { size: 1 MiB, portBits: 4096 }
dram: { bandwidth: 100 GB/s, latency: 0 ns }
`);
  const layer = convLayer({ name: "c", batch: 1, inH: 16, inW: 16, inC: 64, outC: 64, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], groups: 1, bits });
  const pinned: Mapping = { dataflow: "ws", spatial: { rows: ["C", "R", "S"], cols: ["K"] }, tile: { N: 1, G: 1, K: 64, C: 64, P: 16, Q: 16 }, order: ["G", "N", "P", "Q", "K", "C"] };
  it("12 passes of 256 steps × aBits cycles", () => {
    for (const w of W) {
      for (const a of W) {
        // rows: 576 reduction operands over 16 rows × 16 lanes → 3 folds; cols: 64/16 → 4 folds.
        expect([w, a, simulateLayer(at(layer, w, a), arch, { mapping: pinned }).cycles.compute]).toEqual([w, a, 12 * 256 * a]);
      }
    }
  });
});

describe("fixed INT8 array (systolic-32x32): compute ignores widths ≤ 8; only the bytes moved shrink", () => {
  const arch = preset("systolic-32x32");
  const layer = convLayer({ name: "c", batch: 1, inH: 16, inW: 16, inC: 32, outC: 32, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], groups: 1, bits });
  const pinned: Mapping = { dataflow: "ws", spatial: { rows: ["C", "R", "S"], cols: ["K"] }, tile: { N: 1, G: 1, K: 32, C: 32, P: 16, Q: 16 }, order: ["G", "N", "P", "Q", "K", "C"] };
  it("9 passes × (256 steps + 94 fill/drain), ×2 and ×4 cycles per step for 16-bit operands", () => {
    for (const w of W) for (const a of W) expect(simulateLayer(at(layer, w, a), arch, { mapping: pinned }).cycles.compute).toBe(9 * (256 + 94));
    expect(simulateLayer(at(layer, 16, 8), arch, { mapping: pinned }).cycles.compute).toBe(9 * (2 * 256 + 94));
    expect(simulateLayer(at(layer, 16, 16), arch, { mapping: pinned }).cycles.compute).toBe(9 * (4 * 256 + 94));
  });
  it("DRAM bytes scale with the operand widths", () => {
    const b8 = simulateLayer(at(layer, 8, 8), arch, { mapping: pinned }).dram;
    const b4 = simulateLayer(at(layer, 4, 4), arch, { mapping: pinned }).dram;
    expect(b4.readBytes * 2).toBe(b8.readBytes);
    expect(b4.writeBytes * 2).toBe(b8.writeBytes);
  });
});
