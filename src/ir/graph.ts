/**
 * A network: named values (activations, weights, biases) and nodes in execution order. Every value has a
 * dtype and a static shape; constants carry their data (unpacked, one element per typed-array slot).
 */
import type { DType, TensorData } from "./dtype.js";
import type { Node } from "./ops.js";
import type { QuantParams } from "./quant-params.js";

export interface Value {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly quant?: QuantParams;
  /** Present for constants (weights, biases, tables of parameters). */
  readonly data?: TensorData;
}

export interface Graph {
  readonly name: string;
  readonly values: ReadonlyMap<string, Value>;
  /** In execution order: every input of a node is a graph input, a constant or an earlier node's output. */
  readonly nodes: readonly Node[];
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Free-form provenance (where the network came from). */
  readonly description?: string;
}

/** A runtime tensor: what flows between nodes and in and out of `run`. */
export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
  readonly quant?: QuantParams;
}
