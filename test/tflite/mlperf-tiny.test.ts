/**
 * The four MLPerf Tiny int8 models (examples/mlperf-tiny) under the three TFLite runtime profiles.
 *
 *  - `tflite`, `xnnpack`: every output on 8 seeded inputs, and every intermediate tensor on the first, must
 *    equal the desktop TFLite interpreter's (goldens in test/fixtures/mlperf-tiny-goldens, written by
 *    scripts/tflite-oracle.ts with the builtin kernels and with the default XNNPACK delegate).
 *  - `tflm`: there is no TFLite Micro binary here. Each operator's output is recomputed from that operator's
 *    own inputs (taken from quarch's trace) by a naive transcription of TFLite Micro's reference kernel
 *    (tflm-reference.ts: multipliers from the float scales, BigInt fixed point, no quarch code) and must match
 *    exactly. SOFTMAX is the exception: its tflm golden rests on src/kernels/softmax.ts, which
 *    test/kernels/softmax.test.ts checks against TFLite Micro's and CMSIS-NN's own integer test vectors; here
 *    it is only checked for being a probability distribution within one step of the float softmax.
 *  - MACs per model equal the totals of the matching src/zoo/networks.json entry, layer by layer.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeNpy } from "../../src/cli/npy.js";
import { INT8 } from "../../src/ir/dtype.js";
import type { Graph, Tensor } from "../../src/ir/graph.js";
import { run } from "../../src/exec/run.js";
import { applyProfile } from "../../src/quant/profiles.js";
import { importTflite, readModel } from "../../src/tflite/index.js";
import type { TensorDef } from "../../src/tflite/model.js";
import networks from "../../src/zoo/networks.json" with { type: "json" };
import { type ConvParams, type Quant, add, averagePool, conv, fullyConnected } from "./tflm-reference.js";

const ROOT = join(import.meta.dirname, "..", "..");
const GOLDENS = join(ROOT, "test", "fixtures", "mlperf-tiny-goldens");
const MODELS = [
  { file: "pretrainedResnet_quant", zoo: "tiny_resnet8_cifar10" },
  { file: "kws_ref_model", zoo: "tiny_dscnn_kws" },
  { file: "vww_96_int8", zoo: "tiny_mobilenetv1_025_vww" },
  { file: "ad01_int8", zoo: "tiny_fc_autoencoder_ad" },
] as const;

interface TraceEntry {
  readonly tensor: number;
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
}
interface TraceInfo {
  readonly tflite: { readonly nodeTypes: string[]; readonly trace: TraceEntry[] };
  readonly xnnpack: { readonly nodeTypes: string[]; readonly trace: TraceEntry[] };
}

function npy(...parts: string[]): { shape: number[]; data: Int8Array } {
  const raw = decodeNpy(new Uint8Array(readFileSync(join(GOLDENS, ...parts))), parts.join("/"));
  return { shape: raw.shape, data: Int8Array.from(raw.values as ArrayLike<number>) };
}

const loaded = MODELS.map((m) => {
  const bytes = new Uint8Array(readFileSync(join(ROOT, "examples", "mlperf-tiny", `${m.file}.tflite`)));
  const imp = importTflite(bytes, m.file);
  const inputs = npy(m.file, "inputs.npy");
  const count = inputs.shape[0]!;
  const inV = imp.graph.values.get(imp.graph.inputs[0]!)!;
  const per = inputs.data.length / count;
  const feeds = Array.from({ length: count }, (_, k): Map<string, Tensor> => new Map([[inV.name, { dtype: INT8, shape: inV.shape, data: inputs.data.slice(k * per, (k + 1) * per) }]]));
  const info = JSON.parse(readFileSync(join(GOLDENS, m.file, "trace.json"), "utf8")) as TraceInfo;
  return { ...m, bytes, imp, feeds, info, graphs: { tflm: imp.graph, tflite: applyProfile(imp.graph, "tflite"), xnnpack: applyProfile(imp.graph, "xnnpack") } };
});

const diffCount = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let n = a.length === b.length ? 0 : Math.max(a.length, b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
};

function outputOf(g: Graph, feed: Map<string, Tensor>): Int8Array {
  return run(g, feed).outputs.get(g.outputs[0]!)!.data as Int8Array;
}

describe.each(loaded)("MLPerf Tiny $file", (m) => {
  it.each(["tflite", "xnnpack"] as const)("profile %s equals the desktop TFLite interpreter on every output", (profile) => {
    const golden = npy(m.file, `outputs-${profile}.npy`);
    const per = golden.data.length / m.feeds.length;
    const mismatches = m.feeds.map((feed, k) => diffCount(outputOf(m.graphs[profile], feed), golden.data.subarray(k * per, (k + 1) * per)));
    expect(mismatches).toEqual(m.feeds.map(() => 0));
  });

  it.each(["tflite", "xnnpack"] as const)("profile %s equals the interpreter on every intermediate tensor (input 0)", (profile) => {
    const trace = npy(m.file, `trace-${profile}.npy`).data;
    const values = run(m.graphs[profile], m.feeds[0]!, { trace: true }).values!;
    const report = m.info[profile].trace.map((e) => {
      const name = m.imp.tensorValues.get(e.tensor);
      const ours = name === undefined ? undefined : values.get(name)?.data;
      const theirs = trace.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));
      return { tensor: e.name, mismatches: ours === undefined ? -1 : diffCount(ours, theirs) };
    });
    expect(report.filter((r) => r.mismatches !== 0)).toEqual([]);
  });

  it("the goldens discriminate: the tflm graph differs from both desktop traces", () => {
    const values = run(m.graphs.tflm, m.feeds[0]!, { trace: true }).values!;
    for (const profile of ["tflite", "xnnpack"] as const) {
      const trace = npy(m.file, `trace-${profile}.npy`).data;
      const differing = m.info[profile].trace.reduce((s, e) => {
        const theirs = trace.subarray(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1));
        return s + diffCount(values.get(m.imp.tensorValues.get(e.tensor)!)!.data, theirs);
      }, 0);
      expect(differing).toBeGreaterThan(0);
    }
  });

  it("profile tflm: every operator equals a transcription of TFLite Micro's reference kernel", () => {
    const model = readModel(m.bytes);
    const sg = model.subgraphs[0]!;
    const feeds = m.file === "vww_96_int8" ? m.feeds.slice(0, 1) : m.feeds.slice(0, 2);
    const results: string[] = [];
    for (const feed of feeds) {
      const values = run(m.graphs.tflm, feed, { trace: true }).values!;
      const data = (t: TensorDef): ArrayLike<number> => {
        const name = m.imp.tensorValues.get(t.index);
        if (name !== undefined && values.has(name) && model.buffers[t.buffer]!.length === 0) return values.get(name)!.data;
        return constant(model.buffers[t.buffer]!, t);
      };
      for (const op of sg.operators) {
        const code = model.operatorCodes[op.opcodeIndex]!.name;
        const ins = op.inputs.map((i) => (i < 0 ? undefined : sg.tensors[i]!));
        const y = sg.tensors[op.outputs[0]!]!;
        const ours = values.get(m.imp.tensorValues.get(y.index)!)!.data;
        const expected = reference(code, op.options, ins, y, data);
        if (expected === "softmax") {
          checkSoftmax(data(ins[0]!), quant(ins[0]!), ours, y.shape[y.shape.length - 1]!);
          continue;
        }
        const n = diffCount(ours, expected);
        if (n !== 0) results.push(`operator ${op.index} ${code} "${y.name}": ${n} of ${expected.length} differ`);
      }
    }
    expect(results).toEqual([]);
  });

  it("MACs per layer and in total equal networks.json", () => {
    const stats = run(m.graphs.tflm, m.feeds[0]!).stats.filter((s) => s.macs > 0);
    const entry = (networks as { name: string; totals: { macs: number }; layers: { macs: number }[] }[]).find((n) => n.name === m.zoo)!;
    expect(stats.reduce((a, s) => a + s.macs, 0)).toBe(entry.totals.macs);
    expect(stats.map((s) => s.macs).sort((a, b) => a - b)).toEqual(entry.layers.map((l) => l.macs).sort((a, b) => a - b));
  });

  it("reports how many outputs the runtimes' rounding changes", () => {
    const finals = (p: "tflm" | "tflite" | "xnnpack"): Int8Array[] => m.feeds.map((f) => outputOf(m.graphs[p], f));
    const [tflm, tflite, xnnpack] = [finals("tflm"), finals("tflite"), finals("xnnpack")];
    const total = tflm.reduce((a, o) => a + o.length, 0);
    const count = (a: Int8Array[], b: Int8Array[]): number => a.reduce((s, o, k) => s + diffCount(o, b[k]!), 0);
    const inter = (a: Graph, b: Graph): number => {
      const va = run(a, m.feeds[0]!, { trace: true }).values!;
      const vb = run(b, m.feeds[0]!, { trace: true }).values!;
      return a.nodes.reduce((s, n) => s + diffCount(va.get(n.outputs[0]!)!.data, vb.get(n.outputs[0]!)!.data), 0);
    };
    const line = `${m.file}: final outputs differing over ${m.feeds.length} inputs (${total} values): tflm vs xnnpack ${count(tflm, xnnpack)}, tflm vs tflite ${count(tflm, tflite)}, tflite vs xnnpack ${count(tflite, xnnpack)}; intermediate values differing on input 0: tflm vs xnnpack ${inter(m.graphs.tflm, m.graphs.xnnpack)}, tflm vs tflite ${inter(m.graphs.tflm, m.graphs.tflite)}`;
    console.log(line);
    expect(count(tflm, tflm)).toBe(0);
  });
});

// ---- the independent per-operator reference ----

function quant(t: TensorDef): Quant {
  return { scale: t.quantization!.scale, zeroPoint: t.quantization!.zeroPoint };
}

/** Little-endian constants, decoded here rather than by src/tflite. */
function constant(buf: Uint8Array, t: TensorDef): number[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (t.type === 9) return Array.from({ length: buf.length }, (_, i) => v.getInt8(i));
  if (t.type === 2) return Array.from({ length: buf.length / 4 }, (_, i) => v.getInt32(4 * i, true));
  throw new Error(`constant of type ${t.type} not expected in these models`);
}

