/**
 * Dev oracle (never a CI dependency): runs the real desktop TFLite interpreter on the four MLPerf Tiny int8
 * models and writes golden inputs, outputs and per-operator traces to test/fixtures/mlperf-tiny-goldens/.
 *
 * The interpreter is TFLite compiled to WebAssembly by @tensorflow/tfjs-tflite@0.0.1-alpha.10 (its
 * TFLiteWebModelRunner, BuiltinOpResolver, default XNNPACK delegate). Its JS loader assumes a browser, so
 * the emscripten module is loaded directly from node_modules, with the .wasm bytes handed over. It lives in
 * a separate prefix so the project's node_modules is never touched:
 *
 *   npm install --no-save --prefix .oracle/tflite @tensorflow/tfjs-tflite@0.0.1-alpha.10 @tensorflow/tfjs-core@4.9.0
 *   npx tsc -p tsconfig.build.json && node dist/scripts/tflite-oracle.js      (from the repository root)
 *
 * Two runtimes per model (see scripts/tflite-patch.ts for the byte edits):
 *  - xnnpack: the file as converted (every intermediate tensor exposed as an output): the interpreter's
 *    default XNNPACK delegate takes what it supports, builtin kernels the rest;
 *  - tflite: the same file with every activation's quantized_dimension set to 1, which the XNNPACK delegate
 *    refuses, so the builtin kernels run every operator. The profiler's node types confirm which ran where.
 * Both wasm builds (scalar and SIMD) are run; they must agree. Exposing the intermediates must not change
 * the final outputs; that is checked against the unexposed file for every input.
 *
 * Inputs: INPUTS per model, int8 uniform over [−128, 127], xoshiro128** (src/quant/rng.ts) seeded with
 * SEED + model index, drawn in row-major order with nextInt(256) − 128.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { encodeNpy } from "../src/cli/npy.js";
import { INT8, product } from "../src/ir/dtype.js";
import { createRng } from "../src/quant/rng.js";
import { readModel } from "../src/tflite/model.js";
import { buildModel } from "../test/tflite/model-builder.js";
import { OP_MODELS } from "../test/tflite/op-models.js";
import { blockXnnpack, exposeTensors } from "./tflite-patch.js";

const SEED = 20261126;
const INPUTS = 8;
/** Single-op models (test/tflite/op-models.ts): seed OP_SEED + model index; a 256-element int8 input's first row is the ramp −128…127. */
const OP_SEED = 20261200;
const OP_INPUTS = 4;
const MODELS = ["pretrainedResnet_quant", "kws_ref_model", "vww_96_int8", "ad01_int8"] as const;
const TFLITE_VERSION = "@tensorflow/tfjs-tflite@0.0.1-alpha.10";
const CORE_VERSION = "@tensorflow/tfjs-core@4.9.0";
const VARIANTS = ["tflite_web_api_cc", "tflite_web_api_cc_simd"] as const;

interface EmVector<T> {
  size(): number;
  get(i: number): T;
}
interface TensorInfo {
  readonly id: number;
  readonly name: string;
  readonly shape: string;
  readonly dataType: string;
  data(): Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;
}
interface Runner {
  GetInputs(): EmVector<TensorInfo>;
  GetOutputs(): EmVector<TensorInfo>;
  Infer(): boolean;
  GetProfilingResults(): EmVector<{ readonly nodeType: string; readonly nodeName: string }>;
  delete(): void;
}
interface TfliteModule {
  _malloc(n: number): number;
  _free(p: number): void;
  readonly HEAPU8: Uint8Array;
  readonly TFLiteWebModelRunner: {
    CreateFromBufferAndOptions(ptr: number, len: number, o: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number }): { ok(): boolean; errorMessage(): string; value(): Runner };
  };
}
type Factory = (o: { wasmBinary: Uint8Array; print: (s: string) => void; printErr: (s: string) => void }) => Promise<TfliteModule>;

type Data = Int8Array | Float32Array;

interface RunOutput {
  readonly tensors: { id: number; name: string; shape: number[]; data: Data }[];
  readonly nodeTypes: string[];
}

