/**
 * Every class of invalid arch field has its message pinned (STYLE.md): the path, the value given and what is
 * allowed. Validators report every problem at once.
 */
import { describe, expect, it } from "vitest";
import { SpecError, formatProblem } from "../../src/errors.js";
import { parseArch, parseScaleSimCfg } from "../../src/hw/index.js";
import { BASE_ARCH, archProblems } from "../helpers/arch-problems.js";

const BASE = BASE_ARCH;
/** The formatted problems of a document, or [] when it is valid. */
const problems = archProblems;
const edit = (from: string, to: string) => {
  expect(BASE).toContain(from);
  return problems(BASE.replace(from, to));
};

describe("arch spec errors", () => {
  it("the base document is valid", () => {
    expect(problems(BASE)).toEqual([]);
  });
  it("unknown keys, with a did-you-mean hint", () => {
    expect(edit("  rows: 16", "  rwos: 16")).toEqual([
      "compute.rwos: unknown key (did you mean rows?) (given rwos; expected one of kind, precision, accumulatorBits, overflow, pipeline, rows, cols, dataflow)",
      "compute.rows: is required (expected an integer from 1 to 65536)",
    ]);
    expect(edit("name: t", "name: t\ncolour: red")).toEqual(["colour: unknown key (given colour; expected one of version, name, description, clock, compute, buffers, dram, caches, tech, cost, flash)"]);
    expect(edit("latency: 100 ns }", "latency: 100 ns, bandwith: 1 GB/s }")[0]).toBe(
      "dram.bandwith: unknown key (did you mean bandwidth?) (given bandwith; expected one of bandwidth, readBandwidth, writeBandwidth, latency, burst, energyPerBit)",
    );
  });
  it("missing required fields", () => {
    expect(edit("clock: 500 MHz\n", "")).toEqual(["clock: is required (expected a frequency, e.g. 500 MHz or 1 GHz)"]);
  });
  it("version: missing, unknown, not first", () => {
    expect(edit("version: 1\n", "")).toEqual(["version: is required (expected version: 1 as the first key)"]);
    expect(edit("version: 1", "version: 2")).toEqual(["version: is not a version quarch reads (given 2; expected 1)"]);
    expect(problems(BASE.replace("version: 1\nname: t\n", "name: t\nversion: 1\n"))).toEqual(["version: must be the first key (expected version: 1 on the first line)"]);
  });
  it("zero, negative and non-integer counts", () => {
    expect(edit("rows: 16", "rows: 0")).toEqual(["compute.rows: must be positive (given 0; expected an integer from 1 to 65536)"]);
    expect(edit("cols: 16", "cols: 2.5")).toEqual(["compute.cols: must be an integer (given 2.5; expected an integer from 1 to 65536)"]);
    expect(edit("cols: 16", "cols: sixteen")).toEqual(['compute.cols: must be a number (given "sixteen"; expected an integer from 1 to 65536)']);
  });
  it("zero and negative sizes", () => {
    expect(edit("weights: { size: 64 KiB", "weights: { size: 0 B")).toEqual(['buffers.weights.size: must be positive (given "0 B")']);
    expect(edit("weights: { size: 64 KiB", "weights: { size: -64 KiB")).toEqual(['buffers.weights.size: must be positive (given "-64 KiB")']);
    expect(edit("weights: { size: 64 KiB", "weights: { size: 100.5")).toEqual(["buffers.weights.size: must be a whole number of bytes (given 100.5; expected an integer number of bytes (100.5 B given))"]);
  });
  it("unknown dataflow, precision mode and overflow", () => {
    expect(edit("dataflow: os", "dataflow: rs")).toEqual(['compute.dataflow: unknown value (did you mean os?) (given "rs"; expected os | ws | is)']);
    expect(edit("mode: fixed", "mode: bitfusion")).toEqual(['compute.precision.mode: unknown value (did you mean bit-fusion?) (given "bitfusion"; expected fixed | int4-packing | bit-fusion | bit-serial | act-serial | xnor)']);
    // A dataflow engine has no array shape: the systolic keys are refused (see test/sim/arch-part2.test.ts).
    expect(edit("kind: systolic", "kind: dataflow")[0]).toBe("compute.rows: unknown key (given rows; expected one of kind, precision, accumulatorBits, overflow, pipeline, targetFps, fifoDepth, maxPe, maxSimd)");
  });
  it("unit errors: 64 KB, a bandwidth where a size is expected, a decimal size, no unit", () => {
    expect(edit("weights: { size: 64 KiB", "weights: { size: 64 KB")).toEqual([
      'buffers.weights.size: uses kB or KB: mathjs reads kB as 1000 bytes and has no unit KB (given "64 KB"; expected KiB (1024 bytes), or plain bytes such as 64000)',
    ]);
    expect(edit("weights: { size: 64 KiB", "weights: { size: 64 KB/s")[0]).toMatch(/^buffers\.weights\.size: uses kB or KB/);
    expect(edit("weights: { size: 64 KiB", "weights: { size: 12.8 GB/s")).toEqual([
      'buffers.weights.size: is a bandwidth, not a size in bytes (given "12.8 GB/s"; expected a size in bytes, e.g. 64 KiB, 2 MiB or 65536)',
    ]);
    expect(edit("weights: { size: 64 KiB", "weights: { size: 2 MB")).toEqual(['buffers.weights.size: uses the decimal prefix MB for a size (given "2 MB"; expected a binary prefix (MiB), or plain bytes)']);
    expect(edit("clock: 500 MHz", "clock: 500")).toEqual(["clock: needs a unit (given 500; expected a frequency, e.g. 500 MHz or 1 GHz)"]);
    expect(edit("bandwidth: 12.8 GB/s", "bandwidth: 12.8 parsecs")[0]).toMatch(/^dram\.bandwidth: cannot be read as a quantity \(Unit "parsecs" not found\.\)/);
    expect(edit("latency: 100 ns", "latency: 100 MHz")).toEqual(['dram.latency: is a frequency, not a time (given "100 MHz"; expected a time, e.g. 100 ns or 1 us)']);
  });
  it("DRAM: shared and separate bandwidths together, or half of the separate pair", () => {
    expect(edit("latency: 100 ns }", "latency: 100 ns, readBandwidth: 6 GB/s }")).toEqual(["dram: gives both a shared bandwidth and separate read/write bandwidths (expected either bandwidth, or readBandwidth and writeBandwidth)"]);
    expect(edit("bandwidth: 12.8 GB/s", "readBandwidth: 12.8 GB/s")).toEqual(["dram.writeBandwidth: is required with separate read/write bandwidths (expected a bandwidth, e.g. 6.4 GB/s)"]);
  });
  it("buffers: an operand nobody holds, a unified buffer holding nothing, wordBits on an input buffer", () => {
    expect(edit("  outputs: { size: 32 KiB, portBits: 128 }\n", "")).toEqual(["buffers: no buffer holds the outputs (expected buffers.outputs or buffers.unified)"]);
    expect(edit("  outputs: { size: 32 KiB, portBits: 128 }", "  outputs: { size: 32 KiB, portBits: 128 }\n  unified: { size: 1 MiB, portBits: 128 }")).toEqual([
      "buffers.unified: holds no operand: weights, inputs and outputs each have their own buffer (expected remove it, or drop one of the per-operand buffers)",
    ]);
    expect(edit("inputs: { size: 64 KiB, portBits: 128 }", "inputs: { size: 64 KiB, portBits: 128, wordBits: 32 }")).toEqual(["buffers.inputs.wordBits: applies to the buffers holding partial sums (outputs, unified) only (given 32)"]);
  });
  it("precision keys that do not apply to the mode, and keys a mode needs", () => {
    expect(edit("mode: fixed, maxBits: 8", "mode: fixed, maxBits: 8, packing: 2")).toEqual(["compute.precision.packing: applies to mode int4-packing only, not fixed (given 2)"]);
    expect(edit("mode: fixed, maxBits: 8", "mode: bit-serial, maxBits: 8")).toEqual(["compute.precision.depth: is required (expected an integer from 1 to 65536)"]);
    expect(edit("mode: fixed, maxBits: 8", "mode: bit-fusion, maxBits: 8")).toEqual(["compute.precision.minBits: is required (expected an integer from 1 to 32)"]);
    expect(edit("mode: fixed, maxBits: 8", "mode: int4-packing, maxBits: 4, minBits: 8")).toEqual(["compute.precision.minBits: is larger than maxBits (given 8; expected at most 4)"]);
  });
  it("caches and tech", () => {
    expect(problems(`${BASE}caches: [{ name: l1, size: 1000 B, line: 32 B, ways: 4 }]\n`)).toEqual(["caches[0].size: is not a whole number of sets (size / (line · ways)) (given 1000 B / (32 B · 4); expected a multiple of 128 B)"]);
    expect(problems(`${BASE}caches: { name: l1 }\n`)).toEqual(['caches: must be a list (given {"name":"l1"}; expected [] or a list of { name, size, line, ways, … })']);
    expect(problems(`${BASE}tech: 45 nm\n`)).toEqual(['tech: is not a technology node name (given "45 nm"; expected a node such as 45nm (hw-models/tech/<node>.yaml))']);
  });
  it("every problem in a file is reported at once, named by file", () => {
    let err: unknown;
    try {
      parseArch(BASE.replace("rows: 16", "rows: 0").replace("dataflow: os", "dataflow: rs").replace("size: 64 KiB", "size: 64 KB"), "bad.arch.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message.split("\n")[0]).toBe("bad.arch.yaml: 3 problems:");
    expect((err as SpecError).problems).toHaveLength(3);
  });
  it("YAML syntax errors name the line", () => {
    expect(problems("version: 1\nname: [unclosed\n")[0]).toMatch(/^line \d+, column \d+: is not valid YAML/);
    expect(problems("version: 1\nname: a\nname: b\n")[0]).toMatch(/is not valid YAML \(Map keys must be unique/);
  });
});

describe("SCALE-Sim .cfg errors", () => {
  const GOOD = "[general]\nrun_name = r\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 64\nIfmapOffset: 0\nFilterOffset: 1\nOfmapOffset: 2\nDataflow: os\n[run_presets]\nInterfaceBandwidth: CALC\n";
  const errs = (text: string) => {
    try {
      parseScaleSimCfg(text, "x.cfg");
      return [];
    } catch (e) {
      return (e as SpecError).problems.map(formatProblem);
    }
  };
  it("missing keys, bad values and typos are all reported (SCALE-Sim only warns or returns)", () => {
    expect(errs(GOOD)).toEqual([]);
    expect(errs(GOOD.replace("Dataflow: os", "Dataflow: rs").replace("ArrayHeight: 8", "ArrayHieght: 8").replace("CALC", "AUTO"))).toEqual([
      "[architecture_presets] arrayhieght (line 4): unknown key (did you mean ArrayHeight?) (expected ArrayHeight, ArrayWidth, IfmapSramSzkB, FilterSramSzkB, OfmapSramSzkB, IfmapOffset, FilterOffset, OfmapOffset, Dataflow, Bandwidth, MemoryBanks)",
      "[architecture_presets] ArrayHeight: is required",
      '[architecture_presets] Dataflow: unknown dataflow (given "rs"; expected os | ws | is)',
      '[run_presets] InterfaceBandwidth: unknown mode (given "AUTO"; expected CALC | USER)',
    ]);
    expect(errs(GOOD.replace("CALC", "USER"))).toEqual(["[architecture_presets] Bandwidth: is required"]);
  });
});
