/**
 * hw-models/tech/45nm.yaml holds every number of the 45 nm energy reference (energy-45nm.md, transcribed in docs/tech-yaml.md) with its tag and source;
 * its derived entries follow the stated rules; bad tables are typed errors naming the entry (messages pinned).
 */
import { describe, expect, it } from "vitest";
import { SpecError } from "../../src/errors.js";
import { OPS, parseTechTable } from "../../src/cost/index.js";
import { base, doc, problemsOf, val } from "./helpers.js";

/** [entry, value in stored units (pJ, µm², µW, bytes), tag] for every figure energy-45nm.md gives. */
const REFERENCE: readonly (readonly [string, number, string])[] = [
  ["ops.int8-add.energy", 0.03, "C"], ["ops.int8-add.area", 36, "C"],
  ["ops.int16-add.energy", 0.05, "C"], ["ops.int16-add.area", 67, "C"],
  ["ops.int32-add.energy", 0.1, "C"], ["ops.int32-add.area", 137, "C"],
  ["ops.fp16-add.energy", 0.4, "C"], ["ops.fp16-add.area", 1360, "C"],
  ["ops.fp32-add.energy", 0.9, "C"], ["ops.fp32-add.area", 4184, "C"],
  ["ops.int8-mul.energy", 0.2, "C"], ["ops.int8-mul.area", 282, "C"],
  ["ops.int32-mul.energy", 3.1, "C"], ["ops.int32-mul.area", 3495, "C"],
  ["ops.fp16-mul.energy", 1.1, "C"], ["ops.fp16-mul.area", 1640, "C"],
  ["ops.fp32-mul.energy", 3.7, "C"], ["ops.fp32-mul.area", 7700, "C"],
  ["ops.int4-mul.energy", 0.05, "D"], ["ops.int4-add.energy", 0.015, "D"], ["ops.int4-add.area", 18, "D"], ["ops.int2-mul.energy", 0.0125, "D"],
  ["ops.binary-mul.energy", 0.004, "D"], ["ops.binary-mul.area", 5.6, "D"],
  ["pe.int2.energy", 0.044, "S"], ["pe.int2.area", 81, "S"], ["pe.int4.energy", 0.093, "S"], ["pe.int4.area", 192, "S"],
  ["pe.int8.energy", 0.236, "S"], ["pe.int8.area", 511, "S"], ["pe.int16.energy", 0.717, "S"], ["pe.int16.area", 1679, "S"],
  ["pe.fusion.energy", 0.578, "S"], ["pe.fusion.area", 1735, "S"], ["pe.leakage.power", 23, "S"],
  ["register.flipflop.energy", 0.009, "S"], ["register.flipflop.area", 5.98, "S"], ["register.file.energy", 1, "C"], ["register.file.bits", 32, "C"],
  ["sramRead64.8KiB.energy", 10, "C"], ["sramRead64.32KiB.energy", 20, "C"], ["sramRead64.1MiB.energy", 100, "C"],
  ["sram.law.smallExponent", 0.78, "S"], ["sram.width.fixed", 0.3, "D"], ["sram.width.portBits", 64, "D"], ["sram.write.ratio", 1, "D"], ["sram.registerFile.below", 1024, "D"],
  ["sram.area.coefficient", 3500, "S"], ["sram.area.exponent", 0.98, "S"], ["sram.leakage.coefficient", 1300, "S"], ["sram.leakage.exponent", 0.97, "S"],
  ["cacti.1KiB.read", 1.43, "S"], ["cacti.1KiB.write", 2.91, "S"], ["cacti.1KiB.area", 3600, "S"],
  ["cacti.8KiB.read", 5.29, "S"], ["cacti.8KiB.write", 6.5, "S"], ["cacti.8KiB.area", 26000, "S"],
  ["cacti.32KiB.read", 14.9, "S"], ["cacti.32KiB.write", 12.7, "S"], ["cacti.32KiB.area", 95000, "S"],
  ["cacti.64KiB.read", 29, "S"], ["cacti.64KiB.write", 17.2, "S"], ["cacti.64KiB.area", 180000, "S"],
  ["cacti.256KiB.read", 40.6, "S"], ["cacti.256KiB.write", 28.8, "S"], ["cacti.256KiB.area", 800000, "S"],
  ["cacti.1MiB.read", 67.7, "S"], ["cacti.1MiB.write", 55.9, "S"], ["cacti.1MiB.area", 3170000, "S"],
  ["dram.ddr3.energy", 20, "C"], ["dram.lpddr4.energy", 8, "C"], ["dram.hbm2.energy", 6.25, "C"], ["dram.hbm3.energy", 4.05, "C"],
];

