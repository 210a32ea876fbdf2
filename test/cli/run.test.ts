/** `quarch run` through the built binary: files in and out, flags, exit codes, --out safety. */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeNpy, encodeNpy } from "../../src/cli/npy.js";
import { EXAMPLES } from "../helpers/examples.js";
import { fixturePath } from "../helpers/fixtures.js";
import { quarch, tempDir } from "../helpers/cli.js";

const NET = join(EXAMPLES, "tiny-cnn", "tiny-cnn.qnet.json");
const INPUT = join(EXAMPLES, "tiny-cnn", "input.npy");
const EXPECTED = join(EXAMPLES, "tiny-cnn", "expected", "probabilities.npy");
const npy = (f: string) => decodeNpy(new Uint8Array(readFileSync(f)), f);

describe("quarch run", () => {
  it("writes <output>.npy into --out, equal to the example's expected output", () => {
    const out = join(tempDir(), "out");
    const r = quarch("run", NET, "--input", INPUT, "--out", out, "--dequantize");
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["probabilities.f32.npy", "probabilities.npy"]);
    const got = npy(join(out, "probabilities.npy"));
    expect(got.fileDtype).toBe("int8");
    expect(Array.from(got.values)).toEqual(Array.from(npy(EXPECTED).values));
    // Dequantized copy: (q + 128) / 256.
    expect(Array.from(npy(join(out, "probabilities.f32.npy")).values)).toEqual(Array.from(got.values, (q) => (q + 128) / 256));
  });
  it("prints outputs and the per-layer table; --format json and csv", () => {
    const t = quarch("run", NET, "--input", INPUT);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain("probabilities  int8 [1, 10]");
    expect(t.stdout).toMatch(/conv1\s+conv2d\s+55296/);
    const j = JSON.parse(quarch("run", NET, "--input", INPUT, "--format", "json").stdout) as { outputs: Record<string, { data: number[] }>; layers: { name: string; macs: number }[] };
    expect(j.outputs["probabilities"]!.data).toEqual(Array.from(npy(EXPECTED).values));
    expect(j.layers.reduce((a, l) => a + l.macs, 0)).toBe(215712);
    const csv = quarch("run", NET, "--input", INPUT, "--format", "csv").stdout.trim().split("\n");
    expect(csv[0]).toBe("name,op,macs,accMin,accMax,overflowPossible,overflowed,saturated,outputElements");
    expect(csv.length).toBe(1 + 9);
  });
  it("--expect: exit 0 on a match, exit 3 on a mismatch", () => {
    expect(quarch("run", NET, "--input", INPUT, "--expect", `probabilities=${EXPECTED}`).code).toBe(0);
    const wrong = join(tempDir(), "wrong.npy");
    const vals = Array.from(npy(EXPECTED).values);
    vals[3] = vals[3]! + 1;
    writeFileSync(wrong, encodeNpy({ bits: 8, signed: true }, [1, 10], vals));
    const r = quarch("run", NET, "--input", INPUT, "--expect", `probabilities=${wrong}`);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("probabilities: 1 of 10 outputs differ");
  });
  it("--rounding and --mode change the arithmetic", () => {
    const base = quarch("run", NET, "--input", INPUT, "--format", "json").stdout;
    const floor = quarch("run", NET, "--input", INPUT, "--format", "json", "--rounding", "dyadic-floor").stdout;
    const fake = quarch("run", NET, "--input", INPUT, "--format", "json", "--mode", "fake-quant").stdout;
    const data = (s: string) => (JSON.parse(s) as { outputs: Record<string, { data: number[] }> }).outputs["probabilities"]!.data;
    expect(data(floor)).not.toEqual(data(base));
    expect(data(fake).length).toBe(10);
    expect(quarch("run", NET, "--input", INPUT, "--runtime", "xnnpack").code).toBe(0);
  });
  it("--rounding reports per layer what the change does; --trace dumps every intermediate tensor", () => {
    const trace = join(tempDir(), "trace");
    const r = quarch("run", NET, "--input", INPUT, "--rounding", "dyadic-floor", "--trace", trace, "--format", "json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { changes: { node: string; mismatches: number; elements: number }[] };
    expect(doc.changes.map((c) => c.node)).toEqual(["conv1", "dw2", "pw3", "conv4", "add5", "pool6", "flatten7", "fc8", "softmax9"]);
    expect(doc.changes[0]!.mismatches).toBeGreaterThan(0);
    expect(readdirSync(trace).sort()).toEqual(["add5.npy", "conv1.npy", "conv4.npy", "dw2.npy", "fc8.npy", "flatten7.npy", "input.npy", "pool6.npy", "probabilities.npy", "pw3.npy"]);
    expect(npy(join(trace, "dw2.npy")).shape).toEqual([1, 8, 8, 8]);
  });
  it("a float32 input file is quantized with the input's scale and zero point", () => {
    const g = JSON.parse(readFileSync(NET, "utf8")) as { values: { name: string; quant?: { scale: number; zeroPoint: number } }[] };
    const q = g.values.find((v) => v.name === "input")!.quant!;
    const ints = Array.from(npy(INPUT).values);
    const f = join(tempDir(), "x.npy");
    writeFileSync(f, encodeNpy("float32", [1, 16, 16, 3], ints.map((v) => (v - q.zeroPoint) * q.scale)));
    const a = quarch("run", NET, "--input", f, "--format", "json").stdout;
    const b = quarch("run", NET, "--input", INPUT, "--format", "json").stdout;
    expect(JSON.parse(a).outputs).toEqual(JSON.parse(b).outputs);
  });
  it("runs an ONNX node test from its .pb files (scales bound from inputs)", () => {
    const d = fixturePath("onnx-node", "test_qlinearconv");
    const names = ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point"];
    const args = names.flatMap((n, i) => ["--input", `${n}=${join(d, "test_data_set_0", `input_${i}.pb`)}`]);
    const r = quarch("run", join(d, "model.onnx"), ...args, "--expect", `y=${join(d, "test_data_set_0", "output_0.pb")}`);
    expect(r.stderr).toContain("y: 0 of 49 outputs differ");
    expect(r.code).toBe(0);
  });
});

