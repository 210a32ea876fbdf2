import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { OnnxError } from "../../src/errors.js";
import { decodeGraph, decodeModel, decodeTensorProto } from "../../src/onnx/protobuf.js";
import { decodeTensorData, halfToFloat, tensorFromProto, unpackSubByte } from "../../src/onnx/tensor.js";
import { Msg, cat, tensorMsg } from "./pb-builder.js";

const FIX = join(import.meta.dirname, "../fixtures/onnx-node");
const fixture = (p: string): Uint8Array => readFileSync(join(FIX, p));

/** The OnnxError message a function throws (fails the test if it throws anything else). */
function onnxMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof OnnxError) return e.message;
    throw e;
  }
  throw new Error("expected an OnnxError, nothing was thrown");
}

const tensor = (bytes: Uint8Array) => tensorFromProto(decodeTensorProto(bytes));
const f32Bytes = (vs: readonly number[]) => new Uint8Array(Float32Array.from(vs).buffer);

describe("ModelProto / GraphProto / NodeProto", () => {
  test("decodes a real QLinearConv model", () => {
    const m = decodeModel(fixture("test_qlinearconv/model.onnx"));
    expect(m.opsetImport).toEqual([{ domain: "", version: 10 }]);
    expect(m.graph.nodes).toHaveLength(1);
    const n = m.graph.nodes[0]!;
    expect(n.opType).toBe("QLinearConv");
    expect(n.inputs).toEqual(["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point"]);
    expect(n.outputs).toEqual(["y"]);
    const x = m.graph.inputs[0]!;
    expect(x).toEqual({ name: "x", elemType: 2, isTensor: true, shape: [1, 1, 7, 7] });
    expect(m.graph.outputs[0]!.shape).toEqual([1, 1, 7, 7]);
  });

  test("decodes attributes of every scalar and list kind, packed or not, typed or inferred", () => {
    const attr = (name: string, build: (m: Msg) => Msg) => build(new Msg().string(1, name));
    const node = new Msg()
      .string(1, "a")
      .string(2, "b")
      .string(3, "n0")
      .string(4, "Conv")
      .msg(5, attr("pads", (m) => m.packedInts(8, [1, 2, 3, 4]).int(20, 7)))
      .msg(5, attr("strides", (m) => m.int(8, 2).int(8, 2).int(20, 7)))
      .msg(5, attr("alpha", (m) => m.float(2, 0.5).int(20, 1)))
      .msg(5, attr("mode", (m) => m.string(4, "SAME_UPPER").int(20, 3)))
      .msg(5, attr("group", (m) => m.int(3, -3))) // no type: inferred (IR < 3)
      .msg(5, attr("scales", (m) => m.float(7, 1.5).float(7, 2.5).int(20, 6)));
    const g = decodeGraph(new Msg().msg(1, node).string(2, "g").finish());
    const a = g.nodes[0]!.attributes;
    expect(a.map((x) => x.name)).toEqual(["pads", "strides", "alpha", "mode", "group", "scales"]);
    expect(a[0]!.value).toEqual({ kind: "ints", value: [1, 2, 3, 4] });
    expect(a[1]!.value).toEqual({ kind: "ints", value: [2, 2] });
    expect(a[2]!.value).toEqual({ kind: "float", value: 0.5 });
    expect(a[3]!.value).toMatchObject({ kind: "string" });
    expect(new TextDecoder().decode((a[3]!.value as { value: Uint8Array }).value)).toBe("SAME_UPPER");
    expect(a[4]!.value).toEqual({ kind: "int", value: -3 });
    expect(a[5]!.value).toEqual({ kind: "floats", value: [1.5, 2.5] });
  });

  test("skips unknown fields of every wire type", () => {
    const unknown = cat(new Msg().int(99, 5).finish(), [0x9d, 0x06, 1, 2, 3, 4], [0x99, 0x06, 1, 2, 3, 4, 5, 6, 7, 8], new Msg().string(98, "x").finish());
    const bytes = cat(unknown, new Msg().string(2, "named").finish());
    expect(decodeGraph(bytes).name).toBe("named");
  });

  test("a model without a graph is refused", () => {
    expect(onnxMessage(() => decodeModel(new Msg().int(1, 8).finish()))).toBe("ModelProto: model has no graph (given no field 7; expected a GraphProto)");
  });
});

