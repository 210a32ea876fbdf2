/**
 * NumPy .npy files (format versions 1, 2 and 3; little-endian; C order): decode to quarch tensors and
 * encode outputs. Pure byte functions; the CLI does the file I/O.
 */
import { InputError } from "../errors.js";
import { type DType, type TensorData, dtypeName, product } from "../ir/dtype.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface NpyType {
  readonly descr: string;
  readonly bytes: number;
  read(view: DataView, off: number): number;
  write(view: DataView, off: number, v: number): void;
}

const TYPES: Record<string, NpyType & { dtype: DType }> = {
  i1: { descr: "|i1", bytes: 1, dtype: { bits: 8, signed: true }, read: (v, o) => v.getInt8(o), write: (v, o, x) => v.setInt8(o, x) },
  u1: { descr: "|u1", bytes: 1, dtype: { bits: 8, signed: false }, read: (v, o) => v.getUint8(o), write: (v, o, x) => v.setUint8(o, x) },
  i2: { descr: "<i2", bytes: 2, dtype: { bits: 16, signed: true }, read: (v, o) => v.getInt16(o, true), write: (v, o, x) => v.setInt16(o, x, true) },
  u2: { descr: "<u2", bytes: 2, dtype: { bits: 16, signed: false }, read: (v, o) => v.getUint16(o, true), write: (v, o, x) => v.setUint16(o, x, true) },
  i4: { descr: "<i4", bytes: 4, dtype: { bits: 32, signed: true }, read: (v, o) => v.getInt32(o, true), write: (v, o, x) => v.setInt32(o, x, true) },
  u4: { descr: "<u4", bytes: 4, dtype: { bits: 32, signed: false }, read: (v, o) => v.getUint32(o, true), write: (v, o, x) => v.setUint32(o, x, true) },
  f4: { descr: "<f4", bytes: 4, dtype: "float32", read: (v, o) => v.getFloat32(o, true), write: (v, o, x) => v.setFloat32(o, x, true) },
};

/** int64 files are read (values must fit in 2^53) but never written. */
const INT64: NpyType = {
  descr: "<i8",
  bytes: 8,
  read: (v, o) => Number(v.getBigInt64(o, true)),
  write: () => {
    throw new Error("internal: int64 is not written");
  },
};

export interface RawTensor {
  /** The file's own dtype; int64 files become int32 after a range check by the caller. */
  readonly fileDtype: string;
  readonly shape: number[];
  readonly values: number[] | TensorData;
}

function fail(file: string, message: string, given?: string, expected?: string): never {
  throw new InputError({ path: file, message, ...(given ? { given } : {}), ...(expected ? { expected } : {}) }, undefined);
}

export function decodeNpy(bytes: Uint8Array, file: string): RawTensor {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail(file, "is not a NumPy .npy file (bad magic)");
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(file, "is truncated");
    headerLen = view.getUint32(8, true);
    start = 12;
  } else {
    return fail(file, "has an unsupported .npy version", `${major}`, "1, 2 or 3");
  }
  if (start + headerLen > bytes.length) fail(file, "is truncated (header longer than the file)");
  const header = new TextDecoder("latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(file, "has a malformed .npy header", header.trim());
  if (fortran === "True") fail(file, "is in Fortran order", "fortran_order True", "C order (numpy.ascontiguousarray)");
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) fail(file, "has a malformed shape", shapeText);
  const key = descr.replace(/^[<|=]/, "");
  if (descr.startsWith(">") && key !== "i1" && key !== "u1") fail(file, "is big-endian", descr, "little-endian");
  const t = key === "i8" ? INT64 : TYPES[key];
  if (t === undefined) return fail(file, "has an unsupported dtype", descr, "int8, uint8, int16, uint16, int32, int64 or float32");
  const n = product(shape);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < n * t.bytes) fail(file, "is truncated", `${bytes.length - dataStart} data bytes`, `${n * t.bytes} for shape (${shape.join(", ")})`);
  const values: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) values[i] = t.read(view, dataStart + i * t.bytes);
  return { fileDtype: key === "i8" ? "int64" : dtypeName((t as (typeof TYPES)["i1"]).dtype), shape, values };
}

/** The .npy descr a quarch dtype is written as (sub-byte integers widen to 8 bits). */
function npyTypeFor(t: DType): NpyType {
  if (t === "float32") return TYPES["f4"]!;
  const bits = t.bits <= 8 ? 1 : t.bits <= 16 ? 2 : 4;
  return TYPES[`${t.signed ? "i" : "u"}${bits}`]!;
}

export function encodeNpy(t: DType, shape: readonly number[], data: ArrayLike<number>): Uint8Array {
  const nt = npyTypeFor(t);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${nt.descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + data.length * nt.bytes);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const base = 10 + header.length;
  for (let i = 0; i < data.length; i++) nt.write(view, base + i * nt.bytes, data[i]!);
  return out;
}
