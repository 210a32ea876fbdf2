/**
 * Whole-graph ONNX import and export: export → import round trips bit-identical (QDQ and QOperator, over
 * the test models and over randomly generated ones), each imported node checked against its own kernel run
 * alone, qnet.json round trips of the new ops, and the rounding conversion report.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { loadQnet } from "../../src/exec/load.js";
import { roundingReport } from "../../src/exec/rounding-report.js";
import { run } from "../../src/exec/run.js";
import type { Graph, Tensor } from "../../src/ir/graph.js";
import { serializeQnet } from "../../src/ir/qnet-write.js";
import { exportOnnx } from "../../src/onnx/export-onnx.js";
import { loadOnnx } from "../../src/onnx/import-graph.js";
import { I4, I8, type TestModel, U8 } from "./graph-models.js";
import { graphModels, qdqCnn, qdqMisc, qopCnn, qopMisc } from "./graph-zoo.js";

const SEED = process.env["FC_SEED"] === undefined ? 20261126 : Number(process.env["FC_SEED"]);

function inputsOf(m: TestModel): Map<string, Tensor> {
  return new Map(m.inputs.map((i) => [i.name, { dtype: i.dtype, shape: i.shape, data: i.data }] as const));
}

function outputsOf(g: Graph, inputs: ReadonlyMap<string, Tensor>): number[][] {
  const r = run(g, inputs);
  return g.outputs.map((o) => {
    const t = r.outputs.get(o)!;
    return t.data instanceof Float32Array ? Array.from(new Uint32Array(Float32Array.from(t.data).buffer)) : Array.from(t.data);
  });
}

function roundTrips(m: TestModel): void {
  const g = loadOnnx(m.bytes);
  const inputs = inputsOf(m);
  const want = outputsOf(g, inputs);
  for (const style of ["qdq", "qoperator"] as const) {
    const back = loadOnnx(exportOnnx(g, { style }));
    expect(back.outputs, `${m.name} ${style} outputs`).toEqual(g.outputs);
    expect(outputsOf(back, inputs), `${m.name} exported as ${style}, imported again`).toEqual(want);
  }
}

describe("ONNX export → import runs bit-identically", () => {
  for (const m of graphModels()) test(m.name, () => roundTrips(m));

  test(`random models (fast-check seed ${SEED})`, () => {
    const model = fc.oneof(
      fc.record({ kind: fc.constant("qop-cnn" as const), signed: fc.boolean(), seed: fc.nat() }),
      fc.record({ kind: fc.constant("qop-misc" as const), signed: fc.boolean(), seed: fc.nat() }),
      fc.record({ kind: fc.constant("qdq-cnn" as const), int4: fc.boolean(), seed: fc.nat() }),
      fc.record({ kind: fc.constant("qdq-misc" as const), seed: fc.nat() }),
    );
    fc.assert(
      fc.property(model, (p) => {
        const m =
          p.kind === "qop-cnn" ? qopCnn(p.signed ? I8 : U8, p.seed) : p.kind === "qop-misc" ? qopMisc(p.signed ? I8 : U8, p.seed) : p.kind === "qdq-cnn" ? qdqCnn(p.seed, p.int4 ? I4 : I8, p.int4 ? 7 : 63, "random") : qdqMisc(p.seed);
        roundTrips(m);
      }),
      { seed: SEED, numRuns: 40 },
    );
  });
});

describe("imported graphs against the single-op kernels", () => {
  for (const m of graphModels()) {
    test(`${m.name}: every node, run alone on its traced inputs, gives its traced output`, () => {
      const g = loadOnnx(m.bytes);
      const trace = run(g, inputsOf(m), { trace: true }).values!;
      for (const node of g.nodes) {
        const ins = node.inputs.filter((n) => g.values.get(n)!.data === undefined);
        const values = new Map([...node.inputs, ...node.outputs].map((n) => [n, g.values.get(n)!] as const));
        const single: Graph = { name: node.name, values, nodes: [node], inputs: [...new Set(ins)], outputs: [...node.outputs] };
        const r = run(single, new Map(single.inputs.map((n) => [n, trace.get(n)!] as const)));
        for (const o of node.outputs) expect(Array.from(r.outputs.get(o)!.data), `${node.name} → ${o}`).toEqual(Array.from(trace.get(o)!.data));
      }
    });
  }
});

describe("new ops survive qnet.json", () => {
  for (const m of graphModels()) {
    test(m.name, () => {
      const g = loadOnnx(m.bytes);
      const back = loadQnet(serializeQnet(g));
      expect(outputsOf(back, inputsOf(m))).toEqual(outputsOf(g, inputsOf(m)));
    });
  }
});

describe("rounding conversion report", () => {
  const m = graphModels().find((x) => x.name === "qdq_cnn_uint8")!;
  const g = loadOnnx(m.bytes);

  test("onnx → onnx changes nothing", () => {
    const r = roundingReport(g, "onnx", inputsOf(m));
    expect(r.totalMismatches).toBe(0);
    expect(r.layers.every((l) => !l.converted)).toBe(true);
  });

  test("onnx → double converts every requantizer and reports per-layer differences in steps and real units", () => {
    const r = roundingReport(g, "double", inputsOf(m));
    expect(r.layers.map((l) => l.node)).toEqual(g.nodes.map((n) => n.name));
    const convs = r.layers.filter((l) => l.op === "conv2d" || l.op === "matmul" || l.op === "global-avgpool");
    expect(convs.length).toBeGreaterThan(0);
    expect(convs.every((l) => l.converted)).toBe(true);
    for (const l of r.layers) {
      expect(l.mismatches).toBeLessThanOrEqual(l.elements);
      if (l.mismatches === 0) expect(l.maxAbsDiff).toBe(0);
      if (!Number.isNaN(l.maxAbsDiffReal)) expect(l.maxAbsDiffReal).toBeGreaterThanOrEqual(0);
    }
  });

  test("dyadic-floor changes some outputs (floor is biased)", () => {
    const r = roundingReport(g, "dyadic-floor", inputsOf(m));
    expect(r.totalMismatches).toBeGreaterThan(0);
    expect(r.layers.find((l) => l.mismatches > 0)!.maxAbsDiffReal).toBeGreaterThan(0);
  });
});
