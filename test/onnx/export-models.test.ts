/**
 * `quarch export` of the models quarch imports (export-zoo.ts: the MLPerf Tiny TFLite files, tiny-cnn, an
 * NHWC layout network and every single-operator TFLite model), onnxruntime profile applied:
 *  - the profile gives onnxruntime's arithmetic (scales derived its way, QLinearSoftmax, float average pool,
 *    DQ → Q tables, half-even QuantizeLinear);
 *  - import(export(g)) runs bit-identically to g, QOperator and QDQ;
 *  - onnxruntime's own outputs on the exported files (test/fixtures/onnx-graph-goldens/export-models, made by
 *    scripts/ort-oracle.ts with onnxruntime-node 1.30) equal quarch's bit for bit; the default x86-64 QDQ
 *    session, which runs int8 Conv / MatMul in float32, is reported, not required to match;
 *  - NHWC is transposed to NCHW once at the input and carried through.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { decodeNpy } from "../../src/cli/npy.js";
import { run } from "../../src/exec/run.js";
import type { Graph, Tensor } from "../../src/ir/graph.js";
import { perChannelScales, scalarQuant } from "../../src/ir/quant-params.js";
import { layerRealMultipliers } from "../../src/ir/requant.js";
import { exportOnnx } from "../../src/onnx/export-onnx.js";
import { loadOnnx } from "../../src/onnx/import-graph.js";
import { decodeModel } from "../../src/onnx/protobuf.js";
import { type ExportCase, exportCases, exportedBytes, outputFile } from "./export-zoo.js";

const GOLDENS = join(import.meta.dirname, "..", "fixtures", "onnx-graph-goldens", "export-models");
const CASES = exportCases();
const STYLES = ["qoperator", "qdq"] as const;

/** Every output of every sample, float32 by bit pattern. */
function outputs(g: Graph, c: ExportCase): Map<string, number[]> {
  const out = new Map<string, number[]>(g.outputs.map((o) => [o, []]));
  for (const feed of c.inputs) {
    const r = run(g, feed as Map<string, Tensor>);
    for (const o of g.outputs) {
      const d = r.outputs.get(o)!.data;
      out.get(o)!.push(...(d instanceof Float32Array ? new Uint32Array(Float32Array.from(d).buffer) : d));
    }
  }
  return out;
}

function golden(dir: string, file: string, float: boolean): number[] {
  const raw = decodeNpy(new Uint8Array(readFileSync(join(dir, file))), file);
  const v = Array.from(raw.values);
  return float ? Array.from(new Uint32Array(Float32Array.from(v).buffer)) : v;
}

const differing = (a: readonly number[], b: readonly number[]): number => a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);

describe("the onnxruntime profile gives onnxruntime's arithmetic", () => {
  for (const c of CASES.filter((x) => !x.name.startsWith("op_"))) {
    test(c.name, () => {
      let fromScales = 0;
      let fromReal = 0;
      for (const n of c.graph.nodes) {
        if ((n.op === "conv2d" || n.op === "matmul") && n.epilogue.kind === "requant") {
          const r = n.epilogue.requant;
          if (r.mode !== "onnx") throw new Error(`${n.name}: ${r.mode}`);
          const [x, w, y] = [n.inputs[0]!, n.inputs[1]!, n.outputs[0]!].map((name) => c.graph.values.get(name)!);
          const want = layerRealMultipliers(scalarQuant(x!.quant!)!.scale, perChannelScales(w!.quant!, r.scale.length), scalarQuant(y!.quant!)!.scale, "onnx");
          expect(Array.from(r.scale), n.name).toEqual(want);
          fromScales += r.scale.length;
          fromReal += want.filter((s, i) => s !== Math.fround(r.real[i]!)).length;
        }
        if (n.op === "softmax") expect(n.variant).toBe("onnxruntime");
        if (n.op === "avgpool") expect(n.rescale).toEqual({ kind: "float", countIncludePad: false });
        if (n.op === "quantize") expect(n.rounding).toBe("half-even");
        expect(n.op, `${n.name}: onnxruntime requantizes 8-bit tensors by DQ → Q`).not.toBe("requantize");
      }
      // TFLite's double product rounded to float32 is not onnxruntime's scale everywhere.
      if (c.name === "vww_96_int8") console.log(`${c.name}: ${fromReal} of ${fromScales} channel scales differ from f32(TFLite's real multiplier)`);
    });
  }
});

