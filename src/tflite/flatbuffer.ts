/**
 * A small, bounds-checked FlatBuffers reader (the wire format: a root uoffset, tables with signed offsets to
 * their vtables, vectors and strings behind forward uoffsets, little-endian scalars). Hand-written because the
 * npm `flatbuffers` runtime trusts its input: it reads whatever an offset points at. Here every position is
 * checked against the bytes present before it is read, every declared vector length before anything is
 * allocated, and any violation is a TfliteError naming the field path, what was found and what was expected.
 *
 * A file can make many tables share one large vector (offsets may alias), so the elements a reader
 * materializes are counted against a budget proportional to the file size: hostile sharing fails fast
 * instead of allocating without bound.
 */
import { TfliteError } from "../errors.js";

/** Thrown for any malformed byte-level structure. */
export function malformed(path: string, message: string, given?: string, expected?: string): TfliteError {
  return new TfliteError({
    path,
    message,
    ...(given === undefined ? {} : { given }),
    ...(expected === undefined ? {} : { expected }),
  });
}

export class FlatBuffer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Elements still allowed to be materialized (see the file comment). */
  private budget: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.budget = 64 * bytes.length + (1 << 20);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Throws unless [pos, pos + size) lies inside the buffer. */
  check(pos: number, size: number, path: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || size < 0 || pos + size > this.bytes.length) {
      throw malformed(path, "points outside the file", `bytes ${pos}..${pos + size} of a ${this.bytes.length}-byte file`, "an offset inside the file");
    }
  }

  /** Charge n materialized elements against the budget. */
  spend(n: number, path: string): void {
    this.budget -= n;
    if (this.budget < 0) {
      throw malformed(path, "the file references its data too many times (aliased offsets)", undefined, `at most ${64 * this.bytes.length} decoded elements for a ${this.bytes.length}-byte file`);
    }
  }

  u8(pos: number, path: string): number {
    this.check(pos, 1, path);
    return this.view.getUint8(pos);
  }
  i8(pos: number, path: string): number {
    this.check(pos, 1, path);
    return this.view.getInt8(pos);
  }
  u16(pos: number, path: string): number {
    this.check(pos, 2, path);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number, path: string): number {
    this.check(pos, 4, path);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number, path: string): number {
    this.check(pos, 4, path);
    return this.view.getUint32(pos, true);
  }
  f32(pos: number, path: string): number {
    this.check(pos, 4, path);
    return this.view.getFloat32(pos, true);
  }
  /** int64 / uint64 as a number; values beyond ±2^53 are refused rather than rounded. */
  i64(pos: number, path: string, signed: boolean): number {
    this.check(pos, 8, path);
    const v = signed ? this.view.getBigInt64(pos, true) : this.view.getBigUint64(pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw malformed(path, "64-bit value out of the supported range", v.toString(), `|value| ≤ 2^53`);
    }
    return Number(v);
  }

  /** Follow the uoffset stored at pos (forward, relative to pos). */
  deref(pos: number, path: string): number {
    return pos + this.u32(pos, path);
  }

  /** The root table (uoffset at byte 0). A file identifier, when wanted, sits at bytes 4..8. */
  root(path: string): Table {
    if (this.bytes.length < 8) {
      throw malformed(path, "file too short to be a FlatBuffer", `${this.bytes.length} bytes`, "at least 8 bytes (root offset and file identifier)");
    }
    return Table.at(this, this.deref(0, `${path} (root offset)`), path);
  }

  identifier(): string {
    return this.bytes.length < 8 ? "" : String.fromCharCode(...this.bytes.subarray(4, 8));
  }
}

/** A vector's element region: `length` elements of `elemSize` bytes from `start`, already bounds-checked. */
export interface VectorRef {
  readonly start: number;
  readonly length: number;
  readonly path: string;
}

const decoder = new TextDecoder("utf-8");

export class Table {
  private constructor(
    readonly fb: FlatBuffer,
    readonly pos: number,
    readonly path: string,
    private readonly vtable: number,
    private readonly vtableSize: number,
    private readonly tableSize: number,
  ) {}

  /** Validate the table header and its vtable before any field is read. */
  static at(fb: FlatBuffer, pos: number, path: string): Table {
    fb.check(pos, 4, path);
    const vtable = pos - fb.i32(pos, path);
    fb.check(vtable, 4, `${path} (vtable)`);
    const vtableSize = fb.u16(vtable, `${path} (vtable)`);
    const tableSize = fb.u16(vtable + 2, `${path} (vtable)`);
    if (vtableSize < 4 || vtableSize % 2 !== 0) {
      throw malformed(`${path} (vtable)`, "vtable size is invalid", `${vtableSize}`, "an even number ≥ 4");
    }
    fb.check(vtable, vtableSize, `${path} (vtable)`);
    if (tableSize < 4) throw malformed(`${path} (vtable)`, "table size is invalid", `${tableSize}`, "≥ 4");
    fb.check(pos, tableSize, path);
    return new Table(fb, pos, path, vtable, vtableSize, tableSize);
  }

