/** The multi-node test models (see graph-models.ts). */
import { I32, I4, I8, ModelBuilder, type TestModel, U8, attr } from "./graph-models.js";
import type { QType } from "../../src/ir/dtype.js";
import { exportOnnx } from "../../src/onnx/export-onnx.js";
import { loadOnnx } from "../../src/onnx/import-graph.js";

/**
 * Weight range: onnxruntime's u8 × s8 kernels on AVX2 without VNNI sum pairs of products into saturating
 * int16 (vpmaddubsw), so weights beyond 7 bits can saturate; its quantizer's reduce_range keeps them in
 * ±64 and so do these models (quarch computes exact accumulators).
 */
const W = 63;

/** QOperator CNN: QuantizeLinear → QLinearConv (per-channel, bias) → MaxPool → QLinearConv → residual QLinearAdd → Relu → QLinearAveragePool → QLinearGlobalAveragePool → Flatten → QLinearMatMul → DequantizeLinear. */
export function qopCnn(t: QType, seed: number): TestModel {
  const m = new ModelBuilder(seed);
  const lo = t.signed ? -128 : 0;
  m.input("x", "float32", [1, 3, 10, 10]);
  const [xs, xz] = m.qp("x", t, 0.02);
  m.node("QuantizeLinear", ["x", xs, xz], ["xq"]);
  const w1 = m.tensor("w1", I8, [8, 3, 3, 3], m.values(216, -W, W));
  const w1s = m.f32("w1_s", [8], Array.from({ length: 8 }, () => m.scale(0.002, 0.02)));
  const w1z = m.tensor("w1_z", I8, [8], new Array<number>(8).fill(0));
  const b1 = m.tensor("b1", I32, [8], m.values(8, -2000, 2000));
  const [y1s, y1z] = m.qp("y1", t, 0.05);
  m.node("QLinearConv", ["xq", xs, xz, w1, w1s, w1z, y1s, y1z, b1], ["y1"], [attr.is("pads", [1, 1, 1, 1])]);
  m.node("MaxPool", ["y1"], ["p1"], [attr.is("kernel_shape", [2, 2]), attr.is("strides", [2, 2])]);
  const w2 = m.tensor("w2", I8, [8, 8, 3, 3], m.values(576, -W, W));
  const [w2s, w2z] = m.qp("w2", I8, 0.01, 0);
  const [y2s, y2z] = m.qp("y2", t, 0.08);
  m.node("QLinearConv", ["p1", y1s, y1z, w2, w2s, w2z, y2s, y2z], ["y2"], [attr.is("pads", [1, 1, 1, 1])]);
  const [y3s, y3z] = m.qp("y3", t, 0.1, lo + 10);
  m.node("QLinearAdd", ["y2", y2s, y2z, "p1", y1s, y1z, y3s, y3z], ["y3"], [], "com.microsoft");
  // Relu takes int8 only; uint8 gets a Clip with integer bounds (both fold into the add's clamp).
  if (t.signed) m.node("Relu", ["y3"], ["y3r"]);
  else m.node("Clip", ["y3", m.tensor("cmin", t, [], [lo + 30]), m.tensor("cmax", t, [], [lo + 240])], ["y3r"]);
  const [y4s, y4z] = m.qp("y4", t, 0.06);
  m.node("QLinearAveragePool", ["y3r", y3s, y3z, y4s, y4z], ["y4"], [attr.is("kernel_shape", [3, 3]), attr.is("pads", [1, 1, 1, 1]), attr.i("count_include_pad", 1)], "com.microsoft");
  const [y5s, y5z] = m.qp("y5", t, 0.04);
  m.node("QLinearGlobalAveragePool", ["y4", y4s, y4z, y5s, y5z], ["y5"], [], "com.microsoft");
  m.node("Flatten", ["y5"], ["f"]);
  const w3 = m.tensor("w3", I8, [8, 4], m.values(32, -W, W));
  const [w3s, w3z] = m.qp("w3", I8, 0.02, 0);
  const [y6s, y6z] = m.qp("y6", t, 0.03);
  m.node("QLinearMatMul", ["f", y5s, y5z, w3, w3s, w3z, y6s, y6z], ["y6"]);
  m.node("DequantizeLinear", ["y6", y6s, y6z], ["out"]);
  const tn = t.signed ? "int8" : "uint8";
  return m.build(`qop_cnn_${tn}`, `QOperator CNN on ${tn} activations`, [{ name: "out", dtype: "float32" }, { name: "y4", dtype: t }], ["QuantizeLinear", "QLinearConv", "MaxPool", "QLinearAdd", t.signed ? "Relu" : "Clip", "QLinearAveragePool", "QLinearGlobalAveragePool", "Flatten", "QLinearMatMul", "DequantizeLinear"]);
}

