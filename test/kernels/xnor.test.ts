import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GraphError } from "../../src/errors.js";
import type { Layout } from "../../src/ir/ops.js";
import { type ConvGeometry, conv2d } from "../../src/kernels/conv2d.js";
import { prepareRowMajor } from "../../src/kernels/prepared.js";
import { writerOf } from "../../src/kernels/epilogue.js";
import { type Dims4, strides4 } from "../../src/kernels/geometry.js";
import { conv2dXnor, matmulXnor } from "../../src/kernels/xnor.js";
import { Xoshiro128 } from "../../src/quant/rng.js";

const SEED = Number(process.env["FC_SEED"] ?? 0x5eed_0002);

interface ConvCase {
  layout: Layout;
  n: number;
  h: number;
  w: number;
  cinG: number;
  coutG: number;
  groups: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  pads: [number, number, number, number];
  withBias: boolean;
  dataSeed: number;
}

/** Output extent of a window of size k (dilation d, stride s) over `size` padded by pa + pb. */
function windowOut(size: number, k: number, s: number, d: number, pa: number, pb: number): number {
  return Math.floor((size + pa + pb - ((k - 1) * d + 1)) / s) + 1;
}

function geometry(c: ConvCase): ConvGeometry {
  const [pt, pl, pb, pr] = c.pads;
  const input: Dims4 = { n: c.n, h: c.h, w: c.w, c: c.cinG * c.groups };
  const output: Dims4 = {
    n: c.n,
    h: windowOut(c.h, c.kH, c.sH, c.dH, pt, pb),
    w: windowOut(c.w, c.kW, c.sW, c.dW, pl, pr),
    c: c.coutG * c.groups,
  };
  return { layout: c.layout, input, output, kH: c.kH, kW: c.kW, strideH: c.sH, strideW: c.sW, dilH: c.dH, dilW: c.dW, padTop: pt, padLeft: pl, groups: c.groups };
}

function randomBipolar(rng: Xoshiro128, n: number): Int8Array {
  const a = new Int8Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.nextUint32() & 1 ? 1 : -1;
  return a;
}

/** The ±1 convolution written out directly from its definition (taps outside the image skipped). */
function naiveConv(g: ConvGeometry, x: Int8Array, w: Int8Array, bias: Int32Array | null): Int32Array {
  const { input: I, output: O } = g;
  const si = strides4(I, g.layout);
  const so = strides4(O, g.layout);
  const cinG = I.c / g.groups;
  const coutG = O.c / g.groups;
  const out = new Int32Array(O.n * O.h * O.w * O.c);
  for (let b = 0; b < O.n; b++)
    for (let oc = 0; oc < O.c; oc++)
      for (let oy = 0; oy < O.h; oy++)
        for (let ox = 0; ox < O.w; ox++) {
          const grp = Math.floor(oc / coutG);
          let acc = bias === null ? 0 : bias[oc]!;
          for (let ky = 0; ky < g.kH; ky++)
            for (let kx = 0; kx < g.kW; kx++) {
              const iy = oy * g.strideH - g.padTop + ky * g.dilH;
              const ix = ox * g.strideW - g.padLeft + kx * g.dilW;
              if (iy < 0 || iy >= I.h || ix < 0 || ix >= I.w) continue;
              for (let ic = 0; ic < cinG; ic++) {
                const xv = x[b * si.n + iy * si.h + ix * si.w + (grp * cinG + ic) * si.c]!;
                const wv = w[((oc * g.kH + ky) * g.kW + kx) * cinG + ic]!;
                acc += xv * wv;
              }
            }
          out[b * so.n + oy * so.h + ox * so.w + oc * so.c] = acc;
        }
  return out;
}

