/** What an op implementation sees: its node, input tensors, declared output values; what it returns. */
import type { Tensor, Value } from "../ir/graph.js";
import type { Node } from "../ir/ops.js";

export interface NodeStats {
  readonly name: string;
  readonly op: string;
  /** Multiply-accumulates executed (MAC ops only; 0 otherwise). */
  readonly macs: number;
  /** Exact accumulator range (bias included) for MAC ops; null otherwise. */
  readonly accMin: number | null;
  readonly accMax: number | null;
  /** Could some int32 accumulator overflow for inputs anywhere in their type's range (a static bound)? */
  readonly overflowPossible: boolean;
  /** Accumulators that did overflow int32 on this input (they wrap). */
  readonly overflowed: number;
  /** Outputs clamped to the output range. */
  readonly saturated: number;
  readonly outputElements: number;
}

export interface OpResult {
  readonly outputs: readonly Tensor[];
  readonly stats: Omit<NodeStats, "name" | "op" | "outputElements">;
}

export interface OpContext<N extends Node = Node> {
  readonly node: N;
  readonly inputs: readonly Tensor[];
  readonly inputValues: readonly Value[];
  readonly outputValues: readonly Value[];
}

export const NO_STATS: OpResult["stats"] = {
  macs: 0,
  accMin: null,
  accMax: null,
  overflowPossible: false,
  overflowed: 0,
  saturated: 0,
};

/** A tensor shaped like a declared value, with fresh storage. */
export function outputTensor(v: Value, data: Tensor["data"]): Tensor {
  return v.quant === undefined
    ? { dtype: v.dtype, shape: v.shape, data }
    : { dtype: v.dtype, shape: v.shape, data, quant: v.quant };
}