/** com.microsoft elementwise ops, lookup tables, concat with requantized inputs, and data movement. */
export function qopMisc(t: QType, seed: number): TestModel {
  const m = new ModelBuilder(seed);
  m.input("a", t, [1, 4, 5, 6]);
  m.input("b", t, [1, 4, 1, 1]);
  const [as, az] = m.qp("a", t);
  const [bs, bz] = m.qp("b", t);
  const [cs, cz] = m.qp("c", t, 0.02);
  m.node("QLinearMul", ["a", as, az, "b", bs, bz, cs, cz], ["c"], [], "com.microsoft");
  const [ss, sz] = m.qp("s", t, 1 / 256, t.signed ? -128 : 0);
  m.node("QLinearSigmoid", ["c", cs, cz, ss, sz], ["s"], [], "com.microsoft");
  const [ls, lz] = m.qp("l", t);
  m.node("QLinearLeakyRelu", ["a", as, az, ls, lz], ["l"], [attr.f("alpha", 0.15)], "com.microsoft");
  const [ks, kz] = m.qp("k", t);
  m.node("QLinearConcat", [ks, kz, "s", ss, sz, "l", ls, lz, "a", as, az], ["k"], [attr.i("axis", 1)], "com.microsoft");
  m.node("Transpose", ["k"], ["kt"], [attr.is("perm", [0, 2, 3, 1])]);
  m.node("Reshape", ["kt", m.i64("shape", [1, 30, 12])], ["kr"]);
  m.node("Unsqueeze", ["kr", m.i64("axes", [0])], ["ku"]);
  m.node("Squeeze", ["ku", m.i64("axes2", [0, 1])], ["ks"]);
  m.node("Pad", ["ks", m.i64("pads", [1, 0, 2, 3]), m.tensor("pv", t, [], [5])], ["kp"]);
  const [ms, mz] = m.qp("m", t);
  m.node("QLinearAdd", ["kp", ks, kz, "b", bs, bz, ms, mz], ["m"], [], "com.microsoft");
  const tn = t.signed ? "int8" : "uint8";
  return m.build(`qop_misc_${tn}`, `com.microsoft elementwise, tables, concat and data movement on ${tn}`, [{ name: "m", dtype: t }, { name: "k", dtype: t }], ["QLinearMul", "QLinearSigmoid", "QLinearLeakyRelu", "QLinearConcat", "Transpose", "Reshape", "Unsqueeze", "Squeeze", "Pad", "QLinearAdd"]);
}

