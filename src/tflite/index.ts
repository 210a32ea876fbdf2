/** quarch/tflite: TFLite FlatBuffer reading and lowering of int8 models to the quarch IR. */
import type { Graph } from "../ir/graph.js";
import { type TfliteImport, lowerModel } from "./lower.js";
import { readModel } from "./model.js";

export { FlatBuffer, Table } from "./flatbuffer.js";
export { SUPPORTED_OPS, type TfliteImport } from "./lower.js";
export { type OperatorCodeDef, type OperatorDef, type QuantizationDef, type SubGraphDef, type TensorDef, type TfliteModel, readModel } from "./model.js";
export { opName, typeName } from "./schema.js";

/**
 * Import a .tflite file's bytes: the graph plus the quarch value of each TFLite tensor. The graph runs as
 * TFLite Micro does (profile `tflm`); apply `applyProfile(graph, "tflite" | "xnnpack")` for the desktop runtimes.
 * `name` (e.g. the file name) becomes the graph's name; by default the subgraph's name. Nodes are named
 * `<op>_<operator index>` (conv_2d_3); values keep the TFLite tensor names.
 */
export function importTflite(bytes: Uint8Array, name?: string): TfliteImport {
  return lowerModel(readModel(bytes), name);
}

/** Import a .tflite file's bytes as a quarch Graph (see importTflite). Throws TfliteError on bad input. */
export function loadTflite(bytes: Uint8Array, name?: string): Graph {
  return importTflite(bytes, name).graph;
}
