/**
 * The FlatBuffer reader and TFLite structure: the real MLPerf Tiny files (field values cross-checked with
 * the TFLite format reference (tflite-format.md)'s table, copied into the assertions), models written by the test's
 * own builder, and malformed bytes, each failing with a TfliteError whose message is pinned here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TfliteError } from "../../src/errors.js";
import { FlatBuffer } from "../../src/tflite/flatbuffer.js";
import { SUPPORTED_OPS, loadTflite, opName, readModel } from "../../src/tflite/index.js";
import { type ModelSpec, buildModel, i32, i8, int32Bytes, int8Bytes, writeFlatBuffer } from "./model-builder.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "mlperf-tiny");
const model = (name: string): Uint8Array => new Uint8Array(readFileSync(join(EXAMPLES, `${name}.tflite`)));

/** The message of the TfliteError f throws (fails the test on anything else). */
function tfliteMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TfliteError);
    expect((e as TfliteError).code).toBe("tflite");
    return (e as Error).message;
  }
  throw new Error("expected a TfliteError, nothing was thrown");
}

/** A 1×4×4×2 int8 image through a 3×3 SAME conv with 2 output channels (per-channel), RELU. */
function convSpec(over: Partial<ModelSpec> = {}, tensorOver: Record<number, object> = {}): ModelSpec {
  const w = Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => ((i * 37) % 255) - 127);
  const tensors = [
    { name: "x", shape: [1, 4, 4, 2], type: 9, scale: [0.05], zeroPoint: [-3] },
    { name: "w", shape: [2, 3, 3, 2], type: 9, data: int8Bytes(w), scale: [0.01, 0.02], zeroPoint: [0, 0], quantizedDimension: 0 },
    { name: "b", shape: [2], type: 2, data: int32Bytes([100, -200]), scale: [0.0005, 0.001], zeroPoint: [0, 0] },
    { name: "y", shape: [1, 4, 4, 2], type: 9, scale: [0.1], zeroPoint: [5] },
  ].map((t, i) => ({ ...t, ...(tensorOver[i] ?? {}) }));
  return {
    tensors,
    inputs: [0],
    outputs: [3],
    ops: [{ code: 3, version: 3, inputs: [0, 1, 2], outputs: [3], optionsType: 1, options: [i8(0), i32(1), i32(1), i8(1)] }],
    ...over,
  };
}

describe("TFLite reader: the MLPerf Tiny files", () => {
  it("reads operator codes with the deprecated_builtin_code rule", () => {
    const kws = readModel(model("kws_ref_model"));
    // KWS and AD were written by an old converter: builtin_code is absent (0 = ADD) and the op is in the byte field.
    expect(kws.operatorCodes.map((c) => `${c.name}/v${c.version}`)).toEqual([
      "CONV_2D/v3",
      "DEPTHWISE_CONV_2D/v3",
      "AVERAGE_POOL_2D/v2",
      "RESHAPE/v1",
      "FULLY_CONNECTED/v4",
      "SOFTMAX/v2",
    ]);
    expect(readModel(model("ad01_int8")).operatorCodes.map((c) => c.name)).toEqual(["FULLY_CONNECTED"]);
  });

  it("reads inputs, outputs and their quantization as tflite-format.md lists them", () => {
    const cases: [string, string, number[], number, number, string, number[], number, number][] = [
      ["pretrainedResnet_quant", "input_1_int8", [1, 32, 32, 3], 1, -128, "Identity_int8", [1, 10], 1 / 256, -128],
      ["kws_ref_model", "input_1", [1, 49, 10, 1], 0.58470291, 83, "Identity", [1, 12], 1 / 256, -128],
      ["vww_96_int8", "input_1_int8", [1, 96, 96, 3], 1 / 255, -128, "Identity_int8", [1, 2], 1 / 256, -128],
      ["ad01_int8", "input_1", [1, 640], 0.39101523, 89, "Identity", [1, 640], 0.36449847, 96],
    ];
    for (const [name, inName, inShape, inScale, inZp, outName, outShape, outScale, outZp] of cases) {
      const sg = readModel(model(name)).subgraphs[0]!;
      const x = sg.tensors[sg.inputs[0]!]!;
      const y = sg.tensors[sg.outputs[0]!]!;
      expect([x.name, x.shape, x.type, x.quantization?.zeroPoint]).toEqual([inName, inShape, 9, [inZp]]);
      expect([y.name, y.shape, y.type, y.quantization?.zeroPoint]).toEqual([outName, outShape, 9, [outZp]]);
      expect(Math.abs(x.quantization!.scale[0]! - inScale)).toBeLessThan(1e-7 * inScale);
      expect(Math.abs(y.quantization!.scale[0]! - outScale)).toBeLessThan(1e-7 * outScale);
    }
  });

  it("per-channel weights carry their quantized dimension (0 for conv, 3 for depthwise)", () => {
    const sg = readModel(model("kws_ref_model")).subgraphs[0]!;
    const m = readModel(model("kws_ref_model"));
    const dims = sg.operators.map((op) => {
      const w = sg.tensors[op.inputs[1]!];
      return `${m.operatorCodes[op.opcodeIndex]!.name}:${w?.quantization?.scale.length ?? 0}@${w?.quantization?.quantizedDimension ?? "-"}`;
    });
    expect(dims.slice(0, 3)).toEqual(["CONV_2D:64@0", "DEPTHWISE_CONV_2D:64@3", "CONV_2D:64@0"]);
    expect(dims[dims.length - 2]).toBe("FULLY_CONNECTED:1@0");
  });

  it("names every BuiltinOperator below 128 in schema order", () => {
    expect([opName(0), opName(3), opName(40), opName(60), opName(98), opName(114), opName(127), opName(150)]).toEqual([
      "ADD",
      "CONV_2D",
      "MEAN",
      "PADV2",
      "LEAKY_RELU",
      "QUANTIZE",
      "PLACEHOLDER_FOR_GREATER_OP_CODES",
      "BUILTIN_150",
    ]);
  });
});

