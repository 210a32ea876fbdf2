/**
 * Readers for one field of a parsed YAML/JSON object that record a Problem instead of throwing, so a
 * validator can report every problem in a file at once (ARCHITECTURE.md). Each returns undefined when the
 * field is missing or bad; the caller decides whether that is fatal.
 */
import type { Problem } from "../errors.js";
import { type QuantityKind, parseQuantity } from "./units.js";

export { type Obj, checkKeys, isObj, join, missing, show, suggest } from "./field-keys.js";
import { type Obj, isObj, join, missing, show, suggest } from "./field-keys.js";

export function readObj(obj: Obj, key: string, path: string, problems: Problem[], required: boolean): Obj | undefined {
  const v = obj[key];
  const p = join(path, key);
  if (v === undefined || v === null) return required ? missing(p, "a mapping of keys", problems) : undefined;
  if (!isObj(v)) {
    problems.push({ path: p, message: "must be a mapping of keys", given: show(v) });
    return undefined;
  }
  return v;
}

export interface IntOpts {
  readonly min?: number;
  readonly max?: number;
  readonly required?: boolean;
}

export function readInt(obj: Obj, key: string, path: string, problems: Problem[], opts: IntOpts = {}): number | undefined {
  const v = obj[key];
  const p = join(path, key);
  const min = opts.min ?? 1;
  const range = opts.max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${opts.max}`;
  if (v === undefined || v === null) return opts.required === true ? missing(p, range, problems) : undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || (opts.max !== undefined && v > opts.max)) {
    const why = typeof v !== "number" ? "must be a number" : !Number.isInteger(v) ? "must be an integer" : v <= 0 && min > 0 ? "must be positive" : "is out of range";
    problems.push({ path: p, message: why, given: show(v), expected: range });
    return undefined;
  }
  return v;
}

export function readBool(obj: Obj, key: string, path: string, problems: Problem[]): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") {
    problems.push({ path: join(path, key), message: "must be true or false", given: show(v), expected: "true or false" });
    return undefined;
  }
  return v;
}

export function readString(obj: Obj, key: string, path: string, problems: Problem[], required: boolean): string | undefined {
  const v = obj[key];
  const p = join(path, key);
  if (v === undefined || v === null) return required ? missing(p, "a string", problems) : undefined;
  if (typeof v !== "string" || v.trim() === "") {
    problems.push({ path: p, message: "must be a non-empty string", given: show(v) });
    return undefined;
  }
  return v;
}

export function readEnum<T extends string>(obj: Obj, key: string, path: string, problems: Problem[], allowed: readonly T[], required: boolean): T | undefined {
  const v = obj[key];
  const p = join(path, key);
  if (v === undefined || v === null) return required ? missing(p, allowed.join(" | "), problems) : undefined;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    const hint = typeof v === "string" ? suggest(v, allowed) : undefined;
    problems.push({ path: p, message: `unknown value${hint === undefined ? "" : ` (did you mean ${hint}?)`}`, given: show(v), expected: allowed.join(" | ") });
    return undefined;
  }
  return v as T;
}

export interface QuantityOpts {
  readonly required?: boolean;
  /** Allow zero (latency, energy); otherwise the quantity must be positive. */
  readonly zero?: boolean;
  /** Must be a whole number in the base unit (sizes in bytes). */
  readonly integer?: boolean;
}

export function readQuantity(obj: Obj, key: string, path: string, problems: Problem[], kind: QuantityKind, opts: QuantityOpts = {}): number | undefined {
  const v = obj[key];
  const p = join(path, key);
  const r = parseQuantity(kind, v);
  if (v === undefined || v === null) return opts.required === true ? missing(p, r.ok ? "" : r.expected, problems) : undefined;
  if (!r.ok) {
    problems.push({ path: p, message: r.message, given: show(v), expected: r.expected });
    return undefined;
  }
  if (r.value < 0 || (r.value === 0 && opts.zero !== true)) {
    problems.push({ path: p, message: opts.zero === true ? "must not be negative" : "must be positive", given: show(v) });
    return undefined;
  }
  if (opts.integer === true && !Number.isInteger(r.value)) {
    problems.push({ path: p, message: "must be a whole number of bytes", given: show(v), expected: `an integer number of bytes (${r.value} B given)` });
    return undefined;
  }
  return r.value;
}
