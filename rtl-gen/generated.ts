/**
 * What every generator returns: the module (with its submodules reachable through instances), the data
 * files its ROMs read with $readmemh, and its declared timing — which the testbench then measures.
 */
import type { Module } from "./module.js";

export interface Timing {
  /**
   * Streams: cycles from the input beat that completes a result to that result's output beat.
   * Engines: cycles from `start` to `done`.
   */
  readonly latencyCycles: number;
  /** Streams: cycles between accepted input beats. Engines: cycles between successive starts. */
  readonly iiCycles: number;
  /** How the numbers arise from the structure (one line, for reports). */
  readonly why: string;
}

export interface Generated {
  readonly module: Module;
  /** $readmemh files by the relative name the module reads them under. */
  readonly files: ReadonlyMap<string, string>;
  readonly timing: Timing;
}

/** Hex words for $readmemh: two's complement in `bits` bits, one word per line. */
export function hexWords(values: Iterable<bigint | number>, bits: number): string {
  const digits = Math.ceil(bits / 4);
  const mask = (1n << BigInt(bits)) - 1n;
  const lines: string[] = [];
  for (const v of values) lines.push((BigInt(v) & mask).toString(16).padStart(digits, "0"));
  return lines.join("\n") + "\n";
}

/** Pack fields (least significant first) into one word: value_i occupies bits_i bits. */
export function packFields(fields: readonly (readonly [bigint | number, number])[]): bigint {
  let word = 0n;
  let pos = 0n;
  for (const [v, bits] of fields) {
    word |= (BigInt(v) & ((1n << BigInt(bits)) - 1n)) << pos;
    pos += BigInt(bits);
  }
  return word;
}

/** Inverse of packFields for one field: bits [lsb, lsb + bits) as a signed or unsigned number. */
export function field(word: bigint, lsb: number, bits: number, signed: boolean): bigint {
  const v = (word >> BigInt(lsb)) & ((1n << BigInt(bits)) - 1n);
  return signed && v >> BigInt(bits - 1) === 1n ? v - (1n << BigInt(bits)) : v;
}
