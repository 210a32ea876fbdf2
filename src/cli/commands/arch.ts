/** quarch arch list | show <preset> | check <file>: the accelerator presets and arch-file validation. */
import { readFileSync } from "node:fs";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import type { ArchSpec } from "../../hw/types.js";
import { peakMacsPerCycle } from "../../sim/precision.js";
import { type Cell, renderTable } from "../../report/table.js";
import { presetIds, presetPath, resolveArch } from "../arch-presets.js";

/** "16×16 os, int4-packing 4..8-bit, 128 GMAC/s at W8A8" — one line about the compute. */
export function computeSummary(a: ArchSpec): string {
  const c = a.compute;
  const shape = c.kind === "systolic" ? `${c.rows}×${c.cols} ${c.dataflow}` : c.kind === "vector" ? `${c.lanes}-lane vector${c.kernel === undefined ? "" : ` (${c.kernel} loop nest)`}` : "layer-pipelined dataflow (one engine per layer)";
  const p = c.precision;
  const bits = p.minBits === p.maxBits ? `${p.maxBits}-bit` : `${p.minBits}..${p.maxBits}-bit`;
  const peak = peakMacsPerCycle(p, a.derived.pes, 8, 8) * a.clockHz;
  const rate = peak >= 1e12 ? `${+(peak / 1e12).toFixed(2)} TMAC/s` : `${+(peak / 1e9).toFixed(2)} GMAC/s`;
  return `${shape}, ${p.mode} ${bits}, ${rate} at W8A8`;
}

/** Rows of `quarch arch list` (presets that fail to load are listed with their error). */
export async function presetRows(): Promise<Record<string, Cell>[]> {
  const rows: Record<string, Cell>[] = [];
  for (const id of presetIds()) {
    try {
      const r = await resolveArch(id);
      if (r.kind !== "yaml") continue;
      const s = r.spec;
      const buf = Object.values(s.buffers).map((b) => `${b!.name} ${b!.sizeBytes >= 1 << 20 ? `${b!.sizeBytes / (1 << 20)} MiB` : `${b!.sizeBytes / 1024} KiB`}`).join(", ");
      rows.push({ id, compute: computeSummary(s), clock: `${s.clockHz / 1e6} MHz`, buffers: buf, description: s.description });
    } catch (e) {
      rows.push({ id, compute: `invalid: ${(e as Error).message.split("\n")[0]}`, clock: null, buffers: null, description: null });
    }
  }
  return rows;
}

interface ArchArgs {
  action: "list" | "show" | "check";
  target?: string;
  format: "table" | "json";
}

async function handler(argv: ArgumentsCamelCase<ArchArgs>): Promise<void> {
  if (argv.action === "list") {
    const rows = await presetRows();
    if (argv.format === "json") process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    else process.stdout.write(renderTable([{ key: "id", title: "preset" }, { key: "compute", title: "compute" }, { key: "clock", title: "clock" }, { key: "buffers", title: "buffers" }, { key: "description", title: "description" }], rows) + "\n");
    return;
  }
  if (argv.target === undefined) throw new InputError({ path: `arch ${argv.action}`, message: "needs an argument", expected: argv.action === "show" ? "a preset id (quarch arch list)" : "an arch file" });
  if (argv.action === "show") {
    process.stdout.write(readFileSync(presetPath(argv.target), "utf8"));
    return;
  }
  const r = await resolveArch(argv.target);
  if (argv.format === "json") {
    process.stdout.write(JSON.stringify(r.kind === "yaml" ? r.spec : r.cfg, null, 2) + "\n");
    return;
  }
  if (r.kind === "cfg") {
    const c = r.cfg;
    process.stdout.write(`ok: ${argv.target} — SCALE-Sim config "${c.runName}": ${c.arrayHeight}×${c.arrayWidth} ${c.dataflow}, SRAM ${c.ifmapSramKiB}/${c.filterSramKiB}/${c.ofmapSramKiB} KiB, ${c.interfaceBandwidth} bandwidth mode\n`);
    if (c.ignored.length > 0) process.stdout.write(`  keys quarch does not use: ${c.ignored.join(", ")}\n`);
    return;
  }
  const s = r.spec;
  const d = s.derived;
  process.stdout.write(
    [
      `ok: ${argv.target} — ${s.name}: ${computeSummary(s)}, ${s.clockHz / 1e6} MHz`,
      `  buffers: ${Object.values(s.buffers).map((b) => `${b!.name} ${b!.sizeBytes} B (${b!.banks}×${b!.portBits} bit ports${b!.doubleBuffered ? ", double-buffered" : ""})`).join("; ")}`,
      `  DRAM: ${d.dramShared ? `${d.dramReadBitsPerCycle.toFixed(2)} bit/cycle shared` : `${d.dramReadBitsPerCycle.toFixed(2)} read / ${d.dramWriteBitsPerCycle.toFixed(2)} write bit/cycle`}, latency ${d.dramLatencyCycles} cycles, burst ${s.dram.burstBytes} B`,
      `  caches: ${s.caches.length === 0 ? "none" : s.caches.map((c) => c.name).join(", ")}; tech: ${s.tech ?? "none"}`,
    ].join("\n") + "\n",
  );
}

export const archCommand: CommandModule<object, ArchArgs> = {
  command: "arch <action> [target]",
  describe: "List the accelerator presets, print one, or check an arch file (every problem at once)",
  builder: (y: Argv) =>
    y
      .positional("action", { choices: ["list", "show", "check"] as const, demandOption: true, describe: "list | show <preset> | check <file>" })
      .positional("target", { type: "string", describe: "a preset id (show) or a *.arch.yaml / .cfg file or preset (check)" })
      .option("format", { choices: ["table", "json"] as const, default: "table" as const }) as unknown as Argv<ArchArgs>,
  handler,
};
