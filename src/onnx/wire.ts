/**
 * A guarded view of protobuf wire data on top of protobufjs's low-level `Reader`. protobufjs throws
 * RangeError / Error on bad bytes; every such failure is turned into an OnnxError that names the message
 * field being read, so a malformed file is always a user error, never a crash. Nested messages get their
 * own Reader over a sub-array, so a bad length can never make a reader run past its message.
 */
import { Reader } from "protobufjs/minimal.js";
import { OnnxError } from "../errors.js";

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const WIRE_NAMES = ["varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32", "6", "7"];

const utf8 = new TextDecoder("utf-8");

/** Deeper nesting than this (graphs inside attributes inside graphs …) is refused before the stack is. */
export const MAX_DEPTH = 64;

export function onnxFail(path: string, message: string, given?: string, expected?: string): never {
  throw new OnnxError({
    path,
    message,
    ...(given === undefined ? {} : { given }),
    ...(expected === undefined ? {} : { expected }),
  });
}

/** Run a protobufjs read; its exceptions become OnnxErrors naming `path`. */
function guard<T>(path: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    const detail = e instanceof Error ? e.message : String(e);
    return onnxFail(path, `truncated or malformed protobuf while reading ${what}`, detail);
  }
}

/** Long-like result of Reader.int64 (long.js), or a plain number when long.js is absent. */
interface LongBitsLike {
  readonly low: number;
  readonly high: number;
}

/** Exact signed 64-bit varint → number; values beyond ±(2^53 − 1) are refused, never rounded. */
function longToSafe(v: LongBitsLike | number, path: string): number {
  const n = typeof v === "number" ? v : v.high * 4294967296 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) {
    const exact = typeof v === "number" ? String(v) : String((BigInt(v.high) << 32n) | BigInt(v.low >>> 0));
    onnxFail(path, "64-bit integer beyond the exactly representable range", exact, "|value| < 2^53");
  }
  return n;
}

export type FieldHandler = (f: Field) => void;

/** One field of a message being decoded: its number, wire type, and typed accessors for its value. */
export class Field {
  number = 0;
  wireType = 0;
  constructor(
    private readonly r: Reader,
    /** Path of the enclosing message, e.g. `ModelProto.graph.node[3]`; decoders add the name once read. */
    public msgPath: string,
    private readonly depth: number,
  ) {}

  /** Path naming this field, e.g. `TensorProto "x".raw_data`. */
  at(name: string): string {
    return `${this.msgPath}.${name}`;
  }

  private expect(name: string, ...wire: readonly number[]): void {
    if (!wire.includes(this.wireType)) {
      onnxFail(
        this.at(name),
        `wrong wire type for field ${this.number}`,
        WIRE_NAMES[this.wireType] ?? String(this.wireType),
        wire.map((w) => WIRE_NAMES[w]).join(" or "),
      );
    }
  }

  /** int64 / int32 / enum scalar (varint), exact. */
  int(name: string): number {
    this.expect(name, WIRE_VARINT);
    return longToSafe(guard(this.at(name), "a varint", () => this.r.int64() as unknown as LongBitsLike | number), this.at(name));
  }

  float(name: string): number {
    this.expect(name, WIRE_FIXED32);
    return guard(this.at(name), "a float", () => this.r.float());
  }

  string(name: string): string {
    return utf8.decode(this.bytes(name));
  }

  /** Length-delimited bytes (a view into the input, not a copy), checked against what is left. */
  bytes(name: string): Uint8Array {
    this.expect(name, WIRE_LEN);
    const r = this.r;
    const len = guard(this.at(name), "a length", () => r.uint32());
    const left = r.len - r.pos;
    if (len > left) onnxFail(this.at(name), "length runs past the end of the message", `${len} bytes declared`, `at most the ${left} bytes left`);
    const start = r.pos;
    r.pos += len;
    return r.buf.subarray(start, start + len);
  }

  /** A nested message, decoded by `onField` with its own bounded reader. */
  message(name: string, path: string, onField: FieldHandler): void {
    const sub = this.bytes(name);
    decodeMessage(sub, path, onField, this.depth + 1);
  }

