/** quarch run <model> --input … : execute a network bit-exactly and write or print its outputs. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import { dtypeName, type IntArray } from "../../ir/dtype.js";
import type { Graph, Tensor } from "../../ir/graph.js";
import { RUNTIME_PROFILES, type RuntimeProfile } from "../../ir/profiles.js";
import { scalarQuant } from "../../ir/quant-params.js";
import { ROUNDING_MODES, type RoundingMode } from "../../ir/requant.js";
import { compareModes } from "../../exec/compare.js";
import { arithmeticReport } from "../../exec/rounding-report.js";
import { type ExecMode, run } from "../../exec/run.js";
import { dequantizeLinear } from "../../kernels/quantize.js";
import { applyProfile, forceRounding } from "../../quant/profiles.js";
import { LAYER_COLUMNS, layerRows } from "../../report/layers.js";
import { renderCsv, renderTable } from "../../report/table.js";
import { loadModel, modelKind } from "../models.js";
import { encodeNpy } from "../npy.js";
import { checkOutDir, writeOutDir } from "../out-dir.js";
import { asTensor, fileSafe, readTensorFile, toInputTensor } from "../tensor-files.js";
import { VerificationFailed } from "../verification.js";

interface RunArgs {
  model: string;
  input: string[];
  expect: string[];
  mode: ExecMode;
  runtime?: RuntimeProfile;
  rounding?: RoundingMode;
  out?: string;
  trace?: string;
  compareFakeQuant: boolean;
  force: boolean;
  dequantize: boolean;
  format: "table" | "json" | "csv";
  quiet: boolean;
}

/** NAME=FILE, or FILE for a single-input model. */
function splitBinding(s: string): { name: string | undefined; file: string } {
  const i = s.indexOf("=");
  return i > 0 ? { name: s.slice(0, i), file: s.slice(i + 1) } : { name: undefined, file: s };
}

/** Read every --input, lower the model (ONNX parameters bound from the inputs), and match graph inputs. */
export function prepareRun(modelRef: string, inputArgs: readonly string[]): { graph: Graph; inputs: Map<string, Tensor> } {
  const specs = inputArgs.map(splitBinding);
  const named = new Map<string, { file: string; raw: ReturnType<typeof readTensorFile> }>();
  let anonymous: { file: string; raw: ReturnType<typeof readTensorFile> } | undefined;
  for (const s of specs) {
    const raw = readTensorFile(s.file);
    if (s.name === undefined) {
      if (anonymous !== undefined || specs.length > 1) {
        throw new InputError({ path: "--input", message: "with several inputs, name each one", given: s.file, expected: "--input NAME=FILE" });
      }
      anonymous = { file: s.file, raw };
    } else named.set(s.name, { file: s.file, raw });
  }
  const bindings = modelKind(modelRef) === "onnx" ? new Map([...named].map(([n, r]) => [n, asTensor(r.raw, r.file)] as const)) : new Map<string, Tensor>();
  const graph = loadModel(modelRef, bindings);
  const inputs = new Map<string, Tensor>();
  if (anonymous !== undefined) {
    if (graph.inputs.length !== 1) {
      throw new InputError({ path: "--input", message: `the model has ${graph.inputs.length} inputs; name each one`, expected: `--input NAME=FILE for ${graph.inputs.join(", ")}` });
    }
    const v = graph.values.get(graph.inputs[0]!)!;
    inputs.set(v.name, toInputTensor(anonymous.raw, v, anonymous.file));
  }
  for (const [name, r] of named) {
    const v = graph.values.get(name);
    if (graph.inputs.includes(name) && v !== undefined) inputs.set(name, toInputTensor(r.raw, v, r.file));
    else if (!bindings.has(name)) {
      throw new InputError({ path: `--input ${name}`, message: "is not an input of the model", expected: graph.inputs.join(", ") });
    }
  }
  const missing = graph.inputs.filter((n) => !inputs.has(n));
  if (missing.length > 0) {
    const want = missing.map((n) => { const v = graph.values.get(n)!; return `${n} (${dtypeName(v.dtype)} [${v.shape.join(", ")}])`; });
    throw new InputError({ path: "--input", message: `missing input${missing.length > 1 ? "s" : ""}`, expected: want.join(", ") });
  }
  return { graph, inputs };
}

