/**
 * `quarch sim` part 2 as a user runs it (the built binary): `--engine detailed` with caches (gem5 keys, the
 * seed, the address stream), `--execute` writing the same network outputs as `quarch run` on the same
 * input, the dataflow preset's throughput line, and the user errors.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/cli/models.js";
import { encodeNpy } from "../../src/cli/npy.js";
import { seededInputs } from "../../src/cli/sim-detailed.js";
import { quarch, tempDir } from "../helpers/cli.js";

const MODEL = "examples/mlperf-tiny/pretrainedResnet_quant.tflite";

describe("quarch sim --engine detailed / --execute (built binary)", () => {
  it("mcu-m7, detailed: gem5-style cache statistics, the seed and the address stream", () => {
    const r = quarch("sim", "zoo:tiny_dscnn_kws", "--arch", "mcu-m7", "--engine", "detailed", "--seed", "5");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^caches \(simulated access by access, random replacement seed 5\):$/m);
    for (const k of ["overallHits::total", "overallMisses::total", "overallMissRate::total", "overallAccesses::total", "replacements", "compulsoryMisses::total"]) {
      expect(r.stdout).toMatch(new RegExp(`^ {2}system\\.l1d\\.${k.replace(/[.:]/g, (c) => `\\${c}`)}\\s+[\\d.]+$`, "m"));
    }
    expect(r.stdout).toMatch(/^stream \([^)]+\): weights OHWI 8-bit @0x08000000, inputs NHWC 8-bit @0x20000000/m);
    expect(r.stdout).toMatch(/^detailed engine: \d+ tile steps/m);
    const a = quarch("sim", "zoo:tiny_dscnn_kws", "--arch", "mcu-m7");
    expect(a.stdout).toMatch(/^caches \(analytic estimate; --engine detailed simulates them\):$/m);
  });
  it("--format json carries the engine, the cache statistics and each layer's timeline", () => {
    const j = JSON.parse(quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--engine", "detailed", "--trace-steps", "3", "--format", "json").stdout) as {
      engine: string; layers: { timeline: { tiles: number; trace: unknown[] }; engine: string }[];
    };
    expect(j.engine).toBe("detailed");
    expect(j.layers[0]!.timeline.tiles).toBeGreaterThan(0);
    expect(j.layers[0]!.timeline.trace.length).toBeLessThanOrEqual(3);
    const c = JSON.parse(quarch("sim", "zoo:lenet5", "--arch", "mcu-m7", "--engine", "detailed", "--format", "json").stdout) as { cache: { source: string; seed: number; stats: Record<string, number> } };
    expect(c.cache.source).toBe("simulated");
    expect(c.cache.stats["system.l1d.overallHits::total"]! + c.cache.stats["system.l1d.overallMisses::total"]!).toBe(c.cache.stats["system.l1d.overallAccesses::total"]);
  });
  it("--execute on ResNet-8 writes the same outputs as quarch run on the same input", () => {
    const dir = tempDir();
    const graph = loadModel(MODEL);
    const x = seededInputs(graph, 7).get(graph.inputs[0]!)!;
    const input = join(dir, "x.npy");
    writeFileSync(input, encodeNpy(x.dtype, x.shape, x.data));
    const ran = quarch("run", MODEL, "--input", input, "--out", join(dir, "run"), "--quiet");
    expect(ran.code).toBe(0);
    const sim = quarch("sim", MODEL, "--arch", "edge-16x16", "--execute", "--input", input, "--out", join(dir, "sim"), "--quiet");
    expect(sim.code).toBe(0);
    expect(sim.stdout).toMatch(/outputs equal quarch run's on every layer/);
    const name = "Identity_int8.npy";
    expect(readFileSync(join(dir, "sim", name))).toEqual(readFileSync(join(dir, "run", name)));
  });
  it("finn-binary prints the frame rate set by the slowest layer", () => {
    const r = quarch("sim", "zoo:lenet5", "--arch", "finn-binary", "--bits", "W1A1");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dataflow: throughput [\d.]+ frames\/s \(slowest layer \S+: \d+ cycles at 200 MHz; target 10000\), latency \d+ cycles = Σ layer latencies \+ FIFO fill 8$/m);
    expect(r.stdout).toMatch(/XNOR-popcount lanes/);
  });
  it("user errors exit 2: --execute without weights, an unknown engine", () => {
    const z = quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--execute");
    expect(z.code).toBe(2);
    expect(z.stderr).toMatch(/has no weights: --execute needs a model/);
    expect(quarch("sim", "zoo:lenet5", "--arch", "edge-16x16", "--engine", "fast").code).toBe(2);
  });
});
