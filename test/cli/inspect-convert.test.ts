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
  it("refuses what ONNX cannot express, saying why", () => {
    const r = quarch("export", NET, "--output", join(tempDir(), "x.onnx"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot be exported to ONNX");
  });
});
