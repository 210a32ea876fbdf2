/**
 * The external tools (Icarus Verilog, Verilator, Yosys): finding them, their versions (printed beside
 * every number they produce), and running them inside a directory the caller gives. A missing tool is an
 * RtlError naming the Debian package and the setup script, never a silent skip.
 */
import { spawn, spawnSync } from "node:child_process";
import { RtlError } from "../../src/errors.js";

export type Tool = "iverilog" | "verilator" | "yosys";
export const TOOLS: readonly Tool[] = ["iverilog", "verilator", "yosys"];

const VERSION_ARGS: Readonly<Record<Tool, readonly string[]>> = { iverilog: ["-V"], verilator: ["--version"], yosys: ["-V"] };
const versions = new Map<Tool, string | null>();

/** The tool's version line, or undefined when it is not installed. */
export function toolVersion(tool: Tool): string | undefined {
  if (!versions.has(tool)) {
    const r = spawnSync(tool, [...VERSION_ARGS[tool]], { encoding: "utf8" });
    const line = r.error === undefined && r.status === 0 ? (r.stdout.split("\n")[0] ?? "").trim() : "";
    versions.set(tool, line === "" ? null : shortVersion(tool, line));
  }
  return versions.get(tool) ?? undefined;
}

/** "Icarus Verilog 11.0", "Verilator 5.006", "Yosys 0.23": short forms for tables. */
function shortVersion(tool: Tool, line: string): string {
  const m = tool === "iverilog" ? /version ([0-9][^ ]*)/.exec(line) : tool === "verilator" ? /Verilator ([0-9][^ ]*)/.exec(line) : /Yosys ([0-9][^ ]*)/.exec(line);
  const name = tool === "iverilog" ? "Icarus Verilog" : tool === "verilator" ? "Verilator" : "Yosys";
  return m === null ? line : `${name} ${m[1]}`;
}

/** The version, or an RtlError naming how to install the tool. */
export function requireTool(tool: Tool): string {
  const v = toolVersion(tool);
  if (v !== undefined) return v;
  throw new RtlError({
    path: tool,
    message: "is not installed (RTL verification needs Icarus Verilog, Verilator and Yosys)",
    expected: "the Debian packages iverilog verilator yosys: run scripts/setup-rtl-tools.sh as root, or sudo apt-get install -y iverilog verilator yosys",
  });
}

export interface ProcResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly timedOut: boolean;
}

/** Run a command in `cwd` (asynchronously, so callers' timeouts keep working). */
export function runProcess(cmd: string, args: readonly string[], cwd: string, timeoutMs = 600_000): Promise<ProcResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, timeoutMs);
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => err.push(d));
    p.on("error", (e) => {
      clearTimeout(timer);
      reject(new RtlError({ path: cmd, message: `could not be started (${e.message})` }));
    });
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), seconds: (performance.now() - t0) / 1000, timedOut });
    });
  });
}

/** A failed tool run as an RtlError with the tail of its output. */
export function toolFailure(what: string, r: ProcResult): RtlError {
  const tail = (r.stderr + r.stdout).trim().split("\n").slice(-15).join("\n");
  return new RtlError({ path: what, message: r.timedOut ? "timed out" : `failed with exit code ${r.code}`, given: tail });
}
