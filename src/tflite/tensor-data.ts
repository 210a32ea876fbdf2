/**
 * TFLite tensor types ↔ quarch dtypes, and constant buffers → typed arrays (little-endian; INT4 packed two
 * per byte, element 0 in the low nibble, as TFLite's tensor_utils::UnpackDenseInt4IntoInt8 reads them).
 * The buffer's size is checked against the tensor's shape before anything is allocated.
 */
import { type DType, INT32, INT4, INT8, type TensorData, UINT8, product } from "../ir/dtype.js";
import { malformed } from "./flatbuffer.js";
import { type TensorDef, describeTensor } from "./model.js";
import { TENSOR_TYPE, typeName } from "./schema.js";

/** The quarch dtype of a TFLite tensor type, or undefined when quarch has none. */
export function dtypeOf(type: number): DType | undefined {
  switch (type) {
    case TENSOR_TYPE.FLOAT32:
      return "float32";
    case TENSOR_TYPE.INT8:
      return INT8;
    case TENSOR_TYPE.UINT8:
      return UINT8;
    case TENSOR_TYPE.INT16:
      return { bits: 16, signed: true };
    case TENSOR_TYPE.INT32:
      return INT32;
    case TENSOR_TYPE.INT4:
      return INT4;
    default:
      return undefined;
  }
}

/** Bytes a tensor of this type and element count occupies in a buffer. */
function byteSize(type: number, n: number): number | undefined {
  switch (type) {
    case TENSOR_TYPE.INT8:
    case TENSOR_TYPE.UINT8:
    case TENSOR_TYPE.BOOL:
      return n;
    case TENSOR_TYPE.INT16:
    case TENSOR_TYPE.FLOAT16:
      return 2 * n;
    case TENSOR_TYPE.INT32:
    case TENSOR_TYPE.FLOAT32:
      return 4 * n;
    case TENSOR_TYPE.INT64:
      return 8 * n;
    case TENSOR_TYPE.INT4:
      return Math.ceil(n / 2);
    default:
      return undefined;
  }
}

/**
 * Decode a constant tensor's buffer. INT64 (paddings, axes written by some converters) is returned as
 * int32 after a range check; other types as their quarch storage.
 */
export function decodeConstant(t: TensorDef, data: Uint8Array, path: string): TensorData {
  const n = product(t.shape);
  const want = byteSize(t.type, n);
  if (want === undefined) {
    throw malformed(path, `constant of type ${typeName(t.type)} cannot be read`, describeTensor(t), "INT8, UINT8, INT16, INT32, INT64, INT4 or FLOAT32");
  }
  if (data.length !== want) {
    throw malformed(path, "buffer size does not match the tensor's shape", `${data.length} bytes for ${describeTensor(t)}`, `${want} bytes`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (t.type) {
    case TENSOR_TYPE.INT8:
      return Int8Array.from({ length: n }, (_, i) => view.getInt8(i));
    case TENSOR_TYPE.UINT8:
    case TENSOR_TYPE.BOOL:
      return Uint8Array.from(data);
    case TENSOR_TYPE.INT16:
      return Int16Array.from({ length: n }, (_, i) => view.getInt16(2 * i, true));
    case TENSOR_TYPE.INT32:
      return Int32Array.from({ length: n }, (_, i) => view.getInt32(4 * i, true));
    case TENSOR_TYPE.FLOAT32:
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(4 * i, true));
    case TENSOR_TYPE.INT64:
      return Int32Array.from({ length: n }, (_, i) => {
        const v = view.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) throw malformed(`${path}[${i}]`, "int64 constant outside the int32 range", v.toString(), "|value| < 2^31");
        return Number(v);
      });
    case TENSOR_TYPE.INT4:
      return Int8Array.from({ length: n }, (_, i) => {
        const nibble = (view.getUint8(i >> 1) >> ((i & 1) * 4)) & 0xf;
        return nibble >= 8 ? nibble - 16 : nibble;
      });
    default:
      throw malformed(path, `constant of type ${typeName(t.type)} cannot be read`, describeTensor(t), "INT8, UINT8, INT16, INT32, INT64, INT4 or FLOAT32");
  }
}
