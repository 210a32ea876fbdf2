/**
 * A minimal FlatBuffer writer and TFLite model builder for tests (and the dev oracle's synthetic op models).
 * Objects are laid out front to back: a table, then the objects it points to, whose forward offsets are
 * patched in once they are placed. Field ids follow tensorflow/compiler/mlir/lite/schema/schema.fbs.
 */

export type Field =
  | { readonly t: "u8" | "i8" | "bool" | "i32" | "u32" | "f32"; readonly v: number }
  | { readonly t: "i64" | "u64"; readonly v: number }
  | { readonly t: "table"; readonly v: TableSpec }
  | { readonly t: "ints" | "floats" | "longs" | "bytes"; readonly v: ArrayLike<number> }
  | { readonly t: "tables"; readonly v: readonly TableSpec[] }
  | { readonly t: "string"; readonly v: string };

/** Fields by id; undefined = absent (default value). */
export type TableSpec = readonly (Field | undefined)[];

const SCALAR_SIZE: Record<string, number> = { u8: 1, i8: 1, bool: 1, i32: 4, u32: 4, f32: 4, i64: 8, u64: 8 };

class Writer {
  buf = new Uint8Array(1024);
  size = 0;
  private ensure(n: number): void {
    if (this.size + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.size + n));
    grown.set(this.buf);
    this.buf = grown;
  }
  private get view(): DataView {
    return new DataView(this.buf.buffer);
  }
  /** Pad so that (size + phase) is a multiple of align. */
  align(align: number, phase = 0): void {
    while ((this.size + phase) % align !== 0) this.u8(0);
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.size++] = v & 0xff;
  }
  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.size, v, true);
    this.size += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.size, v >>> 0, true);
    this.size += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.size, v, true);
    this.size += 4;
  }
  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.size, v, true);
    this.size += 4;
  }
  i64(v: number): void {
    this.ensure(8);
    this.view.setBigInt64(this.size, BigInt(v), true);
    this.size += 8;
  }
  patchU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  patchU32(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }
  patchI32(at: number, v: number): void {
    this.view.setInt32(at, v, true);
  }
}

function scalar(w: Writer, f: Field & { v: number }): void {
  switch (f.t) {
    case "u8":
    case "i8":
    case "bool":
      w.u8(f.v);
      break;
    case "i32":
      w.i32(f.v);
      break;
    case "u32":
      w.u32(f.v);
      break;
    case "f32":
      w.f32(f.v);
      break;
    default:
      w.i64(f.v);
  }
}

/** Write a table and everything below it; returns the table's position. */
function writeTable(w: Writer, spec: TableSpec): number {
  w.align(2);
  const vt = w.size;
  w.u16(4 + 2 * spec.length);
  w.u16(0);
  for (let i = 0; i < spec.length; i++) w.u16(0);
  w.align(8);
  const pos = w.size;
  w.i32(pos - vt);
  const children: { at: number; f: Field }[] = [];
  spec.forEach((f, id) => {
    if (f === undefined) return;
    const size = SCALAR_SIZE[f.t];
    w.align(size ?? 4);
    w.patchU16(vt + 4 + 2 * id, w.size - pos);
    if (size !== undefined) scalar(w, f as Field & { v: number });
    else {
      children.push({ at: w.size, f });
      w.u32(0);
    }
  });
  w.patchU16(vt + 2, w.size - pos);
  for (const c of children) w.patchU32(c.at, writeChild(w, c.f) - c.at);
  return pos;
}

function writeChild(w: Writer, f: Field): number {
  switch (f.t) {
    case "table":
      return writeTable(w, f.v);
    case "string": {
      const bytes = new TextEncoder().encode(f.v);
      w.align(4);
      const pos = w.size;
      w.u32(bytes.length);
      bytes.forEach((b) => w.u8(b));
      w.u8(0);
      return pos;
    }
    case "ints":
    case "floats":
    case "longs":
    case "bytes": {
      const elem = f.t === "longs" ? 8 : f.t === "bytes" ? 1 : 4;
      w.align(Math.max(4, elem), 4);
      const pos = w.size;
      w.u32(f.v.length);
      for (let i = 0; i < f.v.length; i++) {
        const v = f.v[i]!;
        if (f.t === "ints") w.i32(v);
        else if (f.t === "floats") w.f32(v);
        else if (f.t === "longs") w.i64(v);
        else w.u8(v);
      }
      return pos;
    }
    case "tables": {
      w.align(4);
      const pos = w.size;
      w.u32(f.v.length);
      const slots = f.v.map(() => {
        const at = w.size;
        w.u32(0);
        return at;
      });
      f.v.forEach((t, i) => w.patchU32(slots[i]!, writeTable(w, t) - slots[i]!));
      return pos;
    }
    default:
      throw new Error(`not an offset field: ${f.t}`);
  }
}

