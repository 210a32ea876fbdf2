/**
 * TFLite model structure read from FlatBuffer bytes: operator codes, subgraphs (tensors, operators, inputs,
 * outputs) and buffers. Structural rules the interpreter relies on are checked here (indices in range,
 * quantization vectors consistent), so lowering can trust what it is given. Constant data stays a view on
 * the file's bytes until lowering converts it.
 */
import { FlatBuffer, type Table, malformed } from "./flatbuffer.js";
import { F, opName, typeName } from "./schema.js";

export interface OperatorCodeDef {
  /** Effective builtin code: max(deprecated_builtin_code, builtin_code). */
  readonly code: number;
  readonly name: string;
  readonly version: number;
  readonly customCode: string | undefined;
}

export interface QuantizationDef {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  readonly quantizedDimension: number;
}

export interface TensorDef {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly type: number;
  readonly buffer: number;
  /** Affine quantization, when the tensor has a scale. */
  readonly quantization: QuantizationDef | undefined;
  readonly isVariable: boolean;
  readonly sparse: boolean;
}

export interface OperatorDef {
  readonly index: number;
  readonly opcodeIndex: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly optionsType: number;
  readonly options: Table | undefined;
}

export interface SubGraphDef {
  readonly name: string | undefined;
  readonly tensors: readonly TensorDef[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly operators: readonly OperatorDef[];
}

export interface TfliteModel {
  readonly version: number;
  readonly description: string | undefined;
  readonly operatorCodes: readonly OperatorCodeDef[];
  readonly subgraphs: readonly SubGraphDef[];
  /** Buffer contents (views on the file); empty for buffer 0 and for tensors without data. */
  readonly buffers: readonly Uint8Array[];
}

/** TFLite's schema version 3 is the only one in use since 2018 (older files keep data in tensors). */
const SCHEMA_VERSION = 3;
/** The interpreter supports ranks up to 6 in most kernels; 8 leaves room without inviting absurd shapes. */
const MAX_RANK = 8;

function readOperatorCode(t: Table): OperatorCodeDef {
  const o = F.OperatorCode;
  const deprecated = t.i8(o.deprecated_builtin_code, "deprecated_builtin_code", 0);
  const builtin = t.i32(o.builtin_code, "builtin_code", 0);
  // Converters before 2.3 wrote only the byte field and left builtin_code at 0 (= ADD); newer ones write
  // both, with the byte saturated at 127 for codes above it. The larger of the two is the op.
  const code = Math.max(deprecated, builtin);
  if (code < 0) throw malformed(`${t.path}.builtin_code`, "negative operator code", `${code}`, "a BuiltinOperator value ≥ 0");
  return { code, name: opName(code), version: t.i32(o.version, "version", 1), customCode: t.string(o.custom_code, "custom_code") };
}

function readQuantization(t: Table, shape: readonly number[]): QuantizationDef | undefined {
  const q = F.Quantization;
  if (t.u8(q.details_type, "details_type", 0) !== 0) {
    throw malformed(`${t.path}.details`, "custom or blockwise quantization details are not supported", `details_type ${t.u8(q.details_type, "details_type", 0)}`, "affine quantization (scale and zero_point)");
  }
  const scale = t.floats(q.scale, "scale");
  const zp = t.longs(q.zero_point, "zero_point");
  // The interpreter treats a tensor missing either vector as unquantized (InterpreterBuilder::ParseQuantization).
  if (scale === undefined || zp === undefined || scale.length === 0) return undefined;
  const dim = t.i32(q.quantized_dimension, "quantized_dimension", 0);
  const path = t.path;
  if (zp.length !== scale.length) {
    throw malformed(`${path}.zero_point`, "needs one zero point per scale", `${zp.length} zero points, ${scale.length} scales`, `${scale.length}`);
  }
  if (dim < 0 || (shape.length > 0 && dim >= shape.length)) {
    throw malformed(`${path}.quantized_dimension`, "out of range for the tensor's rank", `${dim}`, `0..${Math.max(0, shape.length - 1)}`);
  }
  if (scale.length !== 1 && scale.length !== shape[dim]) {
    throw malformed(`${path}.scale`, "needs one scale per tensor or one per index of the quantized dimension", `${scale.length} scales`, `1 or ${shape[dim] ?? 0} (dimension ${dim} of [${shape.join(", ")}])`);
  }
  return { scale, zeroPoint: zp, quantizedDimension: dim };
}

function readTensor(t: Table, index: number, bufferCount: number): TensorDef {
  const f = F.Tensor;
  const shape = t.ints(f.shape, "shape") ?? [];
  if (shape.length > MAX_RANK) throw malformed(`${t.path}.shape`, "rank too large", `${shape.length}`, `at most ${MAX_RANK}`);
  shape.forEach((d, i) => {
    if (d < 0) throw malformed(`${t.path}.shape[${i}]`, "dynamic or negative dimensions are not supported", `${d}`, "a static size ≥ 0");
  });
  const buffer = t.u32(f.buffer, "buffer", 0);
  if (buffer >= bufferCount && buffer !== 0) {
    throw malformed(`${t.path}.buffer`, "buffer index out of range", `${buffer}`, `0..${bufferCount - 1}`);
  }
  const qt = t.table(f.quantization, "quantization");
  return {
    index,
    name: t.string(f.name, "name") ?? "",
    shape,
    type: t.i8(f.type, "type", 0),
    buffer,
    quantization: qt === undefined ? undefined : readQuantization(qt, shape),
    isVariable: t.bool(f.is_variable, "is_variable", false),
    sparse: t.has(f.sparsity),
  };
}

function indices(t: Table, id: number, name: string, tensorCount: number, allowAbsent: boolean): number[] {
  const xs = t.ints(id, name) ?? [];
  xs.forEach((x, i) => {
    if (x >= tensorCount || x < (allowAbsent ? -1 : 0)) {
      throw malformed(`${t.path}.${name}[${i}]`, "tensor index out of range", `${x}`, `${allowAbsent ? "-1 (absent) or " : ""}0..${tensorCount - 1}`);
    }
  });
  return xs;
}

function readOperator(t: Table, index: number, codeCount: number, tensorCount: number): OperatorDef {
  const f = F.Operator;
  const opcodeIndex = t.u32(f.opcode_index, "opcode_index", 0);
  if (opcodeIndex >= codeCount) {
    throw malformed(`${t.path}.opcode_index`, "operator code index out of range", `${opcodeIndex}`, codeCount === 0 ? "an operator_codes entry (the model has none)" : `0..${codeCount - 1}`);
  }
  const optionsType = t.u8(f.builtin_options_type, "builtin_options_type", 0);
  return {
    index,
    opcodeIndex,
    inputs: indices(t, f.inputs, "inputs", tensorCount, true),
    outputs: indices(t, f.outputs, "outputs", tensorCount, false),
    optionsType,
    options: optionsType === 0 ? undefined : t.table(f.builtin_options, "builtin_options"),
  };
}

function readSubGraph(t: Table, codeCount: number, bufferCount: number): SubGraphDef {
  const f = F.SubGraph;
  const tensors = (t.tables(f.tensors, "tensors") ?? []).map((x, i) => readTensor(x, i, bufferCount));
  return {
    name: t.string(f.name, "name"),
    tensors,
    inputs: indices(t, f.inputs, "inputs", tensors.length, false),
    outputs: indices(t, f.outputs, "outputs", tensors.length, false),
    operators: (t.tables(f.operators, "operators") ?? []).map((x, i) => readOperator(x, i, codeCount, tensors.length)),
  };
}

/** Buffer data: inline, or (models over 2 GB) at a file offset given by offset/size. */
function readBuffer(t: Table, fb: FlatBuffer): Uint8Array {
  const f = F.Buffer;
  const inline = t.bytes(f.data, "data");
  if (inline !== undefined) return inline;
  const offset = t.u64(f.offset, "offset", 0);
  const size = t.u64(f.size, "size", 0);
  // offset ≤ 1 means "no external data" in the schema's convention.
  if (offset <= 1) return new Uint8Array(0);
  fb.check(offset, size, `${t.path}.offset`);
  return fb.bytes.subarray(offset, offset + size);
}

/** Parse a .tflite file's structure. Throws TfliteError on anything malformed. */
export function readModel(bytes: Uint8Array): TfliteModel {
  const fb = new FlatBuffer(bytes);
  const id = fb.identifier();
  if (bytes.length >= 8 && id !== "TFL3") {
    // The identifier is optional in FlatBuffers, but every TFLite writer emits it; anything else is not TFLite.
    throw malformed("Model", "not a TFLite file (file identifier)", JSON.stringify(id), '"TFL3" at bytes 4..8');
  }
  const m = fb.root("Model");
  const f = F.Model;
  const version = m.u32(f.version, "version", 0);
  if (version !== SCHEMA_VERSION) {
    throw malformed("Model.version", "unsupported schema version", `${version}`, `${SCHEMA_VERSION}`);
  }
  const operatorCodes = (m.tables(f.operator_codes, "operator_codes") ?? []).map(readOperatorCode);
  const bufferTables = m.tables(f.buffers, "buffers") ?? [];
  const buffers = bufferTables.map((b) => readBuffer(b, fb));
  const subgraphs = (m.tables(f.subgraphs, "subgraphs") ?? []).map((s) => readSubGraph(s, operatorCodes.length, buffers.length));
  return { version, description: m.string(f.description, "description"), operatorCodes, subgraphs, buffers };
}

/** A tensor's one-line description for messages. */
export function describeTensor(t: TensorDef): string {
  return `tensor ${t.index} "${t.name}" ${typeName(t.type)} [${t.shape.join(", ")}]`;
}
