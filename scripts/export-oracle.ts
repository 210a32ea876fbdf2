/**
 * Dev oracle, part of scripts/ort-oracle.ts: `quarch export` of the bundled models (test/onnx/export-zoo.ts)
 * run in onnxruntime-node's CPU execution provider. For each model and style it writes
 * <dir>/export_<style>_<model>/{<output>.npy, model.sha256}: onnxruntime's outputs on every input sample
 * (stacked along a new first axis) and the hash of the exported bytes they belong to.
 *
 * On x86-64 onnxruntime does not fuse QDQ Conv / MatMul with int8 activations (QDQIsInt8Allowed() is false
 * there; they run as float32 Conv / MatMul); the session option session.qdqisint8allowed = 1 makes it fuse them
 * into QLinearConv / QLinearMatMul as it does on ARM. QDQ goldens come from that session; the default
 * session's outputs are kept as <output>.ort-default.npy and their mismatches are reported, not hidden.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encodeNpy } from "../src/cli/npy.js";
import type { DType } from "../src/ir/dtype.js";
import { run } from "../src/exec/run.js";
import { decodeModel } from "../src/onnx/protobuf.js";
import { type ExportCase, exportCases, exportedBytes, outputFile } from "../test/onnx/export-zoo.js";

export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number>;
}
interface OrtSession {
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
export interface Ort {
  readonly InferenceSession: { create(bytes: Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: string, data: ArrayLike<number>, dims: readonly number[]) => unknown;
  readonly env: { versions?: Record<string, string>; logLevel?: string };
}

interface SessionRun {
  readonly label: string;
  readonly kernels: string[];
  /** Per output: every sample's values, concatenated. */
  readonly outputs: Map<string, number[]>;
}

function typeName(d: DType): string {
  return d === "float32" ? "float32" : `${d.signed ? "" : "u"}int${d.bits}`;
}

async function runSession(ort: Ort, c: ExportCase, bytes: Uint8Array, dir: string, label: string, extra: Record<string, unknown> | undefined): Promise<SessionRun> {
  const optimized = join(dir, "ort-optimized.tmp.onnx");
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], logSeverityLevel: 3, optimizedModelFilePath: optimized, ...(extra === undefined ? {} : { extra }) });
  const kernels = [...new Set(decodeModel(readFileSync(optimized)).graph.nodes.map((n) => (n.domain === "" ? n.opType : `${n.domain}:${n.opType}`)))];
  rmSync(optimized);
  const outputs = new Map<string, number[]>(c.graph.outputs.map((o) => [o, []]));
  for (const feed of c.inputs) {
    const feeds: Record<string, unknown> = {};
    for (const [name, t] of feed) feeds[name] = new ort.Tensor(typeName(t.dtype), t.data, t.shape);
    const r = await session.run(feeds);
    for (const o of c.graph.outputs) {
      const t = r[o];
      if (t === undefined) throw new Error(`${c.name}: onnxruntime gave no output ${o}`);
      outputs.get(o)!.push(...Array.from(t.data));
    }
  }
  return { label, kernels, outputs };
}

/** quarch's outputs of the onnxruntime-profile graph, per output, samples concatenated. */
function quarchOutputs(c: ExportCase): Map<string, number[]> {
  const out = new Map<string, number[]>(c.graph.outputs.map((o) => [o, []]));
  for (const feed of c.inputs) {
    const r = run(c.graph, feed);
    for (const o of c.graph.outputs) out.get(o)!.push(...Array.from(r.outputs.get(o)!.data));
  }
  return out;
}

function mismatches(a: Map<string, number[]>, b: Map<string, number[]>): { differ: number; total: number } {
  let differ = 0;
  let total = 0;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    total += x.length;
    x.forEach((v, i) => {
      if (v !== y[i]) differ++;
    });
  }
  return { differ, total };
}

/** Runs every export case in both styles; returns the PROVENANCE.md section describing what ran. */
export async function exportGoldens(ort: Ort, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const rows: string[] = [];
  for (const c of exportCases()) {
    const want = quarchOutputs(c);
    for (const style of ["qoperator", "qdq"] as const) {
      const { name, bytes } = exportedBytes(c, style);
      const out = join(dir, name);
      mkdirSync(out, { recursive: true });
      const golden = await runSession(ort, c, bytes, out, style === "qdq" ? "session.qdqisint8allowed = 1" : "default", style === "qdq" ? { session: { qdqisint8allowed: "1" } } : undefined);
      const plain = style === "qdq" ? await runSession(ort, c, bytes, out, "default", undefined) : undefined;
      for (const o of c.graph.outputs) {
        const v = c.graph.values.get(o)!;
        const shape = [c.inputs.length, ...v.shape];
        writeFileSync(join(out, outputFile(o)), encodeNpy(v.dtype, shape, golden.outputs.get(o)!));
        if (plain !== undefined) writeFileSync(join(out, outputFile(o, ".ort-default")), encodeNpy(v.dtype, shape, plain.outputs.get(o)!));
      }
      writeFileSync(join(out, "model.sha256"), `${createHash("sha256").update(bytes).digest("hex")}\n`);
      const m = mismatches(want, golden.outputs);
      const p = plain === undefined ? undefined : mismatches(want, plain.outputs);
      const note = p === undefined ? "" : ` Default session: ${p.differ} of ${p.total} differ (kernels ${plain!.kernels.join(", ")}).`;
      rows.push(`| ${name} | ${c.file} | ${golden.label} | ${golden.kernels.join(", ")} | ${m.differ} of ${m.total} |${note} |`);
    }
  }
  return [
    "## quarch export of the bundled models",
    "",
    "`export-models/<name>/` holds onnxruntime's outputs for `quarch export` (onnxruntime profile) of the MLPerf Tiny",
    "TFLite models and tiny-cnn (test/onnx/export-zoo.ts), on their 8 input samples (the seeded inputs of",
    "test/fixtures/mlperf-tiny-goldens; tiny-cnn's example input and 7 seeded ones), stacked along a new first",
    "axis, and `model.sha256`, the hash of the exported bytes (the export is deterministic: the test re-exports",
    "and checks the hash). Mismatches count quarch's onnxruntime-profile outputs against that session's.",
    "",
    "onnxruntime on x86-64 does not fuse QDQ Conv / MatMul with int8 activations (`QDQIsInt8Allowed()` is",
    "false off ARM) and runs them in float32; with the session option `session.qdqisint8allowed = 1` it fuses",
    "them as on ARM. QDQ goldens come from that session; the default session's outputs are kept as",
    "`*.ort-default.npy` and its mismatches are listed in the last column.",
    "",
    "| model | source | session | onnxruntime kernels | quarch vs golden | default QDQ session |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
  ];
}
