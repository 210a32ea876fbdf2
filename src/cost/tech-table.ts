/**
 * `hw-models/tech/*.yaml` (and users' tables of the same schema, docs/tech-yaml.md) → TechTable. Every
 * problem is collected before failing (SpecError naming the entry, the value given and what is allowed):
 * a wrong version, missing entries, negative values, unknown keys, tags without a source or rule.
 */
import { YAMLParseError, parse } from "yaml";
import { type Problem, SpecError } from "../errors.js";
import { type Obj, checkKeys, isObj, join, show, suggest } from "../hw/field-keys.js";
import { KIND_EXAMPLE, parseValue } from "./quantity.js";
import {
  type CapacityKey,
  DRAM_TECHS,
  type EntryKind,
  type NodeFactors,
  OPS,
  TAGS,
  type Tag,
  type TechEntry,
  type TechReference,
  type TechScaling,
  type TechTable,
} from "./types.js";

type Fields = Readonly<Record<string, EntryKind>>;

interface SectionSpec {
  /** Named entries, every one required. */
  readonly entries?: Readonly<Record<string, Fields>>;
  /** Further entries allowed, with these fields (user-named DRAM kinds). */
  readonly open?: Fields;
  /** Entries keyed by a capacity (`8KiB`), at least `min` of them. */
  readonly capacityKeyed?: { readonly fields: Fields; readonly min: number };
  readonly required: boolean;
}

const EA: Fields = { energy: "energy", area: "area" };

export const SECTIONS: Readonly<Record<string, SectionSpec>> = {
  ops: { required: true, entries: Object.fromEntries(OPS.map((o) => [o, EA])) },
  pe: { required: true, entries: { int2: EA, int4: EA, int8: EA, int16: EA, fusion: { energy: "energy", area: "area", bits: "count" }, leakage: { power: "power" } } },
  register: { required: true, entries: { flipflop: EA, file: { energy: "energy", bits: "count" } } },
  sramRead64: { required: true, capacityKeyed: { fields: { energy: "energy" }, min: 2 } },
  sram: {
    required: true,
    entries: {
      law: { smallExponent: "number" }, width: { fixed: "number", portBits: "count" }, write: { ratio: "number" }, registerFile: { below: "size" },
      area: { coefficient: "area", exponent: "number" }, leakage: { coefficient: "power", exponent: "number" },
    },
  },
  cacti: { required: false, capacityKeyed: { fields: { read: "energy", write: "energy", area: "area" }, min: 0 } },
  dram: { required: true, entries: Object.fromEntries(DRAM_TECHS.map((d) => [d, { energy: "energy" }])), open: { energy: "energy" } },
  overhead: { required: true, entries: { controlNoc: { fraction: "number" } } },
};

const META = ["tag", "source", "rule", "note"];
const TOP_KEYS = ["version", "node", "description", "sources", ...Object.keys(SECTIONS), "scaling", "references"];
const NODE = /^(\d+(?:\.\d+)?)nm$/;

/** `28nm` → 28, or undefined. */
export function nodeNm(node: string): number | undefined {
  const m = NODE.exec(node);
  return m === null ? undefined : Number(m[1]);
}

interface Ctx {
  readonly problems: Problem[];
  readonly sources: ReadonlyMap<string, string>;
  readonly entries: Map<string, TechEntry>;
}

interface Provenance {
  readonly tag: Tag;
  readonly source: string;
  readonly sourceIsRef: boolean;
  readonly note: string | undefined;
}

