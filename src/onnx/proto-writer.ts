/**
 * ONNX protobuf messages written from the same plain structures protobuf.ts decodes into, so that
 * decodeModel(encodeModel(m)) gives m back (field for field) and tests can build models as data. Field
 * numbers follow onnx/onnx.proto; repeated numeric fields are written packed (proto3-style, which every
 * ONNX reader accepts), strings as UTF-8.
 */
import { Writer } from "protobufjs/minimal.js";
import type { OnnxAttribute, OnnxGraph, OnnxModel, OnnxNode, OnnxTensorProto, OnnxValueInfo } from "./model-types.js";

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LEN = 2;

/** AttributeProto.AttributeType code of each decoded attribute kind. */
const ATTR_TYPE: Readonly<Record<string, number>> = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
  strings: 8,
  tensors: 9,
  graphs: 10,
};

class Msg {
  readonly w = new Writer();
  private tag(field: number, wire: number): Writer {
    return this.w.uint32(((field << 3) | wire) >>> 0);
  }
  int(field: number, v: number): this {
    this.tag(field, WIRE_VARINT).int64(v);
    return this;
  }
  float(field: number, v: number): this {
    this.tag(field, WIRE_FIXED32).float(v);
    return this;
  }
  string(field: number, s: string): this {
    this.tag(field, WIRE_LEN).string(s);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN).bytes(b);
    return this;
  }
  msg(field: number, m: Msg): this {
    return this.bytes(field, m.finish());
  }
  packedInts(field: number, vs: readonly number[]): this {
    if (vs.length === 0) return this;
    const inner = new Writer();
    for (const v of vs) inner.int64(v);
    return this.bytes(field, inner.finish());
  }
  packedUints(field: number, vs: readonly number[]): this {
    if (vs.length === 0) return this;
    const inner = new Writer();
    for (const v of vs) inner.uint64(v);
    return this.bytes(field, inner.finish());
  }
  packedFloats(field: number, vs: readonly number[]): this {
    if (vs.length === 0) return this;
    const inner = new Writer();
    for (const v of vs) inner.float(v);
    return this.bytes(field, inner.finish());
  }
  packedDoubles(field: number, vs: readonly number[]): this {
    if (vs.length === 0) return this;
    const inner = new Writer();
    for (const v of vs) inner.double(v);
    return this.bytes(field, inner.finish());
  }
  finish(): Uint8Array {
    return this.w.finish();
  }
}

function tensorMsg(t: OnnxTensorProto): Msg {
  const m = new Msg().packedInts(1, t.dims).int(2, t.dataType);
  m.packedFloats(4, t.floatData).packedInts(5, t.int32Data).packedInts(7, t.int64Data);
  if (t.name !== "") m.string(8, t.name);
  if (t.rawData !== undefined) m.bytes(9, t.rawData);
  return m.packedDoubles(10, t.doubleData).packedUints(11, t.uint64Data);
}

function attributeMsg(a: OnnxAttribute): Msg {
  const m = new Msg().string(1, a.name);
  const v = a.value;
  switch (v.kind) {
    case "float":
      m.float(2, v.value);
      break;
    case "int":
      m.int(3, v.value);
      break;
    case "string":
      m.bytes(4, v.value);
      break;
    case "tensor":
      m.msg(5, tensorMsg(v.value));
      break;
    case "graph":
      m.msg(6, graphMsg(v.value));
      break;
    case "floats":
      m.packedFloats(7, v.value);
      break;
    case "ints":
      m.packedInts(8, v.value);
      break;
    case "strings":
      for (const s of v.value) m.bytes(9, s);
      break;
    case "tensors":
      for (const t of v.value) m.msg(10, tensorMsg(t));
      break;
    case "graphs":
      for (const g of v.value) m.msg(11, graphMsg(g));
      break;
    case "other":
      throw new Error(`internal: attribute "${a.name}" of an undecoded kind cannot be written`);
    default: {
      const never: never = v;
      return never;
    }
  }
  return m.int(20, ATTR_TYPE[v.kind]!);
}

function nodeMsg(n: OnnxNode): Msg {
  const m = new Msg();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  if (n.name !== "") m.string(3, n.name);
  m.string(4, n.opType);
  for (const a of n.attributes) m.msg(5, attributeMsg(a));
  if (n.domain !== "") m.string(7, n.domain);
  return m;
}

function valueInfoMsg(v: OnnxValueInfo): Msg {
  const tt = new Msg().int(1, v.elemType);
  if (v.shape !== undefined) {
    const shape = new Msg();
    for (const d of v.shape) {
      const dim = new Msg();
      if (typeof d === "number") dim.int(1, d);
      else if (typeof d === "string") dim.string(2, d);
      shape.msg(1, dim);
    }
    tt.msg(2, shape);
  }
  return new Msg().string(1, v.name).msg(2, new Msg().msg(1, tt));
}

function graphMsg(g: OnnxGraph): Msg {
  const m = new Msg();
  for (const n of g.nodes) m.msg(1, nodeMsg(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.msg(5, tensorMsg(t));
  for (const v of g.inputs) m.msg(11, valueInfoMsg(v));
  for (const v of g.outputs) m.msg(12, valueInfoMsg(v));
  for (const v of g.valueInfo) m.msg(13, valueInfoMsg(v));
  return m;
}

/** Serialize a ModelProto (ir_version, producer_name, graph, opset_import). */
export function encodeModel(model: OnnxModel): Uint8Array {
  const m = new Msg().int(1, model.irVersion);
  if (model.producerName !== "") m.string(2, model.producerName);
  m.msg(7, graphMsg(model.graph));
  for (const o of model.opsetImport) {
    const op = new Msg();
    if (o.domain !== "") op.string(1, o.domain);
    m.msg(8, op.int(2, o.version));
  }
  return m.finish();
}

/** Serialize one TensorProto (e.g. a test_data_set input_0.pb). */
export function encodeTensorProto(t: OnnxTensorProto): Uint8Array {
  return tensorMsg(t).finish();
}