describe("user errors exit 2 with a message and no stack trace", () => {
  const expectUserError = (r: ReturnType<typeof quarch>, text: string) => {
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(text);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };
  it("usage errors from the argument parser", () => {
    expectUserError(quarch("run"), "Not enough non-option arguments");
    expectUserError(quarch("run", NET, "--no-such-flag"), "Unknown argument");
    expectUserError(quarch("frobnicate"), "Unknown argument: frobnicate");
    expectUserError(quarch("run", NET, "--input", INPUT, "--rounding", "sideways"), "Invalid values");
  });
  it("missing, garbage and unsupported model files", () => {
    expectUserError(quarch("run", "nope.qnet.json", "--input", INPUT), "nope.qnet.json: cannot be read (ENOENT)");
    const garbage = join(tempDir(), "g.onnx");
    writeFileSync(garbage, "this is not protobuf at all");
    const out = join(tempDir(), "never");
    expectUserError(quarch("run", garbage, "--input", `x=${INPUT}`, "--out", out), "g.onnx");
    expect(existsSync(out)).toBe(false);
    expectUserError(quarch("run", "zoo:resnet18"), "is a layer list (shapes only, no weights or connectivity): it can be simulated, not run");
    const badTflite = join(tempDir(), "m.tflite");
    writeFileSync(badTflite, "TFL3 but not really a model");
    expectUserError(quarch("run", badTflite, "--input", INPUT), "m.tflite");
  });
  it("input files of the wrong shape or dtype name what was expected", () => {
    const f = join(tempDir(), "bad.npy");
    writeFileSync(f, encodeNpy({ bits: 8, signed: true }, [16, 16, 3], new Array(768).fill(0)));
    expectUserError(quarch("run", NET, "--input", f), 'shape does not match input "input" (given int8 [16, 16, 3]; expected int8 [1, 16, 16, 3])');
    writeFileSync(f, encodeNpy({ bits: 32, signed: true }, [1, 16, 16, 3], new Array(768).fill(0)));
    expectUserError(quarch("run", NET, "--input", f), 'dtype does not match input "input" (given int32 [1, 16, 16, 3]; expected int8 [1, 16, 16, 3] (or float32, to be quantized))');
    writeFileSync(f, "garbage");
    expectUserError(quarch("run", NET, "--input", f), "is not a NumPy .npy file (bad magic)");
  });
  it("--out: a non-empty directory is refused and left untouched; --force replaces it", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "keep.txt"), "precious");
    expectUserError(quarch("run", NET, "--input", INPUT, "--out", dir), "--out directory exists and is not empty");
    expect(readFileSync(join(dir, "keep.txt"), "utf8")).toBe("precious");
    expect(quarch("run", NET, "--input", INPUT, "--out", dir, "--force").code).toBe(0);
    expect(readdirSync(dir)).toEqual(["probabilities.npy"]);
  });
});

describe("quarch demo and help", () => {
  it("demo runs the bundled network and checks the conformance vector", () => {
    const r = quarch("demo");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("mismatches: 0 of 2048 outputs");
    expect(r.stdout).toContain("integer-only vs simulated quantization");
  });
  it("--help lists the commands; run --help documents its options", () => {
    const h = quarch("--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/quarch run <model>/);
    expect(h.stdout).toMatch(/quarch demo/);
    const r = quarch("run", "--help");
    for (const opt of ["--input", "--mode", "--runtime", "--rounding", "--out", "--force", "--format", "--dequantize", "--expect"]) expect(r.stdout).toContain(opt);
  });
});
