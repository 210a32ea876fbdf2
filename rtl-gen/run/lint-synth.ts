/**
 * Static checks and area: `verilator --lint-only -Wall` on a DUT (never on testbenches, which are not meant
 * to be lint-clean), and Yosys synthesis for Xilinx 7-series (`synth_xilinx -flatten -noiopad`) or iCE40
 * (`synth_ice40`) read back through `stat -json` as LUT / FF / DSP / BRAM counts.
 */
import { readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { RtlError } from "../../src/errors.js";
import { requireTool, runProcess, toolFailure } from "./tools.js";

export interface LintReport {
  readonly version: string;
  readonly clean: boolean;
  /** Warning and error lines, as Verilator printed them. */
  readonly messages: readonly string[];
  readonly seconds: number;
}

export async function lintVerilog(dir: string, files: readonly string[], top: string): Promise<LintReport> {
  const version = requireTool("verilator");
  const r = await runProcess("verilator", ["--lint-only", "-Wall", "--top-module", top, ...files], dir, 120_000);
  const messages = (r.stderr + r.stdout).split("\n").filter((l) => /^%(Warning|Error)/.test(l));
  return { version, clean: r.code === 0 && messages.length === 0, messages, seconds: r.seconds };
}

export type SynthTarget = "xc7" | "ice40";
export const SYNTH_TARGETS: readonly SynthTarget[] = ["xc7", "ice40"];

export interface AreaReport {
  readonly target: SynthTarget;
  readonly version: string;
  readonly top: string;
  readonly luts: number;
  readonly ffs: number;
  readonly dsps: number;
  readonly brams: number;
  /** Every cell type with its count, for the record. */
  readonly cells: Readonly<Record<string, number>>;
  readonly seconds: number;
}

const FF = /^(FD[RSCP]E?|FDRE|FDSE|FDCE|FDPE|SB_DFF[A-Z]*)$/;
const LUT = /^(LUT[1-6]|SB_LUT4)$/;
const DSP = /^(DSP48E1|SB_MAC16)$/;
const BRAM = /^(RAMB18E1|RAMB36E1|SB_RAM40_4K[A-Z]*)$/;

/** Synthesize `file` (top module `top`) with Yosys; the statistics are written under dir/build. */
export async function synthesize(dir: string, files: readonly string[], top: string, target: SynthTarget): Promise<AreaReport> {
  const version = requireTool("yosys");
  mkdirSync(join(dir, "build"), { recursive: true });
  const stat = `build/stat-${top}-${target}.json`;
  const synth = target === "xc7" ? `synth_xilinx -family xc7 -flatten -noiopad -top ${top}` : `synth_ice40 -top ${top}`;
  const r = await runProcess("yosys", ["-q", "-p", `read_verilog ${files.join(" ")}; ${synth}; tee -q -o ${stat} stat -json`], dir, 900_000);
  if (r.code !== 0) throw toolFailure(`yosys ${target} (${top})`, r);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(join(dir, stat), "utf8")) as unknown;
  } catch (e) {
    throw new RtlError({ path: `yosys ${target} (${top})`, message: `stat -json output unreadable (${(e as Error).message})` });
  }
  const cells = cellCounts(doc, top);
  const sum = (re: RegExp) => Object.entries(cells).reduce((a, [k, v]) => a + (re.test(k) ? v : 0), 0);
  return { target, version, top, luts: sum(LUT), ffs: sum(FF), dsps: sum(DSP), brams: sum(BRAM), cells, seconds: r.seconds };
}

/** Cell counts of the flattened top (or the design total when the top is not listed on its own). */
function cellCounts(doc: unknown, top: string): Record<string, number> {
  const d = doc as { modules?: Record<string, { num_cells_by_type?: Record<string, number> }>; design?: { num_cells_by_type?: Record<string, number> } };
  const byType = d.design?.num_cells_by_type ?? d.modules?.[top]?.num_cells_by_type ?? d.modules?.[`\\${top}`]?.num_cells_by_type;
  if (byType === undefined) throw new RtlError({ path: `yosys stat (${top})`, message: "has no cell counts", expected: "stat -json with num_cells_by_type" });
  return Object.fromEntries(Object.entries(byType).map(([k, v]) => [k.replace(/^\$?_?/, "").replace(/^\\/, ""), v]));
}
