/** quarch/ir: element types, quantization parameters, the graph and its ops, *.qnet.json. */
export { GraphBuilder } from "./builder.js";
export { type DType, type IntArray, type QType, type TensorData, BIPOLAR, INT2, INT32, INT4, INT8, UINT8, dtypeName, parseDType, qmax, qmin } from "./dtype.js";
export type { Graph, Tensor, Value } from "./graph.js";
export { inferNode } from "./infer.js";
export { type Epilogue, type Layout, type Node, type OpType, OP_TYPES } from "./ops.js";
export { packBits, unpackBits } from "./packing.js";
export { PROFILES, RUNTIME_PROFILES, type ProfileRules, type RuntimeProfile } from "./profiles.js";
export { QNET_FORMAT, QNET_VERSION, type QnetResolvers, parseQnet } from "./qnet-read.js";
export { serializeQnet } from "./qnet-write.js";
export { type QuantParams, channelQuant, tensorQuant } from "./quant-params.js";
export { FIXED_MODES, ROUNDING_MODES, type FixedMode, type Requantizer, type RoundingMode, addRealMultipliers, layerRealMultipliers } from "./requant.js";
export { checkGraph, verifyGraph } from "./verify.js";
