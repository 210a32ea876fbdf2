/**
 * The three requantization families on the same accumulators: TFLite/TFLM double rounding, single
 * rounding (ruy / XNNPACK) and onnxruntime's float32 rule differ exactly at ties, which a hand-picked
 * multiplier of 1/8 exposes: −4/8 = −0.5 and 20/8 = 2.5.
 */
import { describe, expect, it } from "vitest";
import { requantize, requantizerFromReal } from "../../src/quant/requantize.js";

const accs = [-4, 20, 7, -9, 100];
const outputs = (mode: "double" | "single" | "onnx") => accs.map((a) => requantize(a, requantizerFromReal([0.125], mode)));

describe("rounding modes on the same accumulators", () => {
  it("double, single and onnx give three different output vectors", () => {
    // Independent expectations, by hand: −0.5 → −1 (away) / 0 (toward +∞) / 0 (to even);
    // 2.5 → 3 / 3 / 2; 0.875 → 1; −1.125 → −1; 12.5 → 13 / 13 / 12.
    expect(outputs("double")).toEqual([-1, 3, 1, -1, 13]);
    expect(outputs("single")).toEqual([0, 3, 1, -1, 13]);
    expect(outputs("onnx")).toEqual([0, 2, 1, -1, 12]);
  });
  it("dyadic sub-modes name their tie rule", () => {
    const dy = (m: "dyadic-floor" | "dyadic-half-up" | "dyadic-half-away" | "dyadic-half-even") => accs.map((a) => requantize(a, requantizerFromReal([0.125], m)));
    expect(dy("dyadic-floor")).toEqual([-1, 2, 0, -2, 12]);
    expect(dy("dyadic-half-up")).toEqual([0, 3, 1, -1, 13]);
    expect(dy("dyadic-half-away")).toEqual([-1, 3, 1, -1, 13]);
    expect(dy("dyadic-half-even")).toEqual([0, 2, 1, -1, 12]);
  });
});
