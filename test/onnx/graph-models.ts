/**
 * Multi-node ONNX models built by the test suite itself (QOperator and QDQ, per-channel and int4 weights,
 * residual adds, every com.microsoft op quarch imports), with deterministic inputs. Shared by the graph
 * tests and scripts/ort-oracle.ts, which runs them in onnxruntime to make the goldens.
 */
import type { DType, QType } from "../../src/ir/dtype.js";
import { encodeModel } from "../../src/onnx/proto-writer.js";
import type { OnnxAttribute, OnnxNode, OnnxTensorProto, OnnxValueInfo } from "../../src/onnx/protobuf.js";
import { floatProto, int64Proto, tensorProtoOf } from "../../src/onnx/tensor-encode.js";

export const I8: QType = { bits: 8, signed: true };
export const U8: QType = { bits: 8, signed: false };
export const I4: QType = { bits: 4, signed: true };
export const I32: QType = { bits: 32, signed: true };

export interface ModelInput {
  readonly name: string;
  readonly dtype: QType | "float32";
  readonly shape: readonly number[];
  readonly data: Int8Array | Uint8Array | Float32Array;
}

export interface TestModel {
  readonly name: string;
  readonly description: string;
  readonly bytes: Uint8Array;
  readonly inputs: readonly ModelInput[];
  readonly outputs: readonly string[];
  /** onnxruntime computes this model in float (unfused QDQ); its golden comes from `goldenFrom` instead. */
  readonly goldenFrom?: string;
  /** The ops the model exercises (for the provenance table). */
  readonly ops: readonly string[];
}

/** splitmix32: deterministic data that never changes between runs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

const ELEM: Record<string, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int4: 22 };
const code = (t: DType): number => ELEM[t === "float32" ? "float32" : `${t.signed ? "" : "u"}int${t.bits}`]!;

export const attr = {
  i: (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "int", value } }),
  f: (name: string, value: number): OnnxAttribute => ({ name, value: { kind: "float", value } }),
  is: (name: string, value: readonly number[]): OnnxAttribute => ({ name, value: { kind: "ints", value } }),
  s: (name: string, value: string): OnnxAttribute => ({ name, value: { kind: "string", value: new TextEncoder().encode(value) } }),
};

/** Builds one model: initializers, nodes and inputs, with helpers for quantization parameters. */
export class ModelBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensorProto[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly feeds: ModelInput[] = [];
  readonly r: () => number;
  private k = 0;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  scale(lo = 0.005, hi = 0.1): number {
    return Math.fround(lo + this.r() * (hi - lo));
  }
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly OnnxAttribute[] = [], domain = ""): this {
    this.nodes.push({ name: `${opType.toLowerCase()}_${this.k++}`, opType, domain, inputs: [...inputs], outputs: [...outputs], attributes: [...attributes] });
    return this;
  }
  f32(name: string, dims: readonly number[], values: readonly number[]): string {
    this.inits.push(floatProto(name, dims, values));
    return name;
  }
  tensor(name: string, t: QType, dims: readonly number[], values: readonly number[]): string {
    this.inits.push(tensorProtoOf(name, t, dims, values));
    return name;
  }
  i64(name: string, values: readonly number[]): string {
    this.inits.push(int64Proto(name, [values.length], values));
    return name;
  }
  /** A per-tensor (scale, zero point) pair of initializers named `${base}_s`, `${base}_z`. */
  qp(base: string, t: QType, scale = this.scale(), zp?: number): [string, string] {
    const lo = t.signed ? -(2 ** (t.bits - 1)) : 0;
    const z = zp ?? this.int(lo + 20, lo + 2 ** t.bits - 21);
    return [this.f32(`${base}_s`, [], [scale]), this.tensor(`${base}_z`, t, [], [z])];
  }
  /** Random integer weights in [lo, hi]. */
  values(n: number, lo: number, hi: number): number[] {
    return Array.from({ length: n }, () => this.int(lo, hi));
  }
  input(name: string, dtype: QType | "float32", shape: readonly number[]): string {
    this.inputs.push({ name, elemType: code(dtype), isTensor: true, shape: [...shape] });
    const n = shape.reduce((a, b) => a * b, 1);
    const data =
      dtype === "float32"
        ? Float32Array.from({ length: n }, () => Math.fround(this.r() * 4 - 2))
        : dtype.signed
          ? Int8Array.from({ length: n }, () => this.int(-128, 127))
          : Uint8Array.from({ length: n }, () => this.int(0, 255));
    this.feeds.push({ name, dtype, shape, data });
    return name;
  }
  build(name: string, description: string, outputs: readonly { name: string; dtype: DType }[], ops: readonly string[], goldenFrom?: string): TestModel {
    const bytes = encodeModel({
      irVersion: 10,
      producerName: "quarch-tests",
      opsetImport: [{ domain: "", version: 21 }, { domain: "com.microsoft", version: 1 }],
      graph: { name, nodes: this.nodes, initializers: this.inits, inputs: this.inputs, outputs: outputs.map((o) => ({ name: o.name, elemType: code(o.dtype), isTensor: true, shape: undefined })), valueInfo: [] },
    });
    return { name, description, bytes, inputs: this.feeds, outputs: outputs.map((o) => o.name), ops, ...(goldenFrom === undefined ? {} : { goldenFrom }) };
  }
}
