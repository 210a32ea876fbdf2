/**
 * SRAM energy, area and leakage against capacity and port width (energy-45nm.md). The 64-bit read energy
 * E64(C) is a piecewise power law through the table's anchors (Horowitz: 10 / 20 / 100 pJ at 8 KiB /
 * 32 KiB / 1 MiB), each piece starting at an anchor so the law returns the anchor exactly there and meets
 * the next piece at the next anchor (continuous); CACTI's slope below the first anchor; the last piece's
 * exponent above the last. A w-bit port reads E64(C)·(0.3 + 0.7·w/64). Below ~1 KiB a bank costs what a
 * register file does per bit. Capacities are per bank: a bank is one macro with its own port. Entries are
 * read only when a capacity needs them, so a report's constants are the ones its numbers used.
 */
import type { TechLookup } from "./types.js";

const anchorPj = (L: TechLookup, i: number) => L.dynamic(`sramRead64.${L.table.sramAnchors[i]!.key}.energy`);

/** Exponent of the piece from anchor i to anchor i+1. */
function pieceExponent(L: TechLookup, i: number): number {
  const a = L.table.sramAnchors;
  return Math.log(anchorPj(L, i + 1) / anchorPj(L, i)) / Math.log(a[i + 1]!.capacityBytes / a[i]!.capacityBytes);
}

/** E64(C): read energy of a 64-bit access to one bank of `capacityBytes`, in pJ. */
export function e64Pj(L: TechLookup, capacityBytes: number): number {
  const a = L.table.sramAnchors;
  const n = a.length;
  if (capacityBytes < a[0]!.capacityBytes) return anchorPj(L, 0) * (capacityBytes / a[0]!.capacityBytes) ** L.get("sram.law.smallExponent");
  for (let i = n - 1; i >= 0; i--) {
    const c = a[i]!.capacityBytes;
    if (capacityBytes === c) return anchorPj(L, i);
    if (capacityBytes > c) return anchorPj(L, i) * (capacityBytes / c) ** pieceExponent(L, Math.min(i, n - 2));
  }
  return anchorPj(L, 0);
}

/** Energy of one read of `portBits` from a bank of `capacityBytes`, in pJ. */
export function sramReadPj(L: TechLookup, capacityBytes: number, portBits: number): number {
  if (capacityBytes < L.get("sram.registerFile.below")) return (L.get("register.file.energy") / L.get("register.file.bits")) * portBits;
  const fixed = L.get("sram.width.fixed");
  return e64Pj(L, capacityBytes) * (fixed + ((1 - fixed) * portBits) / L.get("sram.width.portBits"));
}

export function sramWritePj(L: TechLookup, capacityBytes: number, portBits: number): number {
  return sramReadPj(L, capacityBytes, portBits) * L.get("sram.write.ratio");
}

/** Area of one bank (CACTI fit), µm². */
export function sramAreaUm2(L: TechLookup, capacityBytes: number): number {
  return L.get("sram.area.coefficient") * (capacityBytes / 1024) ** L.get("sram.area.exponent");
}

/** Leakage of one bank (CACTI fit, high-performance cells: an upper bound), µW. */
export function sramLeakageUw(L: TechLookup, capacityBytes: number): number {
  return L.get("sram.leakage.coefficient") * (capacityBytes / 1024) ** L.get("sram.leakage.exponent");
}