const STILLMAKER: Readonly<Record<string, [number, number]>> = {
  "32nm": [0.64, 0.46], "28nm": [0.51, 0.38], "22nm": [0.31, 0.25], "16nm": [0.19, 0.19], "14nm": [0.15, 0.17], "10nm": [0.13, 0.1], "7nm": [0.1, 0.059],
};

describe("hw-models/tech/45nm.yaml", () => {
  const t = base();
  it("holds every number of energy-45nm.md, exactly, with its tag", () => {
    for (const [id, value, tag] of REFERENCE) {
      expect([id, t.entries.get(id)?.value, t.entries.get(id)?.tag]).toEqual([id, value, tag]);
    }
  });
  it("the Stillmaker–Baas factors, SRAM area linear below 22 nm, and the cross-checks", () => {
    expect(Object.fromEntries([...t.scaling!.nodes].map(([k, f]) => [k, [f.energy, f.area]]))).toEqual(STILLMAKER);
    expect(t.scaling!.sramAreaLinearBelowNm).toBe(22);
    expect(t.scaling!.tag).toBe("D");
    const refs = Object.fromEntries(t.references.map((r) => [r.name, `${r.value} [${r.tag}]`]));
    expect(refs["XNORBIN"]).toBe("95 TOp/s/W ≈ 10.5 fJ/op [C]");
    expect(refs["YodaNN"]).toBe("61.2 TOp/s/W ≈ 16 fJ/op [C]");
    expect(refs["Accelergy MAC (8-bit mult + 16-bit add)"]).toBe("0.32 pJ [C]");
    expect(refs["Aladdin 32×32 multiply"]).toBe("12.68 pJ, 6350 µm² [S]");
    expect(refs["BitFusion simulator DRAM"]).toBe("15 pJ/bit [C]");
    expect(refs["QKeras DRAM"]).toBe("20.3125 pJ/bit [C]");
    expect(t.references).toHaveLength(25);
  });
  it("every C and S value cites a source, every D value states its rule", () => {
    for (const e of t.entries.values()) {
      if (e.tag === "C" || e.tag === "S") expect(t.sources.has(e.source), e.id).toBe(true);
      else expect(e.tag === "D" && e.source.length > 10, e.id).toBe(true);
    }
    expect(t.entries.size).toBe(2 * OPS.length + 12 + 4 + 3 + 9 + 18 + 4 + 1);
  });
  it("derived narrow and binary/ternary entries follow the rules stated in energy-45nm.md", () => {
    const mul = (bits: number, f: "energy" | "area") => (val(`ops.int8-mul.${f}`) * bits * bits) / 64;
    const add = (bits: number, f: "energy" | "area") => (val(`ops.int8-add.${f}`) * bits) / 8;
    for (const f of ["energy", "area"] as const) {
      expect(val(`ops.int16-mul.${f}`)).toBeCloseTo(mul(16, f), 12);
      expect(val(`ops.int4-mul.${f}`)).toBeCloseTo(mul(4, f), 12);
      expect(val(`ops.int2-mul.${f}`)).toBeCloseTo(mul(2, f), 12);
      expect(val(`ops.int4-add.${f}`)).toBeCloseTo(add(4, f), 12);
      expect(val(`ops.int2-add.${f}`)).toBeCloseTo(add(2, f), 12);
      expect(val(`ops.binary-add.${f}`)).toBeCloseTo(add(1, f), 12);
      expect(val(`ops.ternary-mul.${f}`)).toBeCloseTo(2 * val(`ops.binary-mul.${f}`), 12);
      expect(val(`ops.ternary-add.${f}`)).toBe(val(`ops.int2-add.${f}`));
    }
    // energy-45nm.md rounds the rule's 70.5 and 17.6 µm² to 71 and 18.
    expect(Math.round(val("ops.int4-mul.area"))).toBe(71);
    expect(Math.round(val("ops.int2-mul.area"))).toBe(18);
  });
});

