import { describe, expect, test } from "vitest";
import { UnsupportedError } from "../../src/errors.js";
import { INT4, INT8, UINT8 } from "../../src/ir/dtype.js";
import { type BlockQuant, type GroupQuant, channelQuant, tensorQuant } from "../../src/ir/quant-params.js";
import { castTensor, dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from "../../src/kernels/quantize.js";

const f32 = (xs: readonly number[]) => Float32Array.from(xs);

describe("quantizeLinear", () => {
  test("x / scale is one float32 division (not double, not a reciprocal multiply)", () => {
    // f32(0.84006006 / 0.12924001) is exactly 6.5 (the double quotient is 6.50000012): half-even gives 6.
    const a = quantizeLinear(f32([0.8400600552558899]), [1], tensorQuant(0.1292400062084198, 0), INT8, "half-even");
    expect(Array.from(a)).toEqual([6]);
    // f32(x / s) = 32.5 → 32, whereas x · f32(1 / s) = 32.500004 would give 33.
    const b = quantizeLinear(f32([23.93950080871582]), [1], tensorQuant(0.7365999817848206, 0), INT8, "half-even");
    expect(Array.from(b)).toEqual([32]);
  });

  test("ties: half-even (ONNX) and half-away (TFLite)", () => {
    const x = f32([2.5, -2.5, 0.5, -0.5, 1.5, 3.5]);
    expect(Array.from(quantizeLinear(x, [6], tensorQuant(1, 0), INT8, "half-even"))).toEqual([2, -2, 0, 0, 2, 4]);
    expect(Array.from(quantizeLinear(x, [6], tensorQuant(1, 0), INT8, "half-away"))).toEqual([3, -3, 1, -1, 2, 4]);
  });

  test("zero point, saturation, infinities and NaN", () => {
    const x = f32([0, 2, 3, 1000, -254, -1000, Infinity, -Infinity, NaN]);
    const y = quantizeLinear(x, [9], tensorQuant(2, 128), UINT8, "half-even");
    expect(Array.from(y)).toEqual([128, 129, 130, 255, 1, 0, 255, 0, 0]);
    const z = quantizeLinear(f32([NaN, 100]), [2], tensorQuant(1, 0), INT4, "half-even");
    expect(Array.from(z)).toEqual([-8, 7]);
  });

  test("per channel, per group and per block", () => {
    const x = f32([1, 2, 3, 4, 5, 6]); // shape [2, 3]
    const ch = quantizeLinear(x, [2, 3], channelQuant(0, [1, 2], [0, 10]), INT8, "half-even");
    expect(Array.from(ch)).toEqual([1, 2, 3, 12, 12, 13]);
    const grp: GroupQuant = { kind: "group", axis: 1, groupSize: 2, scale: [1, 0.5], zeroPoint: [0, 1] };
    expect(Array.from(quantizeLinear(x, [2, 3], grp, INT8, "half-even"))).toEqual([1, 2, 7, 4, 5, 13]);
    const blk: BlockQuant = { kind: "block", axis: 1, blockSize: 2, scale: [1, 2, 4, 8], zeroPoint: [0, 0, 0, 1] };
    expect(Array.from(quantizeLinear(x, [2, 3], blk, INT8, "half-even"))).toEqual([1, 2, 2, 1, 1, 2]);
  });

  test("a bipolar output type is refused", () => {
    expect(() => quantizeLinear(f32([1]), [1], tensorQuant(1, 0), { bits: 1, signed: true }, "half-even")).toThrow(UnsupportedError);
  });
});

describe("dequantizeLinear", () => {
  test("(x − zp) · scale rounded once to float32, all granularities", () => {
    const y = dequantizeLinear(Uint8Array.of(0, 3, 128, 255), [4], tensorQuant(2, 128));
    expect(Array.from(y)).toEqual([-256, -250, 0, 254]);
    const c = dequantizeLinear(Int8Array.of(1, 2, 3, 4), [2, 2], channelQuant(1, [0.5, 0.25], [0, 1]));
    expect(Array.from(c)).toEqual([0.5, 0.25, 1.5, 0.75]);
    const blk: BlockQuant = { kind: "block", axis: 0, blockSize: 2, scale: [1, 10], zeroPoint: [0, 0] };
    expect(Array.from(dequantizeLinear(Int8Array.of(1, 2, 3), [3], blk))).toEqual([1, 2, 30]);
    // int32 difference taken exactly, then converted to float32 (onnxruntime's order).
    const big = dequantizeLinear(Int32Array.of(2147483647), [1], tensorQuant(1, -2147483648));
    expect(big[0]).toBe(4294967296);
    const s = Math.fround(0.1);
    expect(dequantizeLinear(Int8Array.of(3), [1], tensorQuant(s, 0))[0]).toBe(Math.fround(3 * s));
  });
});

describe("castTensor", () => {
  test("float → 4/2-bit: round half to even, then wrap", () => {
    const x = f32([-9, -8, 7, 8, 2.5, 3.5, -2.5, 7.5, 15]);
    expect(Array.from(castTensor(x, "float32", INT4))).toEqual([7, -8, 7, -8, 2, 4, -2, -8, -1]);
    expect(Array.from(castTensor(f32([-3, -2, 3, 1.5]), "float32", { bits: 2, signed: false }))).toEqual([1, 2, 3, 2]);
  });

  test("float → 8..32-bit: truncate toward zero, then wrap; NaN and infinities become 0", () => {
    const x = f32([2.7, -2.7, 200, -129, 255.9, NaN, Infinity]);
    expect(Array.from(castTensor(x, "float32", INT8))).toEqual([2, -2, -56, 127, -1, 0, 0]);
    expect(Array.from(castTensor(f32([-1.5, 65535.5]), "float32", { bits: 16, signed: false }))).toEqual([65535, 65535]);
  });

  test("integer → integer keeps the low bits; integer → float32 rounds to nearest even", () => {
    expect(Array.from(castTensor(Int16Array.of(200, -129, 300), { bits: 16, signed: true }, INT8))).toEqual([-56, 127, 44]);
    expect(Array.from(castTensor(Int8Array.of(-1, -8, 7), INT4, UINT8))).toEqual([255, 248, 7]);
    expect(Array.from(castTensor(Int8Array.of(-1, 7), INT4, { bits: 2, signed: true }))).toEqual([-1, -1]);
    expect(Array.from(castTensor(Int32Array.of(16777217, -3), { bits: 32, signed: true }, "float32"))).toEqual([16777216, -3]);
  });
});

describe("dynamicQuantizeLinear", () => {
  test("the ONNX reference vectors", () => {
    const a = dynamicQuantizeLinear(f32([0, 2, -3, -2.5, 1.34, 0.5]));
    expect(Array.from(a.y)).toEqual([153, 255, 0, 26, 221, 179]);
    expect(a.scale).toBe(Math.fround(0.019607843831181526));
    expect(a.zeroPoint).toBe(153);
    const b = dynamicQuantizeLinear(f32([-1, -2.1, -1.3, -2.5, -3.34, -4]));
    expect(Array.from(b.y)).toEqual([191, 121, 172, 96, 42, 0]);
    expect(b.zeroPoint).toBe(255);
  });

  test("an all-zero input has scale 1 and zero point 0; NaN is refused", () => {
    expect(dynamicQuantizeLinear(f32([0, 0]))).toEqual({ y: Uint8Array.of(0, 0), scale: 1, zeroPoint: 0 });
    expect(() => dynamicQuantizeLinear(f32([1, NaN]))).toThrow(UnsupportedError);
  });
});
