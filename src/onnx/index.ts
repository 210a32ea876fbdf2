/** ONNX: protobuf reading and single-node lowering to the quarch IR. */
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