  /** Repeated varint field, packed or not: appends to `out`. */
  ints(name: string, out: number[]): void {
    this.expect(name, WIRE_VARINT, WIRE_LEN);
    if (this.wireType === WIRE_VARINT) {
      out.push(this.int(name));
      return;
    }
    const path = this.at(name);
    const sub = new Reader(this.bytes(name));
    while (sub.pos < sub.len) out.push(longToSafe(guard(path, "a packed varint", () => sub.int64() as unknown as LongBitsLike | number), path));
  }

  /** Repeated float field, packed or not: appends to `out`. */
  floats(name: string, out: number[]): void {
    this.expect(name, WIRE_FIXED32, WIRE_LEN);
    if (this.wireType === WIRE_FIXED32) {
      out.push(this.float(name));
      return;
    }
    const b = this.bytes(name);
    if (b.length % 4 !== 0) onnxFail(this.at(name), "packed float32 data is not a whole number of values", `${b.length} bytes`, "a multiple of 4");
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < b.length; i += 4) out.push(view.getFloat32(i, true));
  }

  /** Repeated double field, packed or not: appends to `out`. */
  doubles(name: string, out: number[]): void {
    this.expect(name, WIRE_FIXED64, WIRE_LEN);
    if (this.wireType === WIRE_FIXED64) {
      out.push(guard(this.at(name), "a double", () => this.r.double()));
      return;
    }
    const b = this.bytes(name);
    if (b.length % 8 !== 0) onnxFail(this.at(name), "packed float64 data is not a whole number of values", `${b.length} bytes`, "a multiple of 8");
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < b.length; i += 8) out.push(view.getFloat64(i, true));
  }

  /** Repeated uint64 varint field (TensorProto.uint64_data), exact below 2^53. */
  uints(name: string, out: number[]): void {
    this.expect(name, WIRE_VARINT, WIRE_LEN);
    const path = this.at(name);
    const one = (r: Reader): number => {
      const v = guard(path, "a varint", () => r.uint64() as unknown as LongBitsLike | number);
      // The bits are read as signed, so values of 2^63 and more come out negative: refuse them too.
      const n = longToSafe(typeof v === "number" ? v : { low: v.low, high: v.high | 0 }, path);
      if (n < 0) onnxFail(path, "uint64 value beyond the exactly representable range", "≥ 2^63", "< 2^53");
      return n;
    };
    if (this.wireType === WIRE_VARINT) {
      out.push(one(this.r));
      return;
    }
    const sub = new Reader(this.bytes(name));
    while (sub.pos < sub.len) out.push(one(sub));
  }

  /** Skip a field this reader does not use. */
  skip(): void {
    if (this.wireType === 4 || this.wireType > 5) {
      onnxFail(this.msgPath, `invalid wire type ${this.wireType} for field ${this.number}`, undefined, "0, 1, 2, 3 or 5");
    }
    guard(`${this.msgPath}.<field ${this.number}>`, "an unknown field", () => this.r.skipType(this.wireType, this.depth, this.number));
  }
}

/**
 * Decode one message: calls `onField` for every field in order. The handler must consume the field's
 * value (through a Field accessor or `skip()`).
 */
export function decodeMessage(bytes: Uint8Array, path: string, onField: FieldHandler, depth = 0): void {
  if (depth > MAX_DEPTH) onnxFail(path, "messages nested too deeply", `depth ${depth}`, `at most ${MAX_DEPTH}`);
  const r = new Reader(bytes);
  const f = new Field(r, path, depth);
  while (r.pos < r.len) {
    const tag = guard(path, "a field tag", () => r.uint32());
    f.number = tag >>> 3;
    f.wireType = tag & 7;
    if (f.number === 0) onnxFail(path, "invalid field number 0", `tag ${tag}`, "field numbers ≥ 1");
    const before = r.pos;
    onField(f);
    if (r.pos === before) {
      // A handler that forgot to consume its value would loop forever on the same bytes.
      throw new Error(`internal: field ${f.number} of ${path} was not consumed`);
    }
  }
}