describe("technology table errors (every problem at once, naming the entry)", () => {
  const edit = (f: (d: Record<string, unknown>) => void) => {
    const d = doc();
    f(d);
    return problemsOf(d);
  };
  const ops = (d: Record<string, unknown>) => d["ops"] as Record<string, Record<string, unknown>>;
  it("the bundled table is valid", () => {
    expect(problemsOf(doc())).toEqual([]);
  });
  it("a wrong or missing schema version", () => {
    expect(edit((d) => (d["version"] = 2))).toEqual(["version: is not a technology-table version quarch reads (given 2; expected 1)"]);
    expect(edit((d) => delete d["version"])).toEqual(["version: is required (expected version: 1 as the first key)"]);
  });
  it("missing entries and missing values: no silent default", () => {
    expect(edit((d) => delete ops(d)["int8-mul"])).toEqual(["ops.int8-mul: is required (expected { energy, area, tag, source | rule })"]);
    expect(edit((d) => delete (d["dram"] as Record<string, unknown>)["hbm3"])).toEqual(["dram.hbm3: is required (expected { energy, tag, source | rule })"]);
    expect(edit((d) => delete ops(d)["fp32-add"]!["area"])).toEqual(["ops.fp32-add.area: is required (expected an area, e.g. 36 um^2 or 0.5 mm^2)"]);
    expect(edit((d) => delete d["sram"])).toEqual(["sram: is required (expected a mapping of entries (docs/tech-yaml.md))"]);
  });
  it("negative energies, wrong units, unknown keys", () => {
    expect(edit((d) => (ops(d)["int8-add"]!["energy"] = "-0.03 pJ"))).toEqual(['ops.int8-add.energy: must not be negative (given "-0.03 pJ")']);
    expect(edit((d) => (ops(d)["int8-add"]!["energy"] = "0.03 um^2"))).toEqual(['ops.int8-add.energy: is an area, not an energy (given "0.03 um^2"; expected an energy, e.g. 0.2 pJ or 44 fJ)']);
    expect(edit((d) => (ops(d)["int8-add"]!["energy"] = 0.03))).toEqual(["ops.int8-add.energy: needs a unit (given 0.03; expected an energy, e.g. 0.2 pJ or 44 fJ)"]);
    expect(edit((d) => (ops(d)["int8-add"]!["enrgy"] = "1 pJ"))).toEqual([
      "ops.int8-add.enrgy: unknown key (did you mean energy?) (given enrgy; expected one of energy, area, tag, source, rule, note)",
    ]);
    expect(edit((d) => (ops(d)["int9-add"] = { energy: "1 pJ", area: "1 um^2", tag: "U", rule: "mine" }))).toEqual([
      "ops.int9-add: unknown key (did you mean int8-add?) (given int9-add; expected one of " + OPS.join(", ") + ")",
    ]);
    expect(edit((d) => ((d["sramRead64"] as Record<string, Record<string, unknown>>)["8KiB"]!["energy"] = "0 pJ"))).toEqual(['sramRead64.8KiB.energy: must be positive (given "0 pJ")']);
  });
  it("tags need a source (C, S) or a rule (D); sources must exist", () => {
    expect(edit((d) => (ops(d)["int8-add"]!["tag"] = "X"))).toEqual(['ops.int8-add.tag: is not a tag (given "X"; expected C | S | D | U)']);
    expect(edit((d) => delete ops(d)["int8-add"]!["source"])).toEqual(["ops.int8-add.source: is required for a [C] value (expected an id from sources)"]);
    expect(edit((d) => delete ops(d)["int4-add"]!["rule"])).toEqual(["ops.int4-add.rule: is required for a [D] value (expected the rule it was derived by)"]);
    expect(edit((d) => (ops(d)["int8-add"]!["rule"] = "mine"))).toEqual(['ops.int8-add.rule: applies to derived [D] and user [U] values, not [C] (given "mine"; expected note: for a remark)']);
    expect(edit((d) => (ops(d)["int8-add"]!["source"] = "horowitz2041"))[0]).toMatch(/^ops\.int8-add\.source: names no entry of sources \(did you mean horowitz2014\?\) \(given "horowitz2041"; expected horowitz2014, han2015/);
  });
  it("node names and scaling factors", () => {
    expect(edit((d) => (d["node"] = "45 nm"))).toEqual(['node: is not a node name (given "45 nm"; expected e.g. 45nm)']);
    expect(edit((d) => ((d["scaling"] as Record<string, Record<string, unknown>>)["nodes"]!["28nm"] = { energy: -0.5, area: 0.38 }))).toEqual(["scaling.nodes.28nm.energy: must be a positive factor (given -0.5)"]);
    expect(edit((d) => ((d["scaling"] as Record<string, unknown>)["sramAreaLinearBelow"] = "20nm"))).toEqual([
      'scaling.sramAreaLinearBelow: must name a node of scaling.nodes (given "20nm"; expected 32nm, 28nm, 22nm, 16nm, 14nm, 10nm, 7nm)',
    ]);
  });
  it("collects every problem, and names the file", () => {
    const d = doc();
    d["version"] = 3;
    ops(d)["int8-add"]!["energy"] = "-1 pJ";
    delete (d["pe"] as Record<string, unknown>)["leakage"];
    expect(problemsOf(d)).toHaveLength(3);
    expect(() => parseTechTable("version: 1\nnode: 45nm\nops: [", "mine.yaml")).toThrow(/^mine\.yaml: line \d+: is not valid YAML/);
    expect(() => parseTechTable("version: 1\nnode: 45nm\n", "mine.yaml")).toThrow(SpecError);
    expect(() => parseTechTable("version: 1\nnode: 45nm\n", "mine.yaml")).toThrow(/^mine\.yaml: 7 problems:\n  - ops: is required/);
  });
});
