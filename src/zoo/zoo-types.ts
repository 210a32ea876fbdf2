/** Built-in layer-list workloads (`zoo:<name>`): shapes only, no weights and no connectivity. */
import type { LayerListEntry } from "../ir/layer-list.js";

export type ZooLayerType = "conv" | "dwconv" | "fc";

/** One layer as networks.json lists it, with its weight and MAC counts. */
export interface ZooLayer extends LayerListEntry {
  readonly type: ZooLayerType;
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