  /** Absolute position of field `id`, or undefined when it is absent (default value). */
  private field(id: number, size: number, name: string): number | undefined {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableSize) return undefined;
    const off = this.fb.u16(this.vtable + slot, `${this.path}.${name}`);
    if (off === 0) return undefined;
    if (off + size > this.tableSize) {
      throw malformed(`${this.path}.${name}`, "field lies outside its table", `offset ${off} + ${size} bytes`, `within the table's ${this.tableSize} bytes`);
    }
    return this.pos + off;
  }

  /** Absolute position of a present field (tools that patch files need it), else undefined. */
  fieldPosition(id: number): number | undefined {
    return this.field(id, 0, `field ${id}`);
  }

  has(id: number): boolean {
    const slot = 4 + 2 * id;
    return slot + 2 <= this.vtableSize && this.fb.u16(this.vtable + slot, this.path) !== 0;
  }

  u8(id: number, name: string, dflt: number): number {
    const p = this.field(id, 1, name);
    return p === undefined ? dflt : this.fb.u8(p, `${this.path}.${name}`);
  }
  i8(id: number, name: string, dflt: number): number {
    const p = this.field(id, 1, name);
    return p === undefined ? dflt : this.fb.i8(p, `${this.path}.${name}`);
  }
  bool(id: number, name: string, dflt: boolean): boolean {
    const p = this.field(id, 1, name);
    return p === undefined ? dflt : this.fb.u8(p, `${this.path}.${name}`) !== 0;
  }
  i32(id: number, name: string, dflt: number): number {
    const p = this.field(id, 4, name);
    return p === undefined ? dflt : this.fb.i32(p, `${this.path}.${name}`);
  }
  u32(id: number, name: string, dflt: number): number {
    const p = this.field(id, 4, name);
    return p === undefined ? dflt : this.fb.u32(p, `${this.path}.${name}`);
  }
  f32(id: number, name: string, dflt: number): number {
    const p = this.field(id, 4, name);
    return p === undefined ? dflt : this.fb.f32(p, `${this.path}.${name}`);
  }
  u64(id: number, name: string, dflt: number): number {
    const p = this.field(id, 8, name);
    return p === undefined ? dflt : this.fb.i64(p, `${this.path}.${name}`, false);
  }

  /** A sub-table, or undefined when absent. */
  table(id: number, name: string): Table | undefined {
    const p = this.field(id, 4, name);
    const path = `${this.path}.${name}`;
    return p === undefined ? undefined : Table.at(this.fb, this.fb.deref(p, path), path);
  }

  /** A vector of `elemSize`-byte elements, its declared length checked against the bytes present. */
  vector(id: number, name: string, elemSize: number): VectorRef | undefined {
    const p = this.field(id, 4, name);
    if (p === undefined) return undefined;
    const path = `${this.path}.${name}`;
    const at = this.fb.deref(p, path);
    const length = this.fb.u32(at, `${path} (length)`);
    if (at + 4 + length * elemSize > this.fb.length) {
      throw malformed(path, "vector runs past the end of the file", `${length} elements of ${elemSize} bytes at byte ${at + 4}`, `at most ${Math.max(0, Math.floor((this.fb.length - at - 4) / elemSize))} elements`);
    }
    return { start: at + 4, length, path };
  }

  string(id: number, name: string): string | undefined {
    const v = this.vector(id, name, 1);
    if (v === undefined) return undefined;
    this.fb.spend(v.length, v.path);
    return decoder.decode(this.fb.bytes.subarray(v.start, v.start + v.length));
  }

  /** Vector of int32 as numbers. */
  ints(id: number, name: string): number[] | undefined {
    const v = this.vector(id, name, 4);
    if (v === undefined) return undefined;
    this.fb.spend(v.length, v.path);
    return Array.from({ length: v.length }, (_, i) => this.fb.i32(v.start + 4 * i, `${v.path}[${i}]`));
  }

  floats(id: number, name: string): number[] | undefined {
    const v = this.vector(id, name, 4);
    if (v === undefined) return undefined;
    this.fb.spend(v.length, v.path);
    return Array.from({ length: v.length }, (_, i) => this.fb.f32(v.start + 4 * i, `${v.path}[${i}]`));
  }

  longs(id: number, name: string): number[] | undefined {
    const v = this.vector(id, name, 8);
    if (v === undefined) return undefined;
    this.fb.spend(v.length, v.path);
    return Array.from({ length: v.length }, (_, i) => this.fb.i64(v.start + 8 * i, `${v.path}[${i}]`, true));
  }

  /** Raw bytes of a [ubyte] vector, as a view (no copy). */
  bytes(id: number, name: string): Uint8Array | undefined {
    const v = this.vector(id, name, 1);
    return v === undefined ? undefined : this.fb.bytes.subarray(v.start, v.start + v.length);
  }

  /** The tables of a [Table] vector, each validated when read. */
  tables(id: number, name: string): Table[] | undefined {
    const v = this.vector(id, name, 4);
    if (v === undefined) return undefined;
    this.fb.spend(v.length, v.path);
    return Array.from({ length: v.length }, (_, i) => {
      const path = `${v.path}[${i}]`;
      return Table.at(this.fb, this.fb.deref(v.start + 4 * i, path), path);
    });
  }
}
