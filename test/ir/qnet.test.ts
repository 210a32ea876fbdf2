/** *.qnet.json: round trips, synthetic weights, and every class of bad document. */
import { describe, expect, it } from "vitest";
import { GraphError } from "../../src/errors.js";
import { loadQnet } from "../../src/exec/load.js";
import { run } from "../../src/exec/run.js";
import { serializeQnet } from "../../src/ir/qnet-write.js";
import { exampleGraph, exampleTensor, exampleText } from "../helpers/examples.js";

const tiny = () => exampleGraph("tiny-cnn/tiny-cnn.qnet.json");

function errorOf(text: string): GraphError {
  try {
    loadQnet(text);
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error("no error");
}

const doc = (patch: (d: Record<string, unknown>) => void): string => {
  const d = JSON.parse(exampleText("conformance/tflm-conv/tflm-conv.qnet.json")) as Record<string, unknown>;
  patch(d);
  return JSON.stringify(d);
};

describe("qnet.json round trip", () => {
  it("serialize(load(f)) reloads to the same text and the same outputs", () => {
    const g = tiny();
    const text = serializeQnet(g);
    const g2 = loadQnet(text);
    expect(serializeQnet(g2)).toBe(text);
    const input = new Map([["input", exampleTensor("tiny-cnn/input.npy", g, "input")]]);
    const a = run(g, input).outputs.get("probabilities")!.data;
    const b = run(g2, input).outputs.get("probabilities")!.data;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
  it("the committed example is byte-identical to what the serializer writes", () => {
    expect(serializeQnet(tiny())).toBe(exampleText("tiny-cnn/tiny-cnn.qnet.json"));
  });
  it("sub-byte weights pack and unpack through base64 (int4, int2, binary)", () => {
    const base = JSON.parse(exampleText("conformance/tflm-conv/tflm-conv.qnet.json")) as { values: Record<string, unknown>[] };
    for (const dtype of ["int4", "int2", "binary", "int3", "uint5"]) {
      const values = [
        { name: "w", dtype, shape: [3, 5], init: "synthetic" },
        { name: "x", dtype: "int8", shape: [2, 5] },
        { name: "y", dtype: "int32", shape: [2, 3] },
      ];
      const text = JSON.stringify({ ...base, seed: 9, inputs: ["x"], outputs: ["y"], values, nodes: [{ name: "fc", op: "matmul", inputs: ["x", "w"], outputs: ["y"], transB: true, epilogue: { kind: "int32" } }] });
      const g = loadQnet(text);
      const again = loadQnet(serializeQnet(g));
      expect(Array.from(again.values.get("w")!.data!)).toEqual(Array.from(g.values.get("w")!.data!));
    }
  });
});

describe("synthetic weights", () => {
  const shapeOnly = (seed: number) =>
    JSON.stringify({
      format: "quarch.qnet",
      version: 1,
      name: "shape-only",
      seed,
      inputs: ["x"],
      outputs: ["y"],
      values: [
        { name: "x", dtype: "int8", shape: [1, 4, 4, 2], quant: { scale: 0.1, zeroPoint: 0 } },
        { name: "w", dtype: "int8", shape: [3, 3, 3, 2], quant: { axis: 0, scale: [0.01, 0.02, 0.03] }, init: "synthetic" },
        { name: "y", dtype: "int8", shape: [1, 4, 4, 3], quant: { scale: 0.2, zeroPoint: -1 } },
      ],
      nodes: [{ name: "c", op: "conv2d", inputs: ["x", "w"], outputs: ["y"], pads: [1, 1, 1, 1], epilogue: { kind: "requant", requant: { mode: "double", derive: "double-product" }, activation: "relu" } }],
    });
  it("are deterministic for a seed and differ between seeds", () => {
    const a = loadQnet(shapeOnly(1)).values.get("w")!.data!;
    const b = loadQnet(shapeOnly(1)).values.get("w")!.data!;
    const c = loadQnet(shapeOnly(2)).values.get("w")!.data!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a).every((v) => v >= -127 && v <= 127)).toBe(true);
  });
  it("need a seed", () => {
    expect(errorOf(shapeOnly(1).replace('"seed":1,', "")).message).toContain('value "w".init: synthetic data needs a top-level seed');
  });
});

describe("bad documents: a GraphError naming the place, the value and what is expected", () => {
  it("not JSON", () => {
    expect(errorOf("{ nope").message).toMatch(/^is not valid JSON/);
  });
  it("not a qnet / unsupported version", () => {
    expect(errorOf(doc((d) => (d["format"] = "other"))).message).toBe('$.format: is not a quarch network (given other; expected "quarch.qnet")');
    expect(errorOf(doc((d) => (d["version"] = 7))).message).toBe("$.version: unsupported version (given 7; expected 1)");
  });
  it("unknown keys are errors, not silently ignored", () => {
    expect(errorOf(doc((d) => (d["wieghts"] = 1))).message).toBe("$.wieghts: unknown key (given wieghts; expected one of format, version, name, description, seed, inputs, outputs, values, nodes)");
  });
  it("bit widths outside 1..32 and unknown ops", () => {
    const e = errorOf(
      doc((d) => {
        (d["values"] as Record<string, unknown>[])[1]!["dtype"] = "int33";
        (d["nodes"] as Record<string, unknown>[])[0]!["op"] = "conv3d";
      }),
    );
    expect(e.problems.map((p) => p.path)).toEqual(['value "filter".dtype', "$.nodes[0].op"]);
    expect(e.message).toContain('value "filter".dtype: unknown dtype (given int33; expected float32, binary, or int<bits>/uint<bits> with bits in 1..32)');
    expect(e.message).toContain("$.nodes[0].op: is not one of the allowed values (given conv3d; expected conv2d | matmul");
  });
  it("shape errors are found by the verifier and reported together with node names", () => {
    const e = errorOf(
      doc((d) => {
        const v = d["values"] as { shape: number[]; dtype: string }[];
        v[3]!.shape = [1, 15, 15, 8];
        v[2]!.shape = [16]; // the same 32 bytes read as int16
        v[2]!.dtype = "int16";
      }),
    );
    expect(e.problems.length).toBe(2);
    expect(e.message).toContain('node "conv" (conv2d).inputs[2]: bias must be an int32 vector with one entry per output channel (given int16 [16]; expected int32 [8])');
    expect(e.message).toContain('node "conv" (conv2d).outputs[0]: shape of "output" does not match the op (given [1, 15, 15, 8]; expected [1, 16, 16, 8])');
  });
  it("data of the wrong size", () => {
    const e = errorOf(doc((d) => ((d["values"] as Record<string, unknown>[])[2]!["data"] = "AAAA")));
    expect(e.message).toBe('value "bias".data: byte length does not match 8 int32 elements (given 3 bytes; expected 32 bytes)');
  });
  it("dangling names", () => {
    const e = errorOf(doc((d) => ((d["nodes"] as { inputs: string[] }[])[0]!.inputs[1] = "filtre")));
    expect(e.message).toBe('node "conv" (conv2d).inputs[1]: refers to an unknown value "filtre"');
  });
  it("scales ≤ 0 or non-finite and zero points out of range", () => {
    const e = errorOf(
      doc((d) => {
        const v = d["values"] as { quant: { scale: number | number[]; zeroPoint: number | number[] } }[];
        v[0]!.quant.scale = 0;
        v[3]!.quant.zeroPoint = 200;
      }),
    );
    expect(e.message).toContain('value "input".quant.scale[0]: scale must be a finite number > 0 (given 0)');
    expect(e.message).toContain('value "output".quant.zeroPoint[0]: zero point outside int8 (given 200; expected -128..127)');
  });
});