describe("TFLite reader: models written by the test's builder", () => {
  it("round-trips the tables quarch reads", () => {
    const m = readModel(buildModel({ ...convSpec(), description: "built by the test" }));
    const sg = m.subgraphs[0]!;
    expect(m.description).toBe("built by the test");
    expect(sg.name).toBe("main");
    expect(sg.tensors.map((t) => [t.name, t.shape, t.type, t.buffer])).toEqual([
      ["x", [1, 4, 4, 2], 9, 0],
      ["w", [2, 3, 3, 2], 9, 1],
      ["b", [2], 2, 2],
      ["y", [1, 4, 4, 2], 9, 0],
    ]);
    expect(sg.tensors[1]!.quantization).toEqual({ scale: [Math.fround(0.01), Math.fround(0.02)], zeroPoint: [0, 0], quantizedDimension: 0 });
    expect(Array.from(new Int32Array(m.buffers[2]!.slice().buffer))).toEqual([100, -200]);
    expect(sg.operators[0]).toMatchObject({ index: 0, opcodeIndex: 0, inputs: [0, 1, 2], outputs: [3], optionsType: 1 });
  });

  it("takes max(deprecated_builtin_code, builtin_code)", () => {
    const legacy = convSpec();
    const spec = { ...legacy, ops: legacy.ops.map((o) => ({ ...o, legacyCode: true })) };
    expect(readModel(buildModel(spec)).operatorCodes[0]!.name).toBe("CONV_2D");
    // A code above 127: the byte field saturates at 127 and builtin_code carries it.
    const big = { ...legacy, ops: legacy.ops.map((o) => ({ ...o, code: 150 })) };
    expect(readModel(buildModel(big)).operatorCodes[0]!.code).toBe(150);
  });

  it("lowers the conv model: graph named by the caller, values named after the tensors", () => {
    const g = loadTflite(buildModel(convSpec()), "tiny-conv");
    expect(g.name).toBe("tiny-conv");
    expect([...g.values.keys()]).toEqual(["x", "w", "b", "y"]);
    expect(g.nodes.map((n) => [n.op, n.name, n.inputs, n.outputs])).toEqual([["conv2d", "conv_2d_0", ["x", "w", "b"], ["y"]]]);
    const n = g.nodes[0]!;
    if (n.op !== "conv2d" || n.epilogue.kind !== "requant") throw new Error("conv2d with requant expected");
    expect(n.pads).toEqual([1, 1, 1, 1]);
    // RELU: [max(−128, Q(0)), 127] with Q(0) = zero point 5.
    expect([n.epilogue.clampMin, n.epilogue.clampMax, n.epilogue.requant.mode]).toEqual([5, 127, "double"]);
  });

  it("unpacks INT4 filters (two per byte, low nibble first) to the same graph as their int8 values", () => {
    const w = Array.from({ length: 36 }, (_, i) => ((i * 5) % 16) - 8);
    const packed = Uint8Array.from({ length: 18 }, (_, i) => (w[2 * i]! & 0xf) | ((w[2 * i + 1]! & 0xf) << 4));
    const g4 = loadTflite(buildModel(convSpec({}, { 1: { type: 17, data: packed } })));
    const g8 = loadTflite(buildModel(convSpec({}, { 1: { data: int8Bytes(w) } })));
    expect(Array.from(g4.values.get("w")!.data!)).toEqual(w);
    expect(g4.values.get("w")!.dtype).toEqual({ bits: 4, signed: true });
    expect(g4.nodes).toEqual(g8.nodes);
  });

  it("makes duplicate tensor names unique", () => {
    const spec = convSpec({}, { 3: { name: "x" } });
    expect([...loadTflite(buildModel(spec)).values.keys()]).toEqual(["x", "w", "b", "x_3"]);
  });
});

