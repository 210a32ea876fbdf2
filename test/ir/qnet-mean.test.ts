/** *.qnet.json for global-avgpool: every mean rule round trips; recipes derive at load; bad means are named. */
import { describe, expect, it } from "vitest";
import { GraphError } from "../../src/errors.js";
import { loadQnet } from "../../src/exec/load.js";
import { run } from "../../src/exec/run.js";
import type { Tensor } from "../../src/ir/graph.js";
import type { MeanRule } from "../../src/ir/ops.js";
import { serializeQnet } from "../../src/ir/qnet-write.js";
import { meanRule } from "../../src/quant/mean.js";
import { requantizerFromReal } from "../../src/quant/requantize.js";
import { createRng } from "../../src/quant/rng.js";

const f = Math.fround;

function doc(mean: unknown, yScale = 0.02, yZeroPoint = -2): string {
  return JSON.stringify({
    format: "quarch.qnet",
    version: 1,
    name: "mean",
    inputs: ["x"],
    outputs: ["y"],
    values: [
      { name: "x", dtype: "int8", shape: [1, 4, 5, 8], quant: { scale: 0.05, zeroPoint: 3 } },
      { name: "y", dtype: "int8", shape: [1, 1, 1, 8], quant: { scale: yScale, zeroPoint: yZeroPoint } },
    ],
    nodes: [{ name: "mean_0", op: "global-avgpool", inputs: ["x"], outputs: ["y"], ...(mean === undefined ? {} : { mean }) }],
  });
}

const rng = createRng(7);
const input: Map<string, Tensor> = new Map([["x", { dtype: { bits: 8, signed: true }, shape: [1, 4, 5, 8], data: Int8Array.from({ length: 160 }, () => rng.nextInt(256) - 128) }]]);
const output = (text: string): number[] => Array.from(run(loadQnet(text), input).outputs.get("y")!.data);

function errorOf(text: string): string {
  try {
    loadQnet(text);
  } catch (e) {
    if (e instanceof GraphError) return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("global-avgpool in qnet.json", () => {
  const scales = { sIn: f(0.05), zpIn: 3, sOut: f(0.02), zpOut: -2, n: 20 };
  const rules: MeanRule[] = [
    { rule: "float" },
    meanRule({ derive: "fold-count", mode: "double" }, scales),
    meanRule({ derive: "count-scale", mode: "onnx" }, scales),
    meanRule({ derive: "count-scale-bias", mode: "double" }, scales),
    { rule: "requant", requant: requantizerFromReal([0.125], "dyadic-half-even") },
  ];

  it("every rule serializes, reloads to the same text and computes the same outputs", () => {
    for (const mean of rules) {
      const g = loadQnet(doc({ rule: "float" }));
      const withMean = { ...g, nodes: g.nodes.map((n) => (n.op === "global-avgpool" ? { ...n, mean } : n)) };
      const text = serializeQnet(withMean);
      expect(serializeQnet(loadQnet(text))).toBe(text);
      expect(output(text)).toEqual(Array.from(run(withMean, input).outputs.get("y")!.data));
    }
  });

  it("recipes derive the rule and its integers from the values' scales", () => {
    for (const [recipe, want] of [
      [{ derive: "fold-count", mode: "double" }, rules[1]],
      [{ derive: "count-scale", mode: "onnx" }, rules[2]],
      [{ derive: "count-scale-bias", mode: "double" }, rules[3]],
      [{ derive: "float" }, rules[0]],
    ] as const) {
      const n = loadQnet(doc(recipe)).nodes[0]!;
      expect(n.op === "global-avgpool" && n.mean).toEqual(want);
    }
  });

  it("without a mean: truncation where input and output share quantization, an error where they differ", () => {
    const n = loadQnet(doc(undefined, 0.05, 3)).nodes[0]!;
    expect(n.op === "global-avgpool" && n.mean).toEqual({ rule: "truncate" });
    expect(errorOf(doc(undefined))).toContain(`node "mean_0" (global-avgpool).mean: is required where input and output are quantized differently`);
  });

  it("names a bad rule, a missing bias and a derive inside the requantizer", () => {
    expect(errorOf(doc({ rule: "divide" }))).toContain(`mean.rule`);
    expect(errorOf(doc({ rule: "requant-bias", requant: { mode: "double", real: [0.1] } }))).toContain(`mean.bias`);
    expect(errorOf(doc({ rule: "requant", requant: { mode: "double", derive: "onnx" } }))).toContain(`derive the whole mean`);
    expect(errorOf(doc({ derive: "fold-count", mode: "onnx" }))).toContain(`mean.mode`);
  });
});
