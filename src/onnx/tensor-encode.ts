/**
 * quarch tensors → ONNX TensorProto structures (the inverse of tensor.ts): little-endian raw_data, sub-byte
 * types packed two (four) per byte with element 0 in the low bits, as the ONNX spec stores INT4 / INT2.
 */
import { UnsupportedError } from "../errors.js";
import { type DType, type TensorData, dtypeName } from "../ir/dtype.js";
import { packBits } from "../ir/packing.js";
import type { OnnxTensorProto } from "./model-types.js";
import { ONNX_FLOAT, ONNX_INT64, onnxCodeOf } from "./tensor.js";

/** ONNX data type code of a quarch dtype; an UnsupportedError for types ONNX cannot hold (e.g. int3, binary). */
export function onnxCodeOrThrow(t: DType, what: string): number {
  const code = onnxCodeOf(t);
  if (code === undefined) throw new UnsupportedError({ path: what, message: `cannot be exported to ONNX: ONNX has no ${dtypeName(t)} type`, given: dtypeName(t), expected: "float32 or an integer type ONNX defines (2, 4, 8, 16, 32 bits)" });
  return code;
}

function rawBytes(t: DType, data: ArrayLike<number>): Uint8Array {
  if (t === "float32") return new Uint8Array(Float32Array.from(data).buffer);
  if (t.bits < 8) return packBits(data, t.bits, t.signed);
  const n = data.length;
  const bytes = new Uint8Array(n * (t.bits / 8));
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (t.bits === 8) view.setUint8(i, v & 0xff);
    else if (t.bits === 16) view.setUint16(2 * i, v & 0xffff, true);
    else view.setUint32(4 * i, v >>> 0, true);
  }
  return bytes;
}

function proto(name: string, dataType: number, dims: readonly number[], rawData: Uint8Array): OnnxTensorProto {
  return {
    name,
    dims: [...dims],
    dataType,
    rawData,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    stringCount: 0,
    external: false,
    segmented: false,
  };
}

/** A TensorProto holding `data` as `dtype` (integers of 2..32 bits or float32). */
export function tensorProtoOf(name: string, dtype: DType, dims: readonly number[], data: TensorData | readonly number[]): OnnxTensorProto {
  return proto(name, onnxCodeOrThrow(dtype, `tensor "${name}"`), dims, rawBytes(dtype, data));
}

/** A float32 TensorProto. */
export function floatProto(name: string, dims: readonly number[], values: readonly number[]): OnnxTensorProto {
  return proto(name, ONNX_FLOAT, dims, rawBytes("float32", values));
}

/** An int64 TensorProto (shapes, axes, pads). */
export function int64Proto(name: string, dims: readonly number[], values: readonly number[]): OnnxTensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return proto(name, ONNX_INT64, dims, bytes);
}
