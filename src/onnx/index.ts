/** ONNX: protobuf reading and writing, whole-graph import (QOperator and QDQ), single-node lowering, export. */
export {
  type OnnxAttribute,
  type OnnxAttributeValue,
  type OnnxDim,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxOpsetId,
  type OnnxTensorProto,
  type OnnxValueInfo,
  attributeText,
  decodeGraph,
  decodeModel,
  decodeTensorProto,
} from "./protobuf.js";
export {
  type DecodedTensor,
  decodeTensorData,
  halfToFloat,
  onnxCodeOf,
  onnxTypeName,
  quarchDType,
  tensorFromProto,
  toQuarchTensor,
  unpackSubByte,
} from "./tensor.js";
export { SUPPORTED_OPS, lowerSingleNodeBytes, lowerSingleNodeModel } from "./lower-node.js";
export { type NodeTest, type NodeTestFiles, loadNodeTest } from "./node-test.js";
export { SUPPORTED_GRAPH_OPS, importOnnxModel, loadOnnx } from "./import-graph.js";
export { EXPORT_OPSET, type ExportOptions, type OnnxStyle, exportOnnx, exportOnnxModel } from "./export-onnx.js";
export { encodeModel, encodeTensorProto } from "./proto-writer.js";
export { floatProto, int64Proto, tensorProtoOf } from "./tensor-encode.js";
