/**
 * quarch graph → ONNX ModelProto, QOperator or QDQ style. Scales and zero points are written as float32 /
 * integer initializers; the arithmetic is onnxruntime's: requantizers must be in `onnx` mode with the float32
 * scale onnxruntime derives from the values' scales, elementwise ops must use its float formulas, softmax its
 * QLinearSoftmax — what applyProfile(g, "onnxruntime") makes; anything else is refused with a message saying
 * what to convert. Weights are written OIHW (int4 packed two per byte in QDQ; QLinearConv has no int4, so
 * QOperator widens them to int8 storage); NHWC activations are transposed to NCHW where a spatial op needs
 * them and carried in that layout through layout-free ops (export-layout.ts). Lookup tables no onnxruntime
 * operator builds are written as Gather on a constant table. import(export(g)) reproduces g's results bit
 * for bit.
 */
import { UnsupportedError } from "../errors.js";
import { type DType, type QType, dtypeName, isFloat, qmax, qmin } from "../ir/dtype.js";
import type { Graph, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { type QuantParams, perChannelScales, scalarQuant } from "../ir/quant-params.js";
import { NCHW, type Perm, identity, isIdentity, samePerm, transposeBetween } from "./export-layout.js";
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensorProto, OnnxValueInfo } from "./model-types.js";
import { encodeModel } from "./proto-writer.js";
import { exportNode } from "./export-ops.js";
import { floatProto, int64Proto, onnxCodeOrThrow, tensorProtoOf } from "./tensor-encode.js";

export type OnnxStyle = "qdq" | "qoperator";

export interface ExportOptions {
  readonly style?: OnnxStyle;
  readonly producerName?: string;
}

export const EXPORT_OPSET = 21;

/** One ONNX tensor holding an IR value in a layout. */
interface Version {
  readonly perm: Perm;
  readonly name: string;
}

