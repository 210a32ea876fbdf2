/**
 * A binary layer as a design. The task is seeded with directed structure: vector 0 all +1 and vector 1
 * all −1, channel 0's weights all +1 and channel 1's all −1 (all-ones and all-zeros XNOR words, both
 * agreeing and opposite), and thresholds placed exactly on an achieved sum (the ≥ / > boundary), negated
 * channels included. Expected outputs come from the kernels' matmulXnor with the threshold epilogue.
 */
import { RtlError, UnsupportedError } from "../../src/errors.js";
import { isBipolar, type IntArray } from "../../src/ir/dtype.js";
import type { Graph } from "../../src/ir/graph.js";
import { makeWriter, newAccStats } from "../../src/kernels/epilogue.js";
import { matmulXnor } from "../../src/kernels/xnor.js";
import type { ThresholdEpilogue } from "../../src/ir/ops.js";
import { createRng } from "../../src/quant/rng.js";
import { signedWidthFor } from "../ast.js";
import type { Design, Mismatch } from "../design.js";
import { field, hexWords, packFields } from "../generated.js";
import { type BinaryConfig, type BinaryTask, binaryInputWords, binaryName, generateBinaryLayer, planBinary } from "../gen/binary-layer.js";
import { archYaml, mappingJson } from "../link.js";
import { engineTestbench } from "../tb/engine-tb.js";

export interface SyntheticBinary {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  /** Thresholds per channel: 1 gives a bipolar output, more an integer one (outBias + count). */
  readonly thresholds: number;
  readonly seed: number;
}

/** The dot products a·w of every (vector, channel), for placing thresholds on achieved sums. */
function dots(x: Int8Array, w: Int8Array, M: number, K: number, N: number): number[] {
  const out = new Array<number>(M * N).fill(0);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += x[m * K + k]! * w[n * K + k]!;
    out[m * N + n] = s;
  }
  return out;
}

export function syntheticBinary(s: SyntheticBinary): { task: BinaryTask; input: Int8Array } {
  const rng = createRng(s.seed);
  const pm = () => (rng.nextInt(2) === 0 ? -1 : 1);
  const x = Int8Array.from({ length: s.M * s.K }, (_, i) => (i < s.K ? 1 : i < 2 * s.K ? -1 : pm()));
  const w = Int8Array.from({ length: s.N * s.K }, (_, i) => (i < s.K ? 1 : i < 2 * s.K ? -1 : pm()));
  const bias = Int32Array.from({ length: s.N }, () => rng.nextInt(9) - 4);
  const d = dots(x, w, s.M, s.K, s.N);
  const cnt = s.thresholds;
  const thr = new Int32Array(s.N * cnt);
  const negate = new Uint8Array(s.N);
  for (let n = 0; n < s.N; n++) {
    negate[n] = n % 3 === 2 ? 1 : 0;
    // Centre on an achieved accumulator (dot + bias) of some vector, so one comparison is an equality.
    const hitAt = d[(n % s.M) * s.N + n]! + bias[n]!;
    const ts = Array.from({ length: cnt }, (_, i) => hitAt + (i - Math.floor(cnt / 2)) * (2 + rng.nextInt(4)));
    ts.sort((a, b) => (negate[n] === 1 ? b - a : a - b));
    ts.forEach((v, i) => (thr[n * cnt + i] = v));
  }
  const outBias = cnt === 1 ? 0 : -Math.floor(cnt / 2);
  const th: ThresholdEpilogue = { kind: "threshold", thresholds: thr, count: cnt, negate, outBias };
  const outBits = cnt === 1 ? 1 : signedWidthFor(BigInt(outBias), BigInt(outBias + cnt));
  return {
    task: { name: `bin_${s.M}x${s.K}x${s.N}_t${cnt}`, M: s.M, K: s.K, N: s.N, weights: w, bias, thresholds: th, bipolarOut: cnt === 1, outBits, source: `synthetic binary layer (seed ${s.seed})` },
    input: x,
  };
}

/** A bipolar fully-connected node (matmul with constant ±1 weights and a threshold epilogue) as a task. */
export function binaryTaskFromGraph(g: Graph, name: string): BinaryTask {
  const node = g.nodes.find((n) => n.name === name);
  const where = `node "${name}"`;
  if (node === undefined) throw new RtlError({ path: `--layer ${name}`, message: "names no node of the model", expected: g.nodes.map((n) => n.name).join(", ") });
  const x = g.values.get(node.inputs[0] ?? "");
  const w = g.values.get(node.inputs[1] ?? "");
  const y = g.values.get(node.outputs[0] ?? "");
  if (node.op !== "matmul" || x === undefined || w?.data === undefined || y === undefined || !isBipolar(x.dtype) || !isBipolar(w.dtype) || node.epilogue.kind !== "threshold") {
    throw new UnsupportedError({ path: where, message: "is not a binary fully-connected layer", given: node.op, expected: "a matmul of bipolar inputs and constant bipolar weights with a threshold epilogue" });
  }
  const [r0 = 1, r1 = 1] = w.shape;
  const N = node.transB ? r0 : r1;
  const K = node.transB ? r1 : r0;
  const wd = w.data as IntArray;
  const weights = Int8Array.from({ length: N * K }, (_, i) => {
    const n = Math.floor(i / K);
    const k = i % K;
    return node.transB ? wd[n * K + k]! : wd[k * N + n]!;
  });
  const biasV = node.inputs[2] === undefined ? undefined : g.values.get(node.inputs[2]);
  const M = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const ep = node.epilogue;
  const bipolarOut = isBipolar(y.dtype);
  const outBits = y.dtype === "float32" ? 32 : y.dtype.bits;
  return { name, M, K, N, weights, bias: biasV?.data === undefined ? null : Int32Array.from(biasV.data as IntArray), thresholds: ep, bipolarOut, outBits, source: `${g.name}: ${name}` };
}

