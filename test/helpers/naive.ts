/**
 * Naive element-by-element references written straight from the definitions, used by property tests to
 * check the optimized kernels. Deliberately simple: nested loops, no shared code with src/kernels.
 */

export interface NaiveConv {
  layout: "nhwc" | "nchw";
  N: number;
  H: number;
  W: number;
  C: number;
  O: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  pads: [number, number, number, number];
  groups: number;
}

export function convOutSize(p: NaiveConv): [number, number] {
  const oH = Math.floor((p.H + p.pads[0] + p.pads[2] - ((p.kH - 1) * p.dH + 1)) / p.sH) + 1;
  const oW = Math.floor((p.W + p.pads[1] + p.pads[3] - ((p.kW - 1) * p.dW + 1)) / p.sW) + 1;
  return [oH, oW];
}

/** Exact int32-free accumulators: Σ (w − zw[o])(x − zx) + bias, weights OHWI. */
export function naiveConvAcc(p: NaiveConv, x: ArrayLike<number>, zx: number, w: ArrayLike<number>, zw: number[], bias: number[] | null): number[] {
  const [oH, oW] = convOutSize(p);
  const cinG = p.C / p.groups;
  const coutG = p.O / p.groups;
  const xi = (n: number, y: number, xx: number, c: number) =>
    p.layout === "nhwc" ? ((n * p.H + y) * p.W + xx) * p.C + c : ((n * p.C + c) * p.H + y) * p.W + xx;
  const oi = (n: number, y: number, xx: number, c: number) =>
    p.layout === "nhwc" ? ((n * oH + y) * oW + xx) * p.O + c : ((n * p.O + c) * oH + y) * oW + xx;
  const out = new Array<number>(p.N * oH * oW * p.O).fill(0);
  for (let n = 0; n < p.N; n++)
    for (let oy = 0; oy < oH; oy++)
      for (let ox = 0; ox < oW; ox++)
        for (let o = 0; o < p.O; o++) {
          const g = Math.floor(o / coutG);
          let acc = bias ? bias[o]! : 0;
          for (let ky = 0; ky < p.kH; ky++)
            for (let kx = 0; kx < p.kW; kx++)
              for (let ic = 0; ic < cinG; ic++) {
                const iy = oy * p.sH - p.pads[0] + ky * p.dH;
                const ix = ox * p.sW - p.pads[1] + kx * p.dW;
                if (iy < 0 || iy >= p.H || ix < 0 || ix >= p.W) continue;
                const wv = w[((o * p.kH + ky) * p.kW + kx) * cinG + ic]! - zw[zw.length === 1 ? 0 : o]!;
                acc += wv * (x[xi(n, iy, ix, g * cinG + ic)]! - zx);
              }
          out[oi(n, oy, ox, o)] = acc;
        }
  return out;
}

/** Patches of the input as rows of an [N·oH·oW, kH·kW·C] matrix (groups = 1), padding taps = zx. */
export function im2col(p: NaiveConv, x: ArrayLike<number>, zx: number): number[] {
  const [oH, oW] = convOutSize(p);
  const rows: number[] = [];
  for (let n = 0; n < p.N; n++)
    for (let oy = 0; oy < oH; oy++)
      for (let ox = 0; ox < oW; ox++)
        for (let ky = 0; ky < p.kH; ky++)
          for (let kx = 0; kx < p.kW; kx++)
            for (let c = 0; c < p.C; c++) {
              const iy = oy * p.sH - p.pads[0] + ky * p.dH;
              const ix = ox * p.sW - p.pads[1] + kx * p.dW;
              const inside = iy >= 0 && iy < p.H && ix >= 0 && ix < p.W;
              const idx = p.layout === "nhwc" ? ((n * p.H + iy) * p.W + ix) * p.C + c : ((n * p.C + c) * p.H + iy) * p.W + ix;
              rows.push(inside ? x[idx]! : zx);
            }
  return rows;
}