describe("TensorProto → Tensor", () => {
  test("reads a real scale and a real uint8 input", () => {
    const s = tensor(fixture("test_qlinearconv/test_data_set_0/input_1.pb"));
    expect(s.dtype).toBe("float32");
    expect(s.shape).toEqual([]);
    const x = tensor(fixture("test_qlinearconv/test_data_set_0/input_0.pb"));
    expect(x.dtype).toEqual({ bits: 8, signed: false });
    expect(x.shape).toEqual([1, 1, 7, 7]);
    expect(x.data).toBeInstanceOf(Uint8Array);
  });

  test("float32 from raw_data, packed and unpacked float_data", () => {
    const want = [1.5, -2, 3.25];
    const a = tensor(tensorMsg({ dims: [3], dataType: 1, raw: f32Bytes(want) }).finish());
    const b = tensor(tensorMsg({ dims: [3], dataType: 1, floats: want }).finish());
    const c = tensor(tensorMsg({ dims: [3], dataType: 1, floats: want, packed: false }).finish());
    for (const t of [a, b, c]) expect(Array.from(t.data)).toEqual(want);
  });

  test("8/16/32-bit integers from int32_data (negative varints) and raw_data", () => {
    const i8 = tensor(tensorMsg({ dims: [4], dataType: 3, int32s: [-128, -1, 0, 127] }).finish());
    expect(i8.data).toEqual(Int8Array.of(-128, -1, 0, 127));
    const i8u = tensor(tensorMsg({ dims: [2], dataType: 3, int32s: [-5, 6], packed: false }).finish());
    expect(i8u.data).toEqual(Int8Array.of(-5, 6));
    const u16 = tensor(tensorMsg({ dims: [2], dataType: 4, raw: Uint8Array.of(0x34, 0x12, 0xff, 0xff) }).finish());
    expect(u16.data).toEqual(Uint16Array.of(0x1234, 0xffff));
    const i16 = tensor(tensorMsg({ dims: [1], dataType: 5, raw: Uint8Array.of(0x00, 0x80) }).finish());
    expect(i16.data).toEqual(Int16Array.of(-32768));
    const i32 = tensor(tensorMsg({ dims: [2], dataType: 6, int32s: [-2147483648, 2147483647] }).finish());
    expect(i32.data).toEqual(Int32Array.of(-2147483648, 2147483647));
  });

  test("int64 becomes exact numbers; beyond 2^53 is refused, beyond int32 cannot become a quarch tensor", () => {
    const d = decodeTensorData(decodeTensorProto(tensorMsg({ name: "s", dims: [2], dataType: 7, int64s: [-(2 ** 53) + 1, 2 ** 40] }).finish()));
    expect(Array.from(d.data)).toEqual([-(2 ** 53) + 1, 2 ** 40]);
    const raw = new Uint8Array(new BigInt64Array([5n, -7n]).buffer);
    expect(tensor(tensorMsg({ dims: [2], dataType: 7, raw }).finish()).data).toEqual(Int32Array.of(5, -7));
    expect(onnxMessage(() => decodeTensorProto(tensorMsg({ dims: [1], dataType: 7, int64s: [] }).int(7, "9007199254740993").finish()))).toBe(
      "TensorProto.int64_data: 64-bit integer beyond the exactly representable range (given 9007199254740993; expected |value| < 2^53)",
    );
    const bigRaw = new Uint8Array(new BigInt64Array([2n ** 60n]).buffer);
    expect(onnxMessage(() => tensor(tensorMsg({ name: "big", dims: [1], dataType: 7, raw: bigRaw }).finish()))).toBe(
      'TensorProto "big".raw_data[0]: int64 value beyond the exactly representable range (given 1152921504606846976; expected |value| < 2^53)',
    );
    expect(onnxMessage(() => tensor(tensorMsg({ name: "w", dims: [1], dataType: 7, int64s: [2 ** 31] }).finish()))).toBe(
      'TensorProto "w"[0]: int64 value does not fit in int32, the widest quarch integer (given 2147483648; expected -2^31..2^31-1)',
    );
  });

  test("float16 widens exactly (normal, subnormal, infinities, NaN) from int32_data and raw_data", () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    const a = tensor(tensorMsg({ dims: [2], dataType: 10, int32s: [0x3555, 0x8001] }).finish());
    expect(a.dtype).toBe("float32");
    expect(Array.from(a.data)).toEqual([halfToFloat(0x3555), -(2 ** -24)]);
    const b = tensor(tensorMsg({ dims: [1], dataType: 10, raw: Uint8Array.of(0x55, 0x35) }).finish());
    expect(b.data[0]).toBe(halfToFloat(0x3555));
  });

  test("sub-byte types unpack element 0 from the low bits, in raw_data and int32_data", () => {
    // int4 [-8, 7, -1] packed: byte0 = 0x78 (7 << 4 | 8), byte1 = 0x0f.
    const i4 = tensor(tensorMsg({ dims: [3], dataType: 22, raw: Uint8Array.of(0x78, 0x0f) }).finish());
    expect(i4.dtype).toEqual({ bits: 4, signed: true });
    expect(i4.data).toEqual(Int8Array.of(-8, 7, -1));
    const u4 = tensor(tensorMsg({ dims: [3], dataType: 21, int32s: [0x78, 0x0f] }).finish());
    expect(u4.data).toEqual(Uint8Array.of(8, 7, 15));
    // int2 [1, -2, -1, 0, 1]: byte0 = 00 11 10 01 = 0x39, byte1 = 0x01.
    const i2 = tensor(tensorMsg({ dims: [5], dataType: 26, raw: Uint8Array.of(0x39, 0x01) }).finish());
    expect(i2.data).toEqual(Int8Array.of(1, -2, -1, 0, 1));
    const u2 = tensor(tensorMsg({ dims: [5], dataType: 25, int32s: [0x39, 0x01] }).finish());
    expect(u2.data).toEqual(Uint8Array.of(1, 2, 3, 0, 1));
    expect(unpackSubByte([0xab], 2, 4, false)).toEqual(Uint8Array.of(0xb, 0xa));
  });
});