/** The model being written: nodes, initializers, names, the layouts values are stored in, helper tensors. */
export class ExportContext {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly made = new Map<string, string>();
  /** Per IR value, the ONNX tensors holding it; the first is where it was written. */
  private readonly versions = new Map<string, Version[]>();
  private readonly outputs: ReadonlySet<string>;
  /** Transposes made, by source tensor and perm: an IR transpose can make two values share one tensor. */
  private readonly transposes = new Map<string, string>();
  usesMicrosoft = false;
  constructor(
    readonly g: Graph,
    readonly style: OnnxStyle,
  ) {
    for (const v of g.values.values()) {
      this.names.add(v.name);
      if (v.data !== undefined || g.inputs.includes(v.name)) this.versions.set(v.name, [{ perm: identity(v.shape.length), name: v.name }]);
    }
    this.outputs = new Set(g.outputs);
  }
  where(n: Node): string {
    return `node "${n.name}" (${n.op})`;
  }
  refuse(n: Node, message: string, given: string, expected: string): never {
    throw new UnsupportedError({ path: this.where(n), message: `cannot be exported to ONNX: ${message}`, given, expected });
  }
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }
  value(name: string): Value {
    return this.g.values.get(name)!;
  }
  /** The quarch node being written: ONNX nodes are named after it (helpers as `<name>/<op type>`). */
  label = "";
  /** Add a node; com.microsoft ops mark the domain import. */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attributes: readonly OnnxAttribute[] = [], domain = ""): void {
    if (domain === "com.microsoft") this.usesMicrosoft = true;
    const base = this.label === "" ? opType : HELPERS.has(opType) ? `${this.label}/${opType}` : this.label;
    this.nodes.push({ name: this.freshNode(base), opType, domain, inputs: [...inputs], outputs: [...outputs], attributes: [...attributes] });
  }
  private readonly nodeNames = new Set<string>();
  private freshNode(base: string): string {
    let name = base;
    for (let k = 1; this.nodeNames.has(name); k++) name = `${base}_${k}`;
    this.nodeNames.add(name);
    return name;
  }

  // ---- layouts ----

  /** The layout IR value `name` was written in. */
  stored(name: string): Perm {
    const v = this.versions.get(name)?.[0];
    return v === undefined ? identity(this.value(name).shape.length) : v.perm;
  }
  /** The ONNX name holding IR value `name` in layout `perm`: the written tensor, or one Transpose of it (made once). */
  input(name: string, perm: Perm): string {
    const vs = this.versions.get(name);
    if (vs === undefined || vs.length === 0) throw new Error(`internal: "${name}" is read before it is written`);
    const hit = vs.find((v) => samePerm(v.perm, perm));
    if (hit !== undefined) return hit.name;
    const src = vs[0]!;
    const t = transposeBetween(src.perm, perm);
    const key = `${src.name} ${t.join(",")}`;
    const made = this.transposes.get(key);
    // A graph output in the IR's order takes its own name.
    const own = isIdentity(perm) && this.outputs.has(name);
    if (made !== undefined && !own) {
      vs.push({ perm, name: made });
      return made;
    }
    const target = own ? name : this.fresh(`${name}_${layoutTag(perm)}`);
    this.node("Transpose", [src.name], [target], [{ name: "perm", value: { kind: "ints", value: t } }]);
    this.transposes.set(key, target);
    vs.push({ perm, name: target });
    return target;
  }
  /** The ONNX name a node writes IR value `name` to, in layout `perm` (a graph output is transposed back later). */
  output(name: string, perm: Perm): string {
    const target = isIdentity(perm) || !this.outputs.has(name) ? name : this.fresh(`${name}_${layoutTag(perm)}`);
    this.versions.set(name, [{ perm, name: target }]);
    return target;
  }
  /** IR value `name` is the ONNX tensor `onnxName` read in layout `perm` (a transpose written as a relabelling). */
  alias(name: string, onnxName: string, perm: Perm): void {
    this.versions.set(name, [{ perm, name: onnxName }]);
  }
  isGraphOutput(name: string): boolean {
    return this.outputs.has(name);
  }
  /** Every graph output in the IR's order under its own name. */
  finishOutputs(): void {
    for (const o of this.g.outputs) {
      this.label = o;
      this.input(o, identity(this.value(o).shape.length));
    }
  }

  // ---- helper tensors ----

  /** An initializer made once per key. */
  once(key: string, make: (name: string) => OnnxTensorProto): string {
    const hit = this.made.get(key);
    if (hit !== undefined) return hit;
    const name = this.fresh(key);
    this.inits.push(make(name));
    this.made.set(key, name);
    return name;
  }
  f32(key: string, dims: readonly number[], values: readonly number[]): string {
    return this.once(key, (n) => floatProto(n, dims, values));
  }
  i64(key: string, values: readonly number[]): string {
    return this.once(key, (n) => int64Proto(n, [values.length], values));
  }
  int(key: string, t: QType, dims: readonly number[], values: readonly number[]): string {
    return this.once(key, (n) => tensorProtoOf(n, t, dims, values));
  }
  /** Scale and zero-point initializers of a value's params (per tensor, or 1-D per axis). */
  params(v: Value, n: Node, as?: QType): { scale: string; zeroPoint: string; axis: number | undefined } {
    const q = v.quant;
    if (q === undefined || isFloat(v.dtype)) return this.refuse(n, `"${v.name}" has no quantization parameters`, dtypeName(v.dtype), "a quantized value");
    const t = as ?? v.dtype;
    if (q.kind === "tensor" || q.scale.length === 1) {
      const s = scalarQuant(q)!;
      return { scale: this.f32(`${v.name}_scale`, [], [s.scale]), zeroPoint: this.int(`${v.name}_zero_point${t.bits}`, t, [], [s.zeroPoint]), axis: undefined };
    }
    if (q.kind !== "channel") return this.refuse(n, `"${v.name}" has ${q.kind} quantization`, q.kind, "per-tensor or per-axis parameters");
    const c = q.scale.length;
    return { scale: this.f32(`${v.name}_scale`, [c], q.scale), zeroPoint: this.int(`${v.name}_zero_point${t.bits}`, t, [c], q.zeroPoint), axis: q.axis };
  }
  /** DequantizeLinear of the integer ONNX tensor `name` with `v`'s params (QDQ), once per tensor and key. */
  dq(name: string, n: Node, v: Value = this.value(name), key = `${name}_dq`): string {
    const hit = this.made.get(key);
    if (hit !== undefined) return hit;
    const p = this.params(v, n);
    const out = this.fresh(key);
    this.made.set(key, out);
    this.node("DequantizeLinear", [name, p.scale, p.zeroPoint], [out], p.axis === undefined ? [] : [{ name: "axis", value: { kind: "int", value: p.axis } }]);
    return out;
  }
  /** QuantizeLinear of a float result into the ONNX tensor `target` with `out`'s params (QDQ). */
  q(floatName: string, out: Value, n: Node, target: string = out.name): void {
    const p = this.params(out, n);
    this.node("QuantizeLinear", [floatName, p.scale, p.zeroPoint], [target], p.axis === undefined ? [] : [{ name: "axis", value: { kind: "int", value: p.axis } }]);
  }
}

