/**
 * Plain readonly structures for the ONNX protobuf messages quarch reads (onnx/onnx.proto, proto2), as
 * produced by protobuf.ts. Field names follow the proto in camelCase.
 */

export interface OnnxTensorProto {
  readonly name: string;
  readonly dims: readonly number[];
  /** TensorProto.DataType code (0 when absent). */
  readonly dataType: number;
  readonly rawData: Uint8Array | undefined;
  readonly floatData: readonly number[];
  /** int32_data: also holds 8/16-bit integers, float16 bit patterns and packed sub-byte bytes. */
  readonly int32Data: readonly number[];
  readonly int64Data: readonly number[];
  readonly doubleData: readonly number[];
  readonly uint64Data: readonly number[];
  readonly stringCount: number;
  /** data_location = EXTERNAL or external_data entries: the payload lives in another file. */
  readonly external: boolean;
  readonly segmented: boolean;
}

/** A dimension: a size, a symbolic name, or unknown. */
export type OnnxDim = number | string | undefined;

export interface OnnxValueInfo {
  readonly name: string;
  /** Element type of a tensor type (0 when absent or not a tensor). */
  readonly elemType: number;
  readonly isTensor: boolean;
  /** Undefined when the type carries no shape (rank unknown). */
  readonly shape: readonly OnnxDim[] | undefined;
}

export type OnnxAttributeValue =
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "string"; readonly value: Uint8Array }
  | { readonly kind: "tensor"; readonly value: OnnxTensorProto }
  | { readonly kind: "graph"; readonly value: OnnxGraph }
  | { readonly kind: "floats"; readonly value: readonly number[] }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "strings"; readonly value: readonly Uint8Array[] }
  | { readonly kind: "tensors"; readonly value: readonly OnnxTensorProto[] }
  | { readonly kind: "graphs"; readonly value: readonly OnnxGraph[] }
  /** Sparse tensors, type protos, attribute references: decoded no further. */
  | { readonly kind: "other"; readonly type: number };

export interface OnnxAttribute {
  readonly name: string;
  readonly value: OnnxAttributeValue;
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** "" is the default ONNX domain (also spelled "ai.onnx"). */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly OnnxAttribute[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensorProto[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly valueInfo: readonly OnnxValueInfo[];
}

export interface OnnxOpsetId {
  readonly domain: string;
  readonly version: number;
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly producerName: string;
  readonly opsetImport: readonly OnnxOpsetId[];
  readonly graph: OnnxGraph;
}
