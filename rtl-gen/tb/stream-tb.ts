/**
 * A self-checking testbench for a streaming DUT (valid/ready in, valid out). Vectors come from two
 * $readmemh files: input beats (DUT input fields packed least significant first) and expected output beats.
 * Everything happens in one posedge block: outputs and the handshake are sampled before the edge's
 * non-blocking updates land, and the next beat is driven with a non-blocking assignment, so Icarus and
 * Verilator see the same race-free schedule. Prints the first mismatches, `N passed, M failed`, and the
 * measured timing (cycles are posedge numbers):
 *   latency = cycle of the first output − cycle the DUT accepted input beat LATREF (the beat completing it)
 *   II      = (cycle of the last accepted beat − cycle of the first) / (beats − 1)
 */
import { type Ty, ref, slice, asSigned } from "../ast.js";
import { type Module, ModuleBuilder } from "../module.js";

export interface TbField {
  /** DUT port name. */
  readonly port: string;
  readonly ty: Ty;
}

export interface StreamTbSpec {
  readonly dut: Module;
  /**
   * DUT input ports fed from each input beat, least significant first (clk and rst excluded). A field
   * named in_valid is a bubble flag: a beat with it clear is presented with in_valid low.
   */
  readonly inFields: readonly TbField[];
  /** DUT output ports compared on each output beat, least significant first (out_valid excluded). */
  readonly outFields: readonly TbField[];
  readonly nIn: number;
  readonly nOut: number;
  /** Index of the input beat that completes the first output (latency reference). */
  readonly latRef: number;
  /** Give up after this many cycles (a hung DUT must not hang the test). */
  readonly maxCycles: number;
  /** Constant values for DUT inputs that are neither fields nor handshake (e.g. a frozen mode). */
  readonly constants?: Readonly<Record<string, string>>;
}

export const fieldsWidth = (fs: readonly TbField[]): number => fs.reduce((a, f) => a + f.ty.width, 0);

/** Shared testbench preamble: clock, reset, vector memories with +VEC/+EXP/+NIN/+NOUT plusargs. */
export function tbPreamble(win: number, wout: number, nIn: number, nOut: number, maxCycles: number): string[] {
  return [
    `localparam integer NIN = ${nIn};`,
    `localparam integer NOUT = ${nOut};`,
    `localparam integer MAXCYC = ${maxCycles};`,
    "reg clk = 1'b0;",
    "reg rst = 1'b1;",
    `reg [${win - 1}:0] vin [0:${Math.max(1, nIn) - 1}];`,
    `reg [${wout - 1}:0] vexp [0:${Math.max(1, nOut) - 1}];`,
    "reg [8*256-1:0] fname;",
    "integer nin, nout, cycle, i, j, pass, fail, first_in, last_in, ref_cycle, first_out, last_out, finished;",
    "always #5 clk = ~clk;",
  ];
}

export function tbLoadVectors(): string[] {
  return [
    "cycle = 0; i = 0; j = 0; pass = 0; fail = 0; finished = 0;",
    "first_in = -1; last_in = -1; ref_cycle = -1; first_out = -1; last_out = -1;",
    "if (!$value$plusargs(\"NIN=%d\", nin)) nin = NIN;",
    "if (!$value$plusargs(\"NOUT=%d\", nout)) nout = NOUT;",
    "if (!$value$plusargs(\"VEC=%s\", fname)) fname = \"vectors.hex\";",
    "if (nin > 0) $readmemh(fname, vin, 0, nin - 1);",
    "if (!$value$plusargs(\"EXP=%s\", fname)) fname = \"expected.hex\";",
    "if (nout > 0) $readmemh(fname, vexp, 0, nout - 1);",
  ];
}

/** Inside the clocked block: check each output beat against the next expected value, noting its cycle. */
export function tbCheckOutput(): string[] {
  return [
    "    if (dut_out_valid) begin",
    "      if (j == 0) first_out = cycle;",
    "      last_out = cycle;",
    "      if (j >= nout) begin",
    "        fail = fail + 1;",
    "        $display(\"FAIL %0d extra output %h\", j, got);",
    "      end else if (got !== vexp[j]) begin",
    "        fail = fail + 1;",
    "        if (fail <= 20) $display(\"FAIL %0d got %h\", j, got);",
    "      end else pass = pass + 1;",
    "      j = j + 1;",
    "    end",
  ];
}

