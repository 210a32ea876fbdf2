import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OnnxError } from "../../src/errors.js";
import { run } from "../../src/exec/run.js";
import type { Tensor } from "../../src/ir/graph.js";
import type { Conv2dNode, MatMulNode } from "../../src/ir/ops.js";
import { lowerSingleNodeModel } from "../../src/onnx/lower-node.js";
import { loadNodeTest } from "../../src/onnx/node-test.js";
import { type OnnxAttribute, type OnnxModel, type OnnxNode, decodeModel, decodeTensorProto } from "../../src/onnx/protobuf.js";
import { tensorFromProto } from "../../src/onnx/tensor.js";

const FIX = join(import.meta.dirname, "../fixtures/onnx-node");

function files(dir: string, nIn: number, nOut = 1) {
  const set = join(FIX, dir, "test_data_set_0");
  return {
    model: readFileSync(join(FIX, dir, "model.onnx")),
    inputs: Array.from({ length: nIn }, (_, i) => readFileSync(join(set, `input_${i}.pb`))),
    outputs: Array.from({ length: nOut }, (_, i) => readFileSync(join(set, `output_${i}.pb`))),
  };
}

function onnxMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof OnnxError) return e.message;
    throw e;
  }
  throw new Error("expected an OnnxError, nothing was thrown");
}

/** The model with its single node changed. */
function withNode(m: OnnxModel, change: (n: OnnxNode) => OnnxNode): OnnxModel {
  return { ...m, graph: { ...m.graph, nodes: [change(m.graph.nodes[0]!)] } };
}

const intAttr = (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "int", value } });

describe("lowering errors name the node, op, domain and opset", () => {
  const conv = files("test_qlinearconv", 8);
  const model = decodeModel(conv.model);
  const bindings = loadNodeTest(conv).bindings;

  test("unsupported operator and domain", () => {
    expect(onnxMessage(() => lowerSingleNodeModel(withNode(model, (n) => ({ ...n, opType: "Relu", name: "r1" }))))).toBe(
      'node "r1" (Relu, domain ai.onnx, opset 10): unsupported operator (given Relu; expected QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, Cast, MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv in the ai.onnx domain)',
    );
    expect(onnxMessage(() => lowerSingleNodeModel(withNode(model, (n) => ({ ...n, domain: "com.microsoft" })), bindings))).toBe(
      "node (QLinearConv, domain com.microsoft, opset 0): unsupported operator domain (given com.microsoft; expected QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, Cast, MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv in the ai.onnx domain)",
    );
  });

  test("a scale without a known value", () => {
    expect(onnxMessage(() => lowerSingleNodeModel(model))).toBe(
      'node (QLinearConv, domain ai.onnx, opset 10).inputs[1]: x_scale "x_scale" has no known value (given a runtime input; expected an initializer or a binding for it (scales and zero points must be known to lower))',
    );
  });

  test("bad and unknown attributes", () => {
    const bad = (a: OnnxAttribute) => () => lowerSingleNodeModel(withNode(model, (n) => ({ ...n, attributes: [a] })), bindings);
    expect(onnxMessage(bad({ name: "auto_pad", value: { kind: "string", value: new TextEncoder().encode("FOO") } }))).toBe(
      'node (QLinearConv, domain ai.onnx, opset 10).attribute "auto_pad": unsupported auto_pad (given FOO; expected NOTSET, VALID, SAME_UPPER or SAME_LOWER)',
    );
    expect(onnxMessage(bad(intAttr("group", 2)))).toBe(
      'node (QLinearConv, domain ai.onnx, opset 10).attribute "group": group does not fit the channels (given group 2, x channels 1, w [1, 1, 1, 1]; expected C = group · w.shape[1] and M divisible by group)',
    );
    expect(onnxMessage(bad(intAttr("strides", 2)))).toBe(
      'node (QLinearConv, domain ai.onnx, opset 10).attribute "strides": attribute must be INTS (given int; expected ints)',
    );
    expect(onnxMessage(bad(intAttr("fancy", 1)))).toBe(
      'node (QLinearConv, domain ai.onnx, opset 10).attribute "fancy": unsupported attribute "fancy" (given fancy; expected auto_pad, dilations, group, kernel_shape, pads, strides)',
    );
  });

  test("a quantized type ONNX QuantizeLinear does not produce", () => {
    const q = decodeModel(files("test_quantizelinear_blocked_symmetric", 2).model);
    const b = loadNodeTest(files("test_quantizelinear_blocked_symmetric", 2)).bindings;
    const m = withNode(q, (n) => ({ ...n, attributes: n.attributes.map((a) => (a.name === "output_dtype" ? intAttr("output_dtype", 6) : a)) }));
    expect(onnxMessage(() => lowerSingleNodeModel(m, b))).toBe(
      "node (QuantizeLinear, domain ai.onnx, opset 25): unsupported output type (given INT32; expected UINT8, INT8, UINT16, INT16, UINT4, INT4, UINT2, INT2)",
    );
  });
});

