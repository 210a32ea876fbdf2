/**
 * Quantities with units, parsed once with mathjs at the edge (STYLE.md): sizes, frequencies, bandwidths,
 * times and energies. The pitfalls are refused with a hint rather than guessed: mathjs reads `kB` as 1000
 * bytes and has no `KB` at all, and a size given with a decimal prefix (`2 MB`) is almost always meant as
 * MiB. Plain numbers are accepted only where the unit is unambiguous (sizes: bytes).
 */
import { type Unit, unit } from "mathjs";

/** mathjs `unit(string)`, typed as the single Unit it returns for a string. */
const parseUnit = (s: string): Unit => unit(s) as Unit;
/** mathjs types a unit's prefix as a string; at run time it is an object with a name. */
const prefixName = (p: unknown): string => (typeof p === "string" ? p : typeof p === "object" && p !== null && "name" in p ? String(p.name) : "");

export type QuantityKind = "size" | "frequency" | "bandwidth" | "time" | "energy";

interface KindInfo {
  readonly base: string;
  readonly what: string;
  readonly example: string;
}

const KINDS: Readonly<Record<QuantityKind, KindInfo>> = {
  size: { base: "B", what: "a size in bytes", example: "64 KiB, 2 MiB or 65536" },
  frequency: { base: "Hz", what: "a frequency", example: "500 MHz or 1 GHz" },
  bandwidth: { base: "B/s", what: "a bandwidth", example: "12.8 GB/s or 16 GiB/s" },
  time: { base: "s", what: "a time", example: "100 ns or 1 us" },
  energy: { base: "J", what: "an energy", example: "8 pJ" },
};

export type QuantityResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string; readonly expected: string };

const fail = (message: string, expected: string): QuantityResult => ({ ok: false, message, expected });

/** What kind of quantity a parsed unit is, for messages like "got a bandwidth". */
function describe(u: Unit): string {
  for (const k of Object.keys(KINDS) as QuantityKind[]) if (u.equalBase(parseUnit(`1 ${KINDS[k].base}`))) return KINDS[k].what;
  return "a quantity of another kind";
}

/**
 * Parse `raw` as a quantity of `kind`, converted to the base unit (bytes, Hz, bytes/s, seconds, joules).
 * Range checks (positive, integer) are the caller's: it knows the field.
 */
export function parseQuantity(kind: QuantityKind, raw: unknown): QuantityResult {
  const info = KINDS[kind];
  const expected = `${info.what}, e.g. ${info.example}`;
  if (typeof raw === "number") {
    if (kind === "size") return Number.isFinite(raw) ? { ok: true, value: raw } : fail("is not a finite number", expected);
    return fail("needs a unit", expected);
  }
  if (typeof raw !== "string") return fail(`must be a quantity with a unit, not ${raw === null ? "null" : typeof raw}`, expected);
  const text = raw.trim();
  if (/(^|[\d\s])[kK]B(\b|\/|$)/.test(text)) {
    return fail(
      "uses kB or KB: mathjs reads kB as 1000 bytes and has no unit KB",
      kind === "bandwidth" ? "MB/s, GB/s (10^6, 10^9 bytes/s) or KiB/s, MiB/s, GiB/s" : "KiB (1024 bytes), or plain bytes such as 64000",
    );
  }
  let u: Unit;
  try {
    u = parseUnit(text);
  } catch (e) {
    return fail(`cannot be read as a quantity (${(e as Error).message})`, expected);
  }
  if (!u.equalBase(parseUnit(`1 ${info.base}`))) return fail(`is ${describe(u)}, not ${info.what}`, expected);
  if (kind === "size") {
    const decimal = u.units.map((p) => ({ unit: p.unit.name, prefix: prefixName(p.prefix) })).find((p) => (p.unit === "B" || p.unit === "b") && ["k", "M", "G", "T", "P"].includes(p.prefix));
    if (decimal !== undefined) {
      return fail(`uses the decimal prefix ${decimal.prefix}${decimal.unit} for a size`, `a binary prefix (${decimal.prefix === "k" ? "Ki" : `${decimal.prefix}i`}${decimal.unit}), or plain bytes`);
    }
  }
  const value = u.toNumber(info.base);
  if (!Number.isFinite(value)) return fail("is not a finite quantity", expected);
  return { ok: true, value };
}

/**
 * A time in cycles of `clockHz`: the product rounded to 1e-9 cycles (float noise: 100 ns · 500 MHz is
 * 50.00000000000001), then rounded up, so a latency never shrinks below what was given.
 */
export function timeToCycles(seconds: number, clockHz: number): number {
  return Math.ceil(Math.round(seconds * clockHz * 1e9) / 1e9);
}
