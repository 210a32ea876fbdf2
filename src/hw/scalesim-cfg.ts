/**
 * SCALE-Sim `.cfg` files (INI, read by Python's configparser in SCALE-Sim): keys separated from values by
 * `:` or `=`, keys case-insensitive, `#`/`;` comments. Unlike SCALE-Sim, a missing or invalid value is an
 * error listing every problem (SCALE-Sim returns silently or only warns). Keys newer SCALE-Sim versions
 * added for modes quarch does not reproduce (custom layouts, sparsity, Ramulator) are listed in `ignored`.
 * SCALE-Sim's "kB" SRAM sizes are 1024-byte units (it multiplies by 1024).
 */
import { type Problem, SpecError } from "../errors.js";
import { suggest } from "./fields.js";
import { DATAFLOWS, type Dataflow } from "./types.js";

export interface ScaleSimConfig {
  readonly runName: string;
  readonly arrayHeight: number;
  readonly arrayWidth: number;
  /** SRAM sizes in SCALE-Sim's kB, which are KiB (×1024 bytes). */
  readonly ifmapSramKiB: number;
  readonly filterSramKiB: number;
  readonly ofmapSramKiB: number;
  readonly ifmapOffset: number;
  readonly filterOffset: number;
  readonly ofmapOffset: number;
  readonly dataflow: Dataflow;
  /** DRAM bandwidth in words (bytes) per cycle, one entry per memory bank (USER mode). */
  readonly bandwidthWordsPerCycle: readonly number[];
  readonly memoryBanks: number;
  readonly interfaceBandwidth: "CALC" | "USER";
  /** `section.key` entries present in the file that quarch does not use. */
  readonly ignored: readonly string[];
}

const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  general: ["run_name"],
  architecture_presets: ["arrayheight", "arraywidth", "ifmapsramszkb", "filtersramszkb", "ofmapsramszkb", "ifmapoffset", "filteroffset", "ofmapoffset", "dataflow"],
  run_presets: ["interfacebandwidth"],
};
const OPTIONAL: Readonly<Record<string, readonly string[]>> = {
  general: [],
  architecture_presets: ["bandwidth", "memorybanks"],
  run_presets: [],
};
/** Keys of later SCALE-Sim versions, accepted and ignored. */
const KNOWN_UNUSED = new Set([
  "onchipmemorybanks", "onchipmemorybankports", "ifmapcustomlayout", "filtercustomlayout", "ifmapsrambankbandwidth",
  "ifmapsrambanknum", "filtersrambankbandwidth", "filtersrambanknum", "ifmapsrambankport", "filtersrambankport",
  "readrequestbuffer", "writerequestbuffer", "usesparsity", "userampulator", "useramulatortrace",
]);
const CANONICAL: Readonly<Record<string, string>> = {
  run_name: "run_name", arrayheight: "ArrayHeight", arraywidth: "ArrayWidth", ifmapsramszkb: "IfmapSramSzkB", filtersramszkb: "FilterSramSzkB",
  ofmapsramszkb: "OfmapSramSzkB", ifmapoffset: "IfmapOffset", filteroffset: "FilterOffset", ofmapoffset: "OfmapOffset", dataflow: "Dataflow",
  bandwidth: "Bandwidth", memorybanks: "MemoryBanks", interfacebandwidth: "InterfaceBandwidth",
};

/** Sections → lower-cased key → { value, line }. */
function parseIni(text: string, problems: Problem[]): Map<string, Map<string, { value: string; line: number }>> {
  const out = new Map<string, Map<string, { value: string; line: number }>>();
  let section: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec !== null) {
      section = sec[1]!.trim();
      if (!out.has(section)) out.set(section, new Map());
      return;
    }
    const m = /^([^:=]+?)\s*[:=]\s*(.*)$/.exec(line);
    if (m === null || section === undefined) {
      problems.push({ path: `line ${i + 1}`, message: section === undefined ? "comes before any [section]" : "is not a `key = value` or `key: value` line", given: JSON.stringify(raw) });
      return;
    }
    out.get(section)!.set(m[1]!.toLowerCase(), { value: m[2]!.trim(), line: i + 1 });
  });
  return out;
}