describe("malformed input is an OnnxError naming the place", () => {
  const good = tensorMsg({ name: "x_scale", dims: [], dataType: 1, raw: f32Bytes([0.5]) }).finish();

  test("truncated bytes", () => {
    expect(onnxMessage(() => decodeTensorProto(good.subarray(0, good.length - 2)))).toBe(
      'TensorProto "x_scale".raw_data: length runs past the end of the message (given 4 bytes declared; expected at most the 2 bytes left)',
    );
    expect(onnxMessage(() => decodeTensorProto(Uint8Array.of(0x08, 0x80)))).toMatch(/^TensorProto\.dims: truncated or malformed protobuf while reading a varint/);
    expect(onnxMessage(() => decodeTensorProto(Uint8Array.of(0x80)))).toMatch(/^TensorProto: truncated or malformed protobuf while reading a field tag/);
  });

  test("wrong wire type", () => {
    expect(onnxMessage(() => decodeTensorProto(new Msg().float(1, 3).finish()))).toBe(
      "TensorProto.dims: wrong wire type for field 1 (given fixed32; expected varint or length-delimited)",
    );
    expect(onnxMessage(() => decodeTensorProto(new Msg().int(8, 3).finish()))).toBe(
      "TensorProto.name: wrong wire type for field 8 (given varint; expected length-delimited)",
    );
    expect(onnxMessage(() => decodeTensorProto(Uint8Array.of(0x9f, 0x06)))).toBe(
      "TensorProto: invalid wire type 7 for field 99 (expected 0, 1, 2, 3 or 5)",
    );
  });

  test("a length beyond the buffer", () => {
    const bytes = cat(new Msg().string(8, "x_scale").finish(), [0x4a, 0xe8, 0x07, 1, 2, 3]); // raw_data claims 1000 bytes
    expect(onnxMessage(() => decodeTensorProto(bytes))).toBe(
      'TensorProto "x_scale".raw_data: length runs past the end of the message (given 1000 bytes declared; expected at most the 3 bytes left)',
    );
    const nested = cat([0x3a, 0x7f], new Msg().string(2, "g").finish()); // graph length 127, 3 bytes present
    expect(onnxMessage(() => decodeModel(nested))).toBe(
      "ModelProto.graph: length runs past the end of the message (given 127 bytes declared; expected at most the 3 bytes left)",
    );
  });

  test("declared dims disagreeing with the data length", () => {
    expect(onnxMessage(() => tensor(tensorMsg({ name: "x_scale", dims: [], dataType: 1, raw: Uint8Array.of(1, 2, 3) }).finish()))).toBe(
      'TensorProto "x_scale".raw_data: data length disagrees with dims (given 3 bytes; expected 4 bytes for FLOAT dims [])',
    );
    expect(onnxMessage(() => tensor(tensorMsg({ name: "w", dims: [2, 3], dataType: 3, int32s: [1, 2, 3] }).finish()))).toBe(
      'TensorProto "w".int32_data: data length disagrees with dims (given 3 values; expected 6 values for INT8 dims [2, 3])',
    );
    expect(onnxMessage(() => tensor(tensorMsg({ name: "q", dims: [5], dataType: 22, int32s: [1, 2] }).finish()))).toBe(
      'TensorProto "q".int32_data: data length disagrees with dims (given 2 packed bytes; expected 3 packed bytes for INT4 dims [5])',
    );
  });

  test("a huge declared size with no data is refused before anything is allocated", () => {
    expect(onnxMessage(() => tensor(tensorMsg({ name: "h", dims: [2 ** 40, 2 ** 12], dataType: 1 }).finish()))).toBe(
      'TensorProto "h".float_data: data length disagrees with dims (given 0 values; expected 4503599627370496 values for FLOAT dims [1099511627776, 4096])',
    );
  });

  test("unknown data type, wrong data field, out-of-range values", () => {
    expect(onnxMessage(() => tensor(tensorMsg({ name: "t", dims: [1], dataType: 17, raw: Uint8Array.of(0) }).finish()))).toMatch(
      /^TensorProto "t"\.data_type: unsupported tensor data type \(given type 17; expected FLOAT \(1\), UINT8 \(2\), /,
    );
    expect(onnxMessage(() => tensor(tensorMsg({ name: "t", dims: [1], dataType: 1, int32s: [1] }).finish()))).toBe(
      'TensorProto "t".int32_data: FLOAT data in the wrong field (given int32_data; expected raw_data or float_data)',
    );
    expect(onnxMessage(() => tensor(tensorMsg({ name: "t", dims: [1], dataType: 2, int32s: [256] }).finish()))).toBe(
      'TensorProto "t".int32_data[0]: value out of range for uint8 values (given 256; expected 0..255)',
    );
    expect(onnxMessage(() => tensor(tensorMsg({ name: "t", dims: [-1], dataType: 1 }).finish()))).toBe(
      'TensorProto "t".dims[0]: negative dimension (given -1; expected a size ≥ 0)',
    );
  });

  test("external data and deep nesting", () => {
    expect(onnxMessage(() => tensor(tensorMsg({ name: "e", dims: [1], dataType: 1 }).int(14, 1).finish()))).toBe(
      'TensorProto "e".data_location: external tensor data is not supported (given EXTERNAL; expected data inside the file)',
    );
    // A graph attribute holding a graph holding … 100 levels deep.
    let g = new Msg().string(2, "leaf");
    for (let i = 0; i < 100; i++) {
      const attr = new Msg().string(1, "body").msg(6, g).int(20, 5);
      g = new Msg().msg(1, new Msg().string(4, "If").msg(5, attr));
    }
    expect(onnxMessage(() => decodeGraph(g.finish()))).toMatch(/messages nested too deeply \(given depth 65; expected at most 64\)/);
  });
});
