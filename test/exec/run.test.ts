/** The executor: input checking, statistics, fake-quant vs integer, and what integer mode refuses. */
import { describe, expect, it } from "vitest";
import { InputError, UnsupportedError } from "../../src/errors.js";
import { compareModes } from "../../src/exec/compare.js";
import { run } from "../../src/exec/run.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { INT32, INT8, type QType } from "../../src/ir/dtype.js";
import type { Tensor } from "../../src/ir/graph.js";
import { tensorQuant } from "../../src/ir/quant-params.js";
import { requantizerFromReal } from "../../src/quant/requantize.js";
import { exampleGraph, exampleTensor } from "../helpers/examples.js";

const INT16: QType = { bits: 16, signed: true };

function fc(xType: QType, K: number, N: number, w: Int8Array, wQuant: Parameters<GraphBuilder["constant"]>[4], epilogue: "int32" | "requant") {
  const b = new GraphBuilder("fc");
  b.input("x", xType, [2, K], tensorQuant(0.5, 0));
  b.constant("w", INT8, [N, K], w, wQuant);
  b.value("y", epilogue === "int32" ? INT32 : INT8, [2, N], tensorQuant(0.25, 0));
  b.node({
    name: "fc",
    op: "matmul",
    inputs: ["x", "w"],
    outputs: ["y"],
    transB: true,
    epilogue: epilogue === "int32" ? { kind: "int32" } : { kind: "requant", requant: requantizerFromReal([0.01], "double"), clampMin: -128, clampMax: 127 },
  });
  return b.output("y").build();
}

describe("inputs are checked against the graph", () => {
  const g = fc(INT8, 4, 3, new Int8Array(12).fill(1), tensorQuant(0.1, 0), "int32");
  const err = (t: Tensor): string => {
    try {
      run(g, new Map([["x", t]]));
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
    return "no error";
  };
  it("wrong dtype, wrong shape, out-of-range values, missing and unknown inputs", () => {
    expect(err({ dtype: INT16, shape: [2, 4], data: new Int16Array(8) })).toBe('input "x": has the wrong dtype (given int16; expected int8)');
    expect(err({ dtype: INT8, shape: [4, 2], data: new Int8Array(8) })).toBe('input "x": has the wrong shape (given [4, 2] (8 elements); expected [2, 4])');
    expect(() => run(g, new Map())).toThrow('input "x": is missing (expected int8 [2, 4])');
    expect(() => run(g, new Map([["x", { dtype: INT8, shape: [2, 4], data: new Int8Array(8) }], ["z", { dtype: INT8, shape: [1], data: new Int8Array(1) }]]))).toThrow(
      'input "z": is not an input of the graph (expected x)',
    );
  });
});

describe("per-node statistics", () => {
  it("MACs, exact accumulator range, static and actual int32 overflow", () => {
    const K = 1000;
    const g = fc(INT16, K, 2, new Int8Array(2 * K).fill(127), tensorQuant(0.1, 0), "int32");
    const x = { dtype: INT16, shape: [2, K], data: new Int16Array(2 * K).fill(32767) };
    x.data.fill(1, K); // second row small
    const [s] = run(g, new Map([["x", x]])).stats;
    expect(s!.macs).toBe(2 * 2 * K);
    expect(s!.accMax).toBe(32767 * 127 * K); // exact, beyond int32
    expect(s!.accMin).toBe(127 * K);
    expect(s!.overflowPossible).toBe(true);
    expect(s!.overflowed).toBe(2); // both outputs of the first row wrap
  });
  it("int8 layers with small weights cannot overflow", () => {
    const g = fc(INT8, 16, 2, new Int8Array(32).fill(3), tensorQuant(0.1, 0), "requant");
    const [s] = run(g, new Map([["x", { dtype: INT8, shape: [2, 16], data: new Int8Array(32).fill(-128) }]])).stats;
    expect(s!.overflowPossible).toBe(false);
    expect(s!.accMin).toBe(-128 * 3 * 16);
  });
});

describe("simulated vs integer-only", () => {
  it("per-block weight scales: fake-quant runs, integer mode refuses and says why", () => {
    const w = Int8Array.from({ length: 2 * 8 }, (_, i) => (i % 7) - 3);
    const blocks = { kind: "block" as const, axis: 1, blockSize: 4, scale: [0.1, 0.2, 0.3, 0.4], zeroPoint: [0, 0, 0, 0] };
    const g = fc(INT8, 8, 2, w, blocks, "requant");
    const x = new Map([["x", { dtype: INT8, shape: [2, 8], data: Int8Array.from({ length: 16 }, (_, i) => i - 8) }]]);
    const y = run(g, x, { mode: "fake-quant" }).outputs.get("y")!;
    // By hand: real y = Σ_k 0.5·x[k] · s(k)·w[k] / 0.25, rounded half to even.
    const expected = [0, 1].flatMap((m) =>
      [0, 1].map((n) => {
        let acc = 0;
        for (let k = 0; k < 8; k++) acc += 0.5 * (m * 8 + k - 8) * blocks.scale[n * 2 + Math.floor(k / 4)]! * w[n * 8 + k]!;
        return Math.round(acc / 0.25);
      }),
    );
    expect(Array.from(y.data)).toEqual(expected);
    expect(() => run(g, x)).toThrow(UnsupportedError);
    expect(() => run(g, x)).toThrow(/per-block scales along the reduction axis: they cannot fold into one int32 accumulator and one requantizer/);
  });
  it("the bundled network: integer and fake-quant agree except for a few ±1 outputs, reported per layer", () => {
    const g = exampleGraph("tiny-cnn/tiny-cnn.qnet.json");
    const rows = compareModes(g, new Map([["input", exampleTensor("tiny-cnn/input.npy", g, "input")]]));
    expect(rows.map((r) => r.node)).toEqual(g.nodes.map((n) => n.name));
    expect(rows.every((r) => r.maxAbsDiff <= 1)).toBe(true);
    expect(rows.some((r) => r.mismatches > 0)).toBe(true);
  });
  it("the bundled network reproduces its expected output", () => {
    const g = exampleGraph("tiny-cnn/tiny-cnn.qnet.json");
    const out = run(g, new Map([["input", exampleTensor("tiny-cnn/input.npy", g, "input")]])).outputs.get("probabilities")!;
    expect(Array.from(out.data)).toEqual(Array.from(exampleTensor("tiny-cnn/expected/probabilities.npy", g, "probabilities").data));
  });
});
