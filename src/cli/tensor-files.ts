/**
 * Tensor files in and out (INTERFACES.md): .npy, .json ({"dtype", "shape", "data"}) or an ONNX TensorProto
 * .pb, chosen by extension; conversion to a graph input in the model's own layout and dtype.
 */
import { readFileSync } from "node:fs";
import { InputError, QuarchError, inFile } from "../errors.js";
import { type DType, type TensorData, allocTensorData, dtypeName, firstOutOfRange, isFloat, parseDType, product } from "../ir/dtype.js";
import type { Tensor, Value } from "../ir/graph.js";
import { scalarQuant } from "../ir/quant-params.js";
import { quantizeLinear } from "../kernels/quantize.js";
import { decodeTensorProto } from "../onnx/protobuf.js";
import { tensorFromProto } from "../onnx/tensor.js";
import { type RawTensor, decodeNpy } from "./npy.js";

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

function readBytes(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new InputError({ path: file, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
}

function decodeJsonTensor(bytes: Uint8Array, file: string): RawTensor {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new InputError({ path: file, message: `is not valid JSON: ${(e as Error).message}` });
  }
  const o = doc as { dtype?: unknown; shape?: unknown; data?: unknown };
  const dtype = typeof o.dtype === "string" ? parseDType(o.dtype) : undefined;
  const shape = Array.isArray(o.shape) && o.shape.every((d) => Number.isInteger(d) && d >= 0) ? (o.shape as number[]) : undefined;
  const data = Array.isArray(o.data) && o.data.every((d) => typeof d === "number") ? (o.data as number[]) : undefined;
  if (typeof doc !== "object" || doc === null || dtype === undefined || shape === undefined || data === undefined) {
    throw new InputError({ path: file, message: "is not a tensor document", expected: '{"dtype": "int8", "shape": [...], "data": [...]}' });
  }
  if (data.length !== product(shape)) {
    throw new InputError({ path: `${file}: data`, message: "length does not match the shape", given: `${data.length}`, expected: `${product(shape)} for ${fmt(shape)}` });
  }
  return { fileDtype: dtypeName(dtype), shape, values: data };
}

/** Read a tensor file; the dtype is the file's own. */
export function readTensorFile(file: string): RawTensor {
  const bytes = readBytes(file);
  try {
    if (file.endsWith(".npy")) return decodeNpy(bytes, file);
    if (file.endsWith(".json")) return decodeJsonTensor(bytes, file);
    if (file.endsWith(".pb")) {
      const t = tensorFromProto(decodeTensorProto(bytes, file));
      return { fileDtype: dtypeName(t.dtype), shape: [...t.shape], values: t.data };
    }
  } catch (e) {
    if (e instanceof QuarchError && e.file === undefined && !e.message.startsWith(file)) throw inFile(e, file);
    throw e;
  }
  throw new InputError({ path: file, message: "has an unknown tensor file extension", expected: ".npy, .json or .pb" });
}

/** Same storage class (int8 holds int1..int8, etc.), so the values can be range-checked and used. */
function sameStorage(file: DType, want: DType): boolean {
  if (isFloat(file) || isFloat(want)) return file === want;
  const cls = (t: { bits: number }) => (t.bits <= 8 ? 8 : t.bits <= 16 ? 16 : 32);
  return file.signed === want.signed && cls(file) === cls(want);
}

/**
 * A file's tensor as the graph input `v` wants it: same shape; same dtype (a narrower type may come in its
 * 8/16/32-bit storage type), or float32 for a quantized input, quantized with its scale and zero point.
 */
export function toInputTensor(raw: RawTensor, v: Value, file: string): Tensor {
  const expected = `${dtypeName(v.dtype)} ${fmt(v.shape)}`;
  if (fmt(raw.shape) !== fmt(v.shape)) {
    throw new InputError({ path: file, message: `shape does not match input "${v.name}"`, given: `${raw.fileDtype} ${fmt(raw.shape)}`, expected });
  }
  const fileType = raw.fileDtype === "int64" ? undefined : parseDType(raw.fileDtype);
  if (raw.fileDtype === "float32" && v.dtype !== "float32") {
    const q = v.quant === undefined ? undefined : scalarQuant(v.quant);
    if (v.quant === undefined || q === undefined) {
      throw new InputError({ path: file, message: `float32 data for input "${v.name}", which has no per-tensor scale to quantize with`, given: "float32", expected });
    }
    const data = quantizeLinear(Float32Array.from(raw.values), raw.shape, v.quant, v.dtype, "half-even");
    return { dtype: v.dtype, shape: v.shape, data, quant: v.quant };
  }
  const int64ok = raw.fileDtype === "int64" && v.dtype !== "float32" && v.dtype.bits === 32 && v.dtype.signed;
  if (!int64ok && (fileType === undefined || !sameStorage(fileType, v.dtype))) {
    throw new InputError({ path: file, message: `dtype does not match input "${v.name}"`, given: `${raw.fileDtype} ${fmt(raw.shape)}`, expected: `${expected} (or float32, to be quantized)` });
  }
  const data: TensorData = allocTensorData(v.dtype, product(v.shape));
  for (let i = 0; i < data.length; i++) data[i] = raw.values[i]!;
  if (v.dtype !== "float32") {
    const i = firstOutOfRange(v.dtype, raw.values);
    if (i >= 0) throw new InputError({ path: `${file}[${i}]`, message: `is not a ${dtypeName(v.dtype)} value for input "${v.name}"`, given: `${raw.values[i]}` });
  }
  return v.quant === undefined ? { dtype: v.dtype, shape: v.shape, data } : { dtype: v.dtype, shape: v.shape, data, quant: v.quant };
}

/** A file's tensor in its own dtype (int64 narrowed to int32 when every value fits). */
export function asTensor(raw: RawTensor, file: string): Tensor {
  const dtype: DType = raw.fileDtype === "int64" ? { bits: 32, signed: true } : (parseDType(raw.fileDtype) ?? "float32");
  return toInputTensor(raw, { name: file, dtype, shape: raw.shape }, file);
}

/** File-safe output name: every character outside [A-Za-z0-9._-] becomes _. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}
