/**
 * ONNX TensorProto payloads → element arrays, after checking that dims, data type and data length agree
 * (before anything is allocated from a declared size). float16 is widened to float32 exactly; int64 is held
 * as exact doubles (|v| < 2^53) and only narrowed to int32 when it becomes a quarch tensor; sub-byte types
 * are unpacked from two (four) per byte, element 0 in the low bits.
 */
import { unpackBits } from "../ir/packing.js";
import type { OnnxTensorProto } from "./protobuf.js";
import { onnxFail } from "./wire.js";
import { type DType, type QType, type TensorData, allocTensorData, dtypeName } from "../ir/dtype.js";
import type { Tensor } from "../ir/graph.js";

/** TensorProto.DataType codes quarch reads. */
export const ONNX_FLOAT = 1;
export const ONNX_UINT8 = 2;
export const ONNX_INT8 = 3;
export const ONNX_UINT16 = 4;
export const ONNX_INT16 = 5;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_FLOAT16 = 10;
export const ONNX_UINT32 = 12;
export const ONNX_UINT4 = 21;
export const ONNX_INT4 = 22;
export const ONNX_UINT2 = 25;
export const ONNX_INT2 = 26;

type Storage = "float" | "int32" | "int64" | "uint64";

interface ElemInfo {
  readonly name: string;
  /** How quarch holds it: float16 as float32, int64 as exact doubles until narrowed. */
  readonly held: DType | "int64";
  /** Bits per element in raw_data (sub-byte types are packed). */
  readonly bits: number;
  /** The typed repeated field that may hold the values instead of raw_data. */
  readonly field: Storage;
}

const q = (bits: number, signed: boolean): QType => ({ bits, signed });

const ELEM: Readonly<Record<number, ElemInfo>> = {
  [ONNX_FLOAT]: { name: "FLOAT", held: "float32", bits: 32, field: "float" },
  [ONNX_UINT8]: { name: "UINT8", held: q(8, false), bits: 8, field: "int32" },
  [ONNX_INT8]: { name: "INT8", held: q(8, true), bits: 8, field: "int32" },
  [ONNX_UINT16]: { name: "UINT16", held: q(16, false), bits: 16, field: "int32" },
  [ONNX_INT16]: { name: "INT16", held: q(16, true), bits: 16, field: "int32" },
  [ONNX_INT32]: { name: "INT32", held: q(32, true), bits: 32, field: "int32" },
  [ONNX_INT64]: { name: "INT64", held: "int64", bits: 64, field: "int64" },
  [ONNX_FLOAT16]: { name: "FLOAT16", held: "float32", bits: 16, field: "int32" },
  [ONNX_UINT32]: { name: "UINT32", held: q(32, false), bits: 32, field: "uint64" },
  [ONNX_UINT4]: { name: "UINT4", held: q(4, false), bits: 4, field: "int32" },
  [ONNX_INT4]: { name: "INT4", held: q(4, true), bits: 4, field: "int32" },
  [ONNX_UINT2]: { name: "UINT2", held: q(2, false), bits: 2, field: "int32" },
  [ONNX_INT2]: { name: "INT2", held: q(2, true), bits: 2, field: "int32" },
};

export const SUPPORTED_TYPES_TEXT = Object.entries(ELEM)
  .map(([code, e]) => `${e.name} (${code})`)
  .join(", ");

/** Name of an ONNX data type code, e.g. "INT4"; "type 17" when quarch does not know it. */
export function onnxTypeName(code: number): string {
  return ELEM[code]?.name ?? `type ${code}`;
}

/**
 * The quarch dtype an ONNX element type is held in (float16 → float32, int64 → int32 after a range check);
 * undefined for types quarch does not read.
 */
export function quarchDType(code: number): DType | undefined {
  const e = ELEM[code];
  if (e === undefined) return undefined;
  return e.held === "int64" ? q(32, true) : e.held;
}

/** The ONNX data type code of a quarch integer dtype (undefined when ONNX has none). */
export function onnxCodeOf(t: DType): number | undefined {
  for (const [code, e] of Object.entries(ELEM)) {
    const h = e.held;
    if (Number(code) === ONNX_FLOAT16 || h === "int64") continue;
    if (h === "float32" ? t === "float32" : t !== "float32" && h.bits === t.bits && h.signed === t.signed) return Number(code);
  }
  return undefined;
}

