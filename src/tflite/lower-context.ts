/**
 * The state of lowering one TFLite subgraph: the graph being built, the quarch value each TFLite tensor
 * became, and the operator being lowered (for messages that name its index, op code and version).
 */
import { TfliteError } from "../errors.js";
import { GraphBuilder } from "../ir/builder.js";
import { type DType, type QType, type TensorData, dtypeName, isFloat, product, qmax, qmin } from "../ir/dtype.js";
import type { Node } from "../ir/ops.js";
import { type QuantParams, channelQuant, tensorQuant } from "../ir/quant-params.js";
import { roundHalfAway } from "../quant/rounding.js";
import type { Table } from "./flatbuffer.js";
import type { OperatorCodeDef, OperatorDef, SubGraphDef, TensorDef, TfliteModel } from "./model.js";
import { describeTensor } from "./model.js";
import { ACT, ACT_NAMES, typeName } from "./schema.js";
import { decodeConstant, dtypeOf } from "./tensor-data.js";

/** Largest activation quarch agrees to allocate at run time (elements); larger shapes are refused at load. */
const MAX_ELEMENTS = 1 << 28;

export interface ScalarQuant {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** A tensor as an operand: the TFLite tensor, its quarch value name and dtype. */
export interface Operand {
  readonly tensor: TensorDef;
  readonly value: string;
  readonly dtype: DType;
}

export class LowerContext {
  readonly builder: GraphBuilder;
  /** TFLite tensor index → quarch value name (unique; the TFLite name where it is free). */
  readonly names: readonly string[];
  /** Tensors that have a quarch value (graph inputs, constants taken, operator outputs). */
  private readonly defined = new Set<number>();
  /** Constants stored in another layout than TFLite's (depthwise filters), by tensor index. */
  private readonly transformed = new Map<number, string>();
  private op: OperatorDef | undefined;
  private code: OperatorCodeDef | undefined;
  /** Node names given so far: short `<op>_<operator index>` names, kept unique. */
  private readonly nodeNames = new Set<string>();

  constructor(
    readonly model: TfliteModel,
    readonly subgraph: SubGraphDef,
    graphName: string,
    description: string | undefined,
  ) {
    this.builder = new GraphBuilder(graphName, description);
    const used = new Set<string>();
    this.names = subgraph.tensors.map((t) => {
      let name = t.name === "" ? `tensor_${t.index}` : t.name;
      if (used.has(name)) name = `${name}_${t.index}`;
      while (used.has(name)) name = `${name}_`;
      used.add(name);
      return name;
    });
  }

  /** Start lowering operator `op`. */
  enter(op: OperatorDef): void {
    this.op = op;
    this.code = this.model.operatorCodes[op.opcodeIndex]!;
  }

  get opCode(): OperatorCodeDef {
    return this.code!;
  }
  get operator(): OperatorDef {
    return this.op!;
  }

  /** "operator 3 (CONV_2D v3)"; before the first operator, the graph inputs are being declared. */
  where(): string {
    if (this.op === undefined || this.code === undefined) return "SubGraph.inputs";
    return `operator ${this.op.index} (${this.code.name} v${this.code.version})`;
  }

  fail(message: string, given?: string, expected?: string, field?: string): never {
    throw new TfliteError({
      path: field === undefined ? this.where() : `${this.where()}.${field}`,
      message,
      ...(given === undefined ? {} : { given }),
      ...(expected === undefined ? {} : { expected }),
    });
  }

  /** Input i of the operator; undefined for an absent optional input (−1) or past the end. */
  optionalInput(i: number): TensorDef | undefined {
    const idx = this.operator.inputs[i];
    return idx === undefined || idx < 0 ? undefined : this.subgraph.tensors[idx];
  }

  input(i: number, role: string): TensorDef {
    const t = this.optionalInput(i);
    if (t === undefined) this.fail(`input ${i} (${role}) is missing`, `${this.operator.inputs.length} inputs`, undefined, `inputs[${i}]`);
    return t;
  }

  output(i: number): TensorDef {
    const idx = this.operator.outputs[i];
    if (idx === undefined) this.fail(`output ${i} is missing`, `${this.operator.outputs.length} outputs`, undefined, "outputs");
    return this.subgraph.tensors[idx]!;
  }

