/**
 * Strict reading of untyped JSON: every accessor names the path it reads, collects a problem instead of
 * throwing, and unknown keys are reported (a typo must not silently become a default).
 */
import type { Problem } from "../errors.js";

export class JsonReader {
  readonly problems: Problem[] = [];

  fail(path: string, message: string, given?: unknown, expected?: string): void {
    this.problems.push({
      path,
      message,
      ...(given === undefined ? {} : { given: typeof given === "string" ? given : JSON.stringify(given) }),
      ...(expected === undefined ? {} : { expected }),
    });
  }

  object(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof v !== "object" || v === null || Array.isArray(v)) {
      this.fail(path, "must be an object", v);
      return undefined;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(`${path}.${k}`, "unknown key", k, `one of ${allowed.join(", ")}`);
    }
    return o;
  }

  string(v: unknown, path: string): string | undefined {
    if (typeof v !== "string") {
      this.fail(path, "must be a string", v);
      return undefined;
    }
    return v;
  }

  number(v: unknown, path: string): number | undefined {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      this.fail(path, "must be a finite number", v);
      return undefined;
    }
    return v;
  }

  int(v: unknown, path: string, min = -Infinity, max = Infinity): number | undefined {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      const range = `an integer${min > -Infinity ? ` ≥ ${min}` : ""}${max < Infinity ? ` ≤ ${max}` : ""}`;
      this.fail(path, "must be an integer in range", v, range);
      return undefined;
    }
    return v;
  }

  bool(v: unknown, path: string): boolean | undefined {
    if (typeof v !== "boolean") {
      this.fail(path, "must be true or false", v);
      return undefined;
    }
    return v;
  }

  array<T>(v: unknown, path: string, item: (x: unknown, p: string) => T | undefined, length?: number): T[] | undefined {
    if (!Array.isArray(v)) {
      this.fail(path, "must be an array", v);
      return undefined;
    }
    if (length !== undefined && v.length !== length) {
      this.fail(path, `must have ${length} entries`, `${v.length}`);
      return undefined;
    }
    const out: T[] = [];
    let ok = true;
    v.forEach((x, i) => {
      const r = item(x, `${path}[${i}]`);
      if (r === undefined) ok = false;
      else out.push(r);
    });
    return ok ? out : undefined;
  }

  ints(v: unknown, path: string, length?: number, min = -Infinity, max = Infinity): number[] | undefined {
    return this.array(v, path, (x, p) => this.int(x, p, min, max), length);
  }

  numbers(v: unknown, path: string): number[] | undefined {
    return this.array(v, path, (x, p) => this.number(x, p));
  }

  oneOf<T extends string>(v: unknown, path: string, options: readonly T[]): T | undefined {
    if (typeof v !== "string" || !(options as readonly string[]).includes(v)) {
      this.fail(path, "is not one of the allowed values", v, options.join(" | "));
      return undefined;
    }
    return v as T;
  }
}
