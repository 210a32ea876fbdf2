/**
 * Property tests of the integer convolution (fast-check, fixed seed printed in the suite name):
 * conv2d = im2col + matmul; grouped/depthwise = dense conv with block-diagonal weights; every kernel
 * path equals a naive element-by-element reference for int8, int4, int2, ternary and binary weights;
 * requantized outputs stay inside the output type.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../src/exec/run.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { BIPOLAR, INT32, INT8, type QType, allocTensorData } from "../../src/ir/dtype.js";
import type { Epilogue } from "../../src/ir/ops.js";
import { channelQuant, tensorQuant } from "../../src/ir/quant-params.js";
import { requantizerFromReal } from "../../src/quant/requantize.js";
import { setWasmKernels, wasmKernelsActive } from "../../src/kernels/wasm/gemm.js";
import { type NaiveConv, convOutSize, im2col, naiveConvAcc } from "../helpers/naive.js";

const SEED = 4242;
const RUNS = 150;

const convArb = fc
  .record({
    layout: fc.constantFrom<"nhwc" | "nchw">("nhwc", "nchw"),
    N: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 1, max: 7 }),
    W: fc.integer({ min: 1, max: 7 }),
    groups: fc.integer({ min: 1, max: 3 }),
    cinG: fc.integer({ min: 1, max: 4 }),
    coutG: fc.integer({ min: 1, max: 5 }),
    kH: fc.integer({ min: 1, max: 3 }),
    kW: fc.integer({ min: 1, max: 3 }),
    sH: fc.integer({ min: 1, max: 2 }),
    sW: fc.integer({ min: 1, max: 2 }),
    dH: fc.integer({ min: 1, max: 2 }),
    dW: fc.integer({ min: 1, max: 2 }),
    pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
  })
  .map((r): NaiveConv => ({ ...r, C: r.cinG * r.groups, O: r.coutG * r.groups }))
  .filter((p) => convOutSize(p).every((d) => d >= 1));

function randomInts(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return lo + ((s >>> 0) % (hi - lo + 1));
  });
}

function convGraph(p: NaiveConv, xType: QType, zx: number, wType: QType, w: number[], zw: number[], bias: number[] | null, epilogue: Epilogue, outType: QType) {
  const [oH, oW] = convOutSize(p);
  const xShape = p.layout === "nhwc" ? [p.N, p.H, p.W, p.C] : [p.N, p.C, p.H, p.W];
  const yShape = p.layout === "nhwc" ? [p.N, oH, oW, p.O] : [p.N, p.O, oH, oW];
  const b = new GraphBuilder("conv");
  b.input("x", xType, xShape, tensorQuant(0.05, zx));
  const wd = allocTensorData(wType, w.length);
  wd.set(w);
  b.constant("w", wType, [p.O, p.kH, p.kW, p.C / p.groups], wd, channelQuant(0, new Array(p.O).fill(0.01), zw.length === 1 ? new Array(p.O).fill(zw[0]) : zw));
  if (bias) b.constant("b", INT32, [p.O], Int32Array.from(bias));
  b.value("y", outType, yShape, tensorQuant(0.1, 0));
  b.node({ name: "conv", op: "conv2d", inputs: bias ? ["x", "w", "b"] : ["x", "w"], outputs: ["y"], layout: p.layout, strides: [p.sH, p.sW], dilations: [p.dH, p.dW], pads: p.pads, groups: p.groups, epilogue });
  return { graph: b.output("y").build(), xShape };
}

function runConv(p: NaiveConv, x: number[], xType: QType, zx: number, wType: QType, w: number[], zw: number[], bias: number[] | null, epilogue: Epilogue = { kind: "int32" }, outType: QType = INT32): number[] {
  const { graph, xShape } = convGraph(p, xType, zx, wType, w, zw, bias, epilogue, outType);
  const xd = allocTensorData(xType, x.length);
  xd.set(x);
  return Array.from(run(graph, new Map([["x", { dtype: xType, shape: xShape, data: xd }]])).outputs.get("y")!.data);
}

describe.each([
  ["WebAssembly SIMD", true],
  ["JS", false],
])(`conv2d properties, %s kernels (fast-check seed ${SEED})`, (_name, wasm) => {
  beforeAll(() => setWasmKernels(wasm));
  afterAll(() => setWasmKernels(true));

  it("conv2d = im2col + matmul (groups = 1, both layouts, int32 accumulators)", () => {
    fc.assert(
      fc.property(convArb.map((p) => ({ ...p, groups: 1, C: p.C, O: p.O })), fc.integer(), (p, seed) => {
        const size = p.N * p.H * p.W * p.C;
        const x = randomInts(size, -128, 127, seed);
        const K = p.kH * p.kW * p.C;
        const w = randomInts(p.O * K, -128, 127, seed + 1);
        const zx = (seed % 7) - 3;
        const conv = runConv(p, x, INT8, zx, INT8, w, [0], null);
        const rows = im2col(p, x, zx);
        const M = rows.length / K;
        const b = new GraphBuilder("im2col");
        b.input("a", INT8, [M, K], tensorQuant(1, zx));
        b.constant("w", INT8, [p.O, K], Int8Array.from(w), tensorQuant(1, 0));
        b.value("y", INT32, [M, p.O]);
        b.node({ name: "mm", op: "matmul", inputs: ["a", "w"], outputs: ["y"], transB: true, epilogue: { kind: "int32" } });
        const mm = run(b.output("y").build(), new Map([["a", { dtype: INT8, shape: [M, K], data: Int8Array.from(rows) }]])).outputs.get("y")!.data;
        // matmul rows are (n, oy, ox) × O: NHWC order; permute for NCHW.
        const [oH, oW] = convOutSize(p);
        const expected = p.layout === "nhwc" ? Array.from(mm) : Array.from({ length: mm.length }, (_, i) => {
          const ox = i % oW, oy = Math.floor(i / oW) % oH, o = Math.floor(i / (oW * oH)) % p.O, n = Math.floor(i / (oW * oH * p.O));
          return mm[((n * oH + oy) * oW + ox) * p.O + o]!;
        });
        expect(conv).toEqual(expected);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("grouped and depthwise conv = dense conv with block-diagonal weights", () => {
    fc.assert(
      fc.property(convArb.filter((p) => p.groups > 1), fc.integer(), (p, seed) => {
        const cinG = p.C / p.groups;
        const coutG = p.O / p.groups;
        const x = randomInts(p.N * p.H * p.W * p.C, -128, 127, seed);
        const wg = randomInts(p.O * p.kH * p.kW * cinG, -127, 127, seed + 2);
        const dense: number[] = [];
        for (let o = 0; o < p.O; o++)
          for (let t = 0; t < p.kH * p.kW; t++)
            for (let c = 0; c < p.C; c++) {
              const g = Math.floor(o / coutG);
              dense.push(Math.floor(c / cinG) === g ? wg[(o * p.kH * p.kW + t) * cinG + (c % cinG)]! : 0);
            }
        const grouped = runConv(p, x, INT8, 5, INT8, wg, [0], null);
        const full = runConv({ ...p, groups: 1 }, x, INT8, 5, INT8, dense, [0], null);
        expect(grouped).toEqual(full);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  const weightKinds: [string, QType, number, number][] = [
    ["int8", INT8, -128, 127],
    ["int4", { bits: 4, signed: true }, -8, 7],
    ["int2", { bits: 2, signed: true }, -2, 1],
    ["ternary", { bits: 2, signed: true }, -1, 1],
    ["uint8 with per-channel zero points", { bits: 8, signed: false }, 0, 255],
  ];
  it.each(weightKinds)("%s weights equal the naive reference", (_n, wType, lo, hi) => {
    fc.assert(
      fc.property(convArb, fc.integer(), (p, seed) => {
        const x = randomInts(p.N * p.H * p.W * p.C, 0, 255, seed);
        const w = randomInts(p.O * p.kH * p.kW * (p.C / p.groups), lo, hi, seed + 3);
        const zw = wType.signed ? [0] : randomInts(p.O, 0, 255, seed + 4);
        const bias = randomInts(p.O, -5000, 5000, seed + 5);
        const got = runConv(p, x, { bits: 8, signed: false }, 17, wType, w, zw, bias);
        expect(got).toEqual(naiveConvAcc(p, x, 17, w, zw, bias));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("depthwise (groups = channels, 1 to 20 channels) equals the naive reference", () => {
    const dwArb = fc
      .record({
        layout: fc.constantFrom<"nhwc" | "nchw">("nhwc", "nchw"),
        N: fc.integer({ min: 1, max: 2 }),
        H: fc.integer({ min: 1, max: 9 }),
        W: fc.integer({ min: 1, max: 9 }),
        C: fc.integer({ min: 1, max: 20 }),
        kH: fc.integer({ min: 1, max: 3 }),
        kW: fc.integer({ min: 1, max: 3 }),
        sH: fc.integer({ min: 1, max: 2 }),
        sW: fc.integer({ min: 1, max: 2 }),
        dH: fc.integer({ min: 1, max: 2 }),
        dW: fc.integer({ min: 1, max: 2 }),
        pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
      })
      .map((r): NaiveConv => ({ ...r, O: r.C, groups: r.C }))
      .filter((p) => convOutSize(p).every((d) => d >= 1));
    fc.assert(
      fc.property(dwArb, fc.integer(), (p, seed) => {
        const x = randomInts(p.N * p.H * p.W * p.C, -128, 127, seed);
        const w = randomInts(p.C * p.kH * p.kW, -128, 127, seed + 9);
        const bias = randomInts(p.C, -3000, 3000, seed + 10);
        expect(runConv(p, x, INT8, -7, INT8, w, [0], bias)).toEqual(naiveConvAcc(p, x, -7, w, [0], bias));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("binary × binary (XNOR-popcount path) and binary weights × int8 equal the ±1 reference", () => {
    fc.assert(
      fc.property(convArb, fc.integer(), (p, seed) => {
        const pm = (v: number) => (v === 0 ? -1 : 1);
        const xb = randomInts(p.N * p.H * p.W * p.C, 0, 1, seed).map(pm);
        const wb = randomInts(p.O * p.kH * p.kW * (p.C / p.groups), 0, 1, seed + 6).map(pm);
        expect(runConv(p, xb, BIPOLAR, 0, BIPOLAR, wb, [0], null)).toEqual(naiveConvAcc(p, xb, 0, wb, [0], null));
        const x8 = randomInts(xb.length, -128, 127, seed + 7);
        expect(runConv(p, x8, INT8, -3, BIPOLAR, wb, [0], null)).toEqual(naiveConvAcc(p, x8, -3, wb, [0], null));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("requantized outputs stay within [qmin, qmax] of the output type and the clamp range", () => {
    fc.assert(
      fc.property(convArb, fc.integer(), fc.double({ min: 1e-5, max: 4, noNaN: true }), fc.constantFrom("double", "single", "onnx", "dyadic-floor", "dyadic-half-even") , (p, seed, real, mode) => {
        const x = randomInts(p.N * p.H * p.W * p.C, -128, 127, seed);
        const w = randomInts(p.O * p.kH * p.kW * (p.C / p.groups), -128, 127, seed + 8);
        const t: QType = { bits: 4, signed: true };
        const out = runConv(p, x, INT8, 0, INT8, w, [0], null, { kind: "requant", requant: requantizerFromReal([real], mode), clampMin: -6, clampMax: 100 }, t);
        expect(out.every((v) => v >= -6 && v <= 7)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

it("the WebAssembly SIMD kernels are available on this engine (otherwise the suite above only tests JS)", () => {
  expect(wasmKernelsActive()).toBe(true);
});
