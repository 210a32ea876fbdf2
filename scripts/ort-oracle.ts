/**
 * Dev oracle: runs the multi-node ONNX test models (test/onnx/graph-zoo.ts) in onnxruntime-node's CPU
 * execution provider and writes goldens for test/onnx/graph-goldens.test.ts. Never run by CI.
 *
 *   ONNXRUNTIME_NODE_INSTALL_CUDA=skip npm install --no-save --prefix .oracle/ort onnxruntime-node@1.30
 *   npm run build && node dist/scripts/ort-oracle.js
 *
 * Writes test/fixtures/onnx-graph-goldens/<model>/{model.onnx, <input>.npy, <output>.npy} and PROVENANCE.md
 * (onnxruntime version, CPU, which onnxruntime kernels ran). A model marked `goldenFrom` (int4 weights,
 * which onnxruntime computes unfused in float32) gets the outputs of its int8-stored twin instead, and its
 * own onnxruntime outputs are kept as <output>.ort-float.npy for the record.
 *
 * It also runs `quarch export` of the bundled models (test/onnx/export-zoo.ts: the MLPerf Tiny TFLite files
 * and tiny-cnn under the onnxruntime profile, QOperator and QDQ) on their inputs: see export-oracle.ts.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeNpy } from "../src/cli/npy.js";
import type { DType } from "../src/ir/dtype.js";
import { decodeModel } from "../src/onnx/protobuf.js";
import { graphModels } from "../test/onnx/graph-zoo.js";
import type { TestModel } from "../test/onnx/graph-models.js";
import { type Ort, type OrtTensor, exportGoldens } from "./export-oracle.js";

const ROOT = process.env["QUARCH_ROOT"] ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT = join(ROOT, "test", "fixtures", "onnx-graph-goldens");
const ORT_DIR = join(ROOT, ".oracle", "ort", "node_modules", "onnxruntime-node");

const DTYPES: Record<string, DType> = { float32: "float32", int8: { bits: 8, signed: true }, uint8: { bits: 8, signed: false }, int32: { bits: 32, signed: true } };

function typeName(d: DType): string {
  return d === "float32" ? "float32" : `${d.signed ? "" : "u"}int${d.bits}`;
}

async function runModel(ort: Ort, m: TestModel, optimized: string): Promise<Record<string, OrtTensor>> {
  const session = await ort.InferenceSession.create(m.bytes, { executionProviders: ["cpu"], logSeverityLevel: 3, optimizedModelFilePath: optimized });
  const feeds: Record<string, unknown> = {};
  for (const i of m.inputs) feeds[i.name] = new ort.Tensor(typeName(i.dtype), i.data, i.shape);
  return session.run(feeds);
}

function npy(t: OrtTensor): Uint8Array {
  const d = DTYPES[t.type];
  if (d === undefined) throw new Error(`unexpected onnxruntime output type ${t.type}`);
  return encodeNpy(d, t.dims, t.data);
}

async function main(): Promise<void> {
  const require = createRequire(import.meta.url);
  let ort: Ort;
  try {
    ort = require(ORT_DIR) as Ort;
  } catch {
    process.stderr.write(`onnxruntime-node not found in ${ORT_DIR}; install it first (see the header of this script)\n`);
    process.exit(2);
  }
  ort.env.logLevel = "error";
  const version = (JSON.parse(readFileSync(join(ORT_DIR, "package.json"), "utf8")) as { version: string }).version;
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const models = graphModels();
  const results = new Map<string, Record<string, OrtTensor>>();
  const rows: string[] = [];
  for (const m of models) {
    const dir = join(OUT, m.name);
    mkdirSync(dir, { recursive: true });
    const optimized = join(dir, "ort-optimized.tmp.onnx");
    const out = await runModel(ort, m, optimized);
    const kernels = decodeModel(readFileSync(optimized)).graph.nodes.map((n) => (n.domain === "" ? n.opType : `${n.domain}:${n.opType}`));
    rmSync(optimized);
    results.set(m.name, out);
    writeFileSync(join(dir, "model.onnx"), m.bytes);
    for (const i of m.inputs) writeFileSync(join(dir, `${i.name}.npy`), encodeNpy(i.dtype, i.shape, i.data));
    for (const name of m.outputs) {
      const t = out[name];
      if (t === undefined) throw new Error(`${m.name}: onnxruntime gave no output ${name}`);
      writeFileSync(join(dir, m.goldenFrom === undefined ? `${name}.npy` : `${name}.ort-float.npy`), npy(t));
    }
    rows.push(`| ${m.name} | ${m.description} | ${m.ops.join(", ")} | ${[...new Set(kernels)].join(", ")} | ${m.goldenFrom === undefined ? "this model" : `\`${m.goldenFrom}\` (same integers, int8 storage)`} |`);
  }
  for (const m of models) {
    if (m.goldenFrom === undefined) continue;
    const twin = results.get(m.goldenFrom);
    if (twin === undefined) throw new Error(`${m.name}: golden source ${m.goldenFrom} was not run`);
    for (const name of m.outputs) writeFileSync(join(OUT, m.name, `${name}.npy`), npy(twin[name]!));
  }
  const exportRows = await exportGoldens(ort, join(OUT, "export-models"));
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const text = [
    "# ONNX whole-graph goldens",
    "",
    `Source: onnxruntime-node ${version} (npm, MIT licence), CPU execution provider, default graph optimization level,`,
    `run by scripts/ort-oracle.ts on ${cpu} (x86-64 with AVX2/FMA; onnxruntime's int8 kernels are CPU-dependent).`,
    "Models and inputs are generated by test/onnx/graph-zoo.ts (seeded, deterministic); each directory holds the",
    "model, its inputs and onnxruntime's outputs as .npy. The kernels column lists the nodes of onnxruntime's",
    "optimized graph: QDQ patterns appear fused into its integer kernels.",
    "",
    "onnxruntime does not fuse int4 weights (QLinearConv has no int4), so it runs `qdq_cnn_int4` in float32; that",
    "model's goldens are the outputs of its twin with the same integer weights stored as int8 (which it fuses),",
    "and its own float outputs are kept as `*.ort-float.npy`.",
    "",
    "What this CPU's onnxruntime does that the models respect (measured while making these goldens):",
    "- u8 × s8 convolutions and matmuls (AVX2 without VNNI) sum pairs of products in saturating int16",
    "  (vpmaddubsw): weights stay within ±63 (reduce_range), where no pair can saturate.",
    "- QDQ Conv / MatMul with int8 activations are not fused on x86-64 (onnxruntime's QDQIsInt8Allowed() is",
    "  true only on ARM; the session option session.qdqisint8allowed = 1 fuses them); quarch always fuses. The",
    "  QDQ test models use uint8 activations, which are fused; the `export_qdq_qop_*_int8` models run partly",
    "  in float32 in onnxruntime and matched on these inputs, an empirical agreement rather than one by",
    "  construction.",
    "- A QDQ bias is fused only when its scale equals x_scale · w_scale (float32) with zero point 0.",
    "",
    "| model | what | ONNX ops | onnxruntime kernels | golden from |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    ...exportRows,
  ].join("\n");
  writeFileSync(join(OUT, "PROVENANCE.md"), text);
  process.stdout.write(`wrote ${models.length} models to ${OUT}\n`);
}

await main();
