/**
 * zoo:mobilenet_v2 on bitfusion-eyeriss at batch 1 over every (wBits, aBits) in 1..8 (timing-models.md):
 * each layer's bound is the largest of its terms, all kinds of bound occur, the final FC is bound by its
 * weight traffic with cycles ∝ wBits, depthwise layers are spread over the array instead of stranded.
 */
import { describe, expect, it } from "vitest";
import { type NetworkResult, applyBits, layersFromList, simulateLayer, simulateNetwork } from "../../src/sim/index.js";
import { getZoo } from "../../src/zoo/index.js";
import { preset } from "./presets.js";

const arch = preset("bitfusion-eyeriss");
const base = layersFromList(getZoo("mobilenet_v2").layers, 1, "zoo:mobilenet_v2");
const runs = new Map<string, NetworkResult>();
const memo = new Map();
for (let w = 1; w <= 8; w++) {
  for (let a = 1; a <= 8; a++) runs.set(`${w},${a}`, simulateNetwork(applyBits(base, { bits: { wBits: w, aBits: a } }), arch, { memo }));
}
const run = (w: number, a: number) => runs.get(`${w},${a}`)!;

describe("zoo:mobilenet_v2 on bitfusion-eyeriss, batch 1, (wBits, aBits) in 1..8", () => {
  it("every layer's reported bound is the largest of its compute and traffic terms", () => {
    for (const r of runs.values()) {
      for (const l of r.layers) {
        const t = l.terms;
        const max = Math.max(t.compute, t.weights, t.activations, t.outputs);
        const named = { compute: t.compute, "weight traffic": t.weights, "activation traffic": t.activations, "output traffic": t.outputs }[l.bound];
        expect(named).toBe(max);
        expect(l.cycles.total).toBeGreaterThanOrEqual(max);
      }
    }
  });
  it("compute, weight-traffic and activation-traffic bounds all occur (at W8A8 already)", () => {
    const all = new Set([...runs.values()].flatMap((r) => r.layers.map((l) => l.bound)));
    for (const b of ["compute", "weight traffic", "activation traffic"] as const) expect(all.has(b)).toBe(true);
    const at88 = new Set(run(8, 8).layers.map((l) => l.bound));
    for (const b of ["compute", "weight traffic", "activation traffic"] as const) expect(at88.has(b)).toBe(true);
  });
  it("the final FC is weight-traffic bound, with cycles ∝ wBits and nearly independent of aBits", () => {
    for (let a = 1; a <= 8; a++) {
      const fc = (w: number) => run(w, a).layers.at(-1)!;
      for (let w = 1; w <= 8; w++) {
        expect(fc(w).name).toBe("fc");
        expect(fc(w).bound).toBe("weight traffic");
        // Proportional up to the fixed costs (activations, outputs, latency): within 5 % of w/8.
        expect(Math.abs(fc(w).cycles.total / fc(8).cycles.total - w / 8)).toBeLessThan(0.05);
      }
    }
    const spread = [1, 4, 8].map((a) => run(8, a).layers.at(-1)!.cycles.total);
    expect(Math.max(...spread) / Math.min(...spread)).toBeLessThan(1.05);
  });
  it("depthwise layers spread their channels over the array columns instead of one stranded column", () => {
    for (const [key, r] of runs) {
      const [w, a] = key.split(",").map(Number) as [number, number];
      const layers = applyBits(base, { bits: { wBits: w, aBits: a } });
      for (const l of r.layers.filter((x) => x.op === "depthwise")) {
        const m = l.mapping!;
        expect(m.spatial.cols).toContain("G");
        expect(m.tile.G).toBeGreaterThan(1);
        // The same tile with the channels stranded on one column (K = 1 per group) computes much longer.
        const stranded = simulateLayer(layers.find((x) => x.name === l.name)!, arch, { mapping: { ...m, spatial: { rows: m.spatial.rows, cols: ["K"] } }, inputOnChip: l.inputOnChip, outputOnChip: l.outputOnChip });
        expect(stranded.cycles.compute).toBeGreaterThan(l.cycles.compute);
      }
    }
  });
  it("depthwise layers are activation-traffic bound and scale with activation bits, not weight bits", () => {
    const dw = (w: number, a: number) => run(w, a).layers.filter((l) => l.op === "depthwise");
    // At W8A8 one layer (b4.dw) is a near-tie between compute and activation traffic; at W4A4 all 17 are.
    expect(dw(8, 8).filter((l) => l.bound === "activation traffic").length).toBeGreaterThanOrEqual(16);
    expect(dw(4, 4).every((l) => l.bound === "activation traffic")).toBe(true);
    for (const [i, l] of dw(8, 8).entries()) {
      // Weight tiles still load (latency and all) in the steps where the channel tile changes: within 2 %.
      const byW = [1, 2, 4, 8].map((w) => dw(w, 8)[i]!.cycles.total);
      expect(Math.max(...byW) / Math.min(...byW)).toBeLessThan(1.02);
      const half = dw(8, 4)[i]!.cycles.total / l.cycles.total;
      expect(half).toBeGreaterThan(0.4);
      expect(half).toBeLessThan(0.6);
    }
  });
  it("network totals add up the layers", () => {
    const r = run(4, 8);
    expect(r.totals.cycles.total).toBe(r.layers.reduce((s, l) => s + l.cycles.total, 0));
    expect(r.totals.macs).toBe(getZoo("mobilenet_v2").totals.macs);
  });
});