describe("lowered graphs", () => {
  test("QLinearConv: runtime weights get a transpose to OHWI; params live on the values", () => {
    const nt = loadNodeTest(files("test_qlinearconv", 8));
    const g = nt.graph;
    expect(g.inputs).toEqual(["x", "w"]);
    expect(g.nodes.map((n) => n.op)).toEqual(["transpose", "conv2d"]);
    const conv = g.nodes[1] as Conv2dNode;
    expect(conv.inputs).toEqual(["x", "w.ohwi"]);
    expect(conv.layout).toBe("nchw");
    expect(conv.epilogue.kind).toBe("requant");
    if (conv.epilogue.kind === "requant") {
      expect(conv.epilogue.requant.mode).toBe("onnx");
      expect([conv.epilogue.clampMin, conv.epilogue.clampMax]).toEqual([0, 255]);
    }
    const s = (name: string) => nt.bindings.get(name)!.data[0]!;
    expect(g.values.get("x")!.quant).toEqual({ kind: "tensor", scale: s("x_scale"), zeroPoint: s("x_zero_point") });
    expect(g.values.get("y")!.quant).toEqual({ kind: "tensor", scale: s("y_scale"), zeroPoint: s("y_zero_point") });
  });

  test("ConvInteger with constant weights: data transposed, per-channel zero points, same result", () => {
    const f = files("test_convinteger_with_padding", 4);
    const nt = loadNodeTest(f);
    const wProto = decodeTensorProto(f.inputs[1]!);
    const model: OnnxModel = {
      ...nt.model,
      graph: { ...nt.model.graph, initializers: [wProto], inputs: nt.model.graph.inputs.filter((v) => v.name !== "w") },
    };
    const bindings = new Map([...nt.bindings].filter(([k]) => k !== "w"));
    const g = lowerSingleNodeModel(model, bindings);
    expect(g.nodes.map((n) => n.op)).toEqual(["conv2d"]);
    const w = g.values.get("w.ohwi")!;
    const oihw = tensorFromProto(wProto);
    expect(w.shape).toEqual([2, 2, 2, 1]);
    expect(Array.from(w.data!)).toEqual(Array.from(oihw.data)); // in = 1 channel: OIHW and OHWI agree
    expect(w.quant).toEqual({ kind: "channel", axis: 0, scale: [1, 1], zeroPoint: Array.from(nt.bindings.get("w_zero_points")!.data) });
    const out = run(g, new Map([["x", nt.bindings.get("x")!]])).outputs.get("y")!;
    expect(Array.from(out.data)).toEqual(Array.from(nt.expected.get("y")!.data));
  });

  test("a transposed constant (more than one input channel)", () => {
    const f = files("test_convinteger_without_padding", 3);
    const nt = loadNodeTest(f);
    const w: Tensor = { dtype: { bits: 8, signed: false }, shape: [1, 2, 1, 2], data: Uint8Array.of(1, 2, 3, 4) };
    const proto = { ...decodeTensorProto(f.inputs[1]!), dims: [1, 2, 1, 2], rawData: Uint8Array.of(1, 2, 3, 4) };
    const x = nt.model.graph.inputs[0]!;
    const model: OnnxModel = {
      ...nt.model,
      graph: {
        ...nt.model.graph,
        initializers: [proto],
        inputs: [{ ...x, shape: [1, 2, 3, 3] }, ...nt.model.graph.inputs.slice(2)],
        outputs: [{ ...nt.model.graph.outputs[0]!, shape: [1, 1, 3, 2] }],
      },
    };
    const g = lowerSingleNodeModel(model, new Map([["x_zero_point", nt.bindings.get("x_zero_point")!]]));
    expect(g.values.get("w.ohwi")!.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(g.values.get("w.ohwi")!.data!)).toEqual([1, 3, 2, 4]);
    expect(w.shape).toEqual([1, 2, 1, 2]);
  });

  test("MatMulInteger: zero points as params with scale 1, int32 epilogue", () => {
    const nt = loadNodeTest(files("test_matmulinteger", 4));
    const mm = nt.graph.nodes[0] as MatMulNode;
    expect(mm.op).toBe("matmul");
    expect(mm.epilogue).toEqual({ kind: "int32" });
    expect(nt.graph.values.get("A")!.quant).toEqual({ kind: "tensor", scale: 1, zeroPoint: 12 });
    expect(nt.graph.values.get("Y")!.dtype).toEqual({ bits: 32, signed: true });
  });

  test("QuantizeLinear blocked: block params on the output value", () => {
    const nt = loadNodeTest(files("test_quantizelinear_blocked_asymmetric", 3));
    expect(nt.graph.values.get("y")!.quant).toMatchObject({ kind: "block", axis: 1, blockSize: 2 });
    expect(nt.graph.nodes[0]).toMatchObject({ op: "quantize", rounding: "half-even", inputs: ["x"] });
  });
});
