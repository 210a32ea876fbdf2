/**
 * Technology tables (`hw-models/tech/*.yaml`, docs/tech-yaml.md) once validated: every number an entry with
 * its unit kind, its tag and where it came from, so a report can cite each constant it used. Values are
 * stored in one unit per kind (energies pJ, areas µm², powers µW, sizes bytes), named in the kind.
 */

/** C published; S synthesis/CACTI data of a public project; D derived by a stated rule; U a user's value. */
export type Tag = "C" | "S" | "D" | "U";
export const TAGS: readonly Tag[] = ["C", "S", "D", "U"];

export type EntryKind = "energy" | "area" | "power" | "size" | "count" | "number";
export const KIND_UNIT: Readonly<Record<EntryKind, string>> = { energy: "pJ", area: "µm²", power: "µW", size: "B", count: "", number: "" };

export interface TechEntry {
  /** `section.entry.field`, e.g. `ops.int8-add.energy`: the name overrides use. */
  readonly id: string;
  readonly kind: EntryKind;
  /** In KIND_UNIT[kind]. */
  readonly value: number;
  readonly tag: Tag;
  /** A `sources` id (C, S), or the rule (D) or origin (U) as text. */
  readonly source: string;
  readonly sourceIsRef: boolean;
  readonly note: string | undefined;
}

/** Cross-checks and quoted figures: printed, never used by the model. */
export interface TechReference {
  readonly name: string;
  readonly value: string;
  readonly tag: Tag;
  readonly source: string;
  readonly sourceIsRef: boolean;
  readonly note: string | undefined;
}

export interface NodeFactors {
  readonly energy: number;
  readonly area: number;
}

/** Factors from this table's node to others (Stillmaker & Baas), and where SRAM area turns linear. */
export interface TechScaling {
  readonly tag: Tag;
  readonly source: string;
  readonly accuracy: string;
  readonly sramAreaLinearBelowNm: number;
  readonly nodes: ReadonlyMap<string, NodeFactors>;
}

/** A capacity-keyed entry group (`sramRead64`, `cacti`): the key as written and its capacity. */
export interface CapacityKey {
  readonly key: string;
  readonly capacityBytes: number;
}

export interface TechTable {
  readonly version: 1;
  /** `45nm`. */
  readonly node: string;
  readonly nm: number;
  readonly description: string;
  /** Where the table came from: a file, or `45nm × Stillmaker–Baas factors`, plus overrides. */
  readonly origin: string;
  readonly sources: ReadonlyMap<string, string>;
  readonly entries: ReadonlyMap<string, TechEntry>;
  /** SRAM anchors, ascending capacity. */
  readonly sramAnchors: readonly CapacityKey[];
  /** CACTI data points, ascending capacity. */
  readonly cacti: readonly CapacityKey[];
  readonly scaling: TechScaling | undefined;
  readonly references: readonly TechReference[];
}

export const OPS = [
  "int8-add", "int16-add", "int32-add", "fp16-add", "fp32-add", "int8-mul", "int32-mul", "fp16-mul", "fp32-mul",
  "int16-mul", "int4-mul", "int4-add", "int2-mul", "int2-add", "binary-mul", "binary-add", "ternary-mul", "ternary-add",
] as const;
export type OpName = (typeof OPS)[number];

/** Synthesized whole-PE widths (BitFusion). */
export const PE_WIDTHS = [2, 4, 8, 16] as const;
export type PeWidth = (typeof PE_WIDTHS)[number];

export const DRAM_TECHS = ["ddr3", "lpddr4", "hbm2", "hbm3"] as const;

/** Entries every table has (capacity-keyed and DRAM entries are looked up by string). */
export type EntryId =
  | `ops.${OpName}.${"energy" | "area"}`
  | `pe.int${PeWidth}.${"energy" | "area"}`
  | "pe.fusion.energy" | "pe.fusion.area" | "pe.fusion.bits" | "pe.leakage.power"
  | "register.flipflop.energy" | "register.flipflop.area" | "register.file.energy" | "register.file.bits"
  | "sram.law.smallExponent" | "sram.width.fixed" | "sram.width.portBits" | "sram.write.ratio" | "sram.registerFile.below"
  | `sram.${"area" | "leakage"}.${"coefficient" | "exponent"}`
  | "overhead.controlNoc.fraction";

/**
 * Reads entries and records which were read, so a report lists exactly the constants it used. Built once
 * per pricing; the tables themselves stay immutable.
 */
export class TechLookup {
  readonly used = new Set<string>();
  constructor(readonly table: TechTable) {}

  get(id: EntryId): number {
    return this.dynamic(id);
  }

  /** Capacity-keyed and DRAM entries, whose names come from the table. */
  dynamic(id: string): number {
    const e = this.table.entries.get(id);
    if (e === undefined) throw new Error(`internal: technology entry ${id} missing after validation`);
    this.used.add(id);
    return e.value;
  }
}
