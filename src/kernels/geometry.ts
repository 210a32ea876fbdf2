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

export function shape4(d: Dims4, layout: Layout): number[] {
  return layout === "nhwc" ? [d.n, d.h, d.w, d.c] : [d.n, d.c, d.h, d.w];
}

/** Output extent of a window of size k (dilation d) sliding with stride s over `size` padded by pa + pb. */
export function windowOut(size: number, k: number, s: number, d: number, pa: number, pb: number): number {
  const eff = (k - 1) * d + 1;
  return Math.floor((size + pa + pb - eff) / s) + 1;
}

/** TensorFlow SAME padding: out = ceil(in / s), total pad split with the odd pixel after. */
export function samePadding(size: number, k: number, s: number, d: number): { before: number; after: number; out: number } {
  const out = Math.ceil(size / s);
  const eff = (k - 1) * d + 1;
  const total = Math.max(0, (out - 1) * s + eff - size);
  const before = Math.floor(total / 2);
  return { before, after: total - before, out };
}