describe("export → import runs bit-identically", () => {
  for (const c of CASES) {
    test.each(STYLES)(`${c.name} (%s)`, (style) => {
      const back = loadOnnx(exportOnnx(c.graph, { style }));
      expect(back.outputs).toEqual(c.graph.outputs);
      expect(outputs(back, c)).toEqual(outputs(c.graph, c));
    });
  }
});

describe("onnxruntime runs the exported files as quarch's onnxruntime profile does", () => {
  test("every export case has goldens (rerun scripts/ort-oracle.ts after changing the export or export-zoo.ts)", () => {
    const want = CASES.flatMap((c) => STYLES.map((s) => `export_${s}_${c.name}`)).sort();
    expect(readdirSync(GOLDENS).filter((d) => existsSync(join(GOLDENS, d, "model.sha256"))).sort()).toEqual(want);
  });
  for (const c of CASES) {
    test.each(STYLES)(`${c.name} (%s)`, (style) => {
      const { name, bytes } = exportedBytes(c, style);
      const dir = join(GOLDENS, name);
      expect(readFileSync(join(dir, "model.sha256"), "utf8").trim(), `${name}: the export changed since its goldens were made`).toBe(createHash("sha256").update(bytes).digest("hex"));
      const got = outputs(c.graph, c);
      for (const o of c.graph.outputs) {
        const float = c.graph.values.get(o)!.dtype === "float32";
        expect(differing(got.get(o)!, golden(dir, outputFile(o), float)), `${name} ${o}: outputs differing from onnxruntime`).toBe(0);
        const plain = join(dir, outputFile(o, ".ort-default"));
        if (existsSync(plain)) {
          // onnxruntime's default x86-64 session leaves int8 QDQ Conv / MatMul unfused (float32): reported only.
          const n = differing(got.get(o)!, golden(dir, outputFile(o, ".ort-default"), float));
          if (n > 0) console.log(`${name}/${o}: ${n} of ${got.get(o)!.length} differ from onnxruntime's default QDQ session (float32 Conv / MatMul)`);
        }
      }
    });
  }
});

describe("layouts", () => {
  const ops = (c: ExportCase, style: "qdq" | "qoperator"): string[] => decodeModel(exportedBytes(c, style).bytes).graph.nodes.map((n) => n.opType);
  test("NHWC CNNs transpose once, at the input; the autoencoder never", () => {
    for (const c of CASES.filter((x) => ["pretrainedResnet_quant", "kws_ref_model", "vww_96_int8", "tiny-cnn"].includes(x.name))) {
      for (const style of STYLES) {
        const nodes = decodeModel(exportedBytes(c, style).bytes).graph.nodes;
        const t = nodes.filter((n) => n.opType === "Transpose");
        expect(t.map((n) => n.inputs[0]), `${c.name} ${style}`).toEqual(c.graph.inputs);
      }
    }
    const ad = CASES.find((c) => c.name === "ad01_int8")!;
    expect(ops(ad, "qoperator")).toEqual(new Array<string>(10).fill("QGemm"));
  });
  test("the layout network: an explicit transpose costs nothing, the layout-sensitive add runs in NHWC", () => {
    const c = CASES.find((x) => x.name === "layouts")!;
    const nodes = decodeModel(exportedBytes(c, "qoperator").bytes).graph.nodes;
    const perm = (n: (typeof nodes)[number]): string => { const v = n.attributes[0]!.value; return v.kind === "ints" ? JSON.stringify(v.value) : "?"; };
    const perms = nodes.filter((n) => n.opType === "Transpose").map((n) => `${n.inputs[0]} ${perm(n)}`);
    // The quantized input to NCHW; the add's input back to NHWC; its result to NCHW once, for the max pool and
    // the explicit transpose to NCHW alike; the max pool's result back for the graph output.
    expect(perms).toEqual(["xq [0,3,1,2]", "t [0,2,3,1]", "r [0,3,1,2]", "mp_nchw [0,2,3,1]"]);
    expect(nodes.map((n) => n.opType)).toContain("Gather");
  });
});
