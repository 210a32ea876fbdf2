/**
 * Shapes and strides of 4-D activations in either layout, and the output size of windowed ops.
 */
import type { Layout } from "../ir/ops.js";

export interface Dims4 {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

export interface Strides4 {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly c: number;
}

/** (N, H, W, C) of a 4-D shape in the given layout. */
export function dims4(shape: readonly number[], layout: Layout): Dims4 {
  const [a = 1, b = 1, c = 1, d = 1] = shape;
  return layout === "nhwc" ? { n: a, h: b, w: c, c: d } : { n: a, c: b, h: c, w: d };
}

export function strides4(d: Dims4, layout: Layout): Strides4 {
  return layout === "nhwc"
    ? { n: d.h * d.w * d.c, h: d.w * d.c, w: d.c, c: 1 }
    : { n: d.c * d.h * d.w, c: d.h * d.w, h: d.w, w: 1 };
}

/** A window sliding over a 4-D activation (pools, and convolutions with dilation 1 and one group). */
export interface WindowGeometry {
  readonly layout: Layout;
  readonly input: Dims4;
  readonly output: Dims4;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
}
