/** `quarch inspect` and `quarch convert` through the built binary. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadQnet } from "../../src/exec/load.js";
import { EXAMPLES } from "../helpers/examples.js";
import { quarch, tempDir } from "../helpers/cli.js";

const NET = join(EXAMPLES, "tiny-cnn", "tiny-cnn.qnet.json");

describe("quarch inspect", () => {
  it("prints one row per layer with MACs and weight bytes, and totals", () => {
    const r = quarch("inspect", NET);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/conv4\s+conv2d\s+int8\[1,8,8,16\]\s+int8\[16,3,3,16\]\s+int8\[1,8,8,16\]/);
    expect(r.stdout).toContain("total: 215712 MACs, 3112 weight bytes");
    const j = JSON.parse(quarch("inspect", NET, "--format", "json").stdout) as { layers: { name: string; macs: number; weightBytes: number }[] };
    // conv4: 8·8·16 outputs × 3·3·16 taps; weights 2304 int8 + 16 int32 bias.
    expect(j.layers.find((l) => l.name === "conv4")).toMatchObject({ macs: 147456, weightBytes: 2304 + 64 });
  });
});

describe("quarch convert", () => {
  it("writes a qnet.json that runs like the source, with the requested rounding stored", () => {
    const out = join(tempDir(), "net.qnet.json");
    expect(quarch("convert", NET, "--output", out, "--rounding", "single").code).toBe(0);
    const g = loadQnet(readFileSync(out, "utf8"));
    const conv = g.nodes.find((n) => n.name === "conv1");
    expect(conv?.op === "conv2d" && conv.epilogue.kind === "requant" && conv.epilogue.requant.mode).toBe("single");
    const a = JSON.parse(quarch("run", out, "--input", join(EXAMPLES, "tiny-cnn", "input.npy"), "--format", "json").stdout);
    const b = JSON.parse(quarch("run", NET, "--input", join(EXAMPLES, "tiny-cnn", "input.npy"), "--format", "json", "--rounding", "single").stdout);
    expect(a.outputs).toEqual(b.outputs);
  });
  it("refuses to overwrite an existing file without --force, and leaves it intact", () => {
    const out = join(tempDir(), "net.qnet.json");
    writeFileSync(out, "mine");
    const r = quarch("convert", NET, "--output", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("output file exists");
    expect(readFileSync(out, "utf8")).toBe("mine");
    expect(quarch("convert", NET, "--output", out, "--force").code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain('"format": "quarch.qnet"');
  });
  it("a failed conversion leaves no file behind", () => {
    const out = join(tempDir(), "net.qnet.json");
    const bad = join(tempDir(), "bad.qnet.json");
    writeFileSync(bad, "{}");
    expect(quarch("convert", bad, "--output", out).code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});

describe("whole-graph ONNX through the CLI", () => {
  const dir = join(import.meta.dirname, "..", "fixtures", "onnx-graph-goldens", "qop_cnn_int8");
  it("runs a QOperator CNN bit-exactly against its onnxruntime golden, and reports what --rounding changes", () => {
    const r = quarch("run", join(dir, "model.onnx"), "--input", `x=${join(dir, "x.npy")}`, "--expect", `out=${join(dir, "out.npy")}`, "--rounding", "dyadic-floor", "--format", "json");
    expect(r.stderr).toContain("out: ");
    const doc = JSON.parse(r.stdout) as { changes: { node: string; converted: boolean; mismatches: number }[] };
    expect(doc.changes.find((c) => c.node === "qlinearconv_1")).toMatchObject({ converted: true });
    expect(doc.changes.find((c) => c.node === "maxpool_2")).toMatchObject({ converted: false });
    const plain = quarch("run", join(dir, "model.onnx"), "--input", `x=${join(dir, "x.npy")}`, "--expect", `out=${join(dir, "out.npy")}`);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain("out: 0 of 4 outputs differ");
  });
  it("exports to ONNX and the export runs identically", () => {
    const out = join(tempDir(), "m.onnx");
    expect(quarch("export", join(dir, "model.onnx"), "--output", out, "--onnx-style", "qoperator").code).toBe(0);
    const r = quarch("run", out, "--input", `x=${join(dir, "x.npy")}`, "--expect", `out=${join(dir, "out.npy")}`);
    expect(r.stderr).toContain("out: 0 of 4 outputs differ");
    expect(r.code).toBe(0);
  });
  it("exports the NHWC tiny-cnn in both styles, and the export runs as quarch's onnxruntime profile", () => {
    const input = join(EXAMPLES, "tiny-cnn", "input.npy");
    const want = JSON.parse(quarch("run", NET, "--input", input, "--runtime", "onnxruntime", "--format", "json").stdout) as { outputs: unknown };
    for (const style of ["qdq", "qoperator"]) {
      const out = join(tempDir(), "tiny-cnn.onnx");
      const e = quarch("export", NET, "--output", out, "--onnx-style", style);
      expect(e.code, e.stderr).toBe(0);
      const got = JSON.parse(quarch("run", out, "--input", `input=${input}`, "--format", "json").stdout) as { outputs: unknown };
      expect(got.outputs, style).toEqual(want.outputs);
    }
  });
  it("refuses what ONNX cannot express, saying why", () => {
    // A FINN threshold epilogue (binary networks) has no ONNX operator.
    const net = {
      format: "quarch.qnet",
      version: 1,
      name: "thresholds",
      inputs: ["x"],
      outputs: ["y"],
      values: [
        { name: "x", dtype: "int8", shape: [1, 4], quant: { scale: 0.1, zeroPoint: 0 } },
        { name: "w", dtype: "int8", shape: [2, 4], quant: { scale: 0.1, zeroPoint: 0 }, data: "AQL/BAUG+gg=" },
        { name: "y", dtype: "int8", shape: [1, 2], quant: { scale: 1, zeroPoint: 0 } },
      ],
      nodes: [{ name: "fc", op: "matmul", inputs: ["x", "w"], outputs: ["y"], transB: true, epilogue: { kind: "threshold", thresholds: [0, 3], count: 1, negate: [0, 0], outBias: 0 } }],
    };
    const file = join(tempDir(), "thresholds.qnet.json");
    writeFileSync(file, JSON.stringify(net));
    const out = join(tempDir(), "x.onnx");
    const r = quarch("export", file, "--output", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('node "fc" (matmul): cannot be exported to ONNX: threshold epilogues have no ONNX operator');
    expect(existsSync(out)).toBe(false);
  });
});