  /** Inputs and outputs counts within [min, max]. */
  arity(minIn: number, maxIn: number, outs: number): void {
    const n = this.operator.inputs.length;
    if (n < minIn || n > maxIn) this.fail("wrong number of inputs", `${n}`, minIn === maxIn ? `${minIn}` : `${minIn}..${maxIn}`, "inputs");
    if (this.operator.outputs.length !== outs) this.fail("wrong number of outputs", `${this.operator.outputs.length}`, `${outs}`, "outputs");
  }

  isConstant(t: TensorDef): boolean {
    return (this.model.buffers[t.buffer]?.length ?? 0) > 0;
  }

  /** A constant tensor's data (weights, biases, shapes, paddings, axes). */
  constant(t: TensorDef, role: string): TensorData {
    const data = this.model.buffers[t.buffer];
    if (data === undefined || data.length === 0) this.fail(`${role} must be a constant tensor`, describeTensor(t), "a tensor with a data buffer");
    return decodeConstant(t, data, `${this.where()} ${role} (${describeTensor(t)})`);
  }

  /** quarch dtype of a tensor; refuses types quarch cannot hold. */
  dtype(t: TensorDef, role: string): DType {
    const d = dtypeOf(t.type);
    if (d === undefined) this.fail(`${role} has an unsupported type`, `${typeName(t.type)} (${describeTensor(t)})`, "INT8, UINT8, INT16, INT32, INT4 or FLOAT32");
    return d;
  }

  /** An integer tensor's type, restricted to the listed TFLite types. */
  intType(t: TensorDef, role: string, allowed: readonly number[]): QType {
    if (!allowed.includes(t.type)) {
      this.fail(`${role} has an unsupported type`, `${typeName(t.type)} (${describeTensor(t)})`, allowed.map(typeName).join(" or "));
    }
    const d = this.dtype(t, role);
    if (isFloat(d)) this.fail(`${role} must be an integer tensor`, describeTensor(t));
    return d;
  }

  /** Quantization as quarch params, validated (finite positive scales, zero points inside the type). */
  quant(t: TensorDef, role: string): QuantParams | undefined {
    const q = t.quantization;
    const d = this.dtype(t, role);
    // Float tensors compute in float: quantization a converter left on them is metadata, unused.
    if (q === undefined || isFloat(d)) return undefined;
    q.scale.forEach((s, i) => {
      if (!(Number.isFinite(s) && s > 0)) this.fail(`${role} has an invalid scale`, `scale[${i}] = ${s} (${describeTensor(t)})`, "a finite number > 0");
    });
    q.zeroPoint.forEach((z, i) => {
      if (z < qmin(d) || z > qmax(d)) this.fail(`${role} has a zero point outside its type`, `zero_point[${i}] = ${z} (${describeTensor(t)})`, `${qmin(d)}..${qmax(d)} (${dtypeName(d)})`);
    });
    if (q.scale.length === 1) return tensorQuant(q.scale[0]!, q.zeroPoint[0]!);
    return channelQuant(q.quantizedDimension, q.scale, q.zeroPoint);
  }

  /** Per-tensor scale and zero point of an activation (required for every quantized op operand). */
  scalar(t: TensorDef, role: string): ScalarQuant {
    const q = this.quant(t, role);
    if (q === undefined) this.fail(`${role} has no quantization parameters`, describeTensor(t), "a per-tensor scale and zero point");
    if (q.kind !== "tensor") this.fail(`${role} must be quantized per tensor`, `${q.scale.length} scales (${describeTensor(t)})`, "one scale and zero point");
    return { scale: q.scale, zeroPoint: q.zeroPoint };
  }

  private checkSize(t: TensorDef, role: string): void {
    if (product(t.shape) > MAX_ELEMENTS) this.fail(`${role} is too large`, describeTensor(t), `at most ${MAX_ELEMENTS} elements`);
    if (t.isVariable) this.fail(`${role} is a variable (stateful) tensor`, describeTensor(t), "a plain tensor");
    if (t.sparse) this.fail(`${role} is sparse`, describeTensor(t), "a dense tensor");
  }

  /** Declare a subgraph input. */
  graphInput(t: TensorDef): void {
    this.checkSize(t, `graph input ${describeTensor(t)}`);
    const q = this.quant(t, "graph input");
    this.builder.input(this.names[t.index]!, this.dtype(t, "graph input"), t.shape, q);
    this.defined.add(t.index);
  }

