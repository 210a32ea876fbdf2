/**
 * TFLite Micro int8 convolution goldens (fixtures/tflm-conv, from TFLM's conv_test), computed from the
 * float scales: QuantizeMultiplier derives the per-channel multipliers exactly as TFLite's Prepare does.
 */
import { describe, expect, it } from "vitest";
import { run } from "../../src/exec/run.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { INT32, INT8 } from "../../src/ir/dtype.js";
import { channelQuant, tensorQuant } from "../../src/ir/quant-params.js";
import { samePadding } from "../../src/ir/shapes.js";
import { layerRealMultipliers, requantizerFromReal } from "../../src/quant/requantize.js";
import type { RoundingMode } from "../../src/ir/requant.js";
import { readJson } from "../helpers/fixtures.js";

interface Arr {
  values: number[];
}
interface Params {
  cases: Record<
    string,
    {
      input: string;
      filter: string;
      bias: string;
      golden: string;
      input_shape: number[];
      output_shape: number[];
      input_scale: number;
      input_zero_point: number;
      filter_scales: number[];
      output_scale: number;
      output_zero_point: number;
      padding: string;
      stride: number[];
      activation: string;
    }
  >;
}
const data = readJson<Record<string, Arr>>("tflm-conv", "conv_test_data.json");
const params = readJson<Params>("tflm-conv", "params.json");

function tflmCase(name: string, mode: RoundingMode = "double") {
  const c = params.cases[name]!;
  const [N, H, W, C] = c.input_shape as [number, number, number, number];
  const [, oH, oW, O] = c.output_shape as [number, number, number, number];
  const k = Math.round(Math.sqrt(data[c.filter]!.values.length / (O * C)));
  const [sH, sW] = c.stride as [number, number];
  let pads: [number, number, number, number];
  if (c.padding.startsWith("SAME")) {
    const ph = samePadding(H, k, sH, 1);
    const pw = samePadding(W, k, sW, 1);
    pads = [ph.before, pw.before, ph.after, pw.after];
  } else {
    // VALID, but the test's output tensor is larger: the kernel iterates the given output and skips
    // out-of-image taps, which is padding after the image.
    pads = [0, 0, Math.max(0, (oH - 1) * sH + k - H), Math.max(0, (oW - 1) * sW + k - W)];
  }
  const relu6 = c.activation.startsWith("RELU6");
  const Q = (f: number) => c.output_zero_point + Math.round(f / c.output_scale);
  const b = new GraphBuilder(name);
  b.input("x", INT8, [N, H, W, C], tensorQuant(c.input_scale, c.input_zero_point));
  b.constant("w", INT8, [O, k, k, C], Int8Array.from(data[c.filter]!.values), channelQuant(0, c.filter_scales, new Array(O).fill(0)));
  const bias = data[c.bias]!.values;
  b.constant("b", INT32, [O], Int32Array.from({ length: O }, (_, i) => bias[i] ?? 0));
  b.value("y", INT8, [N, oH, oW, O], tensorQuant(c.output_scale, c.output_zero_point));
  const real = layerRealMultipliers(Math.fround(c.input_scale), c.filter_scales.map(Math.fround), Math.fround(c.output_scale), "double-product");
  b.node({
    name: "conv",
    op: "conv2d",
    inputs: ["x", "w", "b"],
    outputs: ["y"],
    layout: "nhwc",
    strides: [sH, sW],
    dilations: [1, 1],
    pads,
    groups: 1,
    epilogue: { kind: "requant", requant: requantizerFromReal(real, mode), clampMin: relu6 ? Math.max(-128, Q(0)) : -128, clampMax: relu6 ? Math.min(127, Q(6)) : 127 },
  });
  const g = b.output("y").build();
  const x = { dtype: INT8, shape: [N, H, W, C], data: Int8Array.from(data[c.input]!.values) };
  const got = Array.from(run(g, new Map([["x", x]])).outputs.get("y")!.data);
  return { got, want: data[c.golden]!.values };
}

describe("TFLite Micro conv goldens from float scales, double rounding", () => {
  it.each(Object.keys(params.cases))("%s", (name) => {
    const { got, want } = tflmCase(name);
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
  });
  it("the goldens discriminate: truncating (dyadic-floor) requantization changes some of the 2048 outputs", () => {
    const { got, want } = tflmCase("Int8Filter8x3x3x3PerChannelScaleRelu6ShouldMatchGolden", "dyadic-floor");
    const differing = got.filter((v, i) => v !== want[i]).length;
    expect(differing).toBeGreaterThan(0);
  });
});
