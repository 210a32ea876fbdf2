/**
 * Byte-level edits of a .tflite file for the dev oracle (scripts/tflite-oracle.ts), made by appending new
 * FlatBuffer objects at the end of the file and redirecting one existing offset field to each. The original
 * bytes are never moved, so everything not edited (weights, options, metadata) stays exactly as converted.
 *
 *  - exposeTensors: the subgraph's outputs become the original outputs followed by every tensor an operator
 *    produces, so the interpreter keeps (and lets us read) every intermediate tensor.
 *  - blockXnnpack: every quantized activation tensor gets a copy of its quantization table with
 *    quantized_dimension = 1. The builtin kernels read an activation's single scale and zero point and never
 *    look at that field; the XNNPACK delegate refuses any node touching an 8-bit tensor whose
 *    quantized_dimension is not 0, so it delegates nothing and the builtin kernels run everything.
 */
import { FlatBuffer, Table } from "../src/tflite/flatbuffer.js";
import { F } from "../src/tflite/schema.js";

class Appender {
  private buf: Uint8Array;
  size: number;
  constructor(base: Uint8Array) {
    this.buf = new Uint8Array(base.length * 2 + 1024);
    this.buf.set(base);
    this.size = base.length;
  }
  private view(): DataView {
    return new DataView(this.buf.buffer);
  }
  /** Reserve n bytes aligned so that (pos + phase) % align === 0; returns pos. */
  reserve(n: number, align: number, phase = 0): number {
    while ((this.size + phase) % align !== 0) this.size++;
    const pos = this.size;
    this.size += n;
    if (this.size > this.buf.length) {
      const grown = new Uint8Array(this.size * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    return pos;
  }
  u16(pos: number, v: number): void {
    this.view().setUint16(pos, v, true);
  }
  i32(pos: number, v: number): void {
    this.view().setInt32(pos, v, true);
  }
  u32(pos: number, v: number): void {
    this.view().setUint32(pos, v, true);
  }
  f32(pos: number, v: number): void {
    this.view().setFloat32(pos, v, true);
  }
  i64(pos: number, v: number): void {
    this.view().setBigInt64(pos, BigInt(v), true);
  }
  /** Point the uoffset field at `field` to `target` (must lie after it). */
  redirect(field: number, target: number): void {
    if (target <= field) throw new Error("internal: uoffsets point forward");
    this.u32(field, target - field);
  }
  intVector(xs: readonly number[]): number {
    const pos = this.reserve(4 + 4 * xs.length, 4);
    this.u32(pos, xs.length);
    xs.forEach((x, i) => this.i32(pos + 4 + 4 * i, x));
    return pos;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.size);
  }
}

function subgraphTable(fb: FlatBuffer): Table {
  const sg = fb.root("Model").tables(F.Model.subgraphs, "subgraphs")?.[0];
  if (sg === undefined) throw new Error("model has no subgraph");
  return sg;
}

/** Outputs = original outputs, then every other operator output in operator order. */
export function exposeTensors(bytes: Uint8Array): { bytes: Uint8Array; outputs: number[] } {
  const fb = new FlatBuffer(bytes);
  const sg = subgraphTable(fb);
  const outputs = [...(sg.ints(F.SubGraph.outputs, "outputs") ?? [])];
  for (const op of sg.tables(F.SubGraph.operators, "operators") ?? []) {
    for (const t of op.ints(F.Operator.outputs, "outputs") ?? []) if (!outputs.includes(t)) outputs.push(t);
  }
  const field = sg.fieldPosition(F.SubGraph.outputs);
  if (field === undefined) throw new Error("subgraph has no outputs field");
  const a = new Appender(bytes);
  a.redirect(field, a.intVector(outputs));
  return { bytes: a.bytes(), outputs };
}

/** Give every non-constant 8-bit quantized tensor of rank ≥ 2 quantized_dimension 1 (see the file comment). */
export function blockXnnpack(bytes: Uint8Array): { bytes: Uint8Array; patched: number } {
  const fb = new FlatBuffer(bytes);
  const sg = subgraphTable(fb);
  const buffers = fb.root("Model").tables(F.Model.buffers, "buffers") ?? [];
  const a = new Appender(bytes);
  let patched = 0;
  for (const t of sg.tables(F.SubGraph.tensors, "tensors") ?? []) {
    const type = t.i8(F.Tensor.type, "type", 0);
    const shape = t.ints(F.Tensor.shape, "shape") ?? [];
    const buffer = t.u32(F.Tensor.buffer, "buffer", 0);
    const hasData = (buffers[buffer]?.bytes(F.Buffer.data, "data")?.length ?? 0) > 0;
    const q = t.table(F.Tensor.quantization, "quantization");
    const field = t.fieldPosition(F.Tensor.quantization);
    const scale = q?.floats(F.Quantization.scale, "scale");
    const zp = q?.longs(F.Quantization.zero_point, "zero_point");
    if (hasData || (type !== 9 && type !== 3) || shape.length < 2 || field === undefined || scale?.length !== 1 || zp?.length !== 1) continue;
    // vtable: size, table size, offsets of fields 0..6 (min, max, scale, zero_point, details_type, details, quantized_dimension).
    const vt = a.reserve(4 + 2 * 7, 2);
    const table = a.reserve(16, 4);
    a.u16(vt, 4 + 2 * 7);
    a.u16(vt + 2, 16);
    for (let id = 0; id < 7; id++) a.u16(vt + 4 + 2 * id, 0);
    a.u16(vt + 4 + 2 * F.Quantization.scale, 4);
    a.u16(vt + 4 + 2 * F.Quantization.zero_point, 8);
    a.u16(vt + 4 + 2 * F.Quantization.quantized_dimension, 12);
    a.i32(table, table - vt);
    a.i32(table + 12, 1);
    const sv = a.reserve(8, 4);
    a.u32(sv, 1);
    a.f32(sv + 4, scale[0]!);
    const zv = a.reserve(12, 8, 4);
    a.u32(zv, 1);
    a.i64(zv + 4, zp[0]!);
    a.redirect(table + 4, sv);
    a.redirect(table + 8, zv);
    a.redirect(field, table);
    patched++;
  }
  return { bytes: a.bytes(), patched };
}
