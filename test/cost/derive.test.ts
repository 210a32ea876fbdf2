/** Other nodes by the Stillmaker–Baas factors; single-entry overrides; errors pinned. */
import { describe, expect, it } from "vitest";
import { SpecError, formatProblem } from "../../src/errors.js";
import { applyOverrides, nodeNames, scaleRule, scaleTable } from "../../src/cost/index.js";
import { base, val } from "./helpers.js";

const problems = (f: () => unknown): string[] => {
  try {
    f();
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.problems.map(formatProblem);
  }
};

describe("node scaling", () => {
  it("lists 45 nm and the seven derived nodes", () => {
    expect(nodeNames(base())).toEqual(["45nm", "32nm", "28nm", "22nm", "16nm", "14nm", "10nm", "7nm"]);
  });
  it("energies × the energy factor, areas × the area factor, DRAM unchanged, counts unchanged; tagged D with the source kept", () => {
    const t = scaleTable(base(), "28nm");
    expect(t.node).toBe("28nm");
    for (const e of base().entries.values()) {
      const s = t.entries.get(e.id)!;
      const rule = scaleRule(e);
      const f = rule === "energy" ? 0.51 : rule === "area" || rule === "sram-area" ? 0.38 : 1;
      expect([e.id, s.value]).toEqual([e.id, e.value * f]);
      if (rule !== undefined) expect(s.tag).toBe("D");
    }
    expect(val("dram.ddr3.energy", t)).toBe(20);
    expect(val("pe.leakage.power", t)).toBeCloseTo(23 * 0.51, 12);
    expect(t.entries.get("ops.int8-add.energy")!.source).toBe("45nm [C horowitz2014] × 0.51 (energy, 45nm → 28nm, stillmaker2017, ±20 %)");
  });
  it("SRAM area scales linearly with the node below 22 nm, logic area by the table", () => {
    const t = scaleTable(base(), "7nm");
    expect(val("sram.area.coefficient", t)).toBeCloseTo(3500 * 0.25 * (7 / 22), 9);
    expect(val("ops.int8-add.area", t)).toBeCloseTo(36 * 0.059, 12);
    expect(val("sram.area.coefficient", scaleTable(base(), "22nm"))).toBe(3500 * 0.25);
    expect(t.entries.get("sram.area.coefficient")!.source).toBe(
      "45nm [S cacti7] × 0.0795455 (area 0.25 at 22nm × 7/22 (SRAM area linear below 22nm), 45nm → 7nm, stillmaker2017, ±20 %)",
    );
  });
  it("an unknown node is an error listing the known ones", () => {
    expect(problems(() => scaleTable(base(), "12nm"))).toEqual(['12nm: is not a technology node quarch knows (given "12nm"; expected 45nm, 32nm, 28nm, 22nm, 16nm, 14nm, 10nm, 7nm, or a table file)']);
  });
});

describe("arch-file overrides of single entries", () => {
  it("replace the value, tagged U, citing the table's value", () => {
    const t = applyOverrides(base(), { "ops.int8-mul.energy": "0.25 pJ", "pe.int8.energy": "240 fJ" });
    expect(val("ops.int8-mul.energy", t)).toBe(0.25);
    expect(val("pe.int8.energy", t)).toBe(0.24);
    expect(t.entries.get("pe.int8.energy")!.tag).toBe("U");
    expect(t.entries.get("pe.int8.energy")!.source).toBe("arch file cost.overrides.pe.int8.energy (table: 0.236 pJ [S bitfusion2018])");
    expect(val("ops.int8-mul.energy")).toBe(0.2);
  });
  it("unknown entries, wrong units and negative values are errors, all reported", () => {
    expect(problems(() => applyOverrides(base(), { "ops.int8-mull.energy": "1 pJ", "ops.int8-add.area": "1 pJ", "dram.ddr3.energy": "-3 pJ", "sram.width.portBits": 0 }))).toEqual([
      'cost.overrides.ops.int8-mull.energy: names no entry of the 45nm table (did you mean ops.int8-mul.energy?) (given "ops.int8-mull.energy"; expected an entry printed by quarch energy table)',
      'cost.overrides.ops.int8-add.area: is an energy, not an area (given "1 pJ"; expected an area, e.g. 36 um^2 or 0.5 mm^2)',
      'cost.overrides.dram.ddr3.energy: must not be negative (given "-3 pJ")',
      "cost.overrides.sram.width.portBits: must be positive (given 0)",
    ]);
  });
});