/** QDQ CNN with uint8 activations (onnxruntime fuses it on every x86 CPU). `wType` int4 makes the int4 variant. */
export function qdqCnn(seed: number, wType: QType, wmax: number, name: string, goldenFrom?: string): TestModel {
  const m = new ModelBuilder(seed);
  const t = U8;
  m.input("xq", t, [1, 4, 8, 8]);
  const [xs, xz] = m.qp("x", t, 0.03);
  m.node("DequantizeLinear", ["xq", xs, xz], ["x"]);
  const w1 = m.tensor("w1", wType, [6, 4, 3, 3], m.values(216, -wmax, wmax));
  const w1sv = Array.from({ length: 6 }, () => m.scale(0.002, 0.03));
  const w1s = m.f32("w1_s", [6], w1sv);
  const w1z = m.tensor("w1_z", wType, [6], new Array<number>(6).fill(0));
  m.node("DequantizeLinear", [w1, w1s, w1z], ["w1f"], [attr.i("axis", 0)]);
  const b1 = m.tensor("b1", I32, [6], m.values(6, -3000, 3000));
  const b1s = m.f32("b1_s", [6], w1sv.map((s) => Math.fround(s * Math.fround(0.03))));
  m.node("DequantizeLinear", [b1, b1s], ["b1f"], [attr.i("axis", 0)]);
  m.node("Conv", ["x", "w1f", "b1f"], ["c1"], [attr.is("pads", [1, 1, 1, 1])]);
  m.node("Relu", ["c1"], ["r1"]);
  const [y1s, y1z] = m.qp("y1", t, 0.05, 0);
  m.node("QuantizeLinear", ["r1", y1s, y1z], ["y1q"]);
  m.node("DequantizeLinear", ["y1q", y1s, y1z], ["y1"]);
  m.node("MaxPool", ["y1"], ["p1"], [attr.is("kernel_shape", [2, 2]), attr.is("strides", [2, 2])]);
  m.node("QuantizeLinear", ["p1", y1s, y1z], ["p1q"]);
  m.node("DequantizeLinear", ["p1q", y1s, y1z], ["p1f"]);
  const w2 = m.tensor("w2", wType, [6, 6, 3, 3], m.values(324, -wmax, wmax));
  const [w2s, w2z] = m.qp("w2", wType, 0.01, 0);
  m.node("DequantizeLinear", [w2, w2s, w2z], ["w2f"]);
  m.node("Conv", ["p1f", "w2f"], ["c2"], [attr.is("pads", [1, 1, 1, 1])]);
  const [y2s, y2z] = m.qp("y2", t, 0.07);
  m.node("QuantizeLinear", ["c2", y2s, y2z], ["y2q"]);
  m.node("DequantizeLinear", ["y2q", y2s, y2z], ["y2"]);
  m.node("Add", ["y2", "p1f"], ["s3"]);
  const [y3s, y3z] = m.qp("y3", t, 0.08);
  m.node("QuantizeLinear", ["s3", y3s, y3z], ["y3q"]);
  m.node("DequantizeLinear", ["y3q", y3s, y3z], ["y3"]);
  m.node("AveragePool", ["y3"], ["a4"], [attr.is("kernel_shape", [2, 2]), attr.is("strides", [1, 1])]);
  const [y4s, y4z] = m.qp("y4", t, 0.05);
  m.node("QuantizeLinear", ["a4", y4s, y4z], ["y4q"]);
  m.node("DequantizeLinear", ["y4q", y4s, y4z], ["y4"]);
  m.node("GlobalAveragePool", ["y4"], ["g5"]);
  const [y5s, y5z] = m.qp("y5", t, 0.03);
  m.node("QuantizeLinear", ["g5", y5s, y5z], ["y5q"]);
  m.node("DequantizeLinear", ["y5q", y5s, y5z], ["y5"]);
  m.node("Flatten", ["y5"], ["f5f"]);
  m.node("QuantizeLinear", ["f5f", y5s, y5z], ["f5q"]);
  m.node("DequantizeLinear", ["f5q", y5s, y5z], ["f5"]);
  const w3 = m.tensor("w3", I8, [5, 6], m.values(30, -W, W));
  const w3sv = Array.from({ length: 5 }, () => m.scale(0.005, 0.03));
  const w3s = m.f32("w3_s", [5], w3sv);
  const w3z = m.tensor("w3_z", I8, [5], new Array<number>(5).fill(0));
  m.node("DequantizeLinear", [w3, w3s, w3z], ["w3f"], [attr.i("axis", 0)]);
  const b3 = m.tensor("b3", I32, [5], m.values(5, -500, 500));
  const b3s = m.f32("b3_s", [5], w3sv.map((s) => Math.fround(s * Math.fround(0.03))));
  m.node("DequantizeLinear", [b3, b3s], ["b3f"], [attr.i("axis", 0)]);
  m.node("Gemm", ["f5", "w3f", "b3f"], ["g6"], [attr.i("transB", 1)]);
  const [y6s, y6z] = m.qp("y6", t, 0.02);
  m.node("QuantizeLinear", ["g6", y6s, y6z], ["y6q"]);
  return m.build(name, `QDQ CNN, uint8 activations, ${wType.bits === 4 ? "int4" : "int8"} per-channel weights in ±${wmax}`, [{ name: "y6q", dtype: t }, { name: "y3q", dtype: t }], ["DequantizeLinear", "Conv", "Relu", "QuantizeLinear", "MaxPool", "Add", "AveragePool", "GlobalAveragePool", "Flatten", "Gemm"], goldenFrom);
}

