/**
 * Testbench for a layer engine: streams the input tensor into the engine (valid/ready), raises `start`
 * and holds it until the first `done`, so the engine runs twice back to back on the same input (the
 * second run proves it restarts cleanly and measures start-to-start). Output beats of both runs are
 * compared in order with the expected file (which lists each run's beats). Timing printed:
 *   latency = cycle of the first done − cycle start was first sampled; ii = done2 − done1.
 * Same scheduling discipline as the stream testbench (sample at posedge, drive with non-blocking).
 */
import { type Module, ModuleBuilder } from "../module.js";
import { ref, uTy } from "../ast.js";
import { tbCheckOutput, tbLoadVectors, tbPreamble, tbReport } from "./stream-tb.js";

export interface EngineTbSpec {
  readonly dut: Module;
  readonly inBits: number;
  readonly outBits: number;
  readonly nIn: number;
  /** Output beats over both runs. */
  readonly nOut: number;
  readonly maxCycles: number;
}

export function engineTestbench(s: EngineTbSpec): Module {
  const b = new ModuleBuilder("tb", [`Self-checking testbench for layer engine ${s.dut.name} (simulation only).`]);
  b.verbatim(tbPreamble(s.inBits, s.outBits, s.nIn, s.nOut, s.maxCycles));
  b.verbatim([
    `reg [${s.inBits - 1}:0] cur;`,
    "reg drive_valid;",
    "reg start;",
    "integer start1, done1, done2, dones;",
    "wire dut_in_ready;",
    "wire dut_out_valid;",
    "wire dut_done;",
  ]);
  const U1 = uTy(1);
  b.instance(s.dut, "dut", {
    clk: ref("clk", U1), rst: ref("rst", U1), start: ref("start", U1),
    in_valid: ref("drive_valid", U1), in_data: ref("cur", uTy(s.inBits)), in_ready: ref("dut_in_ready", U1),
    out_valid: ref("dut_out_valid", U1), out_data: b.wireFromInstance("got", uTy(s.outBits)), done: ref("dut_done", U1),
  });
  b.verbatim([
    "",
    "always @(posedge clk) begin",
    "  cycle = cycle + 1;",
    "  if (!rst && finished == 0) begin",
    "    if (drive_valid && dut_in_ready) begin",
    "      if (i == 0) first_in = cycle;",
    "      last_in = cycle;",
    "      i = i + 1;",
    "    end",
    "    if (start && dut_in_ready && start1 < 0) start1 = cycle;",
    ...tbCheckOutput(),
    "    if (dut_done) begin",
    "      dones = dones + 1;",
    "      if (dones == 1) begin done1 = cycle; start <= 1'b0; end",
    "      if (dones == 2) done2 = cycle;",
    "    end",
    "    if (i < nin) begin",
    "      drive_valid <= 1'b1;",
    "      cur <= vin[i];",
    "    end else begin",
    "      drive_valid <= 1'b0;",
    "      if (dones == 0 && start1 < 0) start <= 1'b1;",
    "    end",
    // Report from this block: Verilator 5.006 drops writes to variables only an initial block reads.
    "    if (dones == 2 || cycle > MAXCYC) begin",
    "      finished = 1;",
    "      if (dones < 2) $display(\"TIMEOUT after %0d cycles: %0d of %0d outputs, %0d done pulses\", cycle, j, nout, dones);",
    "      if (j < nout) fail = fail + (nout - j);",
    ...tbReport("done1 - start1", ["start1", "done1", "done2"]).map((l) => `      ${l}`),
    "    end",
    "  end",
    "end",
    "",
    "initial begin",
    ...tbLoadVectors().map((l) => `  ${l}`),
    "  start1 = -1; done1 = -1; done2 = -1; dones = 0;",
    "  drive_valid = 1'b0;",
    "  start = 1'b0;",
    `  cur = ${s.inBits}'d0;`,
    "  repeat (3) @(negedge clk);",
    "  rst = 1'b0;",
    "end",
  ]);
  return b.build();
}
