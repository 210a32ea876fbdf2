/**
 * Speed of the RTL flow (reported, never asserted): generation time per design (Verilog, ROMs, vectors
 * from the kernels, testbench), Icarus Verilog and Verilator vectors per second (Verilator built with its
 * default optimization, build time reported separately), and Yosys time per design. bench/run.ts calls
 * benchRtl and prints renderRtlBench. The tools must be installed (scripts/setup-rtl-tools.sh).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTflite } from "../src/tflite/index.js";
import { renderTable } from "../src/report/table.js";
import {
  type Design, type Simulator, type SynthTarget, binaryDesign, generatePe, generateRequant, layerDesign, layerTaskFromGraph, peDesign, printDesign, requantDesign,
  synthesize, syntheticBinary, verifyIn, writeDesign,
} from "../rtl-gen/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = here.includes(`${"dist"}`) ? join(here, "..", "..") : join(here, "..");

export interface GenRow {
  readonly design: string;
  readonly ms: number;
  readonly outputs: number;
}

export interface SimRow {
  readonly design: string;
  readonly simulator: string;
  readonly outputs: number;
  readonly values: number;
  readonly buildSeconds: number;
  readonly runSeconds: number;
  readonly valuesPerSecond: number;
}

export interface SynthRow {
  readonly design: string;
  readonly target: SynthTarget;
  readonly tool: string;
  readonly seconds: number;
  readonly luts: number;
}

export interface RtlBench {
  readonly generation: readonly GenRow[];
  readonly simulation: readonly SimRow[];
  readonly synthesis: readonly SynthRow[];
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

export async function benchRtl(quick = false): Promise<RtlBench> {
  const graph = loadTflite(new Uint8Array(readFileSync(join(root, "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite"))), "resnet8");
  const n = quick ? 2000 : 20000;
  const makers: [string, () => Design][] = [
    ["int8 MAC PE", () => peDesign({ precision: "int8", accBits: 32 }, { random: n / 4, seed: 1 })],
    ["requantizer, all six modes at run time", () => requantDesign({ gen: { mode: "runtime", coeffs: { kind: "port" }, output: { kind: "port" }, outType: { bits: 8, signed: true } } }, { random: n / 6, seed: 1 })],
    ["ResNet-8 conv_2d_10 engine, 8x8 ws", () => layerDesign(layerTaskFromGraph(graph, "conv_2d_10"), { rows: 8, cols: 8, dataflow: "ws", accBits: 32 }, { seed: 1 })],
    ["binary layer 32x256x64, PE 8 x SIMD 64", () => {
      const { task, input } = syntheticBinary({ M: 32, K: 256, N: 64, thresholds: 1, seed: 1 });
      return binaryDesign(task, { pe: 8, simd: 64 }, input, 1);
    }],
  ];
  const generation: GenRow[] = [];
  const designs: [string, Design][] = [];
  for (const [name, make] of makers) {
    make(); // warm-up (JIT, the model's weights)
    const t = timed(make);
    generation.push({ design: name, ms: t.ms, outputs: t.value.vectors.outputs });
    designs.push([name, t.value]);
  }
  const simulation: SimRow[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "quarch-bench-rtl-"));
  try {
    for (const [i, [name, d]] of designs.entries()) {
      const dir = join(scratch, String(i));
      writeDesign(d, dir);
      for (const sim of ["iverilog", "verilator"] as Simulator[]) {
        const r = await verifyIn(d, dir, sim, { optimize: true });
        simulation.push({
          design: name, simulator: r.version, outputs: r.passed + r.failed, values: d.vectors.values,
          buildSeconds: r.buildSeconds, runSeconds: r.runSeconds, valuesPerSecond: d.vectors.values / r.runSeconds,
        });
      }
    }
    const synthesis: SynthRow[] = [];
    const synthDesigns: [string, SynthTarget, ReturnType<typeof generatePe>][] = [
      ["int8 MAC PE", "xc7", generatePe({ precision: "int8", accBits: 32 })],
      ["requantizer, double, frozen", "xc7", generateRequant({ mode: "double", coeffs: { kind: "const", multiplier: 1431655765, shift: -7 }, output: { kind: "const", zeroPoint: -3, clampMin: -128, clampMax: 127 }, outType: { bits: 8, signed: true } })],
      ["requantizer, run-time mode", "xc7", generateRequant({ mode: "runtime", coeffs: { kind: "port" }, output: { kind: "port" }, outType: { bits: 8, signed: true } })],
      ["binary lane, 64 bits", "ice40", generatePe({ precision: "binary", laneBits: 64, accBits: 16 })],
    ];
    for (const [i, [name, target, g]] of synthDesigns.entries()) {
      if (quick && i === 2) continue;
      const dir = mkdtempSync(join(scratch, "synth-"));
      const files = printDesign(g.module);
      for (const [f, text] of files) writeFileSync(join(dir, f), text);
      const r = await synthesize(dir, [...files.keys()], g.module.name, target);
      synthesis.push({ design: name, target, tool: r.version, seconds: r.seconds, luts: r.luts });
    }
    return { generation, simulation, synthesis };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function renderRtlBench(b: RtlBench): string {
  const f = (x: number, d = 1) => +x.toFixed(d);
  return [
    "",
    "RTL generation (Verilog + ROMs + vectors from the kernels + testbench; one core)",
    renderTable([{ key: "design", title: "design" }, { key: "outputs", title: "output beats", numeric: true }, { key: "ms", title: "ms", numeric: true }], b.generation.map((r) => ({ design: r.design, outputs: r.outputs, ms: f(r.ms) }))),
    "",
    "RTL simulation (values checked per second of simulation; Verilator built with its default optimization)",
    renderTable(
      [{ key: "design", title: "design" }, { key: "simulator", title: "simulator" }, { key: "values", title: "values", numeric: true }, { key: "build", title: "build s", numeric: true }, { key: "run", title: "run s", numeric: true }, { key: "rate", title: "values/s", numeric: true }],
      b.simulation.map((r) => ({ design: r.design, simulator: r.simulator, values: r.values, build: f(r.buildSeconds), run: f(r.runSeconds, 2), rate: Math.round(r.valuesPerSecond) })),
    ),
    "",
    "Yosys synthesis time per design",
    renderTable([{ key: "design", title: "design" }, { key: "target", title: "target" }, { key: "tool", title: "tool" }, { key: "luts", title: "LUTs", numeric: true }, { key: "s", title: "seconds", numeric: true }], b.synthesis.map((r) => ({ design: r.design, target: r.target, tool: r.tool, luts: r.luts, s: f(r.seconds) }))),
    "",
  ].join("\n");
}
