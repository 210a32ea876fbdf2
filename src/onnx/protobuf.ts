/**
 * ONNX protobuf messages decoded into plain readonly structures (onnx/onnx.proto, proto2). Only the fields
 * quarch uses are kept; unknown fields are skipped (forward compatibility), but a known field with the
 * wrong wire type is an error. Tensor payloads stay as decoded here (raw bytes or number lists):
 * tensor.ts turns them into quarch tensors once dims and data type have been checked against each other.
 */
import { ATTR_KINDS, attributeValue } from "./attribute.js";
import type { OnnxAttribute, OnnxAttributeValue, OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxOpsetId, OnnxTensorProto, OnnxValueInfo } from "./model-types.js";
import { type Field, decodeMessage, onnxFail } from "./wire.js";

export type { OnnxAttribute, OnnxAttributeValue, OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxOpsetId, OnnxTensorProto, OnnxValueInfo } from "./model-types.js";
export { attributeText } from "./attribute.js";

/** Decode a serialized TensorProto (e.g. a test_data_set `input_0.pb`). */
export function decodeTensorProto(bytes: Uint8Array, path = "TensorProto"): OnnxTensorProto {
  return readTensor(bytes, path, 0);
}

/** Decode a serialized ModelProto (`model.onnx`). */
export function decodeModel(bytes: Uint8Array, path = "ModelProto"): OnnxModel {
  let irVersion = 0;
  let producerName = "";
  const opsetImport: OnnxOpsetId[] = [];
  let graph: OnnxGraph | undefined;
  decodeMessage(bytes, path, (f) => {
    switch (f.number) {
      case 1:
        irVersion = f.int("ir_version");
        break;
      case 2:
        producerName = f.string("producer_name");
        break;
      case 7: {
        const sub = f.bytes("graph");
        graph = readGraph(sub, `${path}.graph`, 1);
        break;
      }
      case 8: {
        let domain = "";
        let version = 0;
        f.message("opset_import", `${path}.opset_import[${opsetImport.length}]`, (g) => {
          if (g.number === 1) domain = g.string("domain");
          else if (g.number === 2) version = g.int("version");
          else g.skip();
        });
        opsetImport.push({ domain, version });
        break;
      }
      default:
        f.skip();
    }
  });
  if (graph === undefined) onnxFail(path, "model has no graph", "no field 7", "a GraphProto");
  return { irVersion, producerName, opsetImport, graph };
}

/** Decode a serialized GraphProto on its own. */
export function decodeGraph(bytes: Uint8Array, path = "GraphProto"): OnnxGraph {
  return readGraph(bytes, path, 0);
}

function readGraph(bytes: Uint8Array, path: string, depth: number): OnnxGraph {
  let name = "";
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensorProto[] = [];
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const valueInfo: OnnxValueInfo[] = [];
  decodeMessage(
    bytes,
    path,
    (f) => {
      switch (f.number) {
        case 1:
          nodes.push(readNode(f.bytes("node"), `${path}.node[${nodes.length}]`, depth + 1));
          break;
        case 2:
          name = f.string("name");
          break;
        case 5:
          initializers.push(readTensor(f.bytes("initializer"), `${path}.initializer[${initializers.length}]`, depth + 1));
          break;
        case 11:
          inputs.push(readValueInfo(f, "input", `${path}.input[${inputs.length}]`));
          break;
        case 12:
          outputs.push(readValueInfo(f, "output", `${path}.output[${outputs.length}]`));
          break;
        case 13:
          valueInfo.push(readValueInfo(f, "value_info", `${path}.value_info[${valueInfo.length}]`));
          break;
        default:
          f.skip();
      }
    },
    depth,
  );
  return { name, nodes, initializers, inputs, outputs, valueInfo };
}

function readNode(bytes: Uint8Array, path: string, depth: number): OnnxNode {
  let name = "";
  let opType = "";
  let domain = "";
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: OnnxAttribute[] = [];
  decodeMessage(
    bytes,
    path,
    (f) => {
      switch (f.number) {
        case 1:
          inputs.push(f.string("input"));
          break;
        case 2:
          outputs.push(f.string("output"));
          break;
        case 3:
          name = f.string("name");
          f.msgPath = `${path} "${name}"`;
          break;
        case 4:
          opType = f.string("op_type");
          break;
        case 5:
          attributes.push(readAttribute(f.bytes("attribute"), `${path}.attribute[${attributes.length}]`, depth + 1));
          break;
        case 7:
          domain = f.string("domain");
          break;
        default:
          f.skip();
      }
    },
    depth,
  );
  return { name, opType, domain, inputs, outputs, attributes };
}