export function requireElemType(code: number, path: string): ElemInfo {
  const e = ELEM[code];
  if (e === undefined) onnxFail(path, "unsupported tensor data type", onnxTypeName(code), SUPPORTED_TYPES_TEXT);
  return e;
}

/** A decoded tensor: ONNX data type, shape and elements (int64 as exact doubles). */
export interface DecodedTensor {
  readonly name: string;
  readonly dataType: number;
  readonly shape: readonly number[];
  readonly data: TensorData | Float64Array;
}

/** Exact float16 → float32 (every half value is a float32). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 31) return man === 0 ? sign * Infinity : NaN;
  return sign * (1024 + man) * 2 ** (exp - 25);
}

/** Unpack `count` sub-byte elements (element 0 in the low bits of byte 0), sign-extending signed types. */
export function unpackSubByte(bytes: ArrayLike<number>, count: number, bits: number, signed: boolean): Int8Array | Uint8Array {
  // ONNX has no 1-bit type, so the IR's bipolar reading of signed 1-bit never applies here.
  return unpackBits(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), count, bits, signed) as Int8Array | Uint8Array;
}

function shapeText(dims: readonly number[]): string {
  return `[${dims.join(", ")}]`;
}

/** Element count of dims, each checked to be a non-negative integer. */
function elementCount(t: OnnxTensorProto, path: string): number {
  let n = 1;
  t.dims.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || d < 0) onnxFail(`${path}.dims[${i}]`, "negative dimension", String(d), "a size ≥ 0");
    n *= d;
  });
  return n;
}

/** Check dims, data type and payload against each other and decode the elements. */
export function decodeTensorData(t: OnnxTensorProto, path = tensorPath(t)): DecodedTensor {
  if (t.external) onnxFail(`${path}.data_location`, "external tensor data is not supported", "EXTERNAL", "data inside the file");
  if (t.segmented) onnxFail(`${path}.segment`, "segmented tensors are not supported", "a segment", "one whole tensor");
  if (t.stringCount > 0) onnxFail(`${path}.string_data`, "string tensors are not supported", "STRING", SUPPORTED_TYPES_TEXT);
  const e = requireElemType(t.dataType, `${path}.data_type`);
  const n = elementCount(t, path);
  const fieldName = `${e.field}_data`;
  const typed = (
    [
      ["float_data", t.floatData],
      ["int32_data", t.int32Data],
      ["int64_data", t.int64Data],
      ["uint64_data", t.uint64Data],
      ["double_data", t.doubleData],
    ] as const
  ).filter(([, v]) => v.length > 0);
  const what = `${e.name} dims ${shapeText(t.dims)}`;
  const wrong = typed.find(([name]) => name !== fieldName);
  if (wrong !== undefined) {
    onnxFail(`${path}.${wrong[0]}`, `${e.name} data in the wrong field`, wrong[0], `raw_data or ${fieldName}`);
  }
  if (t.rawData !== undefined && typed.length > 0) {
    onnxFail(`${path}.raw_data`, "tensor holds both raw_data and a typed data field", `raw_data and ${fieldName}`, "one of them");
  }
  // Sub-byte types pack several elements per byte, in raw_data and in int32_data alike.
  const packed = e.bits < 8;
  const byteCount = packed ? Math.ceil((n * e.bits) / 8) : n;
  if (t.rawData !== undefined) {
    const want = packed ? byteCount : n * (e.bits / 8);
    if (t.rawData.length !== want) {
      onnxFail(`${path}.raw_data`, "data length disagrees with dims", `${t.rawData.length} bytes`, `${want} bytes for ${what}`);
    }
    return { name: t.name, dataType: t.dataType, shape: t.dims, data: fromRaw(t.rawData, e, n, `${path}.raw_data`) };
  }
  const values = typed[0]?.[1] ?? [];
  const want = packed ? byteCount : n;
  if (values.length !== want) {
    const unit = packed ? "packed bytes" : "values";
    onnxFail(`${path}.${fieldName}`, "data length disagrees with dims", `${values.length} ${unit}`, `${want} ${unit} for ${what}`);
  }
  return { name: t.name, dataType: t.dataType, shape: t.dims, data: fromTyped(values, e, n, `${path}.${fieldName}`) };
}