/** A FlatBuffer with `root` as its root table and a 4-byte file identifier. */
export function writeFlatBuffer(root: TableSpec, identifier = "TFL3"): Uint8Array {
  const w = new Writer();
  w.u32(0);
  for (const ch of identifier) w.u8(ch.charCodeAt(0));
  w.patchU32(0, writeTable(w, root));
  return w.buf.slice(0, w.size);
}

// ---- TFLite level ----

export const i32 = (v: number): Field => ({ t: "i32", v });
export const i8 = (v: number): Field => ({ t: "i8", v });
export const u8 = (v: number): Field => ({ t: "u8", v });
export const f32 = (v: number): Field => ({ t: "f32", v });
export const bool = (v: boolean): Field => ({ t: "bool", v: v ? 1 : 0 });
export const ints = (v: ArrayLike<number>): Field => ({ t: "ints", v });

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** TensorType (9 = INT8, 2 = INT32, 0 = FLOAT32, 3 = UINT8, 17 = INT4). */
  readonly type: number;
  /** Constant data as raw little-endian bytes. */
  readonly data?: Uint8Array;
  readonly scale?: readonly number[];
  readonly zeroPoint?: readonly number[];
  readonly quantizedDimension?: number;
}

export interface OpSpec {
  readonly code: number;
  readonly version?: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** BuiltinOptions union type and table. */
  readonly optionsType?: number;
  readonly options?: TableSpec;
  /** Write the code only in deprecated_builtin_code (converters before TF 2.3). */
  readonly legacyCode?: boolean;
}

export interface ModelSpec {
  readonly tensors: readonly TensorSpec[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly ops: readonly OpSpec[];
  readonly description?: string;
  readonly version?: number;
}

export function modelTable(m: ModelSpec): TableSpec {
  const codes: { code: number; version: number; legacy: boolean }[] = [];
  const opIndex = m.ops.map((op) => {
    const key = { code: op.code, version: op.version ?? 1, legacy: op.legacyCode ?? false };
    let i = codes.findIndex((c) => c.code === key.code && c.version === key.version && c.legacy === key.legacy);
    if (i < 0) i = codes.push(key) - 1;
    return i;
  });
  const buffers: TableSpec[] = [[]];
  const tensors: TableSpec[] = m.tensors.map((t) => {
    let buffer = 0;
    if (t.data !== undefined) buffer = buffers.push([{ t: "bytes", v: t.data }]) - 1;
    const quant: TableSpec | undefined =
      t.scale === undefined
        ? undefined
        : [undefined, undefined, { t: "floats", v: t.scale }, { t: "longs", v: t.zeroPoint ?? t.scale.map(() => 0) }, undefined, undefined, t.quantizedDimension === undefined ? undefined : i32(t.quantizedDimension)];
    return [ints(t.shape), i8(t.type), { t: "u32", v: buffer }, { t: "string", v: t.name }, quant === undefined ? undefined : { t: "table", v: quant }];
  });
  const operators: TableSpec[] = m.ops.map((op, i) => [
    { t: "u32", v: opIndex[i]! },
    ints(op.inputs),
    ints(op.outputs),
    op.optionsType === undefined ? undefined : u8(op.optionsType),
    op.options === undefined ? undefined : { t: "table", v: op.options },
  ]);
  const opcodes: TableSpec[] = codes.map((c) => [i8(Math.min(c.code, 127)), undefined, i32(c.version), c.legacy ? undefined : i32(c.code)]);
  const subgraph: TableSpec = [{ t: "tables", v: tensors }, ints(m.inputs), ints(m.outputs), { t: "tables", v: operators }, { t: "string", v: "main" }];
  return [
    { t: "u32", v: m.version ?? 3 },
    { t: "tables", v: opcodes },
    { t: "tables", v: [subgraph] },
    m.description === undefined ? undefined : { t: "string", v: m.description },
    { t: "tables", v: buffers },
  ];
}

export function buildModel(m: ModelSpec): Uint8Array {
  return writeFlatBuffer(modelTable(m));
}

/** Little-endian bytes of typed values. */
export function int8Bytes(xs: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(Int8Array.from(xs as ArrayLike<number>), (v) => v & 0xff);
}
export function int32Bytes(xs: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int32Array.from(xs as ArrayLike<number>).buffer);
}