describe("TFLite reader: malformed input fails with a TfliteError naming where and what", () => {
  const good = buildModel(convSpec());

  it("bytes that are not a FlatBuffer", () => {
    expect(tfliteMessage(() => readModel(new Uint8Array([1, 2, 3])))).toBe(
      "Model: file too short to be a FlatBuffer (given 3 bytes; expected at least 8 bytes (root offset and file identifier))",
    );
    const notTflite = good.slice();
    notTflite.set([65, 66, 67, 68], 4);
    expect(tfliteMessage(() => readModel(notTflite))).toBe('Model: not a TFLite file (file identifier) (given "ABCD"; expected "TFL3" at bytes 4..8)');
    const badRoot = good.slice();
    new DataView(badRoot.buffer).setUint32(0, 1 << 30, true);
    expect(tfliteMessage(() => readModel(badRoot))).toBe(`Model: points outside the file (given bytes ${1 << 30}..${(1 << 30) + 4} of a ${good.length}-byte file; expected an offset inside the file)`);
  });

  it("a vector whose declared length exceeds the bytes present (checked before allocating)", () => {
    const fb = new FlatBuffer(good);
    const sg = fb.root("Model").tables(2, "subgraphs")![0]!;
    const tensors = sg.vector(0, "tensors", 4)!;
    const bad = good.slice();
    new DataView(bad.buffer).setUint32(tensors.start - 4, 0x7fffffff, true);
    expect(tfliteMessage(() => readModel(bad))).toMatch(/^Model\.subgraphs\[0\]\.tensors: vector runs past the end of the file \(given 2147483647 elements of 4 bytes at byte \d+; expected at most \d+ elements\)$/);
  });

  it("a truncated file", () => {
    expect(tfliteMessage(() => readModel(good.subarray(0, 60)))).toMatch(/points outside the file|vector runs past the end of the file|vtable/);
  });

  it("schema version, operator code index, tensor index", () => {
    expect(tfliteMessage(() => readModel(buildModel({ ...convSpec(), version: 2 })))).toBe("Model.version: unsupported schema version (given 2; expected 3)");
    const badTensor = convSpec();
    const spec1 = { ...badTensor, ops: [{ ...badTensor.ops[0]!, inputs: [0, 9, 2] }] };
    expect(tfliteMessage(() => readModel(buildModel(spec1)))).toBe("Model.subgraphs[0].operators[0].inputs[1]: tensor index out of range (given 9; expected -1 (absent) or 0..3)");
  });

  it("quantization parameters: scale count, zero point range, scale value", () => {
    expect(tfliteMessage(() => readModel(buildModel(convSpec({}, { 1: { scale: [0.1, 0.2, 0.3], zeroPoint: [0, 0, 0] } }))))).toBe(
      "Model.subgraphs[0].tensors[1].quantization.scale: needs one scale per tensor or one per index of the quantized dimension (given 3 scales; expected 1 or 2 (dimension 0 of [2, 3, 3, 2]))",
    );
    expect(tfliteMessage(() => loadTflite(buildModel(convSpec({}, { 0: { zeroPoint: [200] } }))))).toBe(
      'SubGraph.inputs: graph input has a zero point outside its type (given zero_point[0] = 200 (tensor 0 "x" INT8 [1, 4, 4, 2]); expected -128..127 (int8))',
    );
    expect(tfliteMessage(() => loadTflite(buildModel(convSpec({}, { 3: { scale: [0] } }))))).toBe(
      'operator 0 (CONV_2D v3): output has an invalid scale (given scale[0] = 0 (tensor 3 "y" INT8 [1, 4, 4, 2]); expected a finite number > 0)',
    );
  });

  it("convolution filters with a nonzero zero point (the int8 kernels have no filter offset)", () => {
    expect(tfliteMessage(() => loadTflite(buildModel(convSpec({}, { 1: { zeroPoint: [0, 3] } }))))).toBe(
      "operator 0 (CONV_2D v3): filter zero points must be 0 (symmetric int8 weights) (given zero points [0, 3]; expected all 0)",
    );
  });

  it("a constant whose buffer does not match its shape", () => {
    expect(tfliteMessage(() => loadTflite(buildModel(convSpec({}, { 1: { data: int8Bytes([1, 2, 3]) } }))))).toBe(
      'operator 0 (CONV_2D v3) filter (tensor 1 "w" INT8 [2, 3, 3, 2]): buffer size does not match the tensor\'s shape (given 3 bytes for tensor 1 "w" INT8 [2, 3, 3, 2]; expected 36 bytes)',
    );
  });

  it("an output shape that does not match the operator", () => {
    expect(tfliteMessage(() => loadTflite(buildModel(convSpec({}, { 3: { shape: [1, 2, 2, 2] } }))))).toBe(
      'operator 0 (CONV_2D v3): output shape does not match the convolution (given tensor 3 "y" INT8 [1, 2, 2, 2]; expected [1, 4, 4, 2])',
    );
  });

  it("unsupported types and operators list what is supported", () => {
    expect(tfliteMessage(() => loadTflite(buildModel(convSpec({}, { 0: { type: 7 }, 3: { type: 7 } }))))).toBe(
      'operator 0 (CONV_2D v3): input has an unsupported type (given INT16 (tensor 0 "x" INT16 [1, 4, 4, 2]); expected INT8)',
    );
    const spec = convSpec();
    const mul = { ...spec, ops: [{ code: 18, version: 2, inputs: [0, 0], outputs: [3] }] };
    expect(tfliteMessage(() => loadTflite(buildModel(mul)))).toBe(
      `operator 0 (MUL v2): unsupported operator (given MUL (code 18, version 2); expected one of ${SUPPORTED_OPS.join(", ")})`,
    );
    expect(SUPPORTED_OPS).toEqual([
      "ADD",
      "AVERAGE_POOL_2D",
      "CONCATENATION",
      "CONV_2D",
      "DEPTHWISE_CONV_2D",
      "DEQUANTIZE",
      "FULLY_CONNECTED",
      "LEAKY_RELU",
      "LOGISTIC",
      "MAX_POOL_2D",
      "MEAN",
      "PAD",
      "PADV2",
      "QUANTIZE",
      "RESHAPE",
      "SOFTMAX",
      "SQUEEZE",
      "TANH",
    ]);
  });

  it("options of the wrong type, a tensor used before it is produced", () => {
    const spec = convSpec();
    const wrong = { ...spec, ops: [{ ...spec.ops[0]!, optionsType: 5 }] };
    expect(tfliteMessage(() => loadTflite(buildModel(wrong)))).toBe("operator 0 (CONV_2D v3).builtin_options_type: has options of the wrong type (given builtin_options_type 5; expected 1 (Conv2DOptions))");
    const early = { ...spec, inputs: [] };
    expect(tfliteMessage(() => loadTflite(buildModel(early)))).toBe(
      'operator 0 (CONV_2D v3): input is used before any operator produces it (given tensor 0 "x" INT8 [1, 4, 4, 2]; expected a graph input, a constant or an earlier operator\'s output)',
    );
  });

  it("a model with no subgraph", () => {
    expect(tfliteMessage(() => loadTflite(writeFlatBuffer([{ t: "u32", v: 3 }])))).toBe("Model.subgraphs: the model has no subgraph (expected at least one subgraph)");
  });
});
