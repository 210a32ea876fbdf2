/**
 * A layer of a shape-only workload (networks.json's layer lists, `zoo:<name>`): enough to simulate and
 * cost a layer, nothing to execute it. `pad: "same"` is TensorFlow SAME padding.
 */
export interface LayerListEntry {
  readonly name: string;
  readonly type: "conv" | "dwconv" | "fc";
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
}