export function tbReport(latencyExpr: string, extra: string[] = []): string[] {
  return [
    "$display(\"%0d passed, %0d failed\", pass, fail);",
    `$display("TIMING latency=%0d first_in=%0d last_in=%0d n_in=%0d first_out=%0d last_out=%0d n_out=%0d${extra.map((e) => ` ${e}=%0d`).join("")}", ${latencyExpr}, first_in, last_in, i, first_out, last_out, j${extra.map((e) => `, ${e}`).join("")});`,
    "$finish;",
  ];
}

/** Build the testbench module `tb` for a streaming DUT. */
export function streamTestbench(s: StreamTbSpec): Module {
  const win = Math.max(1, fieldsWidth(s.inFields));
  const wout = fieldsWidth(s.outFields);
  const b = new ModuleBuilder("tb", [`Self-checking stream testbench for ${s.dut.name} (simulation only).`]);
  b.verbatim(tbPreamble(win, wout, s.nIn, s.nOut, s.maxCycles));
  b.verbatim([`reg [${win - 1}:0] cur;`, "reg drive_valid;"]);
  const cur = ref("cur", { width: win, signed: false });
  const conns: Record<string, ReturnType<typeof ref> | ReturnType<typeof asSigned>> = {};
  let pos = 0;
  for (const f of s.inFields) {
    const bits = slice(cur, pos + f.ty.width - 1, pos);
    const w = b.wire(`f_${f.port}`, f.ty.signed ? asSigned(bits) : bits);
    if (f.port !== "in_valid") conns[f.port] = w;
    pos += f.ty.width;
  }
  const gated = s.inFields.some((f) => f.port === "in_valid");
  b.verbatim([`wire dut_in_valid = drive_valid${gated ? " & f_in_valid" : ""};`, "wire dut_in_ready;", "wire dut_out_valid;"]);
  conns["clk"] = ref("clk", { width: 1, signed: false });
  conns["rst"] = ref("rst", { width: 1, signed: false });
  conns["in_valid"] = ref("dut_in_valid", { width: 1, signed: false });
  conns["in_ready"] = ref("dut_in_ready", { width: 1, signed: false });
  conns["out_valid"] = ref("dut_out_valid", { width: 1, signed: false });
  for (const f of s.outFields) conns[f.port] = b.wireFromInstance(`o_${f.port}`, f.ty);
  for (const [port, value] of Object.entries(s.constants ?? {})) {
    const p = s.dut.ports.find((x) => x.name === port)!;
    b.verbatim([`wire ${p.ty.signed ? "signed " : ""}[${p.ty.width - 1}:0] k_${port} = ${value};`]);
    conns[port] = ref(`k_${port}`, p.ty);
  }
  b.instance(s.dut, "dut", conns);
  const gotParts = [...s.outFields].reverse().map((f) => `o_${f.port}`);
  b.verbatim([
    `wire [${wout - 1}:0] got = ${gotParts.length === 1 ? `{${gotParts[0]}}` : `{${gotParts.join(", ")}}`};`,
    "",
    "always @(posedge clk) begin",
    "  cycle = cycle + 1;",
    "  if (!rst && finished == 0) begin",
    "    if (drive_valid && dut_in_ready) begin",
    "      if (i == 0) first_in = cycle;",
    `      if (i == ${s.latRef}) ref_cycle = cycle;`,
    "      last_in = cycle;",
    "      i = i + 1;",
    "    end",
    ...tbCheckOutput(),
    "    if (i < nin) begin",
    "      drive_valid <= 1'b1;",
    "      cur <= vin[i];",
    "    end else drive_valid <= 1'b0;",
    // Report from this block: Verilator 5.006 drops writes to variables only an initial block reads.
    "    if (j >= nout || cycle > MAXCYC) begin",
    "      finished = 1;",
    "      if (j < nout) begin",
    "        $display(\"TIMEOUT after %0d cycles: %0d of %0d outputs\", cycle, j, nout);",
    "        fail = fail + (nout - j);",
    "      end",
    ...tbReport("first_out - ref_cycle").map((l) => `      ${l}`),
    "    end",
    "  end",
    "end",
    "",
    "initial begin",
    ...tbLoadVectors().map((l) => `  ${l}`),
    "  drive_valid = 1'b0;",
    `  cur = ${win}'d0;`,
    "  repeat (3) @(negedge clk);",
    "  rst = 1'b0;",
    "end",
  ]);
  return b.build();
}