/** One inference: returns every output tensor (int8 or float32) and the profiler's node types. */
function infer(m: TfliteModule, bytes: Uint8Array, input: Data): RunOutput {
  const p = m._malloc(bytes.length);
  m.HEAPU8.set(bytes, p);
  const r = m.TFLiteWebModelRunner.CreateFromBufferAndOptions(p, bytes.length, { numThreads: 1, enableProfiling: true, maxProfilingBufferEntries: 4096 });
  if (!r.ok()) throw new Error(`the interpreter refused the model: ${r.errorMessage()}`);
  const runner = r.value();
  const inputs = runner.GetInputs();
  if (inputs.size() !== 1) throw new Error("expected one input");
  const dst = inputs.get(0).data();
  if (dst.constructor !== input.constructor || dst.length !== input.length) throw new Error(`input tensor is ${inputs.get(0).dataType}[${dst.length}], given ${input.constructor.name}[${input.length}]`);
  (dst as Data).set(input);
  if (!runner.Infer()) throw new Error("inference failed");
  const outs = runner.GetOutputs();
  const tensors = Array.from({ length: outs.size() }, (_, i) => {
    const o = outs.get(i);
    const d = o.data();
    if (!(d instanceof Int8Array) && !(d instanceof Float32Array)) throw new Error(`output "${o.name}" is ${o.dataType}, not int8 or float32`);
    return { id: o.id, name: o.name, shape: o.shape === "" ? [] : o.shape.split(",").map(Number), data: d.slice() };
  });
  const prof = runner.GetProfilingResults();
  const nodeTypes = Array.from({ length: prof.size() }, (_, i) => prof.get(i).nodeType);
  runner.delete();
  m._free(p);
  return { tensors, nodeTypes };
}

function sameData(a: Data, b: Data): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function same(a: RunOutput, b: RunOutput): boolean {
  return a.tensors.length === b.tensors.length && a.tensors.every((t, k) => sameData(t.data, b.tensors[k]!.data));
}

async function main(): Promise<void> {
  const root = process.cwd();
  const pkg = join(root, ".oracle", "tflite", "node_modules", "@tensorflow", "tfjs-tflite");
  if (!existsSync(join(pkg, "wasm", `${VARIANTS[0]}.js`))) {
    process.stderr.write(
      `The TFLite oracle is not installed. From the repository root run:\n` +
        `  npm install --no-save --prefix .oracle/tflite ${TFLITE_VERSION} ${CORE_VERSION}\n`,
    );
    process.exit(2);
  }
  const require = createRequire(import.meta.url);
  const modules = await Promise.all(
    VARIANTS.map((v) => {
      const factory = require(join(pkg, "wasm", `${v}.js`)) as Factory;
      return factory({ wasmBinary: readFileSync(join(pkg, "wasm", `${v}.wasm`)), print: () => {}, printErr: () => {} });
    }),
  );
  const out = join(root, "test", "fixtures", "mlperf-tiny-goldens");
  const summary: Record<string, unknown> = {};
  for (const [mi, name] of MODELS.entries()) {
    const original = new Uint8Array(readFileSync(join(root, "examples", "mlperf-tiny", `${name}.tflite`)));
    const model = readModel(original);
    const sg = model.subgraphs[0]!;
    const inT = sg.tensors[sg.inputs[0]!]!;
    const outT = sg.tensors[sg.outputs[0]!]!;
    const exposed = exposeTensors(original);
    const files = { xnnpack: exposed.bytes, tflite: blockXnnpack(exposed.bytes).bytes };
    const unexposed = { xnnpack: original, tflite: blockXnnpack(original).bytes };
    const rng = createRng(SEED + mi);
    const n = product(inT.shape);
    const inputs = Array.from({ length: INPUTS }, () => Int8Array.from({ length: n }, () => rng.nextInt(256) - 128));
    const dir = join(out, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "inputs.npy"), encodeNpy(INT8, [INPUTS, ...inT.shape], concat(inputs)));
    const info: Record<string, unknown> = { input: inT.name, output: outT.name, seed: SEED + mi };
    for (const profile of ["tflite", "xnnpack"] as const) {
      const finals: Int8Array[] = [];
      let nodeTypes: string[] = [];
      let trace: RunOutput | undefined;
      inputs.forEach((x, k) => {
        const runs = modules.map((m) => infer(m, files[profile], x));
        if (!same(runs[0]!, runs[1]!)) throw new Error(`${name} ${profile} input ${k}: scalar and SIMD builds disagree`);
        const plain = infer(modules[0]!, unexposed[profile], x);
        if (!sameData(plain.tensors[0]!.data, runs[0]!.tensors[0]!.data)) throw new Error(`${name} ${profile} input ${k}: exposing intermediates changed the output`);
        finals.push(runs[0]!.tensors[0]!.data as Int8Array);
        nodeTypes = runs[0]!.nodeTypes;
        if (k === 0) trace = runs[0];
      });
      if (profile === "tflite" && nodeTypes.some((t) => t.includes("XNNPack"))) throw new Error(`${name}: XNNPACK still delegated nodes in the builtin run`);
      writeFileSync(join(dir, `outputs-${profile}.npy`), encodeNpy(INT8, [INPUTS, ...outT.shape], concat(finals)));
      const index: { tensor: number; name: string; shape: number[]; offset: number }[] = [];
      let offset = 0;
      for (const t of trace!.tensors) {
        index.push({ tensor: t.id, name: t.name, shape: t.shape, offset });
        offset += t.data.length;
      }
      writeFileSync(join(dir, `trace-${profile}.npy`), encodeNpy(INT8, [offset], concat(trace!.tensors.map((t) => t.data as Int8Array))));
      info[profile] = { nodeTypes, trace: index };
    }
    writeFileSync(join(dir, "trace.json"), JSON.stringify(info, null, 1) + "\n");
    summary[name] = (info["xnnpack"] as { nodeTypes: string[] }).nodeTypes;
    process.stdout.write(`${name}: ${INPUTS} inputs (seed ${SEED + mi}); XNNPACK run nodes: ${(summary[name] as string[]).join(" ")}\n`);
  }
  opModels(root, modules);
}

