/**
 * Speed of the analytic engine (reported, never asserted): layer evaluations per second (one layer, one
 * mapping: the inner loop of the mapper and of design-space searches), layers mapped per second (with the
 * mapping search), whole networks in milliseconds, and SCALE-Sim's closed form against SCALE-Sim itself
 * (which needs ≈ 13 s for AlexNet conv1 on this class of machine, ≈ 8,000 simulated cycles per second).
 * Part 2: the detailed engine's tile steps per second (no caches), cache accesses per second (the whole
 * detailed engine on the MLPerf Tiny networks on mcu-m7, and the cache simulator alone on a strided
 * stream), and `--execute` throughput in MACs per second (ResNet-8 on edge-16x16).
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
import { run } from "../src/exec/run.js";
import { loadTflite } from "../src/tflite/index.js";
import { Hierarchy } from "../src/sim/cache/hierarchy.js";
import { executeNetwork } from "../src/sim/execute/network.js";
import { applyBits, layersFromGraph } from "../src/sim/index.js";
import { execOther } from "../src/exec/other-ops.js";
import { seededInputs } from "../src/cli/sim-detailed.js";
import type { Node } from "../src/ir/ops.js";
import type { Tensor } from "../src/ir/graph.js";

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
  readonly detailed: Part2Bench;
}

export interface Part2Bench {
  /** Tile steps per second of the detailed engine without caches (zoo:mobilenet_v2, CMSIS-NN's loop nest on mcu-m7 without its cache). */
  readonly tilesPerSecond: number;
  /** Cache accesses per second of the whole detailed engine, per MLPerf Tiny network on mcu-m7. */
  readonly cacheNetworks: readonly { readonly network: string; readonly accesses: number; readonly tiles: number; readonly accessesPerSecond: number }[];
  /** The cache simulator alone: 4-byte accesses striding through 1 MiB in a 16 KiB 4-way LRU L1. */
  readonly cacheCoreAccessesPerSecond: number;
  /** --execute on ResNet-8 (edge-16x16): MACs per second over both passes (timing + propagation). */
  readonly executeMacsPerSecond: number;
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
    detailed: benchPart2(quick),
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
    "detailed engine (one core)",
    `tile steps: ${f(b.detailed.tilesPerSecond)} /s (no caches: zoo:mobilenet_v2 in CMSIS-NN's 2×2 blocks on mcu-m7 without its cache)`,
    renderTable(
      [{ key: "network", title: "mcu-m7, caches simulated" }, { key: "accesses", title: "accesses", numeric: true }, { key: "tiles", title: "tiles", numeric: true }, { key: "rate", title: "M accesses/s", numeric: true }],
      b.detailed.cacheNetworks.map((n) => ({ network: n.network, accesses: n.accesses, tiles: n.tiles, rate: f(n.accessesPerSecond / 1e6, 1) })),
    ),
    `cache simulator alone: ${f(b.detailed.cacheCoreAccessesPerSecond / 1e6, 1)} M accesses/s (strided 4-byte stream, 16 KiB 4-way LRU; target ≥ 20 M/s)`,
    `--execute: ${f(b.detailed.executeMacsPerSecond / 1e6, 1)} M MAC/s (ResNet-8 on edge-16x16, tile by tile in the hardware's accumulators, timing and propagation passes)`,
    "",
  ].join("\n");
}

function benchPart2(quick: boolean): Part2Bench {
  const reps = quick ? 1 : 3;
  const best = (fn: () => number): { seconds: number; value: number } => {
    fn();
    let seconds = Infinity;
    let value = 0;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      value = fn();
      seconds = Math.min(seconds, (performance.now() - t0) / 1000);
    }
    return { seconds, value };
  };
  const edge = arch("edge-16x16");
  const mbv2 = layersFromList(getZoo("mobilenet_v2").layers);
  // Many small tiles: CMSIS-NN's 2×2 blocks on mcu-m7 with its cache removed (the step model alone).
  const mcuText = readFileSync(join(root, "hw-models", "arch", "mcu-m7.arch.yaml"), "utf8");
  const noCache = parseArch(mcuText.replace(/caches:\n(\s+- .*\n)+/, "caches: []\n"), "mcu-m7 without caches");
  const tileRun = best(() => simulateNetwork(mbv2, noCache, { engine: "detailed" }).layers.reduce((a, l) => a + (l.timeline?.tiles ?? 0), 0));
  const mcu = arch("mcu-m7");
  const models = ["pretrainedResnet_quant", "kws_ref_model", "vww_96_int8", "ad01_int8"];
  const cacheNetworks = models.map((m) => {
    const layers = applyBits(layersFromGraph(loadTflite(new Uint8Array(readFileSync(join(root, "examples", "mlperf-tiny", `${m}.tflite`))), m)).layers, {});
    let tiles = 0;
    const r = best(() => {
      const net = simulateNetwork(layers, mcu, { engine: "detailed" });
      tiles = net.layers.reduce((a, l) => a + (l.timeline?.tiles ?? 0), 0);
      return net.cache!.stats["system.l1d.overallAccesses::total"]!;
    });
    return { network: m, accesses: r.value, tiles, accessesPerSecond: r.value / r.seconds };
  });
  const core = best(() => {
    const h = new Hierarchy(mcu, 1);
    // 16 passes over 1 MiB, 4-byte accesses, the start shifted by 36 bytes each pass (lines split across passes).
    for (let p = 0; p < 16; p++) for (let a = 0x2000_0000 + p * 36; a < 0x2010_0000; a += 4096) h.range(a, a + 2048, p % 4 === 0, 4);
    return h.accesses;
  });
  const graph = loadTflite(new Uint8Array(readFileSync(join(root, "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite"))), "resnet8");
  const inputs = seededInputs(graph, 1);
  const reference = run(graph, inputs, { trace: true }).values!;
  const layers = applyBits(layersFromGraph(graph).layers, {});
  const runOther = (node: Node, ins: readonly (Tensor | undefined)[]) => {
    if (node.op === "conv2d" || node.op === "matmul") throw new Error("bench: MAC nodes run tile by tile");
    return execOther({ node, inputs: ins as Tensor[], inputValues: node.inputs.map((n) => graph.values.get(n)!), outputValues: node.outputs.map((n) => graph.values.get(n)!) }).outputs;
  };
  const ex = best(() => 2 * executeNetwork({ graph, inputs, reference, runOther, arch: edge, layers }).network.totals.macs);
  return {
    tilesPerSecond: tileRun.value / tileRun.seconds, cacheNetworks, cacheCoreAccessesPerSecond: core.value / core.seconds, executeMacsPerSecond: ex.value / ex.seconds,
  };
}
