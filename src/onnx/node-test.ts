/**
 * An ONNX backend node test (model.onnx + test_data_set_N/input_K.pb, output_K.pb) from its bytes: the
 * decoded model, its inputs and expected outputs by name, and the lowered quarch graph. Pure: the caller
 * (CLI or test) reads the files. Inputs pair with the model's graph inputs in order (initializers
 * excluded), outputs with its graph outputs, as ONNX's own test runner pairs them.
 */
import { OnnxError } from "../errors.js";
import type { Graph, Tensor } from "../ir/graph.js";
import { lowerSingleNodeModel } from "./lower-node.js";
import { type OnnxModel, decodeModel, decodeTensorProto } from "./protobuf.js";
import { tensorFromProto } from "./tensor.js";

export interface NodeTestFiles {
  readonly model: Uint8Array;
  /** input_0.pb, input_1.pb, … in order. */
  readonly inputs: readonly Uint8Array[];
  /** output_0.pb, output_1.pb, … in order. */
  readonly outputs: readonly Uint8Array[];
}

export interface NodeTest {
  readonly model: OnnxModel;
  readonly graph: Graph;
  /** Every input the test supplies, by graph input name (parameters included). */
  readonly bindings: ReadonlyMap<string, Tensor>;
  /** The subset the lowered graph still takes as inputs (what `run` is given). */
  readonly runInputs: ReadonlyMap<string, Tensor>;
  readonly expected: ReadonlyMap<string, Tensor>;
}

export function loadNodeTest(files: NodeTestFiles): NodeTest {
  const model = decodeModel(files.model, "model.onnx");
  const inits = new Set(model.graph.initializers.map((t) => t.name));
  const inputNames = model.graph.inputs.map((v) => v.name).filter((n) => !inits.has(n));
  if (files.inputs.length !== inputNames.length) {
    throw new OnnxError({ path: "test_data_set", message: "input files do not match the model's graph inputs", given: `${files.inputs.length} input files`, expected: `${inputNames.length} (${inputNames.join(", ")})` });
  }
  if (files.outputs.length !== model.graph.outputs.length) {
    throw new OnnxError({ path: "test_data_set", message: "output files do not match the model's graph outputs", given: `${files.outputs.length} output files`, expected: `${model.graph.outputs.length}` });
  }
  const bindings = new Map<string, Tensor>();
  files.inputs.forEach((bytes, i) => {
    bindings.set(inputNames[i]!, tensorFromProto(decodeTensorProto(bytes, `input_${i}.pb`), `input_${i}.pb`));
  });
  const expected = new Map<string, Tensor>();
  files.outputs.forEach((bytes, i) => {
    expected.set(model.graph.outputs[i]!.name, tensorFromProto(decodeTensorProto(bytes, `output_${i}.pb`), `output_${i}.pb`));
  });
  const graph = lowerSingleNodeModel(model, bindings);
  const runInputs = new Map<string, Tensor>();
  for (const name of graph.inputs) {
    const t = bindings.get(name);
    if (t === undefined) throw new OnnxError({ path: `graph input "${name}"`, message: "the test supplies no value for it", expected: "an input_N.pb file" });
    runInputs.set(name, t);
  }
  return { model, graph, bindings, runInputs, expected };
}