export function applyArithmetic(g: Graph, runtime: RuntimeProfile | undefined, rounding: RoundingMode | undefined): Graph {
  let out = g;
  if (runtime !== undefined) out = applyProfile(out, runtime);
  if (rounding !== undefined) out = forceRounding(out, rounding);
  return out;
}

function preview(t: Tensor, n = 16): string {
  const vals = Array.from(t.data.subarray(0, n), (v) => (Number.isInteger(v) ? String(v) : v.toPrecision(6)));
  return vals.join(" ") + (t.data.length > n ? ` … (${t.data.length} values)` : "");
}

/** Compare outputs with --expect files; returns the number of differing elements. */
function checkExpectations(expect: readonly string[], graph: Graph, outputs: ReadonlyMap<string, Tensor>, quiet: boolean): number {
  let mismatches = 0;
  for (const e of expect) {
    const { name, file } = splitBinding(e);
    const outName = name ?? (graph.outputs.length === 1 ? graph.outputs[0]! : undefined);
    const got = outName === undefined ? undefined : outputs.get(outName);
    if (got === undefined) throw new InputError({ path: `--expect ${e}`, message: "does not name a graph output", expected: graph.outputs.join(", ") });
    const want = toInputTensor(readTensorFile(file), { name: outName!, dtype: got.dtype, shape: got.shape }, file);
    let m = 0;
    for (let i = 0; i < want.data.length; i++) if (!Object.is(want.data[i], got.data[i])) m++;
    mismatches += m;
    if (!quiet) process.stderr.write(`${outName}: ${m} of ${want.data.length} outputs differ from ${file}\n`);
  }
  return mismatches;
}

/** One .npy per tensor (plus float32 copies with --dequantize). */
function npyFiles(tensors: Iterable<readonly [string, Tensor]>, dequantize: boolean): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const [name, t] of tensors) {
    files.set(`${fileSafe(name)}.npy`, encodeNpy(t.dtype, t.shape, t.data));
    if (dequantize && t.dtype !== "float32" && t.quant !== undefined) {
      files.set(`${fileSafe(name)}.f32.npy`, encodeNpy("float32", t.shape, dequantizeLinear(t.data as IntArray, t.shape, t.quant)));
    }
  }
  return files;
}

/** |Δ| in output steps → real units, with the output's per-tensor scale. */
function realDiff(g: Graph, output: string, steps: number): number | null {
  const q = g.values.get(output)?.quant;
  const s = q === undefined ? undefined : scalarQuant(q);
  return s === undefined ? null : steps * s.scale;
}

const DIFF_COLUMNS = [
  { key: "node", title: "layer" },
  { key: "op", title: "op" },
  { key: "mismatches", title: "outputs changed", numeric: true },
  { key: "elements", title: "of", numeric: true },
  { key: "maxAbsDiff", title: "max |Δ| (LSB)", numeric: true },
  { key: "maxAbsDiffReal", title: "max |Δ| (real)", numeric: true },
];