export function parseScaleSimCfg(text: string, source?: string): ScaleSimConfig {
  const problems: Problem[] = [];
  const ini = parseIni(text, problems);
  const ignored: string[] = [];
  for (const [sec, keys] of ini) {
    const known = [...(REQUIRED[sec] ?? []), ...(OPTIONAL[sec] ?? [])];
    for (const [k, v] of keys) {
      if (known.includes(k)) continue;
      if (REQUIRED[sec] === undefined || KNOWN_UNUSED.has(k)) ignored.push(`${sec}.${k}`);
      else {
        const hint = suggest(k, known);
        problems.push({ path: `[${sec}] ${k} (line ${v.line})`, message: `unknown key${hint === undefined ? "" : ` (did you mean ${CANONICAL[hint] ?? hint}?)`}`, expected: known.map((x) => CANONICAL[x] ?? x).join(", ") });
      }
    }
  }
  const get = (sec: string, key: string, required = true): string | undefined => {
    const v = ini.get(sec)?.get(key);
    if (v === undefined && required) problems.push({ path: `[${sec}] ${CANONICAL[key] ?? key}`, message: "is required" });
    return v?.value;
  };
  const int = (sec: string, key: string, min: number): number | undefined => {
    const s = get(sec, key);
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!/^[+-]?\d+$/.test(s) || n < min) {
      problems.push({ path: `[${sec}] ${CANONICAL[key] ?? key}`, message: n < min && /^[+-]?\d+$/.test(s) ? `must be at least ${min}` : "must be an integer", given: JSON.stringify(s), expected: `an integer ≥ ${min}` });
      return undefined;
    }
    return n;
  };
  const runName = get("general", "run_name");
  const arrayHeight = int("architecture_presets", "arrayheight", 1);
  const arrayWidth = int("architecture_presets", "arraywidth", 1);
  const ifmapSramKiB = int("architecture_presets", "ifmapsramszkb", 1);
  const filterSramKiB = int("architecture_presets", "filtersramszkb", 1);
  const ofmapSramKiB = int("architecture_presets", "ofmapsramszkb", 1);
  const ifmapOffset = int("architecture_presets", "ifmapoffset", 0);
  const filterOffset = int("architecture_presets", "filteroffset", 0);
  const ofmapOffset = int("architecture_presets", "ofmapoffset", 0);
  const dfRaw = get("architecture_presets", "dataflow");
  const dataflow = DATAFLOWS.find((d) => d === dfRaw?.trim().toLowerCase());
  if (dfRaw !== undefined && dataflow === undefined) problems.push({ path: "[architecture_presets] Dataflow", message: "unknown dataflow", given: JSON.stringify(dfRaw), expected: "os | ws | is" });
  const modeRaw = get("run_presets", "interfacebandwidth");
  const interfaceBandwidth = modeRaw === "CALC" || modeRaw === "USER" ? modeRaw : undefined;
  if (modeRaw !== undefined && interfaceBandwidth === undefined) problems.push({ path: "[run_presets] InterfaceBandwidth", message: "unknown mode", given: JSON.stringify(modeRaw), expected: "CALC | USER" });
  const memoryBanks = get("architecture_presets", "memorybanks", false) === undefined ? 1 : int("architecture_presets", "memorybanks", 1);
  const bwRaw = get("architecture_presets", "bandwidth", interfaceBandwidth === "USER");
  let bandwidthWordsPerCycle: number[] = [];
  if (bwRaw !== undefined) {
    const parts = bwRaw.split(",").map((s) => s.trim());
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) <= 0)) {
      problems.push({ path: "[architecture_presets] Bandwidth", message: "must be positive integers (words per cycle), comma-separated per memory bank", given: JSON.stringify(bwRaw) });
    } else bandwidthWordsPerCycle = parts.map(Number);
    if (interfaceBandwidth === "USER" && memoryBanks !== undefined && bandwidthWordsPerCycle.length > 0 && bandwidthWordsPerCycle.length !== memoryBanks) {
      problems.push({ path: "[architecture_presets] Bandwidth", message: "needs one bandwidth per memory bank in USER mode", given: `${bandwidthWordsPerCycle.length} value(s) for MemoryBanks ${memoryBanks}` });
    }
  }
  if (problems.length > 0) throw new SpecError(problems, source);
  return {
    runName: runName!, arrayHeight: arrayHeight!, arrayWidth: arrayWidth!, ifmapSramKiB: ifmapSramKiB!, filterSramKiB: filterSramKiB!, ofmapSramKiB: ofmapSramKiB!,
    ifmapOffset: ifmapOffset!, filterOffset: filterOffset!, ofmapOffset: ofmapOffset!, dataflow: dataflow!, bandwidthWordsPerCycle, memoryBanks: memoryBanks!,
    interfaceBandwidth: interfaceBandwidth!, ignored,
  };
}