function readAttribute(bytes: Uint8Array, path: string, depth: number): OnnxAttribute {
  let name = "";
  let type = 0;
  let f32: number | undefined;
  let i64: number | undefined;
  let s: Uint8Array | undefined;
  let t: OnnxTensorProto | undefined;
  let g: OnnxGraph | undefined;
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: Uint8Array[] = [];
  const tensors: OnnxTensorProto[] = [];
  const graphs: OnnxGraph[] = [];
  let other = false;
  decodeMessage(
    bytes,
    path,
    (f) => {
      switch (f.number) {
        case 1:
          name = f.string("name");
          f.msgPath = `${path} "${name}"`;
          break;
        case 2:
          f32 = f.float("f");
          break;
        case 3:
          i64 = f.int("i");
          break;
        case 4:
          s = f.bytes("s");
          break;
        case 5:
          t = readTensor(f.bytes("t"), `${path}.t`, depth + 1);
          break;
        case 6:
          g = readGraph(f.bytes("g"), `${path}.g`, depth + 1);
          break;
        case 7:
          f.floats("floats", floats);
          break;
        case 8:
          f.ints("ints", ints);
          break;
        case 9:
          strings.push(f.bytes("strings"));
          break;
        case 10:
          tensors.push(readTensor(f.bytes("tensors"), `${path}.tensors[${tensors.length}]`, depth + 1));
          break;
        case 11:
          graphs.push(readGraph(f.bytes("graphs"), `${path}.graphs[${graphs.length}]`, depth + 1));
          break;
        case 20:
          type = f.int("type");
          break;
        case 14: // tp
        case 15: // type_protos
        case 21: // ref_attr_name
        case 22: // sparse_tensor
        case 23: // sparse_tensors
          other = true;
          f.skip();
          break;
        default:
          f.skip();
      }
    },
    depth,
  );
  const where = name === "" ? path : `${path} "${name}"`;
  // IR < 3 files may omit `type`: infer it from the one value field present.
  let kind = ATTR_KINDS[type];
  if (type === 0) {
    const present: [boolean, OnnxAttributeValue["kind"]][] = [
      [f32 !== undefined, "float"],
      [i64 !== undefined, "int"],
      [s !== undefined, "string"],
      [t !== undefined, "tensor"],
      [g !== undefined, "graph"],
      [floats.length > 0, "floats"],
      [ints.length > 0, "ints"],
      [strings.length > 0, "strings"],
      [tensors.length > 0, "tensors"],
      [graphs.length > 0, "graphs"],
    ];
    const found = present.filter((p) => p[0]);
    if (found.length !== 1) {
      if (other) return { name, value: { kind: "other", type } };
      onnxFail(where, "attribute has no type and not exactly one value", `${found.length} value fields`, "exactly one");
    }
    kind = found[0]![1];
  }
  if (kind === undefined) return { name, value: { kind: "other", type } };
  return { name, value: attributeValue(kind, where, { f32, i64, s, t, g, floats, ints, strings, tensors, graphs }) };
}

function readTensor(bytes: Uint8Array, path: string, depth: number): OnnxTensorProto {
  let name = "";
  const dims: number[] = [];
  let dataType = 0;
  let rawData: Uint8Array | undefined;
  const floatData: number[] = [];
  const int32Data: number[] = [];
  const int64Data: number[] = [];
  const doubleData: number[] = [];
  const uint64Data: number[] = [];
  let stringCount = 0;
  let external = false;
  let segmented = false;
  decodeMessage(
    bytes,
    path,
    (f) => {
      switch (f.number) {
        case 1:
          f.ints("dims", dims);
          break;
        case 2:
          dataType = f.int("data_type");
          break;
        case 3:
          segmented = true;
          f.skip();
          break;
        case 4:
          f.floats("float_data", floatData);
          break;
        case 5:
          f.ints("int32_data", int32Data);
          break;
        case 6:
          stringCount++;
          f.bytes("string_data");
          break;
        case 7:
          f.ints("int64_data", int64Data);
          break;
        case 8:
          name = f.string("name");
          // Later fields (raw_data is field 9, after name) are reported under the tensor's name.
          f.msgPath = `${path} "${name}"`;
          break;
        case 9:
          rawData = f.bytes("raw_data");
          break;
        case 10:
          f.doubles("double_data", doubleData);
          break;
        case 11:
          f.uints("uint64_data", uint64Data);
          break;
        case 13:
          external = true;
          f.skip();
          break;
        case 14:
          if (f.int("data_location") === 1) external = true;
          break;
        default:
          f.skip();
      }
    },
    depth,
  );
  return { name, dims, dataType, rawData, floatData, int32Data, int64Data, doubleData, uint64Data, stringCount, external, segmented };
}

function readValueInfo(f: Field, field: string, path: string): OnnxValueInfo {
  let name = "";
  let elemType = 0;
  let isTensor = false;
  let shape: OnnxDim[] | undefined;
  f.message(field, path, (v) => {
    if (v.number === 1) name = v.string("name");
    else if (v.number === 2) {
      v.message("type", `${path}.type`, (tp) => {
        if (tp.number !== 1) return tp.skip();
        isTensor = true;
        tp.message("tensor_type", `${path}.type.tensor_type`, (tt) => {
          if (tt.number === 1) elemType = tt.int("elem_type");
          else if (tt.number === 2) shape = readShape(tt, `${path}.type.tensor_type.shape`);
          else tt.skip();
        });
      });
    } else v.skip();
  });
  return { name, elemType, isTensor, shape };
}

function readShape(f: Field, path: string): OnnxDim[] {
  const dims: OnnxDim[] = [];
  f.message("shape", path, (s) => {
    if (s.number !== 1) return s.skip();
    let dim: OnnxDim;
    s.message("dim", `${path}.dim[${dims.length}]`, (d) => {
      if (d.number === 1) dim = d.int("dim_value");
      else if (d.number === 2) dim = d.string("dim_param");
      else d.skip();
    });
    dims.push(dim);
  });
  return dims;
}