async function handler(argv: ArgumentsCamelCase<RunArgs>): Promise<void> {
  if (argv.out !== undefined) checkOutDir(argv.out, argv.force);
  if (argv.trace !== undefined) checkOutDir(argv.trace, argv.force);
  const prepared = prepareRun(argv.model, argv.input);
  const graph = applyArithmetic(prepared.graph, argv.runtime, argv.rounding);
  const result = run(graph, prepared.inputs, { mode: argv.mode, trace: argv.trace !== undefined });
  const mismatches = checkExpectations(argv.expect, graph, result.outputs, argv.quiet);
  // What the arithmetic change does, layer by layer, on this input (the architect's question before
  // committing to a rounding in hardware).
  const changes = graph !== prepared.graph ? arithmeticReport(prepared.graph, graph, prepared.inputs).layers : undefined;
  const vsFake = argv.compareFakeQuant ? compareModes(graph, prepared.inputs) : undefined;
  if (argv.out !== undefined) {
    const files = npyFiles(result.outputs, argv.dequantize);
    writeOutDir(argv.out, files, argv.force);
    if (!argv.quiet) process.stderr.write(`wrote ${files.size} file${files.size === 1 ? "" : "s"} to ${argv.out}\n`);
  }
  if (argv.trace !== undefined) {
    const consts = new Set([...graph.values.values()].filter((v) => v.data !== undefined).map((v) => v.name));
    const files = npyFiles([...result.values!].filter(([n]) => !consts.has(n)), false);
    writeOutDir(argv.trace, files, argv.force);
    if (!argv.quiet) process.stderr.write(`wrote ${files.size} traced tensors to ${argv.trace}\n`);
  }
  if (argv.format === "json") {
    const outputs = Object.fromEntries([...result.outputs].map(([n, t]) => [n, { dtype: dtypeName(t.dtype), shape: t.shape, data: Array.from(t.data) }]));
    const doc = { model: graph.name, mode: argv.mode, outputs, layers: layerRows(result.stats), ...(changes ? { changes } : {}), ...(vsFake ? { vsFakeQuant: vsFake } : {}) };
    process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
  } else if (argv.format === "csv") {
    process.stdout.write(renderCsv(LAYER_COLUMNS, layerRows(result.stats)));
  } else {
    const lines = [`${graph.name}: ${graph.nodes.length} nodes, ${argv.mode} mode`, ""];
    for (const [n, t] of result.outputs) lines.push(`${n}  ${dtypeName(t.dtype)} [${t.shape.join(", ")}]  ${preview(t)}`);
    lines.push("", renderTable(LAYER_COLUMNS, layerRows(result.stats)), "");
    if (changes) {
      const what = [argv.runtime && `--runtime ${argv.runtime}`, argv.rounding && `--rounding ${argv.rounding}`].filter(Boolean).join(" ");
      lines.push(
        `outputs changed by ${what} against the model's own arithmetic ("converted": the layer's own rounding changed; other differences come from its inputs):`,
        renderTable([...DIFF_COLUMNS, { key: "converted", title: "converted" }], changes.map((c) => ({ ...c, maxAbsDiffReal: Number.isNaN(c.maxAbsDiffReal) ? null : c.maxAbsDiffReal, converted: c.converted ? "yes" : "" }))),
        "",
      );
    }
    if (vsFake) lines.push("integer-only vs simulated quantization:", renderTable(DIFF_COLUMNS, vsFake.map((c) => ({ ...c, maxAbsDiffReal: realDiff(graph, c.output, c.maxAbsDiff) }))), "");
    process.stdout.write(lines.join("\n"));
  }
  if (mismatches > 0) throw new VerificationFailed(`${mismatches} outputs differ from the expected files`);
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: "run <model>",
  describe: "Execute a quantized network bit-exactly (integer-only) or with simulated quantization",
  builder: (y: Argv) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: "a .tflite, .onnx or .qnet.json model" })
      .option("input", { alias: "i", type: "string", array: true, default: [], describe: "FILE, or NAME=FILE (repeatable): .npy, .json or .pb, in the model's own layout and dtype; float32 files are quantized" })
      .option("expect", { type: "string", array: true, default: [], describe: "NAME=FILE: compare an output with a file; any mismatch exits 3" })
      .option("mode", { choices: ["integer", "fake-quant"] as const, default: "integer" as const, describe: "integer-only kernels, or float simulation of the quantization" })
      .option("runtime", { choices: RUNTIME_PROFILES, describe: "reproduce a runtime's rounding per op type" })
      .option("rounding", { choices: ROUNDING_MODES, describe: "force one requantization mode on every op (after --runtime)" })
      .option("out", { type: "string", describe: "write <output>.npy per graph output into DIR" })
      .option("force", { type: "boolean", default: false, describe: "replace a non-empty --out DIR" })
      .option("dequantize", { type: "boolean", default: false, describe: "also write float32 copies <output>.f32.npy" })
      .option("trace", { type: "string", describe: "write every intermediate tensor as <name>.npy into DIR (layer-by-layer comparison)" })
      .option("compare-fake-quant", { type: "boolean", default: false, describe: "also report, per layer, what integer-only execution changes against simulated quantization" })
      .option("format", { choices: ["table", "json", "csv"] as const, default: "table" as const })
      .option("quiet", { type: "boolean", default: false, describe: "no progress or notes on stderr" }) as unknown as Argv<RunArgs>,
  handler,
};
