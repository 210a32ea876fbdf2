/**
 * Bit widths for a simulation (INTERFACES.md): the model's own, W8A8 for workloads that carry none,
 * `--bits W4A8` for every layer, or a policy `{"layers": {"<name>": {"wBits": 4, "aBits": 8}}}` per layer.
 * An output's width follows its consumer's activation width unless the model or the policy says otherwise,
 * so traffic between layers is charged at the width actually stored.
 */
import { InputError, type Problem } from "../errors.js";
import type { SimLayer } from "./workload.js";

export interface LayerBitsOverride {
  readonly wBits?: number;
  readonly aBits?: number;
  readonly outBits?: number;
}

export type BitPolicy = ReadonlyMap<string, LayerBitsOverride>;

const MAX_BITS = 32;

/** `W4A8` (case-insensitive) → { wBits: 4, aBits: 8 }. */
export function parseBitsFlag(s: string): { wBits: number; aBits: number } {
  const m = /^w(\d{1,2})a(\d{1,2})$/i.exec(s.trim());
  const w = m === null ? NaN : Number(m[1]);
  const a = m === null ? NaN : Number(m[2]);
  if (!(w >= 1 && w <= MAX_BITS && a >= 1 && a <= MAX_BITS)) {
    throw new InputError({ path: "--bits", message: "is not a weight/activation width pair", given: JSON.stringify(s), expected: `W<bits>A<bits> with 1..${MAX_BITS} bits each, e.g. W4A8` });
  }
  return { wBits: w, aBits: a };
}

/** Validate a parsed policy document; every problem is reported at once. */
export function parsePolicy(doc: unknown, source = "policy"): BitPolicy {
  const problems: Problem[] = [];
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObj(doc) || !isObj(doc["layers"])) {
    throw new InputError({ path: source, message: "is not a bit-width policy", expected: '{"layers": {"<layer name>": {"wBits": 4, "aBits": 8}}}' });
  }
  for (const k of Object.keys(doc)) if (k !== "layers" && k !== "version") problems.push({ path: `${source}: ${k}`, message: "unknown key", expected: "layers (and optionally version)" });
  const out = new Map<string, LayerBitsOverride>();
  for (const [name, v] of Object.entries(doc["layers"])) {
    const at = `${source}: layers.${name}`;
    if (!isObj(v)) {
      problems.push({ path: at, message: "must be an object", expected: '{"wBits": 4, "aBits": 8}' });
      continue;
    }
    const o: { wBits?: number; aBits?: number; outBits?: number } = {};
    for (const [k, b] of Object.entries(v)) {
      if (k !== "wBits" && k !== "aBits" && k !== "outBits") {
        problems.push({ path: `${at}.${k}`, message: "unknown key", expected: "wBits, aBits, outBits" });
        continue;
      }
      if (typeof b !== "number" || !Number.isInteger(b) || b < 1 || b > MAX_BITS) {
        problems.push({ path: `${at}.${k}`, message: "is not a bit width", given: JSON.stringify(b), expected: `an integer from 1 to ${MAX_BITS}` });
        continue;
      }
      o[k] = b;
    }
    out.set(name, o);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

export interface BitsChoice {
  readonly bits?: { readonly wBits: number; readonly aBits: number };
  readonly policy?: BitPolicy;
}

/**
 * Apply `--bits` or a policy to the layers. Policy names that match no layer are an error (a typo must not
 * silently leave a layer at 8 bits). Outputs whose width the model does not fix follow the consumer.
 */
export function applyBits(layers: readonly SimLayer[], choice: BitsChoice): SimLayer[] {
  const { bits, policy } = choice;
  if (policy !== undefined) {
    const names = new Set(layers.map((l) => l.name));
    const unknown = [...policy.keys()].filter((n) => !names.has(n));
    if (unknown.length > 0) {
      throw new InputError(unknown.map((n) => ({ path: `policy: layers.${n}`, message: "names no layer of the workload", expected: [...names].slice(0, 12).join(", ") + (names.size > 12 ? ", …" : "") })));
    }
  }
  const explicitOut = new Set<string>();
  const step1 = layers.map((l): SimLayer => {
    const p = policy?.get(l.name);
    if (p !== undefined) {
      if (p.outBits !== undefined) explicitOut.add(l.name);
      return { ...l, wBits: l.kind === "mac" ? (p.wBits ?? l.wBits) : 0, aBits: p.aBits ?? l.aBits, outBits: p.outBits ?? l.outBits, bitsSource: "policy" };
    }
    if (bits !== undefined) return { ...l, wBits: l.kind === "mac" ? bits.wBits : 0, aBits: bits.aBits, bitsSource: "bits" };
    return l;
  });
  const consumerBits = new Map<string, number>();
  for (const l of step1) if (l.input !== undefined && !consumerBits.has(l.input)) consumerBits.set(l.input, l.aBits);
  return step1.map((l) => {
    if (explicitOut.has(l.name) || (l.bitsSource === "model" && bits === undefined && policy === undefined)) return l;
    const next = l.output === undefined ? undefined : consumerBits.get(l.output);
    return { ...l, outBits: next ?? (l.bitsSource === "model" ? l.outBits : l.aBits) };
  });
}
