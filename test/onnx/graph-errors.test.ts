/**
 * Whole-graph import errors are OnnxErrors naming the node, op type, domain and opset (messages pinned);
 * export refuses arithmetic ONNX cannot express; mutated model bytes never let anything but a typed
 * QuarchError escape (fast-check, seed printed).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OnnxError, QuarchError, UnsupportedError } from "../../src/errors.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { INT8 } from "../../src/ir/dtype.js";
import { tensorQuant } from "../../src/ir/quant-params.js";
import { exportOnnx } from "../../src/onnx/export-onnx.js";
import { loadOnnx } from "../../src/onnx/import-graph.js";
import { requantizerFromReal } from "../../src/quant/requantize.js";
import { I8, ModelBuilder, U8, attr } from "./graph-models.js";
import { graphModels } from "./graph-zoo.js";

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof QuarchError) return `${e.constructor.name}: ${e.message}`;
    throw e;
  }
  throw new Error("expected a QuarchError, nothing was thrown");
}

/** x (int8) → QLinearAdd with itself → y, with parts replaceable. */
function addModel(change: { scale?: number; zp?: number; op?: string; domain?: string; input?: string } = {}): Uint8Array {
  const m = new ModelBuilder(1);
  m.input("x", I8, [2, 3]);
  const s = m.f32("s", [], [change.scale ?? 0.1]);
  const z = m.tensor("z", I8, [], [change.zp ?? 0]);
  m.node(change.op ?? "QLinearAdd", [change.input ?? "x", s, z, "x", s, z, s, z], ["y"], [], change.domain ?? "com.microsoft");
  return m.build("errors", "", [{ name: "y", dtype: I8 }], []).bytes;
}

