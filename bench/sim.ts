/**
 * Speed of the analytic engine (reported, never asserted): layer evaluations per second (one layer, one
 * mapping: the inner loop of the mapper and of design-space searches), layers mapped per second (with the
 * mapping search), whole networks in milliseconds, and SCALE-Sim's closed form against SCALE-Sim itself
 * (which needs ≈ 13 s for AlexNet conv1 on this class of machine, ≈ 8,000 simulated cycles per second).
 * bench/run.ts calls benchSim and prints renderSimBench.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ArchSpec, parseArch } from "../src/hw/index.js";
import { evaluateMapping, layersFromList, makeContext, searchMapping, simulateNetwork } from "../src/sim/index.js";
import { type ScaleSimArch, scaleSimLayer } from "../src/sim/scalesim/model.js";
import { renderTable } from "../src/report/table.js";
import { getZoo } from "../src/zoo/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = here.includes(`${"dist"}`) ? join(here, "..", "..") : join(here, "..");
const arch = (id: string): ArchSpec => parseArch(readFileSync(join(root, "hw-models", "arch", `${id}.arch.yaml`), "utf8"), id);

/** SCALE-Sim's own time for AlexNet conv1 (the figure for this class of machine). */
const SCALESIM_ALEXNET_SECONDS = 13;

export interface SimBench {
  readonly evaluationsPerSecond: number;
  readonly mappedLayersPerSecond: number;
  readonly mappingsPerLayer: number;
  readonly networks: readonly { readonly network: string; readonly arch: string; readonly layers: number; readonly ms: number; readonly cycles: number }[];
  readonly scaleSimAlexNetMicroseconds: number;
  readonly scaleSimSpeedup: number;
}

/** Run `fn` repeatedly for at least `seconds` (after a short warm-up for the JIT); returns calls per second. */
function rate(seconds: number, fn: () => number): number {
  const w0 = performance.now();
  while (performance.now() - w0 < 100) fn();
  let calls = 0;
  const t0 = performance.now();
  do calls += fn();
  while (performance.now() - t0 < seconds * 1000);
  return calls / ((performance.now() - t0) / 1000);
}

export function benchSim(quick = false): SimBench {
  const seconds = quick ? 0.2 : 1;
  const edge = arch("edge-16x16");
  const bitfusion = arch("bitfusion-eyeriss");
  const r18 = layersFromList(getZoo("resnet18").layers);
  const mbv2 = layersFromList(getZoo("mobilenet_v2").layers);
  // Evaluations: every resnet18 and mobilenet_v2 layer with the mapping the search chose for it.
  const pairs = [...r18.map((l) => makeContext(l, edge, false, false)), ...mbv2.map((l) => makeContext(l, bitfusion, false, false))].map((ctx) => ({ ctx, m: searchMapping(ctx).mapping }));
  const evaluationsPerSecond = rate(seconds, () => {
    for (const p of pairs) evaluateMapping(p.ctx, p.m);
    return pairs.length;
  });
  let evaluated = 0;
  let searched = 0;
  const mappedLayersPerSecond = rate(seconds, () => {
    for (const l of mbv2) {
      evaluated += searchMapping(makeContext(l, bitfusion, false, false)).search.evaluated;
      searched++;
    }
    return mbv2.length;
  });
  const networks = [
    { network: "zoo:resnet18", layers: r18 },
    { network: "zoo:mobilenet_v2", layers: mbv2 },
  ].flatMap(({ network, layers }) =>
    [edge, bitfusion].map((a) => {
      let cycles = 0;
      const reps = quick ? 1 : 3;
      let best = Infinity;
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        cycles = simulateNetwork(layers, a).totals.cycles.total;
        best = Math.min(best, performance.now() - t0);
      }
      return { network, arch: a.name, layers: layers.length, ms: best, cycles };
    }),
  );
  const ss: ScaleSimArch = { runName: "alexnet", rows: 32, cols: 32, dataflow: "ws", ifmapSramWords: 65536, filterSramWords: 65536, ofmapSramWords: 65536, mode: "CALC", bandwidthWordsPerCycle: 10 };
  const conv1 = { name: "Conv1", ifmapH: 224, ifmapW: 224, filterH: 11, filterW: 11, channels: 3, numFilters: 96, strideH: 4, strideW: 4 };
  const ssRate = rate(seconds, () => {
    scaleSimLayer(conv1, ss);
    return 1;
  });
  return {
    evaluationsPerSecond, mappedLayersPerSecond, mappingsPerLayer: evaluated / Math.max(1, searched), networks,
    scaleSimAlexNetMicroseconds: 1e6 / ssRate, scaleSimSpeedup: SCALESIM_ALEXNET_SECONDS * ssRate,
  };
}

export function renderSimBench(b: SimBench): string {
  const f = (x: number, d = 0) => +x.toFixed(d);
  return [
    "",
    "analytic simulator (one core)",
    `layer evaluations: ${f(b.evaluationsPerSecond)} /s (one layer, one mapping; target ≥ 100,000 /s)`,
    `layers mapped: ${f(b.mappedLayersPerSecond)} /s (mapping search, ${f(b.mappingsPerLayer)} candidates per layer, mobilenet_v2 on bitfusion-eyeriss)`,
    renderTable(
      [{ key: "network", title: "network" }, { key: "arch", title: "arch" }, { key: "layers", title: "layers", numeric: true }, { key: "ms", title: "ms", numeric: true }, { key: "cycles", title: "cycles", numeric: true }],
      b.networks.map((n) => ({ ...n, ms: f(n.ms, 2) })),
    ),
    `SCALE-Sim closed form, AlexNet conv1: ${f(b.scaleSimAlexNetMicroseconds, 2)} µs per run vs ≈ ${SCALESIM_ALEXNET_SECONDS} s for SCALE-Sim itself (${b.scaleSimSpeedup.toExponential(2)}× faster)`,
    "",
  ].join("\n");
}
