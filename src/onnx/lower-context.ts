/**
 * The state of lowering one ONNX node: where it is (for error messages), its attributes, the operands
 * whose values are known (initializers and bindings), and the quarch values and nodes built so far.
 */
import { OnnxError, type Problem } from "../errors.js";
import { type DType, dtypeName, isFloat, product } from "../ir/dtype.js";
import type { Graph, Tensor, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";
import { type QuantParams, channelQuant, tensorQuant } from "../ir/quant-params.js";
import { checkGraph } from "../ir/verify.js";
import { type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensorProto, type OnnxValueInfo, attributeText } from "./protobuf.js";
import { ONNX_FLOAT16, ONNX_INT64, onnxCodeOf, onnxTypeName, quarchDType, tensorFromProto } from "./tensor.js";

const shapeText = (s: readonly number[]): string => `[${s.join(", ")}]`;

export class LowerContext {
  readonly node: OnnxNode;
  readonly opset: number;
  readonly where: string;
  readonly values = new Map<string, Value>();
  readonly nodes: Node[] = [];
  readonly graphInputs: string[] = [];
  private readonly inputInfo = new Map<string, OnnxValueInfo>();
  private readonly outputInfo = new Map<string, OnnxValueInfo>();
  private readonly initializerProtos = new Map<string, { proto: OnnxTensorProto; path: string }>();
  private readonly decoded = new Map<string, Tensor>();

  constructor(
    readonly model: OnnxModel,
    private readonly bindings: ReadonlyMap<string, Tensor>,
  ) {
    const g = model.graph;
    if (g.nodes.length !== 1) {
      throw new OnnxError({ path: `graph "${g.name}"`, message: "only single-node models can be lowered node by node", given: `${g.nodes.length} nodes`, expected: "1 node" });
    }
    this.node = g.nodes[0]!;
    const domain = this.node.domain === "ai.onnx" ? "" : this.node.domain;
    const imp = model.opsetImport.find((o) => (o.domain === "ai.onnx" ? "" : o.domain) === domain);
    this.opset = imp?.version ?? 0;
    const label = this.node.name === "" ? "" : ` "${this.node.name}"`;
    this.where = `node${label} (${this.node.opType}, domain ${domain === "" ? "ai.onnx" : domain}, opset ${this.opset})`;
    for (const v of g.inputs) this.inputInfo.set(v.name, v);
    for (const v of g.outputs) this.outputInfo.set(v.name, v);
    g.initializers.forEach((proto, i) => {
      this.initializerProtos.set(proto.name, { proto, path: `graph.initializer[${i}] "${proto.name}"` });
    });
  }

  /** An initializer's value, decoded on first use (unused ones, e.g. int64 shapes, are never narrowed). */
  private initializer(name: string): Tensor | undefined {
    const cached = this.decoded.get(name);
    if (cached !== undefined) return cached;
    const entry = this.initializerProtos.get(name);
    if (entry === undefined) return undefined;
    const t = tensorFromProto(entry.proto, entry.path);
    this.decoded.set(name, t);
    return t;
  }

  fail(message: string, given?: string, expected?: string, field?: string): never {
    const p: Problem = { path: field === undefined ? this.where : `${this.where}.${field}`, message };
    throw new OnnxError({ ...p, ...(given === undefined ? {} : { given }), ...(expected === undefined ? {} : { expected }) });
  }

  /** Name of the quarch node: the ONNX name, or the op type when the node has none. */
  get nodeName(): string {
    return this.node.name === "" ? this.node.opType : this.node.name;
  }

  /** The i-th input name, or undefined when absent (missing or the empty name of a skipped optional). */
  inputName(i: number): string | undefined {
    const n = this.node.inputs[i];
    return n === undefined || n === "" ? undefined : n;
  }

  requireInput(i: number, role: string): string {
    const n = this.inputName(i);
    if (n === undefined) this.fail(`input ${i} (${role}) is required`, "nothing", `a tensor name`, `inputs[${i}]`);
    return n;
  }

  checkArity(min: number, max: number, outputs: number): void {
    const n = this.node.inputs.length;
    if (n < min || n > max) this.fail("wrong number of inputs", `${n}`, min === max ? `${min}` : `${min} to ${max}`);
    if (this.node.outputs.length !== outputs) this.fail("wrong number of outputs", `${this.node.outputs.length}`, `${outputs}`);
  }

  // ---- attributes ----

  private attr(name: string): OnnxAttribute | undefined {
    return this.node.attributes.find((a) => a.name === name);
  }

  /** Refuse attributes the lowering does not know, so none is silently ignored. */
  checkAttributes(known: readonly string[]): void {
    for (const a of this.node.attributes) {
      if (!known.includes(a.name)) this.fail(`unsupported attribute "${a.name}"`, a.name, known.length === 0 ? "no attributes" : known.join(", "), `attribute "${a.name}"`);
    }
  }

  attrInt(name: string, dflt: number): number {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "int") this.fail("attribute must be an INT", a.value.kind, "int", `attribute "${name}"`);
    return a.value.value;
  }

  attrInts(name: string, dflt: readonly number[]): readonly number[] {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "ints") this.fail("attribute must be INTS", a.value.kind, "ints", `attribute "${name}"`);
    return a.value.value;
  }

  attrString(name: string, dflt: string): string {
    const a = this.attr(name);
    if (a === undefined) return dflt;
    if (a.value.kind !== "string") this.fail("attribute must be a STRING", a.value.kind, "string", `attribute "${name}"`);
    return attributeText(a.value.value);
  }

  // ---- operands ----

  isInitializer(name: string): boolean {
    return this.initializerProtos.has(name);
  }

  /** A parameter operand (scale, zero point, …): an initializer or a bound graph input. */
  known(i: number, role: string): Tensor {
    const name = this.requireInput(i, role);
    const t = this.initializer(name) ?? this.bindings.get(name);
    if (t === undefined) {
      this.fail(`${role} "${name}" has no known value`, "a runtime input", "an initializer or a binding for it (scales and zero points must be known to lower)", `inputs[${i}]`);
    }
    return t;
  }

  knownOptional(i: number, role: string): Tensor | undefined {
    return this.inputName(i) === undefined ? undefined : this.known(i, role);
  }

  /**
   * The ONNX element type of a named initializer or graph input; for a binding of an undeclared name, the
   * type of its quarch dtype (0 when unknown).
   */
  elemTypeOf(name: string): number {
    const declared = this.initializerProtos.get(name)?.proto.dataType ?? this.inputInfo.get(name)?.elemType ?? 0;
    if (declared !== 0) return declared;
    const bound = this.bindings.get(name);
    return bound === undefined ? 0 : (onnxCodeOf(bound.dtype) ?? 0);
  }

  /** Shape of an input: the initializer's, the declared static shape, or a binding's when dims are symbolic. */
  private shapeOf(name: string, field: string): readonly number[] {
    const init = this.initializerProtos.get(name);
    if (init !== undefined) return init.proto.dims;
    const info = this.inputInfo.get(name);
    if (info === undefined) this.fail(`"${name}" is neither a graph input nor an initializer`, name, "a graph input", field);
    const bound = this.bindings.get(name);
    const dims = info.shape;
    if (dims !== undefined && dims.every((d): d is number => typeof d === "number")) {
      if (bound !== undefined && shapeText(bound.shape) !== shapeText(dims)) {
        this.fail(`binding for "${name}" has the wrong shape`, shapeText(bound.shape), shapeText(dims), field);
      }
      return dims;
    }
    if (bound !== undefined) return bound.shape;
    return this.fail(`input "${name}" has no static shape`, dims === undefined ? "unknown rank" : `[${dims.map((d) => d ?? "?").join(", ")}]`, "static dims, or a binding that fixes them", field);
  }

  /**
   * Declare the data operand `inputs[i]` as a quarch value (a constant when it is an initializer, a graph
   * input otherwise), with optional quantization parameters. Returns the value.
   */
  dataInput(i: number, role: string, quant?: QuantParams, opts: { allowHalf?: boolean } = {}): Value {
    const name = this.requireInput(i, role);
    const field = `inputs[${i}]`;
    const existing = this.values.get(name);
    if (existing !== undefined) return existing;
    const elem = this.elemTypeOf(name);
    const dtype = quarchDType(elem);
    if (dtype === undefined || elem === ONNX_INT64 || (elem === ONNX_FLOAT16 && opts.allowHalf !== true)) {
      this.fail(`${role} "${name}" has an element type quarch cannot execute here`, onnxTypeName(elem), "FLOAT or an integer type of at most 32 bits", field);
    }
    const shape = this.shapeOf(name, field);
    const init = this.initializer(name);
    const v: Value = { name, dtype, shape, ...(quant === undefined ? {} : { quant }), ...(init === undefined ? {} : { data: init.data }) };
    this.values.set(name, v);
    if (init === undefined) this.graphInputs.push(name);
    return v;
  }

  /** Shape of `inputs[i]` without declaring it. */
  inputShape(i: number, role: string): readonly number[] {
    return this.shapeOf(this.requireInput(i, role), `inputs[${i}]`);
  }

  /** Declare an output value; a static declared shape must agree with the computed one. */
  output(i: number, dtype: DType, shape: readonly number[], quant?: QuantParams): Value {
    const name = this.node.outputs[i];
    if (name === undefined || name === "") this.fail(`output ${i} has no name`, "nothing", "a tensor name", `outputs[${i}]`);
    const info = this.outputInfo.get(name);
    const dims = info?.shape;
    if (dims !== undefined && dims.every((d): d is number => typeof d === "number") && shapeText(dims) !== shapeText(shape)) {
      this.fail(`declared shape of output "${name}" disagrees with the op`, shapeText(dims), shapeText(shape), `outputs[${i}]`);
    }
    const v: Value = { name, dtype, shape, ...(quant === undefined ? {} : { quant }) };
    this.values.set(name, v);
    return v;
  }

  addValue(v: Value): void {
    this.values.set(v.name, v);
  }

  addNode(n: Node): void {
    this.nodes.push(n);
  }

  /** The finished graph, checked by the IR verifier (its findings are reported as ONNX errors here). */
  finish(): Graph {
    const g = this.model.graph;
    for (const o of g.outputs) {
      if (!this.values.has(o.name)) this.fail(`graph output "${o.name}" is not produced by the node`, o.name, this.node.outputs.join(", "));
    }
    const graph: Graph = {
      name: g.name === "" ? this.nodeName : g.name,
      values: this.values,
      nodes: this.nodes,
      inputs: this.graphInputs,
      outputs: g.outputs.map((o) => o.name),
      description: `lowered from ONNX ${this.node.opType} (opset ${this.opset})`,
    };
    const problems = checkGraph(graph);
    if (problems.length > 0) throw new OnnxError(problems.map((p) => ({ ...p, path: `${this.where}: ${p.path}` })));
    return graph;
  }

  // ---- quantization parameters ----

  /** Scale values as float32 numbers, with a check that the operand is a float tensor. */
  scales(t: Tensor, role: string): readonly number[] {
    if (!isFloat(t.dtype)) this.fail(`${role} must be a float tensor`, dtypeName(t.dtype), "FLOAT or FLOAT16");
    return Array.from(t.data, (s) => Math.fround(s));
  }

  zeroPoints(t: Tensor | undefined, count: number, role: string): readonly number[] {
    if (t === undefined) return new Array<number>(count).fill(0);
    if (isFloat(t.dtype)) this.fail(`${role} must be an integer tensor`, "float", "an integer type");
    return Array.from(t.data);
  }

  /**
   * Per-tensor or per-axis params from scale / zero-point operands: one element (any rank) is per
   * tensor; a 1-D tensor of length shape[axis] is per channel.
   */
  axisQuant(scaleT: Tensor, zpT: Tensor | undefined, dataShape: readonly number[], axis: number, role: string): QuantParams {
    const s = this.scales(scaleT, `${role} scale`);
    this.sameShape(scaleT, zpT, role);
    const z = this.zeroPoints(zpT, s.length, `${role} zero point`);
    if (s.length === 1) return tensorQuant(s[0]!, z[0]!);
    const a = this.normAxis(axis, dataShape.length);
    if (scaleT.shape.length !== 1 || s.length !== dataShape[a]) {
      this.fail(`${role} scale must be a scalar or one value per index of axis ${a}`, shapeText(scaleT.shape), `[] or [${dataShape[a]}] for data ${shapeText(dataShape)}`);
    }
    return channelQuant(a, s, z);
  }

  sameShape(scaleT: Tensor, zpT: Tensor | undefined, role: string): void {
    if (zpT !== undefined && product(zpT.shape) !== product(scaleT.shape)) {
      this.fail(`${role} zero point and scale differ in shape`, shapeText(zpT.shape), shapeText(scaleT.shape));
    }
  }

  normAxis(axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (!Number.isInteger(a) || a < 0 || a >= rank) this.fail("axis out of range", `${axis}`, `-${rank}..${rank - 1}`, `attribute "axis"`);
    return a;
  }
}