describe("whole-graph import errors", () => {
  test("unsupported operator: node, op, domain, opset and the supported list", () => {
    const m = new ModelBuilder(1);
    m.input("x", "float32", [2]);
    m.node("Tanh", ["x"], ["y"]);
    const text = message(() => loadOnnx(m.build("e", "", [{ name: "y", dtype: "float32" }], []).bytes));
    expect(text).toMatch(/^OnnxError: node "tanh_0" \(Tanh, domain ai\.onnx, opset 21\): unsupported operator \(given Tanh \(domain ai\.onnx\); expected ai\.onnx: QuantizeLinear, DequantizeLinear, .*; com\.microsoft: QLinearAdd, .*QGemm\)$/);
    expect(message(() => loadOnnx(addModel({ op: "QLinearFoo" })))).toMatch(/^OnnxError: node "qlinearfoo_0" \(QLinearFoo, domain com\.microsoft, opset 1\): unsupported operator \(given QLinearFoo \(domain com\.microsoft\)/);
    expect(message(() => loadOnnx(addModel({ domain: "org.example" })))).toMatch(/^OnnxError: node "qlinearadd_0" \(QLinearAdd, domain org\.example, opset 0\): unsupported operator/);
  });

  test("dangling tensor name", () => {
    expect(message(() => loadOnnx(addModel({ input: "nowhere" })))).toBe(
      'OnnxError: node "qlinearadd_0" (QLinearAdd, domain com.microsoft, opset 1).inputs[0]: A "nowhere" is not produced by any earlier node, graph input or initializer (given nowhere; expected a defined tensor name (nodes in topological order))',
    );
  });

  test("scales ≤ 0 or NaN, zero points out of range", () => {
    expect(message(() => loadOnnx(addModel({ scale: 0 })))).toBe('OnnxError: node "qlinearadd_0" (QLinearAdd, domain com.microsoft, opset 1).inputs[1][0]: A scale must be a finite number > 0 (given 0; expected > 0)');
    expect(message(() => loadOnnx(addModel({ scale: Number.NaN })))).toBe('OnnxError: node "qlinearadd_0" (QLinearAdd, domain com.microsoft, opset 1).inputs[1][0]: A scale must be a finite number > 0 (given NaN; expected > 0)');
    const m = new ModelBuilder(1);
    m.input("x", U8, [2]);
    m.node("DequantizeLinear", ["x", m.f32("s", [], [0.1]), m.tensor("z", I8, [], [-3])], ["y"]);
    m.node("Relu", ["y"], ["r"]);
    m.node("QuantizeLinear", ["r", "s", m.tensor("z2", U8, [], [0])], ["q"]);
    expect(message(() => loadOnnx(m.build("e", "", [{ name: "q", dtype: U8 }], []).bytes))).toMatch(/^OnnxError: node "dequantizelinear_0" \(DequantizeLinear, domain ai\.onnx, opset 21\)\.inputs\[2\]: x_zero_point's type differs from x's/);
  });

  test("a scale that is not a constant (missing initializer)", () => {
    const m = new ModelBuilder(1);
    m.input("x", I8, [2]);
    m.input("s", "float32", [1]);
    m.node("DequantizeLinear", ["x", "s"], ["y"]);
    m.node("QuantizeLinear", ["y", "s"], ["q"]);
    expect(message(() => loadOnnx(m.build("e", "", [{ name: "q", dtype: U8 }], []).bytes))).toBe(
      'OnnxError: node "dequantizelinear_0" (DequantizeLinear, domain ai.onnx, opset 21).inputs[1]: x scale "s" must be a constant (given a runtime tensor; expected an initializer (or a binding))',
    );
  });

  test("shape mismatches: declared output shape, non-broadcasting operands", () => {
    const m = new ModelBuilder(1);
    m.input("x", I8, [2, 3]);
    m.node("Reshape", ["x", m.i64("shape", [4, 2])], ["y"]);
    expect(message(() => loadOnnx(m.build("e", "", [{ name: "y", dtype: I8 }], []).bytes))).toBe(
      'OnnxError: node "reshape_0" (Reshape, domain ai.onnx, opset 21): element count changes (given [2, 3] → [4, 2]; expected the same number of elements)',
    );
    const b = new ModelBuilder(1);
    b.input("a", I8, [2, 3]);
    b.input("c", I8, [4]);
    const [s, z] = b.qp("q", I8, 0.1, 0);
    b.node("QLinearMul", ["a", s, z, "c", s, z, s, z], ["y"], [], "com.microsoft");
    expect(message(() => loadOnnx(b.build("e", "", [{ name: "y", dtype: I8 }], []).bytes))).toBe(
      'OnnxError: node "qlinearmul_0" (QLinearMul, domain com.microsoft, opset 1): shapes do not broadcast (given [2, 3] and [4]; expected NumPy-broadcastable shapes)',
    );
  });

  test("a float result that never reaches a QuantizeLinear", () => {
    const m = new ModelBuilder(1);
    m.input("a", U8, [2]);
    const [s, z] = m.qp("a", U8, 0.1, 3);
    m.node("DequantizeLinear", ["a", s, z], ["af"]);
    m.node("Add", ["af", "af"], ["y"]);
    expect(message(() => loadOnnx(m.build("e", "", [{ name: "y", dtype: "float32" }], []).bytes))).toBe(
      'OnnxError: graph output "y": is the float result of Add; quarch outputs quantized tensors (add a QuantizeLinear) (given FLOAT; expected a tensor a node produces)',
    );
  });

  test("QDQ bias whose scale is not x_scale · w_scale", () => {
    const m = new ModelBuilder(1);
    m.input("x", U8, [1, 1, 3, 3]);
    const [xs, xz] = m.qp("x", U8, 0.5, 3);
    m.node("DequantizeLinear", ["x", xs, xz], ["xf"]);
    m.node("DequantizeLinear", [m.tensor("w", I8, [1, 1, 1, 1], [3]), m.f32("ws", [], [0.25])], ["wf"]);
    m.node("DequantizeLinear", [m.tensor("b", { bits: 32, signed: true }, [1], [7]), m.f32("bs", [], [0.1])], ["bf"]);
    m.node("Conv", ["xf", "wf", "bf"], ["y"], [attr.is("kernel_shape", [1, 1])]);
    m.node("QuantizeLinear", ["y", m.f32("ys", [], [1]), m.tensor("yz", U8, [], [0])], ["q"]);
    expect(message(() => loadOnnx(m.build("e", "", [{ name: "q", dtype: U8 }], []).bytes))).toBe(
      'OnnxError: node "conv_3" (Conv, domain ai.onnx, opset 21).inputs[2]: bias scale must be x_scale · w_scale with zero point 0 (onnxruntime would not fuse this pattern) (given scale 0.10000000149011612; expected 0.125 for channel 0)',
    );
  });
});

describe("export refuses what ONNX cannot express", () => {
  test("a fixed-point requantizer", () => {
    const b = new GraphBuilder("fixed");
    b.input("x", INT8, [1, 4], tensorQuant(0.1, 0));
    b.constant("w", INT8, [4, 2], Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), tensorQuant(0.05, 0));
    b.value("y", INT8, [1, 2], tensorQuant(0.2, 0));
    b.node({ op: "matmul", name: "fc", inputs: ["x", "w"], outputs: ["y"], transB: false, epilogue: { kind: "requant", requant: requantizerFromReal([0.025], "double"), clampMin: -128, clampMax: 127 } });
    b.output("y");
    const text = message(() => exportOnnx(b.build()));
    expect(text).toBe('UnsupportedError: node "fc" (matmul): cannot be exported to ONNX: its requantizer rounds in double mode; ONNX defines the onnx mode (given double; expected onnx (forceRounding(g, "onnx")))');
  });
});

const SEED = process.env["FC_SEED"] === undefined ? 20261127 : Number(process.env["FC_SEED"]);

describe(`whole-graph import fuzzing (fast-check seed ${SEED})`, () => {
  test("mutated model bytes: only typed errors", () => {
    console.log(`fast-check seed ${SEED} (set FC_SEED to replay)`);
    const models = graphModels();
    fc.assert(
      fc.property(fc.nat(models.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 4 }), (i, muts) => {
        let b = Uint8Array.from(models[i]!.bytes);
        for (const [at, value, truncate] of muts) {
          if (truncate) b = b.slice(0, at % (b.length + 1));
          else if (b.length > 0) b[at % b.length] = value;
        }
        try {
          loadOnnx(b);
        } catch (e) {
          if (!(e instanceof QuarchError)) throw e;
          expect(e instanceof OnnxError || e instanceof UnsupportedError || e.code === "graph", e.message).toBe(true);
        }
      }),
      { seed: SEED, numRuns: 800 },
    );
  });
});