/** QDQ elementwise ops, tables, concat, MatMul and Clip on uint8 views. */
export function qdqMisc(seed: number): TestModel {
  const m = new ModelBuilder(seed);
  const t = U8;
  m.input("aq", t, [1, 3, 4, 5]);
  m.input("bq", t, [1, 3, 4, 5]);
  const [as, az] = m.qp("a", t);
  const [bs, bz] = m.qp("b", t);
  m.node("DequantizeLinear", ["aq", as, az], ["a"]);
  m.node("DequantizeLinear", ["bq", bs, bz], ["b"]);
  m.node("Mul", ["a", "b"], ["p"]);
  const [ps, pz] = m.qp("p", t, 0.002);
  m.node("QuantizeLinear", ["p", ps, pz], ["pq"]);
  m.node("DequantizeLinear", ["pq", ps, pz], ["pf"]);
  m.node("Sigmoid", ["pf"], ["sg"]);
  const [ss, sz] = m.qp("s", t, 1 / 256, 0);
  m.node("QuantizeLinear", ["sg", ss, sz], ["sq"]);
  m.node("LeakyRelu", ["a"], ["lr"], [attr.f("alpha", 0.2)]);
  const [ls, lz] = m.qp("l", t);
  m.node("QuantizeLinear", ["lr", ls, lz], ["lq"]);
  m.node("DequantizeLinear", ["sq", ss, sz], ["sf"]);
  m.node("DequantizeLinear", ["lq", ls, lz], ["lf"]);
  m.node("Concat", ["sf", "lf", "b"], ["k"], [attr.i("axis", 1)]);
  const [ks, kz] = m.qp("k", t);
  m.node("QuantizeLinear", ["k", ks, kz], ["kq"]);
  m.node("DequantizeLinear", ["kq", ks, kz], ["kf"]);
  const w = m.tensor("w", I8, [5, 7], m.values(35, -W, W));
  const [wsn, wzn] = m.qp("w", I8, 0.02, 0);
  m.node("DequantizeLinear", [w, wsn, wzn], ["wf"]);
  m.node("MatMul", ["kf", "wf"], ["mm"]);
  // Clip(0, 6) before a QuantizeLinear whose range is [0, 6]: onnxruntime drops it, quarch folds it.
  m.node("Clip", ["mm", m.f32("lo", [], [0]), m.f32("hi", [], [6])], ["mc"]);
  const [ms, mz] = m.qp("m", t, 6 / 255, 0);
  m.node("QuantizeLinear", ["mc", ms, mz], ["mq"]);
  return m.build("qdq_misc_uint8", "QDQ Mul, Sigmoid, LeakyRelu, Concat (requantized inputs), MatMul and Clip on uint8", [{ name: "mq", dtype: t }, { name: "kq", dtype: t }], ["Mul", "Sigmoid", "LeakyRelu", "Concat", "MatMul", "Clip"]);
}

/**
 * com.microsoft QLinearSoftmax and Gather of a lookup table. Random rows usually have one dominant value,
 * whose probability rounds to 1: with int8 scale 1/256 and zero point −128 that is 128, which onnxruntime
 * saturates to 127. A softmax over a one-wide axis overflows onnxruntime's float32 product to ∞.
 */
export function qopSoftmax(t: QType, seed: number): TestModel {
  const m = new ModelBuilder(seed);
  const lo = t.signed ? -128 : 0;
  m.input("x", t, [6, 10]);
  const [xs, xz] = m.qp("x", t, 0.3);
  const [ys, yz] = m.qp("y", t, 1 / 256, lo);
  m.node("QLinearSoftmax", ["x", xs, xz, ys, yz], ["y"], [attr.i("axis", -1), attr.i("opset", 13)], "com.microsoft");
  m.input("z", t, [4, 1]);
  const [zs, zz] = m.qp("z", t, 0.05);
  const [ws, wz] = m.qp("w", t, 1 / 200, lo + 78);
  m.node("QLinearSoftmax", ["z", zs, zz, ws, wz], ["w"], [attr.i("opset", 13)], "com.microsoft");
  m.node("Cast", ["x"], ["xi"], [attr.i("to", 6)]);
  m.node("Gather", [m.tensor("table", t, [256], m.values(256, lo, lo + 255)), "xi"], ["g"], [attr.i("axis", 0)]);
  const tn = t.signed ? "int8" : "uint8";
  return m.build(`qop_softmax_${tn}`, `QLinearSoftmax (saturating and one-wide rows) and a Gather lookup table on ${tn}`, [{ name: "y", dtype: t }, { name: "w", dtype: t }, { name: "g", dtype: t }], ["QLinearSoftmax", "Cast", "Gather"]);
}

