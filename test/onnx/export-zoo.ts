/**
 * The models `quarch export` must handle — the four MLPerf Tiny TFLite files, the NHWC tiny-cnn qnet, and the
 * single-operator TFLite models of test/tflite/op-models.ts (every TFLite operator quarch lowers) — with the
 * onnxruntime profile applied as the export command does, and the deterministic inputs they run on: the
 * seeded inputs of test/fixtures/mlperf-tiny-goldens and test/fixtures/tflite-op-goldens, tiny-cnn's example
 * input and seven seeded ones. Shared by test/onnx/export-models.test.ts and scripts/ort-oracle.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { decodeNpy } from "../../src/cli/npy.js";
import { toInputTensor } from "../../src/cli/tensor-files.js";
import { loadQnet } from "../../src/exec/load.js";
import type { Graph, Tensor } from "../../src/ir/graph.js";
import { type OnnxStyle, exportOnnx } from "../../src/onnx/export-onnx.js";
import { applyProfile } from "../../src/quant/profiles.js";
import { createRng } from "../../src/quant/rng.js";
import { loadTflite } from "../../src/tflite/index.js";
import { buildModel } from "../tflite/model-builder.js";
import { OP_MODELS, type OpModel } from "../tflite/op-models.js";
import { layoutModel } from "./layout-model.js";

/** The repository: the nearest directory above this file with a package.json (also when compiled into dist/). */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const ROOT = repoRoot();

export interface ExportCase {
  readonly name: string;
  /** The source file, relative to the repository. */
  readonly file: string;
  /** The source graph (the importer's default profile). */
  readonly source: Graph;
  /** applyProfile(source, "onnxruntime"): what `quarch export` writes. */
  readonly graph: Graph;
  /** One feed per sample. */
  readonly inputs: readonly ReadonlyMap<string, Tensor>[];
}

const MLPERF = ["pretrainedResnet_quant", "kws_ref_model", "vww_96_int8", "ad01_int8"] as const;

/** A TFLite model and its stacked inputs ([samples, ...input shape]) from a fixture. */
function tfliteCase(name: string, file: string, bytes: Uint8Array, inputsFile: string): ExportCase {
  const source = loadTflite(bytes, name);
  const raw = decodeNpy(new Uint8Array(readFileSync(join(ROOT, inputsFile))), inputsFile);
  const inV = source.values.get(source.inputs[0]!)!;
  const count = raw.shape[0]!;
  const per = raw.values.length / count;
  const inputs = Array.from({ length: count }, (_, k) => {
    const part = Array.from(raw.values).slice(k * per, (k + 1) * per);
    return new Map([[inV.name, { dtype: inV.dtype, shape: inV.shape, data: inV.dtype === "float32" ? Float32Array.from(part) : Int8Array.from(part) }]]);
  });
  return { name, file, source, graph: applyProfile(source, "onnxruntime"), inputs };
}

function mlperfCase(name: (typeof MLPERF)[number]): ExportCase {
  const file = join("examples", "mlperf-tiny", `${name}.tflite`);
  return tfliteCase(name, file, new Uint8Array(readFileSync(join(ROOT, file))), join("test", "fixtures", "mlperf-tiny-goldens", name, "inputs.npy"));
}

function opModelCase(om: OpModel): ExportCase {
  return tfliteCase(`op_${om.name}`, "test/tflite/op-models.ts", buildModel(om.spec), join("test", "fixtures", "tflite-op-goldens", om.name, "inputs.npy"));
}

function tinyCnnCase(): ExportCase {
  const file = join("examples", "tiny-cnn", "tiny-cnn.qnet.json");
  const source = loadQnet(readFileSync(join(ROOT, file), "utf8"));
  const inV = source.values.get(source.inputs[0]!)!;
  const example = toInputTensor(decodeNpy(new Uint8Array(readFileSync(join(ROOT, "examples", "tiny-cnn", "input.npy"))), "input.npy"), inV, "input.npy");
  const rng = createRng(20261201);
  const size = inV.shape.reduce((a, b) => a * b, 1);
  const random = Array.from({ length: 7 }, () => ({ dtype: inV.dtype, shape: inV.shape, data: Int8Array.from({ length: size }, () => (rng.nextUint32() % 256) - 128) }));
  return { name: "tiny-cnn", file, source, graph: applyProfile(source, "onnxruntime"), inputs: [example, ...random].map((t) => new Map([[inV.name, t]])) };
}

function layoutCase(): ExportCase {
  const source = layoutModel();
  const inV = source.values.get(source.inputs[0]!)!;
  const rng = createRng(20261203);
  const size = inV.shape.reduce((a, b) => a * b, 1);
  const inputs = Array.from({ length: 4 }, () => new Map([[inV.name, { dtype: inV.dtype, shape: inV.shape, data: Float32Array.from({ length: size }, () => Math.fround(rng.nextFloat() * 2.6 - 1.3)) }]]));
  return { name: "layouts", file: "test/onnx/layout-model.ts", source, graph: applyProfile(source, "onnxruntime"), inputs };
}

export function exportCases(): ExportCase[] {
  return [...MLPERF.map(mlperfCase), tinyCnnCase(), layoutCase(), ...OP_MODELS.map(opModelCase)];
}

/** The exported model: its name in the goldens, its bytes. */
export function exportedBytes(c: ExportCase, style: OnnxStyle): { readonly name: string; readonly bytes: Uint8Array } {
  return { name: `export_${style}_${c.name}`, bytes: exportOnnx(c.graph, { style, producerName: "quarch-tests" }) };
}

/** The golden file of a graph output (test/fixtures/onnx-graph-goldens/export-models/<name>/). */
export function outputFile(name: string, suffix = ""): string {
  return `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}${suffix}.npy`;
}
