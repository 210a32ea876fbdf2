/**
 * Arch keys of the simulator's part 2 (docs/arch-yaml.md): the mcu-m7 and finn-binary presets load with a
 * comment naming what they approximate; `compute.kind: dataflow`, `compute.kernel`, `flash`, pseudo-LRU
 * and the cache geometry the simulator needs are validated, each error class pinned by its message.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SpecError } from "../../src/errors.js";
import { parseArch } from "../../src/hw/index.js";
import { kernelMapping } from "../../src/sim/kernels.js";
import { convLayer } from "../../src/sim/index.js";
import { REPO } from "../helpers/cli.js";
import { PART2_PRESETS, preset } from "./presets.js";

const MCU = readFileSync(join(REPO, "hw-models", "arch", "mcu-m7.arch.yaml"), "utf8");
const FINN = readFileSync(join(REPO, "hw-models", "arch", "finn-binary.arch.yaml"), "utf8");

function problems(text: string): string[] {
  try {
    parseArch(text);
  } catch (e) {
    if (e instanceof SpecError) return e.problems.map((p) => `${p.path}: ${p.message}${p.given === undefined ? "" : ` (given ${p.given})`}`);
    throw e;
  }
  return [];
}

describe("part-2 presets", () => {
  it("load, and say in a comment what real design they approximate and where the numbers come from", () => {
    for (const id of PART2_PRESETS) {
      const text = readFileSync(join(REPO, "hw-models", "arch", `${id}.arch.yaml`), "utf8");
      expect(text).toMatch(new RegExp(`^# ${id} — `));
      expect(preset(id).name).toBe(id);
    }
    const m = preset("mcu-m7");
    expect(m.compute).toMatchObject({ kind: "vector", lanes: 1, kernel: "cmsis-nn" });
    expect(m.caches[0]).toEqual({ name: "l1d", sizeBytes: 16384, lineBytes: 32, ways: 4, replacement: "lru", write: "back-allocate", hitLatencyCycles: 1 });
    expect(m.flash).toEqual({ latencyS: 32e-9, bandwidthBytesPerS: 864e6 });
    expect(preset("finn-binary").compute).toMatchObject({ kind: "dataflow", targetFps: 10000, fifoDepth: 2, maxPe: 64, maxSimd: 64 });
  });
  it("cmsis-nn loop nests: 2×2 register blocks over the whole reduction; depthwise 4 channels at a time", () => {
    const bits = { wBits: 8, aBits: 8, outBits: 8, source: "default" as const };
    const conv = convLayer({ name: "c", batch: 1, inH: 8, inW: 8, inC: 16, outC: 32, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], groups: 1, bits });
    expect(kernelMapping("cmsis-nn", conv)).toEqual({ dataflow: "vector", spatial: { rows: [], cols: [] }, tile: { N: 1, G: 1, K: 2, C: 16, P: 1, Q: 2 }, order: ["N", "G", "P", "Q", "K", "C"] });
    const dw = convLayer({ name: "d", batch: 1, inH: 8, inW: 8, inC: 16, outC: 16, kH: 3, kW: 3, strideH: 1, strideW: 1, pads: [1, 1, 1, 1], groups: 16, bits });
    expect(kernelMapping("cmsis-nn", dw).tile).toEqual({ N: 1, G: 4, K: 1, C: 1, P: 1, Q: 1 });
  });
});

describe("part-2 spec errors", () => {
  it("caches: pseudo-LRU needs a power-of-two number of ways; lines and sets are powers of two", () => {
    const base = MCU.replace(/caches:\n.*\n/, "caches:\n  - { name: l1d, size: 12 KiB, line: 32 B, ways: 3, replacement: plru }\n");
    expect(problems(base)).toEqual(["caches[0].ways: must be a power of two for tree pseudo-LRU (given 3)"]);
    expect(problems(base.replace("size: 12 KiB", "size: 9 KiB").replace("replacement: plru", "replacement: lru"))).toEqual(["caches[0].size: gives a number of sets that is not a power of two (given 96 sets)"]);
    expect(problems(MCU.replace("line: 32 B", "line: 48 B").replace("size: 16 KiB, line", "size: 24 KiB, line"))).toEqual(["caches[0].line: is not a power of two (given 48 B)"]);
    expect(problems(MCU.replace("replacement: lru", "replacement: mru"))[0]).toBe('caches[0].replacement: unknown value (did you mean lru?) (given "mru")');
  });
  it("compute.kernel and flash", () => {
    expect(problems(MCU.replace("\n  kernel: cmsis-nn", "\n  kernel: tflm"))).toEqual(['compute.kernel: unknown value (given "tflm")']);
    expect(problems(MCU.replace("flash: { latency: 32 ns, bandwidth: 864 MB/s }", "flash: { latency: 32 ns }"))).toEqual(["flash.bandwidth: is required"]);
    expect(problems(MCU.replace("flash: { latency: 32 ns, bandwidth: 864 MB/s }", "flash: { latency: 32 ns, bandwidth: 864 MB/s, size: 2 MiB }"))).toEqual(["flash.size: unknown key (given size)"]);
    expect(problems(MCU.replace("bandwidth: 864 MB/s", "bandwidth: 2 MiB"))[0]).toMatch(/^flash\.bandwidth: /);
  });
  it("dataflow: array keys are refused; targetFps is a positive number of frames per second", () => {
    expect(problems(FINN.replace("targetFps: 10000", "targetFps: -3"))).toEqual(["compute.targetFps: must be a positive number of frames per second (given -3)"]);
    expect(problems(FINN.replace("fifoDepth: 2", "fifoDepth: 2\n  rows: 4"))[0]).toBe("compute.rows: unknown key (given rows)");
    expect(problems(FINN.replace("maxPe: 64", "maxPe: 0"))).toEqual(["compute.maxPe: must be positive (given 0)"]);
    expect(problems(FINN.replace("kind: dataflow", "kind: dataflw"))[0]).toBe('compute.kind: unknown value (did you mean dataflow?) (given "dataflw")');
  });
});