/** Ops written around a quarch node's own op (quantization wrappers, layout changes, clamps, table indices). */
const HELPERS: ReadonlySet<string> = new Set(["DequantizeLinear", "QuantizeLinear", "Transpose", "Clip", "Cast", "Reshape"]);

function layoutTag(p: Perm): string {
  if (samePerm(p, NCHW)) return "nchw";
  if (p.length === 4 && isIdentity(p)) return "nhwc";
  return `t${p.join("")}`;
}

/** Real bounds of a clamp range, or undefined when it is the whole type (nothing to write). */
export function realClamp(v: Value, min: number, max: number): { lo: number; hi: number } | undefined {
  const t = v.dtype as QType;
  if (min <= qmin(t) && max >= qmax(t)) return undefined;
  const s = scalarQuant(v.quant!)!;
  // (k − zp)·s quantizes back to k exactly: the error of the float32 product is far below half a step.
  const real = (k: number): number => Math.fround((k - s.zeroPoint) * s.scale);
  return { lo: min <= qmin(t) ? -3.4028234663852886e38 : real(min), hi: max >= qmax(t) ? 3.4028234663852886e38 : real(max) };
}

export function perChannel(q: QuantParams | undefined, channels: number): number[] {
  return q === undefined ? new Array<number>(channels).fill(1) : perChannelScales(q, channels);
}

function valueInfo(v: Value): OnnxValueInfo {
  return { name: v.name, elemType: onnxCodeOrThrow(v.dtype, `value "${v.name}"`), isTensor: true, shape: [...v.shape] };
}

/** The ONNX model of a graph as a structure (encodeModel writes it). */
export function exportOnnxModel(g: Graph, options: ExportOptions = {}): OnnxModel {
  const ctx = new ExportContext(g, options.style ?? "qdq");
  for (const n of g.nodes) exportNode(ctx, n);
  ctx.finishOutputs();
  for (const v of g.values.values()) {
    if (v.data === undefined || ctx.inits.some((t) => t.name === v.name)) continue;
    const used = ctx.nodes.some((n) => n.inputs.includes(v.name));
    if (used) ctx.inits.push(tensorProtoOf(v.name, v.dtype as DType, v.shape, v.data));
  }
  const opsetImport = [{ domain: "", version: EXPORT_OPSET }, ...(ctx.usesMicrosoft ? [{ domain: "com.microsoft", version: 1 }] : [])];
  return {
    irVersion: 10,
    producerName: options.producerName ?? "quarch",
    opsetImport,
    graph: {
      name: g.name,
      nodes: ctx.nodes,
      initializers: ctx.inits,
      inputs: g.inputs.map((n) => valueInfo(g.values.get(n)!)),
      outputs: g.outputs.map((n) => valueInfo(g.values.get(n)!)),
      valueInfo: [],
    },
  };
}

/** Serialized ONNX model bytes. */
export function exportOnnx(g: Graph, options: ExportOptions = {}): Uint8Array {
  return encodeModel(exportOnnxModel(g, options));
}