  /**
   * The quarch value of an operand tensor: produced earlier, a graph input, or a constant taken now.
   * `withQuant` false leaves a constant's quantization off (int32 biases: quarch never reads their scales).
   */
  operand(t: TensorDef, role: string, withQuant = true): Operand {
    const name = this.names[t.index]!;
    const dtype = this.dtype(t, role);
    if (this.transformed.has(t.index)) this.fail(`${role} is also a depthwise filter elsewhere (stored transposed)`, describeTensor(t), "a tensor used in one layout");
    if (this.defined.has(t.index)) return { tensor: t, value: name, dtype };
    if (!this.isConstant(t)) this.fail(`${role} is used before any operator produces it`, describeTensor(t), "a graph input, a constant or an earlier operator's output");
    this.checkSize(t, role);
    this.builder.constant(name, dtype, t.shape, this.constant(t, role), withQuant ? this.quant(t, role) : undefined);
    this.defined.add(t.index);
    return { tensor: t, value: name, dtype };
  }

  /** A constant stored transformed (e.g. transposed), under the tensor's name; reused by later users. */
  transformedConstant(t: TensorDef, dtype: DType, shape: readonly number[], data: TensorData, quant: QuantParams | undefined): string {
    const got = this.transformed.get(t.index);
    if (got !== undefined) return got;
    if (this.defined.has(t.index)) this.fail("filter is also used by another operator in TFLite's own layout", describeTensor(t), "a tensor used in one layout");
    this.checkSize(t, "filter");
    const name = this.names[t.index]!;
    this.builder.constant(name, dtype, shape, data, quant);
    this.defined.add(t.index);
    this.transformed.set(t.index, name);
    return name;
  }

  /** Declare the quarch value for an operator's output tensor (its own type, shape and quantization). */
  produce(t: TensorDef): string {
    if (this.defined.has(t.index)) this.fail("output tensor is already produced by an earlier operator or is a constant", describeTensor(t), "each tensor written once");
    this.checkSize(t, "output");
    this.builder.value(this.names[t.index]!, this.dtype(t, "output"), t.shape, this.quant(t, "output"));
    this.defined.add(t.index);
    return this.names[t.index]!;
  }

  /**
   * The name of a node lowered from the current operator: `<op>_<operator index>` (conv_2d_3, mean_12), with
   * `_<role>` for helper nodes (fully_connected_5_flatten). TFLite's tensor names concatenate every layer that
   * was fused into a tensor, unreadable in tables; values keep them (traces index by tensor).
   */
  nodeName(role?: string): string {
    const base = `${this.opCode.name.toLowerCase()}_${this.operator.index}${role === undefined ? "" : `_${role}`}`;
    let name = base;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${base}_${i}`;
    this.nodeNames.add(name);
    return name;
  }

  /** A fresh name for a helper value, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.builder.has(name) || this.names.includes(name); i++) name = `${base}_${i}`;
    return name;
  }

  /** The operator's builtin options table when present (absent: every field takes its schema default). */
  options(type: number, tableName: string): Table | undefined {
    const op = this.operator;
    if (op.optionsType === 0) return undefined;
    if (op.optionsType !== type) this.fail("has options of the wrong type", `builtin_options_type ${op.optionsType}`, `${type} (${tableName})`, "builtin_options_type");
    return op.options;
  }

  node(n: Node): void {
    this.builder.node(n);
  }

  /**
   * CalculateActivationRangeQuantized (kernels/kernel_util.cc): Q(f) = zp + round(f32(f / scale)) (TfLiteRound
   * on float); RELU [Q(0), qmax], RELU6 [Q(0), Q(6)], RELU_N1_TO_1 [Q(−1), Q(1)], each inside the type;
   * NONE, and also TANH and SIGN_BIT (which quantized kernels do not apply), the type's full range.
   */
  activationRange(act: number, out: TensorDef, outType: QType): [number, number] {
    if (act < 0 || act >= ACT_NAMES.length) this.fail("unknown fused activation", `${act}`, ACT_NAMES.join(", "), "fused_activation_function");
    const { scale, zeroPoint } = this.scalar(out, "output");
    const q = (f: number): number => zeroPoint + roundHalfAway(Math.fround(Math.fround(f) / scale));
    const lo = qmin(outType);
    const hi = qmax(outType);
    switch (act) {
      case ACT.RELU:
        return [Math.max(lo, q(0)), hi];
      case ACT.RELU6:
        return [Math.max(lo, q(0)), Math.min(hi, q(6))];
      case ACT.RELU_N1_TO_1:
        return [Math.max(lo, q(-1)), Math.min(hi, q(1))];
      default:
        return [lo, hi];
    }
  }
}
