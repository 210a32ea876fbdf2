/**
 * An NHWC network built for the export's layout handling (export-layout.ts), in TFLite's arithmetic before
 * the onnxruntime profile: float input quantized half away, conv → pad → depthwise conv → concat along
 * channels (all carried in NCHW), a TFLite tanh table (exported as Gather), an add with a per-channel
 * constant (whose onnxruntime broadcast formula depends on the layout, so it runs in the IR's order), a
 * fixed-point mul, an int8 → int8 requantization, an explicit transpose to NCHW, a max pool whose result is
 * a graph output, a mean without keepDims, a softmax and a dequantized output.
 */
import { GraphBuilder } from "../../src/ir/builder.js";
import { INT32, INT8 } from "../../src/ir/dtype.js";
import type { Graph } from "../../src/ir/graph.js";
import { channelQuant, tensorQuant } from "../../src/ir/quant-params.js";
import { PROFILES } from "../../src/ir/profiles.js";
import { buildLut } from "../../src/quant/lut-builders.js";
import { meanRecipe, meanRule } from "../../src/quant/mean.js";
import { addRealMultipliers, layerRealMultipliers, requantizerFromReal } from "../../src/quant/requantize.js";
import { createRng } from "../../src/quant/rng.js";

const f = Math.fround;

export function layoutModel(): Graph {
  const rng = createRng(20261202);
  const ints = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + rng.nextInt(hi - lo + 1));
  const b = new GraphBuilder("layouts", "NHWC export layout test network");
  const q = (s: number, z: number) => tensorQuant(f(s), z);
  const sx = f(0.02);
  b.input("x", "float32", [1, 6, 5, 3]);
  b.value("xq", INT8, [1, 6, 5, 3], q(sx, 1));
  b.node({ op: "quantize", name: "quantize", inputs: ["x"], outputs: ["xq"], rounding: "half-away" });

  const conv = (name: string, x: string, sIn: number, shape: [number, number, number, number], groups: number, out: number[], sOut: number, zOut: number, clampMin: number): void => {
    const sw = Array.from({ length: shape[0] }, () => f(0.004 + 0.01 * rng.nextFloat()));
    b.constant(`${name}.w`, INT8, shape, Int8Array.from(ints(shape.reduce((a, c) => a * c, 1), -127, 127)), channelQuant(0, sw, new Array<number>(shape[0]).fill(0)));
    b.constant(`${name}.b`, INT32, [shape[0]], Int32Array.from(ints(shape[0], -800, 800)));
    b.value(name, INT8, out, q(sOut, zOut));
    const requant = requantizerFromReal(layerRealMultipliers(sIn, sw, f(sOut), "double-product"), "double");
    b.node({ op: "conv2d", name, inputs: [x, `${name}.w`, `${name}.b`], outputs: [name], layout: "nhwc", strides: [1, 1], dilations: [1, 1], pads: [1, 1, 1, 1], groups, epilogue: { kind: "requant", requant, clampMin, clampMax: 127 } });
  };
  const s1 = f(0.05);
  conv("c1", "xq", sx, [4, 3, 3, 3], 1, [1, 6, 5, 4], s1, -20, -20);
  b.value("p", INT8, [1, 7, 7, 4], q(s1, -20));
  b.node({ op: "pad", name: "pad", inputs: ["c1"], outputs: ["p"], pads: [0, 1, 0, 0, 0, 0, 2, 0], value: -20 });
  conv("d", "p", s1, [4, 3, 3, 1], 4, [1, 7, 7, 4], s1, -20, -128);
  b.value("k", INT8, [1, 7, 7, 8], q(s1, -20));
  b.node({ op: "concat", name: "concat", inputs: ["p", "d"], outputs: ["k"], axis: 3 });
  const st = f(1 / 128);
  b.value("t", INT8, [1, 7, 7, 8], q(st, 0));
  const table = buildLut({ fn: "tanh", builder: "fixed-point", inScale: s1, inZeroPoint: -20, outScale: st, outZeroPoint: 0, inType: INT8, outType: INT8 });
  b.node({ op: "lut", name: "tanh", inputs: ["k"], outputs: ["t"], table, source: { fn: "tanh", builder: "fixed-point" } });
  const sc = f(0.03);
  b.constant("bias", INT8, [1, 1, 1, 8], Int8Array.from(ints(8, -100, 100)), q(sc, 3));
  const sa = f(0.012);
  b.value("a", INT8, [1, 7, 7, 8], q(sa, -5));
  const [r1, r2, ro] = addRealMultipliers(st, sc, sa, 20);
  const rq = (r: number) => requantizerFromReal([r], "double");
  b.node({ op: "add", name: "add", inputs: ["t", "bias"], outputs: ["a"], rescale: { kind: "fixed", leftShift: 20, in1: rq(r1), in2: rq(r2), out: rq(ro) }, clampMin: -128, clampMax: 127 });
  const sm = f(0.004);
  b.value("m", INT8, [1, 7, 7, 8], q(sm, -60));
  b.node({ op: "mul", name: "mul", inputs: ["a", "a"], outputs: ["m"], rescale: { kind: "fixed", out: rq(f(f(sa * sa) / sm)) }, clampMin: -128, clampMax: 127 });
  const sr = f(0.0061);
  b.value("r", INT8, [1, 7, 7, 8], q(sr, 7));
  b.node({ op: "requantize", name: "requantize", inputs: ["m"], outputs: ["r"], requant: rq(sm / sr) });
  b.value("rt", INT8, [1, 8, 7, 7], q(sr, 7));
  b.node({ op: "transpose", name: "to_nchw", inputs: ["r"], outputs: ["rt"], perm: [0, 3, 1, 2] });
  b.value("mp", INT8, [1, 3, 3, 8], q(sr, 7));
  b.node({ op: "maxpool", name: "maxpool", inputs: ["r"], outputs: ["mp"], layout: "nhwc", kernel: [3, 3], strides: [2, 2], pads: [0, 0, 0, 0], clampMin: -128, clampMax: 127 });
  const sg = f(0.009);
  b.value("g", INT8, [1, 8], q(sg, 2));
  const mq = { sIn: sr, zpIn: 7, sOut: sg, zpOut: 2, n: 49 };
  b.node({ op: "global-avgpool", name: "mean", inputs: ["rt"], outputs: ["g"], layout: "nchw", keepDims: false, mean: meanRule(meanRecipe(PROFILES.tflm.mean, false, mq), mq), clampMin: -128, clampMax: 127 });
  b.value("probs", INT8, [1, 8], q(1 / 256, -128));
  b.node({ op: "softmax", name: "softmax", inputs: ["g"], outputs: ["probs"], variant: "fixed-point", beta: 1 });
  b.value("mpf", "float32", [1, 3, 3, 8]);
  b.node({ op: "dequantize", name: "dequantize", inputs: ["mp"], outputs: ["mpf"] });
  return b.output("probs").output("mp").output("mpf").build();
}