/** Goldens of the single-op models: inputs.npy, outputs-<profile>.npy, info.json (node types, refusals). */
function opModels(root: string, modules: readonly TfliteModule[]): void {
  for (const [mi, om] of OP_MODELS.entries()) {
    const original = buildModel(om.spec);
    const inT = om.spec.tensors[om.spec.inputs[0]!]!;
    const outT = om.spec.tensors[om.spec.outputs[0]!]!;
    const n = product(inT.shape);
    const rng = createRng(OP_SEED + mi);
    const isFloat = om.inputType === 0;
    const inputs: Data[] = Array.from({ length: OP_INPUTS }, (_, k) =>
      isFloat
        ? Float32Array.from({ length: n }, () => Math.fround(rng.nextFloat() * 6 - 3))
        : Int8Array.from({ length: n }, (_, i) => (k === 0 && n === 256 ? i - 128 : rng.nextInt(256) - 128)),
    );
    const dir = join(root, "test", "fixtures", "tflite-op-goldens", om.name);
    mkdirSync(dir, { recursive: true });
    const flat = (parts: readonly Data[]): Data => (isFloatData(parts[0]!) ? Float32Array.from(parts.flatMap((p) => Array.from(p))) : concat(parts as Int8Array[]));
    writeFileSync(join(dir, "inputs.npy"), encodeNpy(isFloat ? "float32" : INT8, [OP_INPUTS, ...inT.shape], flat(inputs)));
    const info: Record<string, unknown> = { seed: OP_SEED + mi };
    for (const [profile, bytes] of [["tflite", blockXnnpack(original).bytes], ["xnnpack", original]] as const) {
      try {
        const runs = inputs.map((x) => modules.map((m) => infer(m, bytes, x)));
        runs.forEach((r, k) => {
          if (!same(r[0]!, r[1]!)) throw new Error(`${om.name} ${profile} input ${k}: scalar and SIMD builds disagree`);
        });
        const nodeTypes = runs[0]![0]!.nodeTypes;
        if (profile === "tflite" && nodeTypes.some((t) => t.includes("XNNPack"))) throw new Error(`${om.name}: XNNPACK still delegated nodes in the builtin run`);
        const outs = runs.map((r) => r[0]!.tensors[0]!.data);
        writeFileSync(join(dir, `outputs-${profile}.npy`), encodeNpy(om.outputType === 0 ? "float32" : INT8, [OP_INPUTS, ...outT.shape], flat(outs)));
        info[profile] = { nodeTypes };
      } catch (e) {
        if (e instanceof Error && e.message.startsWith("the interpreter refused")) info[profile] = { refused: e.message };
        else throw e;
      }
    }
    writeFileSync(join(dir, "info.json"), JSON.stringify(info, null, 1) + "\n");
    process.stdout.write(`op model ${om.name}: ${JSON.stringify(info)}\n`);
  }
}

function isFloatData(d: Data): d is Float32Array {
  return d instanceof Float32Array;
}

function concat(parts: readonly Int8Array[]): Int8Array {
  const all = new Int8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

await main();