function tensorPath(t: OnnxTensorProto): string {
  return t.name === "" ? "TensorProto" : `TensorProto "${t.name}"`;
}

function fromRaw(raw: Uint8Array, e: ElemInfo, n: number, path: string): TensorData | Float64Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const h = e.held;
  if (e.bits < 8 && h !== "float32" && h !== "int64") return unpackSubByte(raw, n, e.bits, h.signed);
  if (h === "int64") {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = view.getBigInt64(8 * i, true);
      if (v > 9007199254740991n || v < -9007199254740991n) {
        onnxFail(`${path}[${i}]`, "int64 value beyond the exactly representable range", String(v), "|value| < 2^53");
      }
      out[i] = Number(v);
    }
    return out;
  }
  if (h === "float32") {
    const out = new Float32Array(n);
    if (e.bits === 16) for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  const out = allocTensorData(h, n);
  const get = rawGetter(view, h);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

function rawGetter(view: DataView, t: QType): (i: number) => number {
  switch (t.bits) {
    case 8:
      return t.signed ? (i) => view.getInt8(i) : (i) => view.getUint8(i);
    case 16:
      return t.signed ? (i) => view.getInt16(2 * i, true) : (i) => view.getUint16(2 * i, true);
    default:
      return t.signed ? (i) => view.getInt32(4 * i, true) : (i) => view.getUint32(4 * i, true);
  }
}

function fromTyped(values: readonly number[], e: ElemInfo, n: number, path: string): TensorData | Float64Array {
  const h = e.held;
  if (h === "int64") return Float64Array.from(values);
  if (h === "float32") {
    if (e.bits === 32) return Float32Array.from(values);
    checkRange(values, 0, 65535, path, "float16 bit patterns");
    return Float32Array.from(values, halfToFloat);
  }
  if (e.bits < 8) {
    checkRange(values, 0, 255, path, "packed bytes");
    return unpackSubByte(values, n, e.bits, h.signed);
  }
  const lo = h.signed ? -(2 ** (h.bits - 1)) : 0;
  const hi = h.signed ? 2 ** (h.bits - 1) - 1 : 2 ** h.bits - 1;
  checkRange(values, lo, hi, path, `${dtypeName(h)} values`);
  const out = allocTensorData(h, n);
  out.set(values);
  return out;
}

function checkRange(values: readonly number[], lo: number, hi: number, path: string, what: string): void {
  const i = values.findIndex((v) => v < lo || v > hi);
  if (i >= 0) onnxFail(`${path}[${i}]`, `value out of range for ${what}`, String(values[i]), `${lo}..${hi}`);
}

/**
 * A decoded tensor as a quarch Tensor: float16 is already float32; int64 becomes int32 when every value fits
 * (quarch integers are at most 32 bits).
 */
export function toQuarchTensor(d: DecodedTensor, path = d.name === "" ? "TensorProto" : `TensorProto "${d.name}"`): Tensor {
  const dtype = quarchDType(d.dataType);
  if (dtype === undefined) return onnxFail(`${path}.data_type`, "unsupported tensor data type", onnxTypeName(d.dataType), SUPPORTED_TYPES_TEXT);
  if (d.data instanceof Float64Array) {
    const i = d.data.findIndex((v) => v < -2147483648 || v > 2147483647);
    if (i >= 0) onnxFail(`${path}[${i}]`, "int64 value does not fit in int32, the widest quarch integer", String(d.data[i]), "-2^31..2^31-1");
    return { dtype, shape: d.shape, data: Int32Array.from(d.data) };
  }
  return { dtype, shape: d.shape, data: d.data };
}

/** TensorProto → quarch Tensor in one step. */
export function tensorFromProto(t: OnnxTensorProto, path?: string): Tensor {
  const d = decodeTensorData(t, path);
  return toQuarchTensor(d, path);
}
