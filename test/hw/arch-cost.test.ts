/** The arch file's `cost:` key: PE model, DRAM entry, overrides; unknown keys stay errors (messages pinned). */
import { describe, expect, it } from "vitest";
import { parseArch } from "../../src/hw/index.js";
import { BASE_ARCH, archProblems } from "../helpers/arch-problems.js";

const BASE = BASE_ARCH;
const problems = archProblems;

describe("arch cost: key", () => {
  it("absent: the synthesized PE model by default, no overrides", () => {
    expect(parseArch(BASE).cost).toEqual({ peModel: "synthesized", peModelGiven: false, dramTech: undefined, overrides: {} });
  });
  it("PE model, DRAM entry and overrides as written (checked against the table when pricing)", () => {
    const s = parseArch(`${BASE}cost:\n  peModel: composed\n  dramTech: hbm2\n  overrides: { ops.int8-mul.energy: 0.25 pJ, sram.width.fixed: 0.25 }\n`);
    expect(s.cost).toEqual({ peModel: "composed", peModelGiven: true, dramTech: "hbm2", overrides: { "ops.int8-mul.energy": "0.25 pJ", "sram.width.fixed": 0.25 } });
  });
  it("unknown keys, unknown models, malformed overrides, two DRAM prices", () => {
    expect(problems(`${BASE}cost: { peModle: composed }\n`)).toEqual(["cost.peModle: unknown key (did you mean peModel?) (given peModle; expected one of peModel, dramTech, overrides)"]);
    expect(problems(`${BASE}cost: { peModel: synthesised }\n`)).toEqual(['cost.peModel: unknown value (did you mean synthesized?) (given "synthesised"; expected composed | synthesized)']);
    expect(problems(`${BASE}cost: { overrides: { int8-mul: 1 pJ, ops.int8-add.energy: [1] } }\n`)).toEqual([
      'cost.overrides.int8-mul: is not a technology-table entry name (given "int8-mul"; expected section.entry.field, e.g. ops.int8-mul.energy (quarch energy table lists them))',
      "cost.overrides.ops.int8-add.energy: must be a value with its unit (or a plain number) (given [1]; expected e.g. 0.25 pJ, 300 um^2, 20 uW or 0.5)",
    ]);
    expect(problems(BASE.replace("latency: 100 ns }", "latency: 100 ns, energyPerBit: 8 pJ }") + "cost: { dramTech: lpddr4 }\n")).toEqual([
      'cost.dramTech: and dram.energyPerBit both price DRAM (given "lpddr4"; expected one of them)',
    ]);
  });
});
