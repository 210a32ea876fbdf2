/**
 * Values with units in technology tables and overrides, converted to one unit per kind by moving the
 * decimal point in the written number (`44 fJ` → parseFloat("44e-3") pJ), so a tabulated 44 fJ is exactly
 * the double nearest 0.044 and a synthesized PE reproduces its source without float noise. mathjs would
 * round through joules. Sizes use binary prefixes only, as arch files do.
 */
import { type EntryKind, KIND_UNIT } from "./types.js";

/** Unit → power of ten to the stored unit (pJ, µm², µW). */
const DECIMAL: Readonly<Record<"energy" | "area" | "power", Readonly<Record<string, number>>>> = {
  energy: { fJ: -3, pJ: 0, nJ: 3, uJ: 6, "µJ": 6, mJ: 9, J: 12 },
  area: { "nm^2": -6, "um^2": 0, "µm^2": 0, "mm^2": 6 },
  power: { nW: -3, uW: 0, "µW": 0, mW: 3, W: 6 },
};
const BYTES: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

export const KIND_EXAMPLE: Readonly<Record<EntryKind, string>> = {
  energy: "an energy, e.g. 0.2 pJ or 44 fJ",
  area: "an area, e.g. 36 um^2 or 0.5 mm^2",
  power: "a power, e.g. 23 uW or 1.3 mW",
  size: "a size, e.g. 8 KiB or 1 MiB",
  count: "a positive integer",
  number: "a plain number, e.g. 0.78",
};

export type ValueResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

const NUMBER = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?$/;

/** Parse `raw` as a value of `kind` in its stored unit. Range checks are the caller's. */
export function parseValue(kind: EntryKind, raw: unknown): ValueResult {
  if (kind === "count" || kind === "number") {
    if (typeof raw !== "number" || !Number.isFinite(raw)) return { ok: false, message: typeof raw === "string" ? "must be a plain number, without a unit" : "must be a number" };
    if (kind === "count" && !Number.isInteger(raw)) return { ok: false, message: "must be an integer" };
    return { ok: true, value: raw };
  }
  if (typeof raw === "number") {
    if (kind === "size" && Number.isFinite(raw)) return { ok: true, value: raw };
    return { ok: false, message: "needs a unit" };
  }
  if (typeof raw !== "string") return { ok: false, message: `must be a value with a unit, not ${raw === null ? "null" : typeof raw}` };
  const m = /^\s*(\S+?)\s*([A-Za-zµ][A-Za-zµ^0-9]*)\s*$/.exec(raw);
  const num = m === null ? null : NUMBER.exec(m[1]!);
  if (m === null || num === null) return { ok: false, message: "cannot be read as a number and a unit" };
  const unit = m[2]!;
  if (kind === "size") {
    if (/^[kK]B$/.test(unit) || /^[MGT]B$/.test(unit)) return { ok: false, message: `uses the decimal unit ${unit} for a size: write KiB, MiB (binary), or plain bytes` };
    const f = BYTES[unit];
    if (f === undefined) return { ok: false, message: `has unit ${unit}, not a size (B, KiB, MiB, GiB)` };
    return { ok: true, value: Number.parseFloat(`${num[1]}e${num[2] ?? 0}`) * f };
  }
  const shift = DECIMAL[kind][unit];
  if (shift === undefined) {
    const other = (Object.keys(DECIMAL) as (keyof typeof DECIMAL)[]).find((k) => DECIMAL[k][unit] !== undefined);
    return { ok: false, message: other === undefined ? `has unknown unit ${unit}` : `is ${other === "area" ? "an area" : `a${other === "energy" ? "n" : ""} ${other}`}, not ${kind === "area" ? "an area" : `a${kind === "energy" ? "n" : ""} ${kind}`}` };
  }
  const value = Number.parseFloat(`${num[1]}e${Number(num[2] ?? 0) + shift}`);
  if (!Number.isFinite(value)) return { ok: false, message: "is not a finite value" };
  return { ok: true, value };
}

/** A stored value written back with its unit, six significant digits (`0.044 pJ`, `3500 µm²`, `3.17 mm²`). */
export function formatValue(kind: EntryKind, value: number): string {
  if (kind === "size") return formatBytes(value);
  if (kind === "area" && value >= 1e5) return `${+(value / 1e6).toPrecision(6)} mm²`;
  const unit = KIND_UNIT[kind];
  const n = Number.isInteger(value) ? String(value) : String(+value.toPrecision(6));
  return unit === "" ? n : `${n} ${unit}`;
}

export function formatBytes(bytes: number): string {
  for (const [u, f] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= f && Number.isInteger(bytes / f)) return `${bytes / f} ${u}`;
  }
  return bytes >= 1024 ? `${+(bytes / 1024).toPrecision(6)} KiB` : `${bytes} B`;
}