/** Outputs [M, N] by the kernels (±1 for a bipolar output). */
export function expectedBinary(t: BinaryTask, x: Int8Array): Int32Array {
  const out = new Int32Array(t.M * t.N);
  const qmin = t.bipolarOut ? -1 : -(2 ** (t.outBits - 1));
  const qmax = t.bipolarOut ? 1 : 2 ** (t.outBits - 1) - 1;
  const write = makeWriter(t.thresholds, { out, outZeroPoint: 0, qmin, qmax, bipolar: t.bipolarOut }, newAccStats());
  matmulXnor(x, t.weights, t.M, t.K, t.N, true, t.bias, write);
  return out;
}

export function binaryDesign(t: BinaryTask, cfg: BinaryConfig, x: Int8Array, seed: number): Design {
  const plan = planBinary(t, cfg);
  const gen = generateBinaryLayer(plan);
  const y = expectedBinary(t, x);
  const { pe: PE } = cfg;
  const ob = plan.outBits;
  const beats: bigint[] = [];
  const info: { n: number; nf: number }[] = [];
  for (let n = 0; n < t.M; n++) {
    for (let nf = 0; nf < plan.NF; nf++) {
      beats.push(packFields(Array.from({ length: PE }, (_, c) => {
        const oc = nf * PE + c;
        const v = oc < t.N ? y[n * t.N + oc]! : 0;
        return [t.bipolarOut ? (v > 0 ? 1 : 0) : v, ob] as [number, number];
      })));
      info.push({ n, nf });
    }
  }
  const inWords = binaryInputWords(plan, x);
  const exp = [...beats, ...beats];
  const tb = engineTestbench({ dut: gen.module, inBits: cfg.simd, outBits: PE * ob, nIn: inWords.length, nOut: exp.length, maxCycles: inWords.length + 2 * plan.latencyCycles + 200 });
  const explain = (index: number, got: string): Mismatch => {
    const it = info[index % beats.length]!;
    const chans = Array.from({ length: PE }, (_, c) => it.nf * PE + c).filter((c) => c < t.N);
    const word = /[xz]/i.test(got) ? undefined : BigInt(`0x${got}`);
    const dec = (v: bigint) => (t.bipolarOut ? (v === 1n ? 1 : -1) : Number(v));
    return {
      index,
      inputs: `vector ${it.n} (${t.K} bits in vectors.hex), channels ${chans[0]}..${chans[chans.length - 1]}, thresholds ${chans.map((c) => `[${Array.from(t.thresholds.thresholds.slice(c * t.thresholds.count, (c + 1) * t.thresholds.count)).join(" ")}]${t.thresholds.negate[c] === 1 ? "≤" : "≥"}`).join(" ")}`,
      expected: `[${chans.map((c) => y[it.n * t.N + c]).join(", ")}]`,
      got: word === undefined ? got : `[${chans.map((_, c) => dec(field(word, c * ob, ob, !t.bipolarOut))).join(", ")}]`,
    };
  };
  const data = new Map(gen.files);
  data.set("vectors.hex", hexWords(inWords, cfg.simd));
  data.set("expected.hex", hexWords(exp, PE * ob));
  const name = binaryName(plan);
  const csvName = t.name.replace(/[^A-Za-z0-9_]/g, "_");
  const mapping = { dataflow: "os", spatial: { rows: ["P", "Q"], cols: ["K"] }, tile: { N: 1, G: 1, K: t.N, C: t.K, P: t.M, Q: 1 }, order: ["N", "G", "K", "C", "P", "Q"] };
  return {
    kind: "binary-layer",
    title: `${name}: ${t.source}, PE ${PE} x SIMD ${cfg.simd}`,
    dut: gen.module, tb, timing: gen.timing, data,
    vectors: { outputs: exp.length, values: 2 * t.M * t.N, directed: 2, random: t.M - 2, seed },
    explain,
    measure: (tt) => ({ latencyCycles: tt.latency, iiCycles: (tt.extra["done2"] ?? 0) - (tt.extra["done1"] ?? 0), totalCycles: tt.latency }),
    link: {
      archYaml: archYaml({
        name, description: `quarch rtl FINN-style binary layer (PE ${PE}, SIMD ${cfg.simd}) as a 1-row XNOR array`,
        rows: 1, cols: PE, dataflow: "os", precision: `{ mode: xnor, maxBits: 1, depth: ${cfg.simd} }`, accumulatorBits: plan.accBits,
        fill: 0, drain: 0, perTile: 1 + plan.tailCycles, weightBits: t.N * t.K, inputBits: t.M * t.K, outputBits: t.M * t.N * 32, portBits: 4096,
      }),
      mappingJson: mappingJson(csvName, mapping),
      topologyCsv: `Layer Name, M, N, K,\n${csvName}, ${t.M}, ${t.N}, ${t.K},\n`,
      layerName: csvName, wBits: 1, aBits: 1,
      predictedCycles: plan.latencyCycles,
      formula: `${plan.passes} folds × ${plan.SF} steps + per-tile ${1 + plan.tailCycles} = ${plan.latencyCycles} (FINN: (MH/PE)·(MW/SIMD)·N = ${plan.passes * plan.SF})`,
      simCommand: "quarch sim layer.csv --arch engine.arch.yaml --mapping mapping.json --bits W1A1 --format json",
    },
    notes: [],
  };
}