/** tag + source (C, S: a `sources` id) or rule (D; U: rule or source text) + optional note. */
function readProvenance(o: Obj, at: string, ctx: Ctx): Provenance | undefined {
  const tag = o["tag"];
  const source = o["source"];
  const rule = o["rule"];
  const note = o["note"];
  const p = ctx.problems;
  if (tag === undefined) p.push({ path: join(at, "tag"), message: "is required", expected: "C (published), S (synthesis/CACTI), D (derived by a rule) or U (your own)" });
  else if (typeof tag !== "string" || !(TAGS as readonly string[]).includes(tag)) p.push({ path: join(at, "tag"), message: "is not a tag", given: show(tag), expected: TAGS.join(" | ") });
  for (const [k, v] of [["source", source], ["rule", rule], ["note", note]] as const) {
    if (v !== undefined && (typeof v !== "string" || v.trim() === "")) p.push({ path: join(at, k), message: "must be a non-empty string", given: show(v) });
  }
  if (typeof source === "string" && (tag === "C" || tag === "S" || (tag === "D" && rule !== undefined)) && !ctx.sources.has(source)) {
    const hint = suggest(source, [...ctx.sources.keys()]);
    p.push({ path: join(at, "source"), message: `names no entry of sources${hint === undefined ? "" : ` (did you mean ${hint}?)`}`, given: show(source), expected: [...ctx.sources.keys()].join(", ") });
    return undefined;
  }
  if (tag === "C" || tag === "S") {
    if (typeof source !== "string") return void p.push({ path: join(at, "source"), message: `is required for a [${tag}] value`, expected: "an id from sources" });
    if (rule !== undefined) return void p.push({ path: join(at, "rule"), message: `applies to derived [D] and user [U] values, not [${tag}]`, given: show(rule), expected: "note: for a remark" });
    return { tag, source, sourceIsRef: true, note: typeof note === "string" ? note : undefined };
  }
  if (tag === "D" || tag === "U") {
    const text = typeof rule === "string" ? rule : typeof source === "string" ? source : undefined;
    if (text === undefined) return void p.push({ path: join(at, "rule"), message: `is required for a [${tag}] value`, expected: tag === "D" ? "the rule it was derived by" : "where the value comes from" });
    const isRef = typeof rule !== "string" && ctx.sources.has(text);
    const withRef = typeof rule === "string" && typeof source === "string" ? `${rule} (${source})` : text;
    return { tag, source: withRef, sourceIsRef: isRef, note: typeof note === "string" ? note : undefined };
  }
  return undefined;
}

function readValue(o: Obj, field: string, kind: EntryKind, at: string, ctx: Ctx): number | undefined {
  const path = join(at, field);
  const raw = o[field];
  if (raw === undefined || raw === null) return void ctx.problems.push({ path, message: "is required", expected: KIND_EXAMPLE[kind] });
  const r = parseValue(kind, raw);
  if (!r.ok) return void ctx.problems.push({ path, message: r.message, given: show(raw), expected: KIND_EXAMPLE[kind] });
  if (r.value < 0) return void ctx.problems.push({ path, message: "must not be negative", given: show(raw) });
  // Anchors enter the SRAM law through logarithms: zero would make it undefined.
  if ((kind === "count" || kind === "size" || at.startsWith("sramRead64.")) && r.value <= 0) return void ctx.problems.push({ path, message: "must be positive", given: show(raw) });
  if (path === "sram.width.fixed" && r.value > 1) return void ctx.problems.push({ path, message: "is a fraction of the 64-bit read energy", given: show(raw), expected: "a number from 0 to 1" });
  return r.value;
}

function readEntry(section: string, key: string, raw: unknown, fields: Fields, ctx: Ctx): void {
  const at = `${section}.${key}`;
  if (!isObj(raw)) return void ctx.problems.push({ path: at, message: "must be a mapping of values with tag and source", given: show(raw), expected: `{ ${Object.keys(fields).join(", ")}, tag, source | rule }` });
  checkKeys(raw, at, [...Object.keys(fields), ...META], ctx.problems);
  const prov = readProvenance(raw, at, ctx);
  for (const [field, kind] of Object.entries(fields)) {
    const value = readValue(raw, field, kind, at, ctx);
    if (value === undefined || prov === undefined) continue;
    const id = `${at}.${field}`;
    ctx.entries.set(id, { id, kind, value, ...prov });
  }
}

