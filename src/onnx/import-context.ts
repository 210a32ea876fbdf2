/**
 * State of a whole-graph ONNX import: what each ONNX tensor name stands for so far, the quarch values and
 * nodes built, and the helpers every op handler shares (attributes, constants, quantization parameters,
 * errors naming the node, op type, domain and opset).
 *
 * An ONNX name is one of:
 *  - "int": an integer quarch value (graph input, constant, or the output of an integer op);
 *  - "float": a float32 quarch value (a float graph input or a materialized DequantizeLinear);
 *  - "view": DequantizeLinear's output not yet materialized — the integer source and its params. Float ops
 *    whose inputs are views and whose result reaches a QuantizeLinear fold into integer ops (QDQ);
 *  - "pending": a float MAC / elementwise result waiting for its QuantizeLinear, with the real clamp range
 *    of any Relu / Clip in between; the QuantizeLinear builds the integer node;
 *  - "const": an initializer (decoded on first use).
 */
import { OnnxError, type Problem } from "../errors.js";
import { type DType, type QType, isFloat, product, qmax, qmin } from "../ir/dtype.js";
import type { Graph, Tensor, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { type QuantParams, channelQuant, scalarQuant, tensorQuant } from "../ir/quant-params.js";
import { checkGraph } from "../ir/verify.js";
import { type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensorProto, type OnnxValueInfo, attributeText } from "./protobuf.js";
import { onnxTypeName, quarchDType, tensorFromProto } from "./tensor.js";

const shapeText = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** Builds the integer node once the output value (with the QuantizeLinear's params) and clamp are known. */
export type PendingBuild = (out: Value, clampMin: number, clampMax: number) => void;

export type Entry =
  | { readonly kind: "int"; readonly value: string }
  | { readonly kind: "float"; readonly value: string }
  | { readonly kind: "view"; readonly src: string; readonly quant: QuantParams; readonly shape: readonly number[] }
  | { readonly kind: "pending"; readonly shape: readonly number[]; readonly lo: number; readonly hi: number; readonly build: PendingBuild; readonly op: string }
  | { readonly kind: "const" };

export class ImportContext {
  readonly values = new Map<string, Value>();
  readonly nodes: Node[] = [];
  readonly graphInputs: string[] = [];
  readonly entries = new Map<string, Entry>();
  /** How many nodes (and graph outputs) read each ONNX name. */
  readonly uses = new Map<string, number>();
  private readonly inits = new Map<string, { proto: OnnxTensorProto; path: string }>();
  private readonly decoded = new Map<string, Tensor>();
  private readonly infos = new Map<string, OnnxValueInfo>();
  private readonly producerNode = new Map<string, number>();
  private fresh = 0;
  /** The node being imported (for error messages). */
  node: OnnxNode | undefined;
  where = "graph";

  constructor(
    readonly model: OnnxModel,
    readonly bindings: ReadonlyMap<string, Tensor>,
  ) {
    const g = model.graph;
    g.initializers.forEach((proto, i) => {
      this.inits.set(proto.name, { proto, path: `graph.initializer[${i}] "${proto.name}"` });
      this.entries.set(proto.name, { kind: "const" });
    });
    for (const v of [...g.valueInfo, ...g.inputs, ...g.outputs]) this.infos.set(v.name, v);
    for (const n of g.nodes) for (const i of n.inputs) if (i !== "") this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of g.outputs) this.uses.set(o.name, (this.uses.get(o.name) ?? 0) + 1);
  }

  opsetOf(domain: string): number {
    const d = domain === "ai.onnx" ? "" : domain;
    return this.model.opsetImport.find((o) => (o.domain === "ai.onnx" ? "" : o.domain) === d)?.version ?? 0;
  }

  begin(node: OnnxNode): void {
    this.node = node;
    const domain = node.domain === "" || node.domain === "ai.onnx" ? "ai.onnx" : node.domain;
    const label = node.name === "" ? "" : ` "${node.name}"`;
    this.where = `node${label} (${node.opType}, domain ${domain}, opset ${this.opsetOf(node.domain)})`;
  }

  fail(message: string, given?: string, expected?: string, field?: string): never {
    const p: Problem = { path: field === undefined ? this.where : `${this.where}.${field}`, message };
    throw new OnnxError({ ...p, ...(given === undefined ? {} : { given }), ...(expected === undefined ? {} : { expected }) });
  }

  get n(): OnnxNode {
    if (this.node === undefined) throw new Error("internal: no node being imported");
    return this.node;
  }

  /** Unique quarch node name: the ONNX name, else op type and index. */
  nodeName(suffix = ""): string {
    const base = this.n.name === "" ? `${this.n.opType}_${this.fresh++}` : this.n.name;
    return suffix === "" ? base : `${base}/${suffix}`;
  }

  /** A quarch value name not used yet. */
  freshName(base: string): string {
    let name = base;
    while (this.values.has(name)) name = `${base}#${this.fresh++}`;
    return name;
  }

  // ---- inputs ----

  inputName(i: number): string | undefined {
    const s = this.n.inputs[i];
    return s === undefined || s === "" ? undefined : s;
  }

  requireInput(i: number, role: string): string {
    const s = this.inputName(i);
    if (s === undefined) this.fail(`input ${i} (${role}) is required`, "nothing", "a tensor name", `inputs[${i}]`);
    return s;
  }

  arity(min: number, max: number, outputs = 1): void {
    const k = this.n.inputs.length;
    if (k < min || k > max) this.fail("wrong number of inputs", `${k}`, min === max ? `${min}` : `${min} to ${max}`);
    if (this.n.outputs.length < 1 || this.n.outputs.length > outputs) this.fail("wrong number of outputs", `${this.n.outputs.length}`, `${outputs}`);
  }

  entry(i: number, role: string): Entry {
    const name = this.requireInput(i, role);
    const e = this.entries.get(name);
    if (e === undefined) {
      if (this.bindings.has(name)) return { kind: "const" };
      this.fail(`${role} "${name}" is not produced by any earlier node, graph input or initializer`, name, "a defined tensor name (nodes in topological order)", `inputs[${i}]`);
    }
    return e;
  }

  /** An initializer stored in the file (bindings excluded). */
  isStored(name: string): boolean {
    return this.inits.has(name);
  }

  isInitializer(name: string): boolean {
    return this.inits.has(name) || (this.bindings.has(name) && !this.values.has(name));
  }

  /** A constant operand's value (initializer or binding), decoded once. */
  constant(i: number, role: string): Tensor {
    const name = this.requireInput(i, role);
    const t = this.constTensor(name);
    if (t === undefined) this.fail(`${role} "${name}" must be a constant`, "a runtime tensor", "an initializer (or a binding)", `inputs[${i}]`);
    return t;
  }

  constTensor(name: string): Tensor | undefined {
    const cached = this.decoded.get(name);
    if (cached !== undefined) return cached;
    const e = this.inits.get(name);
    const t = e === undefined ? this.bindings.get(name) : tensorFromProto(e.proto, e.path);
    if (t !== undefined) this.decoded.set(name, t);
    return t;
  }

  initProto(name: string): OnnxTensorProto | undefined {
    return this.inits.get(name)?.proto;
  }

  /** ONNX element type of an initializer (0 when not one). */
  initElemType(name: string): number {
    return this.inits.get(name)?.proto.dataType ?? 0;
  }

  optionalConstant(i: number, role: string): Tensor | undefined {
    return this.inputName(i) === undefined ? undefined : this.constant(i, role);
  }

  // ---- attributes ----

  private attr(name: string): OnnxAttribute | undefined {
    return this.n.attributes.find((a) => a.name === name);
  }
  attributes(known: readonly string[]): void {
    for (const a of this.n.attributes) {
      if (!known.includes(a.name)) this.fail(`unsupported attribute "${a.name}"`, a.name, known.length === 0 ? "no attributes" : known.join(", "), `attribute "${a.name}"`);
    }
  }
  int(name: string, dflt: number): number {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "int") this.fail("attribute must be an INT", a.value.kind, "int", `attribute "${name}"`);
    return a.value.value;
  }
  float(name: string, dflt: number): number {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "float") this.fail("attribute must be a FLOAT", a.value.kind, "float", `attribute "${name}"`);
    return a.value.value;
  }
  ints(name: string, dflt: readonly number[]): readonly number[] {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "ints") this.fail("attribute must be INTS", a.value.kind, "ints", `attribute "${name}"`);
    return a.value.value;
  }
  string(name: string, dflt: string): string {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "string") this.fail("attribute must be a STRING", a.value.kind, "string", `attribute "${name}"`);
    return attributeText(a.value.value);
  }

  // ---- values ----

  value(name: string): Value {
    const v = this.values.get(name);
    if (v === undefined) throw new Error(`internal: no quarch value "${name}"`);
    return v;
  }

  addValue(v: Value): Value {
    this.values.set(v.name, v);
    return v;
  }

  private readonly nodeNames = new Set<string>();
  /** Add a node; a name already taken gets a numbered suffix (node names must be unique). */
  addNode(node: Node): void {
    let name = node.name;
    while (this.nodeNames.has(name)) name = `${node.name}#${this.fresh++}`;
    this.nodeNames.add(name);
    this.nodes.push(name === node.name ? node : { ...node, name });
  }

  /** Declared static shape of an ONNX name (value_info, inputs, outputs), if any. */
  declaredShape(name: string): readonly number[] | undefined {
    const dims = this.infos.get(name)?.shape;
    return dims !== undefined && dims.every((d): d is number => typeof d === "number") ? dims : undefined;
  }

  declaredElemType(name: string): number {
    return this.infos.get(name)?.elemType ?? 0;
  }

  /** Record the output of the current node; a declared static shape must agree. */
  define(i: number, e: Entry, shape: readonly number[]): string {
    const name = this.n.outputs[i];
    if (name === undefined || name === "") this.fail(`output ${i} has no name`, "nothing", "a tensor name", `outputs[${i}]`);
    if (this.entries.has(name) && this.entries.get(name)!.kind !== "const") this.fail(`output "${name}" is already produced by another node`, name, "unique tensor names", `outputs[${i}]`);
    const d = this.declaredShape(name);
    if (d !== undefined && shapeText(d) !== shapeText(shape)) this.fail(`declared shape of "${name}" disagrees with the op`, shapeText(d), shapeText(shape), `outputs[${i}]`);
    this.entries.set(name, e);
    this.producerNode.set(name, this.nodes.length);
    return name;
  }

  outputName(i: number): string {
    const name = this.n.outputs[i];
    if (name === undefined || name === "") this.fail(`output ${i} has no name`, "nothing", "a tensor name", `outputs[${i}]`);
    return name;
  }

  /** The quarch node that produced ONNX name `name`, if it is the last node built for it. */
  producerOf(name: string): number | undefined {
    const idx = this.producerNode.get(name);
    return idx === undefined || idx === 0 ? undefined : idx - 1;
  }

  /** A graph input or integer constant as a quarch value, created on first use with `quant`. */
  materialize(name: string, quant: QuantParams | undefined, path: string): Value {
    const existing = this.values.get(name);
    if (existing !== undefined) return existing;
    const t = this.constTensor(name);
    if (t !== undefined && !this.graphInputNames().has(name)) {
      return this.addValue({ name, dtype: t.dtype, shape: t.shape, data: t.data, ...(quant === undefined ? {} : { quant }) });
    }
    const info = this.infos.get(name);
    const dtype = info === undefined ? undefined : quarchDType(info.elemType);
    const bound = this.bindings.get(name);
    const shape = this.declaredShape(name) ?? bound?.shape;
    if (dtype === undefined || shape === undefined) {
      this.fail(`graph input "${name}" needs a known element type and static shape`, info === undefined ? "no type" : onnxTypeName(info.elemType), "FLOAT or an integer type, static dims", path);
    }
    this.graphInputs.push(name);
    return this.addValue({ name, dtype, shape, ...(quant === undefined ? {} : { quant }) });
  }

  private inputNames: Set<string> | undefined;
  graphInputNames(): Set<string> {
    this.inputNames ??= new Set(this.model.graph.inputs.map((v) => v.name).filter((n) => !this.inits.has(n)));
    return this.inputNames;
  }

  /**
   * An integer quarch value holding `src`'s data with params `quant`: `src` itself when its params agree
   * (or it has none yet), else a reinterpreting reshape (ONNX lets each consumer state its own params).
   */
  withQuant(src: string, quant: QuantParams): Value {
    const v = this.value(src);
    if (v.quant === undefined && v.data === undefined && this.graphInputs.includes(src)) return this.addValue({ ...v, quant });
    if (v.quant !== undefined && sameQuant(v.quant, quant)) return v;
    if (v.quant === undefined && v.data !== undefined) return this.addValue({ ...v, quant });
    const alias = this.addValue({ name: this.freshName(`${src}@q`), dtype: v.dtype, shape: v.shape, quant });
    this.addNode({ op: "reshape", name: this.freshName(`${alias.name}/reinterpret`), inputs: [src], outputs: [alias.name], shape: v.shape });
    return alias;
  }

  // ---- quantization parameters ----

  /** Scale / zero-point operands as params for data of `shape` along `axis` (per tensor or per axis). */
  params(scaleIdx: number, zpIdx: number | undefined, shape: readonly number[], axis: number, role: string): { quant: QuantParams; type: QType | undefined } {
    const s = this.constant(scaleIdx, `${role} scale`);
    if (!isFloat(s.dtype)) this.fail(`${role} scale must be FLOAT`, `${s.dtype.bits}-bit integer`, "FLOAT", `inputs[${scaleIdx}]`);
    const scales = Array.from(s.data, (v) => Math.fround(v));
    const zpName = zpIdx === undefined ? undefined : this.inputName(zpIdx);
    const z = zpName === undefined ? undefined : this.constant(zpIdx!, `${role} zero point`);
    if (z !== undefined && isFloat(z.dtype)) this.fail(`${role} zero point must be an integer tensor`, "FLOAT", "an integer type", `inputs[${zpIdx}]`);
    const zps = z === undefined ? new Array<number>(scales.length).fill(0) : Array.from(z.data);
    const type = z === undefined || isFloat(z.dtype) ? undefined : z.dtype;
    scales.forEach((v, k) => {
      if (!(v > 0) || !Number.isFinite(v)) this.fail(`${role} scale must be a finite number > 0`, `${v}`, "> 0", `inputs[${scaleIdx}][${k}]`);
    });
    if (zps.length !== scales.length) this.fail(`${role} zero point and scale differ in size`, `${zps.length}`, `${scales.length}`, `inputs[${zpIdx}]`);
    if (type !== undefined) {
      zps.forEach((v, k) => {
        if (v < qmin(type) || v > qmax(type)) this.fail(`${role} zero point out of range`, `${v}`, `${qmin(type)}..${qmax(type)}`, `inputs[${zpIdx}][${k}]`);
      });
    }
    if (scales.length === 1) return { quant: tensorQuant(scales[0]!, zps[0]!), type };
    const a = axis < 0 ? axis + shape.length : axis;
    if (a < 0 || a >= shape.length || s.shape.length !== 1 || scales.length !== shape[a]) {
      this.fail(`${role} scale must be a scalar or one value per index of axis ${axis}`, shapeText(s.shape), `[] or [${shape[a] ?? "?"}] for ${shapeText(shape)}`, `inputs[${scaleIdx}]`);
    }
    return { quant: channelQuant(a, scales, zps), type };
  }

  /** The per-tensor scale and zero point of params (an error naming the role when per channel). */
  scalar(q: QuantParams, role: string): { scale: number; zeroPoint: number } {
    const s = scalarQuant(q);
    if (s === undefined) this.fail(`${role} must be quantized per tensor`, q.kind, "one scale and zero point");
    return s;
  }

  /** The finished graph, checked by the IR verifier (its findings reported as ONNX errors). */
  finish(outputs: readonly string[], description: string): Graph {
    const graph: Graph = {
      name: this.model.graph.name === "" ? "onnx" : this.model.graph.name,
      values: this.values,
      nodes: this.nodes,
      inputs: this.graphInputs,
      outputs,
      description,
    };
    const problems = checkGraph(graph);
    if (problems.length > 0) throw new OnnxError(problems.map((p) => ({ ...p, path: `imported graph: ${p.path}` })));
    return graph;
  }
}

export function sameQuant(a: QuantParams, b: QuantParams): boolean {
  const sa = a.kind === "tensor" ? [a.scale] : a.scale;
  const sb = b.kind === "tensor" ? [b.scale] : b.scale;
  const za = a.kind === "tensor" ? [a.zeroPoint] : a.zeroPoint;
  const zb = b.kind === "tensor" ? [b.zeroPoint] : b.zeroPoint;
  const axisA = a.kind === "tensor" ? -1 : a.axis;
  const axisB = b.kind === "tensor" ? -1 : b.axis;
  return (sa.length === 1 || axisA === axisB) && sa.length === sb.length && sa.every((s, i) => s === sb[i]) && za.every((z, i) => z === zb[i]);
}

/** The integer type of a quantized tensor entry's value. */
export function intTypeOf(v: Value, ctx: ImportContext, role: string): QType {
  if (v.dtype === "float32") ctx.fail(`${role} "${v.name}" must be an integer tensor`, "FLOAT", "a quantized integer type");
  return v.dtype;
}

export function elementCount(shape: readonly number[]): number {
  return product(shape);
}

export type { DType };
