/**
 * Regenerates examples/ (dev script: `npm run build && node dist/scripts/make-examples.js`).
 *
 * 1. examples/tiny-cnn: a small int8 CNN quantized post-training the TFLite way — float weights from a
 *    seeded generator, per-channel symmetric int8 weights, int32 biases, per-tensor asymmetric int8
 *    activations calibrated by min/max on the example input — stored with its weights inline.
 *    expected/ holds quarch's own outputs at generation time: a regression guard, not an independent oracle.
 * 2. examples/conformance/tflm-conv: TFLite Micro's int8 conv golden (from test/fixtures/tflm-conv) as a
 *    qnet whose requantizers are derived from the float scales at load time; expected/ is TFLM's golden.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeNpy } from "../src/cli/npy.js";
import { loadQnet } from "../src/exec/load.js";
import { run } from "../src/exec/run.js";
import { GraphBuilder } from "../src/ir/builder.js";
import { INT32, INT8 } from "../src/ir/dtype.js";
import type { Tensor } from "../src/ir/graph.js";
import { serializeQnet } from "../src/ir/qnet-write.js";
import { tensorQuant } from "../src/ir/quant-params.js";
import { samePadding } from "../src/ir/shapes.js";
import { avgPoolF64, broadcastF64, conv2dF64, matmulF64 } from "../src/kernels/fake-quant.js";
import { dims4 } from "../src/kernels/geometry.js";
import { quantize, rangeToParams } from "../src/quant/quantizers.js";
import { layerRealMultipliers, requantizerFromReal } from "../src/quant/requantize.js";
import { createRng } from "../src/quant/rng.js";
import { addRealMultipliers } from "../src/ir/requant.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SEED = 2021;
const rng = createRng(SEED);
const gauss = (): number => (rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 1.5) * 2;

function write(rel: string, content: Uint8Array | string): void {
  const p = join(ROOT, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
}

interface Act {
  name: string;
  real: Float64Array;
  shape: number[];
  scale: number;
  zp: number;
}

function calibrate(name: string, real: Float64Array, shape: number[]): Act {
  let lo = 0;
  let hi = 0;
  for (const v of real) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const p = rangeToParams(lo, hi, INT8, false);
  // Downstream layers see what the int8 tensor can represent, as in TFLite's converter.
  const q = real.map((v) => p.scale * (Math.min(127, Math.max(-128, Math.round(v / p.scale) + p.zeroPoint)) - p.zeroPoint));
  return { name, real: q, shape, scale: p.scale, zp: p.zeroPoint };
}

function tinyCnn(): void {
  const b = new GraphBuilder("tiny-cnn", "Small int8 CNN (conv, depthwise, pointwise, residual add, pool, FC, softmax), PTQ as TFLite does it; weights from seed 2021");
  const H = 16;
  const xr = Float64Array.from({ length: H * H * 3 }, () => Math.tanh(gauss()));
  const x = calibrate("input", xr, [1, H, H, 3]);
  b.input("input", INT8, x.shape, tensorQuant(x.scale, x.zp));
  const relu6 = (a: Act) => ({ lo: Math.max(-128, a.zp), hi: Math.min(127, a.zp + Math.round(6 / a.scale)) });

  const conv = (name: string, inp: Act, cout: number, k: number, stride: number, depthwise: boolean, act: "relu6" | "none"): Act => {
    const [, h, w, cin] = inp.shape as [number, number, number, number];
    const cinG = depthwise ? 1 : cin;
    const wf = Float64Array.from({ length: cout * k * k * cinG }, () => gauss() / Math.sqrt(k * k * cinG));
    const bf = Float64Array.from({ length: cout }, () => 0.1 * gauss());
    const wq = quantize(wf, [cout, k, k, cinG], { type: INT8, symmetric: true, granularity: { kind: "channel", axis: 0 }, narrowRange: true });
    const sw = wq.params.kind === "channel" ? wq.params.scale : [];
    const wr = Float64Array.from(wq.data, (v, i) => v * sw[Math.floor(i / (k * k * cinG))]!);
    const bq = Int32Array.from(bf, (v, c) => Math.round(v / (inp.scale * sw[c]!)));
    const br = Float64Array.from(bq, (v, c) => v * inp.scale * sw[c]!);
    const ph = samePadding(h, k, stride, 1);
    const pw = samePadding(w, k, stride, 1);
    const outShape = [1, ph.out, pw.out, cout];
    const geo = { layout: "nhwc" as const, input: dims4(inp.shape, "nhwc"), output: dims4(outShape, "nhwc"), kH: k, kW: k, strideH: stride, strideW: stride, dilH: 1, dilW: 1, padTop: ph.before, padLeft: pw.before, groups: depthwise ? cin : 1 };
    let y = conv2dF64(geo, inp.real, wr, br);
    if (act === "relu6") y = y.map((v) => Math.min(6, Math.max(0, v)));
    const out = calibrate(name, y, outShape);
    b.constant(`${name}.weight`, INT8, [cout, k, k, cinG], wq.data, wq.params);
    b.constant(`${name}.bias`, INT32, [cout], bq);
    b.value(name, INT8, outShape, tensorQuant(out.scale, out.zp));
    const r = act === "relu6" ? relu6(out) : { lo: -128, hi: 127 };
    b.node({
      name,
      op: "conv2d",
      inputs: [inp.name, `${name}.weight`, `${name}.bias`],
      outputs: [name],
      layout: "nhwc",
      strides: [stride, stride],
      dilations: [1, 1],
      pads: [ph.before, pw.before, ph.after, pw.after],
      groups: depthwise ? cin : 1,
      epilogue: { kind: "requant", requant: requantizerFromReal(layerRealMultipliers(inp.scale, sw, out.scale, "double-product"), "double"), clampMin: r.lo, clampMax: r.hi },
    });
    return out;
  };

  const c1 = conv("conv1", x, 8, 3, 1, false, "relu6");
  const c2 = conv("dw2", c1, 8, 3, 2, true, "relu6");
  const c3 = conv("pw3", c2, 16, 1, 1, false, "relu6");
  const c4 = conv("conv4", c3, 16, 3, 1, false, "none");
  const sum = broadcastF64(c3.real, c3.shape, c4.real, c4.shape, c3.shape, (p, q) => Math.max(0, p + q));
  const a5 = calibrate("add5", sum, c3.shape);
  b.value("add5", INT8, a5.shape, tensorQuant(a5.scale, a5.zp));
  const [m1, m2, mo] = addRealMultipliers(c3.scale, c4.scale, a5.scale, 20);
  const fx = (m: number) => requantizerFromReal([m], "double");
  b.node({ name: "add5", op: "add", inputs: ["pw3", "conv4"], outputs: ["add5"], rescale: { kind: "fixed", leftShift: 20, in1: fx(m1), in2: fx(m2), out: fx(mo) }, clampMin: Math.max(-128, a5.zp), clampMax: 127 });
  // TFLite average pooling keeps the input's quantization.
  const pooled = avgPoolF64("nhwc", dims4(a5.shape, "nhwc"), { n: 1, h: 1, w: 1, c: 16 }, [8, 8], [8, 8], 0, 0, a5.real);
  b.value("pool6", INT8, [1, 1, 1, 16], tensorQuant(a5.scale, a5.zp));
  b.node({ name: "pool6", op: "avgpool", inputs: ["add5"], outputs: ["pool6"], layout: "nhwc", kernel: [8, 8], strides: [8, 8], pads: [0, 0, 0, 0], clampMin: -128, clampMax: 127 });
  b.value("flatten7", INT8, [1, 16], tensorQuant(a5.scale, a5.zp));
  b.node({ name: "flatten7", op: "reshape", inputs: ["pool6"], outputs: ["flatten7"], shape: [1, 16] });
  const wf = Float64Array.from({ length: 10 * 16 }, () => gauss() / 4);
  const wq = quantize(wf, [10, 16], { type: INT8, symmetric: true, granularity: { kind: "tensor" }, narrowRange: true });
  const sw = wq.params.kind === "tensor" ? wq.params.scale : 1;
  const bq = Int32Array.from({ length: 10 }, () => Math.round((0.2 * gauss()) / (a5.scale * sw)));
  const logits = matmulF64(pooled, Float64Array.from(wq.data, (v) => v * sw), [{ a: 0, b: 0 }], 1, 16, 10, true, Float64Array.from(bq, (v) => v * a5.scale * sw));
  const fc = calibrate("fc8", logits, [1, 10]);
  b.constant("fc8.weight", INT8, [10, 16], wq.data, wq.params);
  b.constant("fc8.bias", INT32, [10], bq);
  b.value("fc8", INT8, [1, 10], tensorQuant(fc.scale, fc.zp));
  b.node({ name: "fc8", op: "matmul", inputs: ["flatten7", "fc8.weight", "fc8.bias"], outputs: ["fc8"], transB: true, epilogue: { kind: "requant", requant: requantizerFromReal(layerRealMultipliers(a5.scale, [sw], fc.scale, "float-product"), "double"), clampMin: -128, clampMax: 127 } });
  b.value("probabilities", INT8, [1, 10], tensorQuant(1 / 256, -128));
  b.node({ name: "softmax9", op: "softmax", inputs: ["fc8"], outputs: ["probabilities"], variant: "fixed-point", beta: 1 });
  const g = b.output("probabilities").build();
  const text = serializeQnet(g);
  write("examples/tiny-cnn/tiny-cnn.qnet.json", text);
  const xin = Int8Array.from(xr, (v) => Math.min(127, Math.max(-128, Math.round(v / x.scale) + x.zp)));
  write("examples/tiny-cnn/input.npy", encodeNpy(INT8, x.shape, xin));
  const reloaded = loadQnet(text);
  const input: Tensor = { dtype: INT8, shape: x.shape, data: xin };
  const out = run(reloaded, new Map([["input", input]])).outputs.get("probabilities")!;
  write("examples/tiny-cnn/expected/probabilities.npy", encodeNpy(out.dtype, out.shape, out.data));
}

function tflmConformance(): void {
  const fx = (f: string) => JSON.parse(readFileSync(join(ROOT, "test/fixtures/tflm-conv", f), "utf8")) as Record<string, unknown>;
  const data = fx("conv_test_data.json") as Record<string, { values: number[] }>;
  const params = (fx("params.json") as { cases: Record<string, { filter_scales: number[]; input_scale: number; input_zero_point: number; output_scale: number; output_zero_point: number }> }).cases;
  const c = params["Int8Filter8x3x3x3PerChannelScaleRelu6ShouldMatchGolden"]!;
  const b64 = (a: Int8Array | Int32Array) => Buffer.from(a.buffer).toString("base64");
  const doc = {
    format: "quarch.qnet",
    version: 1,
    name: "tflm-conv-relu6",
    description: "TFLite Micro conv_test Int8Filter8x3x3x3PerChannelScaleRelu6ShouldMatchGolden (tensorflow/tflite-micro@90b983c2, Apache-2.0)",
    inputs: ["input"],
    outputs: ["output"],
    values: [
      { name: "input", dtype: "int8", shape: [1, 32, 32, 3], quant: { scale: c.input_scale, zeroPoint: c.input_zero_point } },
      { name: "filter", dtype: "int8", shape: [8, 3, 3, 3], quant: { axis: 0, scale: c.filter_scales, zeroPoint: new Array(8).fill(0) }, data: b64(Int8Array.from(data["kConvFilter8x3x3x3"]!.values)) },
      { name: "bias", dtype: "int32", shape: [8], data: b64(Int32Array.from(data["kConvBiasQuantized8"]!.values)) },
      { name: "output", dtype: "int8", shape: [1, 16, 16, 8], quant: { scale: c.output_scale, zeroPoint: c.output_zero_point } },
    ],
    nodes: [
      { name: "conv", op: "conv2d", inputs: ["input", "filter", "bias"], outputs: ["output"], strides: [2, 2], pads: [0, 0, 1, 1], epilogue: { kind: "requant", requant: { mode: "double", derive: "double-product" }, activation: "relu6" } },
    ],
  };
  write("examples/conformance/tflm-conv/tflm-conv.qnet.json", JSON.stringify(doc, null, 1) + "\n");
  write("examples/conformance/tflm-conv/input.npy", encodeNpy(INT8, [1, 32, 32, 3], data["kConvInput1x32x32x3"]!.values));
  write("examples/conformance/tflm-conv/expected/output.npy", encodeNpy(INT8, [1, 16, 16, 8], data["kConvGoldenOutput1x16x16x8"]!.values));
}

tinyCnn();
tflmConformance();
process.stdout.write(`examples regenerated (seed ${SEED})\n`);
