/**
 * The survey's comparison (Gholami et al., from Horowitz's table) for any pair of precisions: the energy
 * and area of one add or one multiply in each, their ratio, and the tag of every number. Binary multiplies
 * are XNOR-popcount lanes and ternary ones two lanes; their adds are 1- and 2-bit adders (the table's rules).
 */
import type { OpName, Tag, TechTable } from "./types.js";

export const PRECISIONS = ["binary", "ternary", "int2", "int4", "int8", "int16", "int32", "fp16", "fp32"] as const;
export type Precision = (typeof PRECISIONS)[number];
export type CompareOp = "add" | "mul";

const ALIASES: Readonly<Record<string, Precision>> = { float32: "fp32", float16: "fp16", half: "fp16", float: "fp32", bin: "binary", int1: "binary", tern: "ternary" };

/** `INT8`, `int8`, `float32` … → a precision, or undefined. */
export function parsePrecision(s: string): Precision | undefined {
  const k = s.trim().toLowerCase();
  return (PRECISIONS as readonly string[]).includes(k) ? (k as Precision) : ALIASES[k];
}

export interface PricedOp {
  readonly precision: Precision;
  /** The table entry, e.g. ops.int8-add. */
  readonly entry: string;
  readonly energyPj: number;
  readonly areaUm2: number;
  readonly energyTag: Tag;
  readonly areaTag: Tag;
  readonly energySource: string;
  readonly areaSource: string;
}

export interface OpComparison {
  readonly op: CompareOp;
  readonly a: PricedOp;
  readonly b: PricedOp;
  /** b over a. */
  readonly energyRatio: number;
  readonly areaRatio: number;
}

function priced(t: TechTable, precision: Precision, op: CompareOp): PricedOp {
  const name: OpName = `${precision}-${op}`;
  const e = t.entries.get(`ops.${name}.energy`);
  const a = t.entries.get(`ops.${name}.area`);
  if (e === undefined || a === undefined) throw new Error(`internal: ops.${name} missing after validation`);
  return { precision, entry: `ops.${name}`, energyPj: e.value, areaUm2: a.value, energyTag: e.tag, areaTag: a.tag, energySource: e.source, areaSource: a.source };
}

export function comparePrecisions(t: TechTable, a: Precision, b: Precision, ops: readonly CompareOp[] = ["add", "mul"]): OpComparison[] {
  return ops.map((op) => {
    const pa = priced(t, a, op);
    const pb = priced(t, b, op);
    return { op, a: pa, b: pb, energyRatio: pb.energyPj / pa.energyPj, areaRatio: pb.areaUm2 / pa.areaUm2 };
  });
}