/** QDQ Softmax on int8 and uint8 (onnxruntime fuses DQ → Softmax → Q into QLinearSoftmax). */
export function qdqSoftmax(seed: number): TestModel {
  const m = new ModelBuilder(seed);
  m.input("aq", I8, [2, 3, 7]);
  const [as, az] = m.qp("a", I8, 0.1);
  m.node("DequantizeLinear", ["aq", as, az], ["a"]);
  m.node("Softmax", ["a"], ["sa"], [attr.i("axis", -1)]);
  const [ss, sz] = m.qp("s", I8, 1 / 256, -128);
  m.node("QuantizeLinear", ["sa", ss, sz], ["sq"]);
  m.input("bq", U8, [3, 5]);
  const [bs, bz] = m.qp("b", U8, 0.04);
  m.node("DequantizeLinear", ["bq", bs, bz], ["b"]);
  m.node("Softmax", ["b"], ["sb"]);
  const [us, uz] = m.qp("u", U8, 1 / 255, 0);
  m.node("QuantizeLinear", ["sb", us, uz], ["uq"]);
  return m.build("qdq_softmax", "QDQ Softmax on int8 (rank 3) and uint8", [{ name: "sq", dtype: I8 }, { name: "uq", dtype: U8 }], ["DequantizeLinear", "Softmax", "QuantizeLinear"]);
}

/** Integer MAC ops with int32 outputs. */
function integerOps(seed: number): TestModel {
  const m = new ModelBuilder(seed);
  m.input("x", U8, [1, 2, 5, 5]);
  const w = m.tensor("w", I8, [3, 2, 3, 3], m.values(54, -100, 100));
  m.node("ConvInteger", ["x", w, m.tensor("xz", U8, [], [7]), m.tensor("wz", I8, [], [0])], ["c"], [attr.is("pads", [1, 1, 1, 1])]);
  m.input("a", U8, [3, 4]);
  const b = m.tensor("bm", I8, [4, 2], m.values(8, -100, 100));
  m.node("MatMulInteger", ["a", b, m.tensor("az", U8, [], [100])], ["mm"]);
  return m.build("integer_ops", "ConvInteger and MatMulInteger (int32 accumulators)", [{ name: "c", dtype: I32 }, { name: "mm", dtype: I32 }], ["ConvInteger", "MatMulInteger"]);
}

/** quarch's own export of an imported test model: onnxruntime must compute the same. */
function exported(m: TestModel, style: "qdq" | "qoperator"): TestModel {
  return { ...m, name: `export_${style}_${m.name}`, description: `quarch export (${style}) of ${m.name}`, bytes: exportOnnx(loadOnnx(m.bytes), { style, producerName: "quarch-tests" }) };
}

export function graphModels(): TestModel[] {
  const base = baseModels();
  const pick = (name: string): TestModel => base.find((m) => m.name === name)!;
  return [...base, ...["qdq_cnn_uint8", "qop_misc_int8", "qdq_misc_uint8", "qop_cnn_int8", "qop_softmax_int8", "qdq_softmax"].flatMap((n) => [exported(pick(n), "qdq"), exported(pick(n), "qoperator")])];
}

function baseModels(): TestModel[] {
  return [
    qopCnn(U8, 11),
    qopCnn(I8, 12),
    qopMisc(U8, 21),
    qopMisc(I8, 22),
    qdqCnn(31, I8, W, "qdq_cnn_uint8"),
    qdqCnn(32, I4, 7, "qdq_cnn_int4", "qdq_cnn_int4_as_int8"),
    qdqCnn(32, I8, 7, "qdq_cnn_int4_as_int8"),
    qdqMisc(41),
    integerOps(51),
    qopSoftmax(I8, 61),
    qopSoftmax(U8, 62),
    qdqSoftmax(63),
  ];
}
