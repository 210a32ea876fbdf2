/**
 * The byte encoding of tensor data in *.qnet.json: little-endian, integers of 1..8 bits packed LSB-first
 * (int4 two per byte with element 0 in the low nibble, int2 four per byte, binary eight per byte with
 * bit 1 ↔ +1), 9..16-bit integers as 16-bit words, 17..32-bit as 32-bit words, float32 as IEEE binary32.
 */
import { GraphError } from "../errors.js";
import { type DType, type TensorData, allocTensorData, dtypeName } from "./dtype.js";
import { packBits, packedByteLength, unpackBits } from "./packing.js";

export function encodedByteLength(t: DType, count: number): number {
  if (t === "float32") return 4 * count;
  if (t.bits <= 8) return packedByteLength(count, t.bits);
  return (t.bits <= 16 ? 2 : 4) * count;
}

export function encodeTensorData(t: DType, data: TensorData): Uint8Array {
  if (t !== "float32" && t.bits <= 8) return packBits(data, t.bits, t.signed);
  const out = new Uint8Array(encodedByteLength(t, data.length));
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (t === "float32") view.setFloat32(4 * i, v, true);
    else if (t.bits <= 16) view.setUint16(2 * i, v & 0xffff, true);
    else view.setUint32(4 * i, v >>> 0, true);
  }
  return out;
}

export function decodeTensorData(t: DType, bytes: Uint8Array, count: number, path: string): TensorData {
  const need = encodedByteLength(t, count);
  if (bytes.length !== need) {
    throw new GraphError({ path, message: `byte length does not match ${count} ${dtypeName(t)} elements`, given: `${bytes.length} bytes`, expected: `${need} bytes` });
  }
  if (t !== "float32" && t.bits <= 8) {
    const u = unpackBits(bytes, count, t.bits, t.signed);
    const out = allocTensorData(t, count);
    out.set(u);
    return out;
  }
  const out = allocTensorData(t, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    if (t === "float32") out[i] = view.getFloat32(4 * i, true);
    else if (t.bits <= 16) {
      const raw = view.getUint16(2 * i, true);
      out[i] = t.signed ? (raw << 16) >> 16 : raw;
    } else out[i] = t.signed ? view.getInt32(4 * i, true) : view.getUint32(4 * i, true);
  }
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

export function fromBase64(s: string, path: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new GraphError({ path, message: "is not base64 data", given: s.length > 40 ? `${s.slice(0, 40)}…` : s });
  }
  return new Uint8Array(Buffer.from(s, "base64"));
}
