/**
 * Systolic arrays (input skew, output de-skew), each precision once, each in both simulators: the PE
 * lanes of every precision are thereby bit-exact in Verilator as well as Icarus. Passes are GEMMs checked
 * against the kernels; the first pass holds operand extremes.
 */
import { describe, expect, it } from "vitest";
import { type ArrayConfig, arrayDesign } from "../../rtl-gen/index.js";
import { VERILATOR_TIMEOUT, verified } from "./helpers.js";

const CONFIGS: readonly ArrayConfig[] = [
  { dataflow: "os", rows: 4, cols: 4, precision: "int8", accBits: 24 },
  { dataflow: "ws", rows: 3, cols: 5, precision: "int4", accBits: 16 },
  { dataflow: "os", rows: 4, cols: 3, precision: "int2", accBits: 12 },
  { dataflow: "ws", rows: 4, cols: 2, precision: "binary", laneBits: 16, accBits: 10 },
];

describe("systolic arrays", () => {
  for (const c of CONFIGS) {
    it(`${c.rows}x${c.cols} ${c.dataflow} ${c.precision}: bit-exact in Icarus and Verilator, latency and II as declared`, async () => {
      const d = arrayDesign(c, 10, { random: 0, seed: 41 });
      // os: C + 1 from the last step to row 0; ws: R + C − 1 from a pixel to its column sums.
      expect(d.timing.latencyCycles).toBe(c.dataflow === "os" ? c.cols + 1 : c.rows + c.cols - 1);
      const { results } = await verified(d, `array-${c.dataflow}-${c.precision}`, ["iverilog", "verilator"]);
      expect(results.map((r) => r.measured!.iiCycles)).toEqual([1, 1]);
    }, VERILATOR_TIMEOUT);
  }
});
