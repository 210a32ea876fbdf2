/**
 * With caches the analytic engine estimates what the detailed engine simulates (ARCHITECTURE.md: the
 * estimate's error is measured). On the bundled MLPerf Tiny networks on mcu-m7: accesses agree within 0.5 %,
 * cycles within 10 %; misses are the estimate's weak point (its reuse model is all-or-nothing) and are only
 * bounded here (the closing note of issue 5 lists the errors). Per layer, hits + misses = accesses.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/cli/models.js";
import { applyBits, layersFromGraph, simulateNetwork } from "../../src/sim/index.js";
import { REPO } from "../helpers/cli.js";
import { preset } from "./presets.js";

const MODELS = ["pretrainedResnet_quant", "kws_ref_model", "vww_96_int8", "ad01_int8"];

describe("cache estimate against the cache simulation (mcu-m7, MLPerf Tiny)", () => {
  const arch = preset("mcu-m7");
  for (const m of MODELS) {
    it(m, () => {
      const layers = applyBits(layersFromGraph(loadModel(join(REPO, "examples", "mlperf-tiny", `${m}.tflite`))).layers, {});
      const d = simulateNetwork(layers, arch, { engine: "detailed" });
      const a = simulateNetwork(layers, arch);
      const k = (r: typeof d, s: string) => r.cache!.stats[`system.l1d.${s}`]!;
      expect(Math.abs(k(a, "overallAccesses::total") / k(d, "overallAccesses::total") - 1)).toBeLessThan(0.005);
      expect(Math.abs(a.totals.cycles.total / d.totals.cycles.total - 1)).toBeLessThan(0.1);
      const ratio = k(a, "overallMisses::total") / k(d, "overallMisses::total");
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(3);
      expect(d.cache!.seed).toBe(1);
      for (const l of d.layers) {
        const s = l.cache!.stats;
        expect(s["system.l1d.overallHits::total"]! + s["system.l1d.overallMisses::total"]!).toBe(s["system.l1d.overallAccesses::total"]);
        expect(l.actions.caches!["l1d"]!.accesses).toBe(s["system.l1d.overallAccesses::total"]);
      }
      expect(d.actions.caches!["l1d"]!.accesses).toBe(k(d, "overallAccesses::total"));
    });
  }
});
