/**
 * quarch demo: the main job on embedded defaults. Runs the bundled int8 network bit-exactly, shows its
 * per-layer statistics, contrasts integer-only with simulated quantization and the rounding modes, and
 * checks a bundled conformance vector (any mismatch exits 3).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { compareGraphs, compareModes } from "../../exec/compare.js";
import { loadQnet } from "../../exec/load.js";
import { run } from "../../exec/run.js";
import { dtypeName } from "../../ir/dtype.js";
import type { Graph, Tensor } from "../../ir/graph.js";
import { applyProfile, forceRounding } from "../../quant/profiles.js";
import { syntheticData } from "../../ir/synthetic.js";
import { loadTflite } from "../../tflite/index.js";
import { LAYER_COLUMNS, layerRows } from "../../report/layers.js";
import { renderTable } from "../../report/table.js";
import { decodeNpy } from "../npy.js";
import { toInputTensor } from "../tensor-files.js";
import { rtlDemo } from "./rtl.js";
import { simDemo } from "./sim.js";
import { energyDemo } from "../energy-report.js";
import { VerificationFailed } from "../verification.js";

/** examples/ beside the package, from dist/src/cli/commands or src/cli/commands. */
export function examplesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${"dist"}`) ? ["..", "..", "..", ".."] : ["..", "..", ".."];
  return join(here, ...up, "examples");
}

function loadExample(rel: string): Graph {
  return loadQnet(readFileSync(join(examplesDir(), rel), "utf8"));
}

function npyTensor(rel: string, g: Graph, name: string): Tensor {
  const file = join(examplesDir(), rel);
  return toInputTensor(decodeNpy(new Uint8Array(readFileSync(file)), rel), g.values.get(name)!, rel);
}

interface DemoArgs {
  quiet: boolean;
}

async function handler(_argv: ArgumentsCamelCase<DemoArgs>): Promise<void> {
  const out: string[] = [];
  const say = (s = "") => out.push(s);

  // 1. The bundled network, integer-only, bit-exact.
  const net = loadExample("tiny-cnn/tiny-cnn.qnet.json");
  const inputs = new Map([["input", npyTensor("tiny-cnn/input.npy", net, "input")]]);
  const r = run(net, inputs);
  say(`== 1. ${net.name}: integer-only execution (double rounding, as TFLite Micro / CMSIS-NN)`);
  say(net.description ?? "");
  for (const [n, t] of r.outputs) say(`output ${n} ${dtypeName(t.dtype)} [${t.shape.join(", ")}]: ${Array.from(t.data).join(" ")}`);
  const macs = r.stats.reduce((a, s) => a + s.macs, 0);
  say(`${net.nodes.length} layers, ${macs} MACs`);
  say();
  say(renderTable(LAYER_COLUMNS, layerRows(r.stats)));
  say();

  // 2. Integer-only vs simulated (fake) quantization, layer by layer.
  say("== 2. integer-only vs simulated quantization (float compute, quantized tensors), per layer");
  const diff = compareModes(net, inputs);
  say(renderTable(
    [{ key: "node", title: "layer" }, { key: "op", title: "op" }, { key: "mismatches", title: "outputs differing", numeric: true }, { key: "elements", title: "of", numeric: true }, { key: "maxAbsDiff", title: "max |Δ| (LSB)", numeric: true }],
    diff.map((d) => ({ ...d })),
  ));
  say();

  // 3. Rounding modes on the same network.
  say("== 3. requantization rounding: outputs that change against double rounding, per layer");
  const modes = ["single", "onnx", "dyadic-floor"] as const;
  const cmp = modes.map((m) => compareGraphs(net, forceRounding(net, m), inputs));
  const rows = net.nodes.map((n, i) => ({ node: n.name, ...Object.fromEntries(modes.map((m, k) => [m, cmp[k]![i]!.mismatches])) }));
  say(renderTable([{ key: "node", title: "layer" }, ...modes.map((m) => ({ key: m, title: m, numeric: true }))], rows));
  say();

  // 4. A real model: MLPerf Tiny ResNet-8 (int8 TFLite) under TFLite Micro's and XNNPACK's arithmetic.
  const resnet = loadTflite(new Uint8Array(readFileSync(join(examplesDir(), "mlperf-tiny", "pretrainedResnet_quant.tflite"))), "resnet8");
  const rIn = resnet.values.get(resnet.inputs[0]!)!;
  const seed = 2026;
  const rInputs = new Map([[rIn.name, { dtype: rIn.dtype, shape: rIn.shape, data: syntheticData(rIn.dtype, rIn.shape.reduce((a, b) => a * b, 1), seed, "demo-input") }]]);
  const xnn = applyProfile(resnet, "xnnpack");
  const rounding = compareGraphs(resnet, xnn, rInputs);
  const last = rounding[rounding.length - 1]!;
  const changed = rounding.reduce((a, d) => a + d.mismatches, 0);
  const total = rounding.reduce((a, d) => a + d.elements, 0);
  say(`== 4. MLPerf Tiny ResNet-8 (int8 TFLite, ${resnet.nodes.length} layers), tflm vs xnnpack rounding on a seeded input (seed ${seed})`);
  say(`outputs that differ: ${last.mismatches} of ${last.elements} final outputs; ${changed} of ${total} values over all layers`);
  say(`tflm output:    ${Array.from(run(resnet, rInputs).outputs.get(resnet.outputs[0]!)!.data).join(" ")}`);
  say(`xnnpack output: ${Array.from(run(xnn, rInputs).outputs.get(xnn.outputs[0]!)!.data).join(" ")}`);
  say();

  // 5. The same network on an accelerator: the analytic simulator's per-layer table.
  say("== 5. MLPerf Tiny ResNet-8 on the edge-16x16 accelerator preset (analytic simulator)");
  say(await simDemo());
  say();
  say("== 6. energy and area of that run (45 nm tables; every constant's source in `quarch energy table`)");
  say(await energyDemo());
  say();

  // 6. RTL: one ResNet-8 layer as generated Verilog, simulated against the exact kernels and the timing model.
  const rtl = await rtlDemo();
  say("== 7. RTL: a ResNet-8 layer as generated Verilog");
  say(rtl.text);
  say();

  // 7. A conformance vector: TFLite Micro's own conv golden, from its float scales.
  const conf = loadExample("conformance/tflm-conv/tflm-conv.qnet.json");
  const cIn = new Map([["input", npyTensor("conformance/tflm-conv/input.npy", conf, "input")]]);
  const got = run(conf, cIn).outputs.get("output")!.data;
  const want = npyTensor("conformance/tflm-conv/expected/output.npy", conf, "output").data;
  let mismatches = 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
  say("== 8. conformance: TFLite Micro conv_test golden (Int8Filter8x3x3x3PerChannelScaleRelu6)");
  say(`mismatches: ${mismatches} of ${want.length} outputs`);
  process.stdout.write(out.join("\n") + "\n");
  if (rtl.failure !== undefined) throw new VerificationFailed(`RTL: ${rtl.failure}`);
  if (mismatches > 0) throw new VerificationFailed(`conformance vector: ${mismatches} of ${want.length} outputs differ`);
}

export const demoCommand: CommandModule<object, DemoArgs> = {
  command: "demo",
  describe: "Run the bundled int8 network bit-exactly and check a conformance vector",
  builder: (y: Argv) => y.option("quiet", { type: "boolean", default: false }) as unknown as Argv<DemoArgs>,
  handler,
};
