/** A tiny protobuf message builder for tests (on protobufjs's Writer), to hand-craft ONNX messages. */
import { Writer } from "protobufjs/minimal.js";

export class Msg {
  private readonly w = new Writer();

  private tag(field: number, wire: number): Writer {
    return this.w.uint32(((field << 3) | wire) >>> 0);
  }
  /** A varint (int32 / int64 / enum); strings carry values beyond 2^53. */
  int(field: number, v: number | string): this {
    this.tag(field, 0).int64(v);
    return this;
  }
  float(field: number, v: number): this {
    this.tag(field, 5).float(v);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).bytes(b);
    return this;
  }
  string(field: number, s: string): this {
    this.tag(field, 2).string(s);
    return this;
  }
  msg(field: number, m: Msg): this {
    return this.bytes(field, m.finish());
  }
  packedInts(field: number, vs: readonly number[]): this {
    const inner = new Writer();
    for (const v of vs) inner.int64(v);
    return this.bytes(field, inner.finish());
  }
  packedFloats(field: number, vs: readonly number[]): this {
    const inner = new Writer();
    for (const v of vs) inner.float(v);
    return this.bytes(field, inner.finish());
  }
  finish(): Uint8Array {
    return this.w.finish();
  }
}

/** Concatenate byte arrays. */
export function cat(...parts: (Uint8Array | readonly number[])[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A TensorProto: name, dims, data type and optional payload fields. */
export function tensorMsg(t: {
  name?: string;
  dims?: readonly number[];
  dataType: number;
  raw?: Uint8Array;
  floats?: readonly number[];
  int32s?: readonly number[];
  int64s?: readonly number[];
  packed?: boolean;
}): Msg {
  const m = new Msg();
  for (const d of t.dims ?? []) m.int(1, d);
  m.int(2, t.dataType);
  if (t.floats !== undefined) {
    if (t.packed === false) for (const v of t.floats) m.float(4, v);
    else m.packedFloats(4, t.floats);
  }
  if (t.int32s !== undefined) {
    if (t.packed === false) for (const v of t.int32s) m.int(5, v);
    else m.packedInts(5, t.int32s);
  }
  if (t.int64s !== undefined) {
    if (t.packed === false) for (const v of t.int64s) m.int(7, v);
    else m.packedInts(7, t.int64s);
  }
  if (t.name !== undefined) m.string(8, t.name);
  if (t.raw !== undefined) m.bytes(9, t.raw);
  return m;
}