function readSection(doc: Obj, name: string, spec: SectionSpec, ctx: Ctx): CapacityKey[] {
  const s = doc[name];
  const keys: CapacityKey[] = [];
  if (s === undefined || s === null) {
    if (spec.required) ctx.problems.push({ path: name, message: "is required", expected: "a mapping of entries (docs/tech-yaml.md)" });
    return keys;
  }
  if (!isObj(s)) {
    ctx.problems.push({ path: name, message: "must be a mapping of entries", given: show(s) });
    return keys;
  }
  for (const [key, fields] of Object.entries(spec.entries ?? {})) {
    if (s[key] === undefined) ctx.problems.push({ path: `${name}.${key}`, message: "is required", expected: `{ ${Object.keys(fields).join(", ")}, tag, source | rule }` });
  }
  for (const [key, raw] of Object.entries(s)) {
    const fields = spec.entries?.[key] ?? spec.open ?? spec.capacityKeyed?.fields;
    if (fields === undefined) {
      checkKeys({ [key]: raw }, name, Object.keys(spec.entries ?? {}), ctx.problems);
      continue;
    }
    if (spec.capacityKeyed !== undefined) {
      const c = parseValue("size", key);
      if (!c.ok || c.value <= 0) {
        ctx.problems.push({ path: `${name}.${key}`, message: "is not a capacity", given: show(key), expected: "a size such as 8KiB or 1MiB" });
        continue;
      }
      const dup = keys.find((k) => k.capacityBytes === c.value);
      if (dup !== undefined) ctx.problems.push({ path: `${name}.${key}`, message: `repeats the capacity of ${name}.${dup.key}`, given: show(key) });
      keys.push({ key, capacityBytes: c.value });
    }
    readEntry(name, key, raw, fields, ctx);
  }
  const min = spec.capacityKeyed?.min ?? 0;
  if (keys.length < min) ctx.problems.push({ path: name, message: `needs at least ${min} capacities`, given: String(keys.length), expected: "e.g. 8KiB, 32KiB, 1MiB" });
  return keys.sort((a, b) => a.capacityBytes - b.capacityBytes);
}

function readSources(doc: Obj, problems: Problem[]): Map<string, string> {
  const out = new Map<string, string>();
  const s = doc["sources"];
  if (s === undefined || s === null) return out;
  if (!isObj(s)) {
    problems.push({ path: "sources", message: "must map source ids to citations", given: show(s) });
    return out;
  }
  for (const [k, v] of Object.entries(s)) {
    if (typeof v !== "string" || v.trim() === "") problems.push({ path: join("sources", k), message: "must be a citation (non-empty string)", given: show(v) });
    else out.set(k, v);
  }
  return out;
}

function readScaling(doc: Obj, node: string | undefined, ctx: Ctx): TechScaling | undefined {
  const s = doc["scaling"];
  if (s === undefined || s === null) return undefined;
  const p = ctx.problems;
  if (!isObj(s)) return void p.push({ path: "scaling", message: "must be a mapping", given: show(s) });
  checkKeys(s, "scaling", ["tag", "source", "rule", "note", "accuracy", "sramAreaLinearBelow", "nodes"], p);
  const prov = readProvenance(s, "scaling", ctx);
  const nodes = new Map<string, NodeFactors>();
  const n = s["nodes"];
  if (!isObj(n)) p.push({ path: "scaling.nodes", message: n === undefined ? "is required" : "must be a mapping", given: show(n), expected: "28nm: { energy: 0.51, area: 0.38 }, …" });
  else {
    for (const [name, f] of Object.entries(n)) {
      const at = join("scaling.nodes", name);
      if (nodeNm(name) === undefined) p.push({ path: at, message: "is not a node name", given: show(name), expected: "e.g. 28nm" });
      else if (name === node) p.push({ path: at, message: "is this table's own node", given: show(name) });
      else if (!isObj(f)) p.push({ path: at, message: "must be { energy, area } factors", given: show(f) });
      else {
        checkKeys(f, at, ["energy", "area"], p);
        const e = f["energy"];
        const a = f["area"];
        const ok = (v: unknown) => typeof v === "number" && v > 0;
        if (!ok(e)) p.push({ path: join(at, "energy"), message: "must be a positive factor", given: show(e) });
        if (!ok(a)) p.push({ path: join(at, "area"), message: "must be a positive factor", given: show(a) });
        if (ok(e) && ok(a)) nodes.set(name, { energy: e as number, area: a as number });
      }
    }
  }
  const below = s["sramAreaLinearBelow"];
  const belowNm = typeof below === "string" ? nodeNm(below) : undefined;
  if (below !== undefined && (belowNm === undefined || !nodes.has(below as string))) {
    p.push({ path: "scaling.sramAreaLinearBelow", message: "must name a node of scaling.nodes", given: show(below), expected: [...nodes.keys()].join(", ") });
  }
  const accuracy = typeof s["accuracy"] === "string" ? s["accuracy"] : "";
  if (prov === undefined) return undefined;
  return { tag: prov.tag, source: prov.source, accuracy, sramAreaLinearBelowNm: belowNm ?? 0, nodes };
}