type Options = { i8(id: number, name: string, d: number): number; i32(id: number, name: string, d: number): number } | undefined;

function convParams(o: Options, depthwise: boolean): ConvParams {
  return {
    padding: o?.i8(0, "padding", 0) ?? 0,
    strideW: o?.i32(1, "stride_w", 0) ?? 0,
    strideH: o?.i32(2, "stride_h", 0) ?? 0,
    act: o?.i8(depthwise ? 4 : 3, "act", 0) ?? 0,
    dilationW: o?.i32(depthwise ? 5 : 4, "dilation_w", 1) ?? 1,
    dilationH: o?.i32(depthwise ? 6 : 5, "dilation_h", 1) ?? 1,
  };
}

function reference(code: string, o: Options, ins: (TensorDef | undefined)[], y: TensorDef, data: (t: TensorDef) => ArrayLike<number>): number[] | "softmax" {
  const [x, w, b] = ins;
  switch (code) {
    case "CONV_2D":
    case "DEPTHWISE_CONV_2D": {
      const dw = code === "DEPTHWISE_CONV_2D";
      return conv(dw, data(x!), x!.shape, quant(x!), data(w!), w!.shape, quant(w!), b === undefined ? undefined : data(b), quant(y), convParams(o, dw));
    }
    case "FULLY_CONNECTED":
      return fullyConnected(data(x!), quant(x!), data(w!), w!.shape, quant(w!), b === undefined ? undefined : data(b), quant(y), o?.i8(0, "act", 0) ?? 0);
    case "ADD":
      return add(data(x!), quant(x!), data(w!), quant(w!), quant(y), o?.i8(0, "act", 0) ?? 0);
    case "AVERAGE_POOL_2D": {
      const p = { padding: o?.i8(0, "padding", 0) ?? 0, strideW: o?.i32(1, "sw", 0) ?? 0, strideH: o?.i32(2, "sh", 0) ?? 0, dilationH: 1, dilationW: 1, act: o?.i8(5, "act", 0) ?? 0 };
      return averagePool(data(x!), x!.shape, o?.i32(4, "fh", 0) ?? 0, o?.i32(3, "fw", 0) ?? 0, p, quant(y));
    }
    case "RESHAPE":
      return Array.from(data(x!));
    case "SOFTMAX":
      return "softmax";
    default:
      throw new Error(`operator ${code} has no reference transcription`);
  }
}

/** Rows of the fixed-point softmax: int8 probabilities (zero point −128) within one step of the float softmax. */
function checkSoftmax(x: ArrayLike<number>, xq: Quant, y: ArrayLike<number>, depth: number): void {
  for (let r = 0; r < x.length / depth; r++) {
    const row = Array.from({ length: depth }, (_, c) => xq.scale[0]! * (x[r * depth + c]! - xq.zeroPoint[0]!));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => expect(Math.abs(y[r * depth + c]! + 128 - (256 * v) / sum)).toBeLessThanOrEqual(1));
  }
}