function runXnor(g: ConvGeometry, x: Int8Array, w: Int8Array, bias: Int32Array | null): { out: Int32Array; channelOk: boolean } {
  const O = g.output;
  const so = strides4(O, g.layout);
  const out = new Int32Array(O.n * O.h * O.w * O.c).fill(-999999);
  let channelOk = true;
  conv2dXnor(g, x, w, bias, writerOf((acc, c, i) => {
    // The channel passed to the writer must be the one the index addresses.
    if (Math.floor(i / so.c) % O.c !== c && g.layout === "nchw") channelOk = false;
    if (g.layout === "nhwc" && i % O.c !== c) channelOk = false;
    out[i] = acc;
  }));
  return { out, channelOk };
}

function makeCase(c: ConvCase): { g: ConvGeometry; x: Int8Array; w: Int8Array; bias: Int32Array | null } {
  const g = geometry(c);
  const rng = Xoshiro128.fromSeed(c.dataSeed);
  const x = randomBipolar(rng, g.input.n * g.input.h * g.input.w * g.input.c);
  const w = randomBipolar(rng, g.output.c * c.kH * c.kW * c.cinG);
  const bias = c.withBias ? Int32Array.from({ length: g.output.c }, () => (rng.nextUint32() % 201) - 100) : null;
  return { g, x, w, bias };
}

const convCaseArb: fc.Arbitrary<ConvCase> = fc
  .record({
    layout: fc.constantFrom<Layout>("nhwc", "nchw"),
    n: fc.integer({ min: 1, max: 2 }),
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    cinG: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.constantFrom(31, 32, 33, 64, 65)),
    coutG: fc.integer({ min: 1, max: 5 }),
    groups: fc.integer({ min: 1, max: 3 }),
    kH: fc.integer({ min: 1, max: 3 }),
    kW: fc.integer({ min: 1, max: 3 }),
    sH: fc.integer({ min: 1, max: 3 }),
    sW: fc.integer({ min: 1, max: 3 }),
    dH: fc.integer({ min: 1, max: 2 }),
    dW: fc.integer({ min: 1, max: 2 }),
    pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    withBias: fc.boolean(),
    dataSeed: fc.integer({ min: 0, max: 0x7fffffff }),
  })
  .filter((c) => {
    const g = geometry(c);
    return g.output.h >= 1 && g.output.w >= 1;
  });