function readReferences(doc: Obj, ctx: Ctx): TechReference[] {
  const r = doc["references"];
  if (r === undefined || r === null) return [];
  if (!Array.isArray(r)) {
    ctx.problems.push({ path: "references", message: "must be a list", given: show(r) });
    return [];
  }
  const out: TechReference[] = [];
  r.forEach((x: unknown, i) => {
    const at = join("references", i);
    if (!isObj(x)) return void ctx.problems.push({ path: at, message: "must be { name, value, tag, source | rule }", given: show(x) });
    checkKeys(x, at, ["name", "value", ...META], ctx.problems);
    const name = x["name"];
    const value = x["value"];
    if (typeof name !== "string") ctx.problems.push({ path: join(at, "name"), message: "is required (a string)", given: show(name) });
    if (typeof value !== "string" && typeof value !== "number") ctx.problems.push({ path: join(at, "value"), message: "is required (a number or text)", given: show(value) });
    const prov = readProvenance(x, at, ctx);
    if (prov !== undefined && typeof name === "string" && (typeof value === "string" || typeof value === "number")) out.push({ name, value: String(value), ...prov });
  });
  return out;
}

/** Validate a parsed document. Throws SpecError listing every problem. */
export function techFromDocument(doc: unknown, origin: string): TechTable {
  const problems: Problem[] = [];
  if (!isObj(doc)) throw new SpecError({ path: "", message: "a technology table must be a YAML mapping", given: show(doc), expected: "version: 1, node, sources, ops, pe, …" });
  checkKeys(doc, "", TOP_KEYS, problems);
  const v = doc["version"];
  if (v === undefined) problems.push({ path: "version", message: "is required", expected: "version: 1 as the first key" });
  else if (v !== 1) problems.push({ path: "version", message: "is not a technology-table version quarch reads", given: show(v), expected: "1" });
  else if (Object.keys(doc)[0] !== "version") problems.push({ path: "version", message: "must be the first key", expected: "version: 1 on the first line" });
  const nodeRaw = doc["node"];
  const nm = typeof nodeRaw === "string" ? nodeNm(nodeRaw) : undefined;
  if (nm === undefined) problems.push({ path: "node", message: nodeRaw === undefined ? "is required" : "is not a node name", given: show(nodeRaw), expected: "e.g. 45nm" });
  const description = doc["description"];
  if (description !== undefined && typeof description !== "string") problems.push({ path: "description", message: "must be a string", given: show(description) });
  const ctx: Ctx = { problems, sources: readSources(doc, problems), entries: new Map() };
  const keyed: Record<string, CapacityKey[]> = {};
  for (const [name, spec] of Object.entries(SECTIONS)) keyed[name] = readSection(doc, name, spec, ctx);
  const scaling = readScaling(doc, typeof nodeRaw === "string" ? nodeRaw : undefined, ctx);
  const references = readReferences(doc, ctx);
  if (problems.length > 0 || nm === undefined) throw new SpecError(problems);
  return {
    version: 1, node: nodeRaw as string, nm, description: typeof description === "string" ? description : "", origin,
    sources: ctx.sources, entries: ctx.entries, sramAnchors: keyed["sramRead64"] ?? [], cacti: keyed["cacti"] ?? [], scaling, references,
  };
}

/** Parse and validate a technology table's YAML text (`source` names the file in messages). */
export function parseTechTable(text: string, source: string): TechTable {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const before = text.slice(0, e.pos[0]);
      const line = before.split("\n").length;
      throw new SpecError({ path: `line ${line}`, message: `is not valid YAML (${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "")})` }, source);
    }
    throw e;
  }
  try {
    return techFromDocument(doc, source);
  } catch (e) {
    if (e instanceof SpecError) throw new SpecError(e.problems, source);
    throw e;
  }
}
