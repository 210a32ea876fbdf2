/** Built-in layer-list workloads (`zoo:<name>`): shapes only, no weights and no connectivity. */

export type ZooLayerType = "conv" | "dwconv" | "fc";

/** One layer as networks.json lists it. `pad: "same"` is TensorFlow SAME padding. */
export interface ZooLayer {
  readonly name: string;
  readonly type: ZooLayerType;
  readonly inH: number;
  readonly inW: number;
  readonly inC: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly pad: number | "same";
  readonly groups: number;
  readonly outH: number;
  readonly outW: number;
  readonly weights: number;
  readonly macs: number;
}

export interface ZooNetwork {
  readonly name: string;
  /** Input shape as the source lists it ([C, H, W], or [features]). */
  readonly input: readonly number[];
  readonly source: string;
  readonly note: string;
  readonly totals: { readonly weights: number; readonly macs: number };
  readonly layers: readonly ZooLayer[];
}
