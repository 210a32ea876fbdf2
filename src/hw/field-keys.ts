/**
 * The unit-free part of the field readers: key checks with "did you mean" hints, paths, value display.
 * Kept apart from fields.ts (which loads mathjs for units) so technology-table validation and quick
 * commands start without it.
 */
import type { Problem } from "../errors.js";

export type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "nothing";
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

export function suggest(given: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const a of allowed) {
    const dd = distance(given, a);
    if (dd < bestD) {
      best = a;
      bestD = dd;
    }
  }
  return best;
}

/** Every key of `obj` must be in `allowed`: a typo must not silently become a default. */
export function checkKeys(obj: Obj, path: string, allowed: readonly string[], problems: Problem[]): void {
  for (const k of Object.keys(obj)) {
    if (allowed.includes(k)) continue;
    const hint = suggest(k, allowed);
    problems.push({ path: join(path, k), message: `unknown key${hint === undefined ? "" : ` (did you mean ${hint}?)`}`, given: k, expected: `one of ${allowed.join(", ")}` });
  }
}

export function missing(path: string, expected: string, problems: Problem[]): undefined {
  problems.push({ path, message: "is required", expected });
  return undefined;
}