describe(`conv2dXnor (fast-check seed ${SEED})`, () => {
  it("equals the naive ±1 convolution (padding, stride, dilation, groups, both layouts)", () => {
    fc.assert(
      fc.property(convCaseArb, (c) => {
        const { g, x, w, bias } = makeCase(c);
        const want = naiveConv(g, x, w, bias);
        const { out, channelOk } = runXnor(g, x, w, bias);
        expect(channelOk).toBe(true);
        expect([...out]).toEqual([...want]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("equals the general integer conv2d kernel on the same ±1 operands", () => {
    fc.assert(
      fc.property(convCaseArb, (c) => {
        const { g, x, w, bias } = makeCase(c);
        const viaConv = new Int32Array(g.output.n * g.output.h * g.output.w * g.output.c);
        conv2d(g, { x, xZeroPoint: 0, w: prepareRowMajor(w, g.output.c, [0]), bias }, writerOf((acc, _c, i) => {
          viaConv[i] = acc;
        }));
        expect([...runXnor(g, x, w, bias).out]).toEqual([...viaConv]);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("word-aligned and unaligned channel runs with heavy padding (cinG 32, 64, 33, 95, 1; depthwise)", () => {
    for (const [cinG, coutG, groups] of [[32, 3, 1], [64, 2, 2], [33, 4, 1], [95, 2, 1], [1, 1, 8], [1, 3, 4]] as const) {
      for (const layout of ["nhwc", "nchw"] as const) {
        const c: ConvCase = { layout, n: 1, h: 5, w: 4, cinG, coutG, groups, kH: 3, kW: 3, sH: 1, sW: 2, dH: 2, dW: 1, pads: [2, 1, 2, 2], withBias: true, dataSeed: cinG * 7 + groups };
        const { g, x, w, bias } = makeCase(c);
        expect([...runXnor(g, x, w, bias).out]).toEqual([...naiveConv(g, x, w, bias)]);
      }
    }
  });

  it("a kernel larger than the padded image still counts only in-image taps", () => {
    const c: ConvCase = { layout: "nhwc", n: 1, h: 2, w: 2, cinG: 5, coutG: 2, groups: 1, kH: 3, kW: 3, sH: 1, sW: 1, dH: 1, dW: 1, pads: [1, 1, 1, 1], withBias: false, dataSeed: 9 };
    const { g, x, w, bias } = makeCase(c);
    expect([...runXnor(g, x, w, bias).out]).toEqual([...naiveConv(g, x, w, bias)]);
  });

  it("rejects non-bipolar values and inconsistent shapes", () => {
    const c: ConvCase = { layout: "nhwc", n: 1, h: 2, w: 2, cinG: 3, coutG: 1, groups: 1, kH: 1, kW: 1, sH: 1, sW: 1, dH: 1, dW: 1, pads: [0, 0, 0, 0], withBias: false, dataSeed: 1 };
    const { g, x, w } = makeCase(c);
    const bad = x.slice();
    bad[4] = 0;
    expect(() => conv2dXnor(g, bad, w, null, writerOf(() => {}))).toThrow("values[4]: value out of range for packing (given 0; expected −1 or +1 (bipolar))");
    expect(() => conv2dXnor(g, x, w.slice(1), null, writerOf(() => {}))).toThrow(
      "conv2dXnor.w: weight length does not match OHWI [outC, kH, kW, inC/groups] (given 2; expected 3)",
    );
    expect(() => conv2dXnor({ ...g, groups: 2 }, x, w, null, writerOf(() => {}))).toThrow(GraphError);
  });
});

function naiveMatmul(a: Int8Array, b: Int8Array, M: number, K: number, N: number, transB: boolean, bias: Int32Array | null): Int32Array {
  const out = new Int32Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let acc = bias === null ? 0 : bias[n]!;
      for (let k = 0; k < K; k++) acc += a[m * K + k]! * b[transB ? n * K + k : k * N + n]!;
      out[m * N + n] = acc;
    }
  return out;
}

describe(`matmulXnor (fast-check seed ${SEED})`, () => {
  it("equals the naive ±1 product for K not a multiple of 32, both B orders, with and without bias", () => {
    const arb = fc.record({
      M: fc.integer({ min: 1, max: 5 }),
      K: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(31, 32, 33, 64, 96, 97)),
      N: fc.integer({ min: 1, max: 6 }),
      transB: fc.boolean(),
      withBias: fc.boolean(),
      dataSeed: fc.integer({ min: 0, max: 0x7fffffff }),
    });
    fc.assert(
      fc.property(arb, ({ M, K, N, transB, withBias, dataSeed }) => {
        const rng = Xoshiro128.fromSeed(dataSeed);
        const a = randomBipolar(rng, M * K);
        const b = randomBipolar(rng, K * N);
        const bias = withBias ? Int32Array.from({ length: N }, () => (rng.nextUint32() % 101) - 50) : null;
        const out = new Int32Array(M * N).fill(-999999);
        matmulXnor(a, b, M, K, N, transB, bias, writerOf((acc, n, i) => {
          expect(i % N).toBe(n);
          out[i] = acc;
        }));
        expect([...out]).toEqual([...naiveMatmul(a, b, M, K, N, transB, bias)]);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("all-agree and all-disagree rows give ±K", () => {
    const K = 77;
    const a = new Int8Array(K).fill(1);
    const b = Int8Array.from({ length: 2 * K }, (_, i) => (i < K ? 1 : -1)); // transB rows: +1…, −1…
    const out: number[] = [];
    matmulXnor(a, b, 1, K, 2, true, null, writerOf((acc) => out.push(acc)));
    expect(out).toEqual([77, -77]);
  });

  it("rejects mismatched lengths", () => {
    expect(() => matmulXnor(new Int8Array(6), new Int8Array(6), 2, 3, 3, false, null, writerOf(() => {}))).toThrow(
      "matmulXnor.b: length is not K·N (given 6; expected 3·3 = 9)",
    );
  });
});
