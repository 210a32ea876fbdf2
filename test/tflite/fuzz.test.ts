/**
 * Mutation fuzzing of the TFLite reader and lowering: the four MLPerf Tiny files are truncated, have bytes
 * overwritten or inserted, and loading must then either succeed or fail with a TfliteError — never a
 * RangeError, a TypeError, a hang or an unbounded allocation. Most of a .tflite file is weight data, where
 * any byte is legal, so half of the mutations aim at the FlatBuffer structure (every byte outside the
 * buffers' data). The seed is printed; set FC_SEED to replay one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { TfliteError } from "../../src/errors.js";
import { loadTflite, readModel } from "../../src/tflite/index.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples", "mlperf-tiny");
const SEED = process.env["FC_SEED"] === undefined ? 20261126 : Number(process.env["FC_SEED"]);
const NAMES = ["pretrainedResnet_quant", "kws_ref_model", "vww_96_int8", "ad01_int8"];

interface Case {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Byte positions outside constant data (tables, vtables, vectors of offsets, strings, shapes). */
  readonly structure: readonly number[];
}

const CASES: Case[] = NAMES.map((name) => {
  const bytes = new Uint8Array(readFileSync(join(EXAMPLES, `${name}.tflite`)));
  const inData = new Uint8Array(bytes.length);
  for (const b of readModel(bytes).buffers) if (b.length > 0) inData.fill(1, b.byteOffset - bytes.byteOffset, b.byteOffset - bytes.byteOffset + b.length);
  const structure: number[] = [];
  inData.forEach((v, i) => {
    if (v === 0) structure.push(i);
  });
  return { name, bytes, structure };
});

type Mutation =
  | { readonly kind: "truncate"; readonly at: number; readonly structural: boolean }
  | { readonly kind: "flip"; readonly at: number; readonly structural: boolean; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly structural: boolean; readonly bytes: readonly number[] };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), structural: fc.boolean() }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), structural: fc.boolean(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), structural: fc.boolean(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }) }),
);

function mutate(c: Case, ms: readonly Mutation[]): Uint8Array {
  let b = c.bytes.slice();
  for (const m of ms) {
    // Structural positions are those of the original file; after an insertion they are approximate, which is fine.
    const at = m.structural && c.structure.length > 0 ? Math.min(c.structure[m.at % c.structure.length]!, b.length) : b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === "truncate") b = b.slice(0, at);
    else if (m.kind === "flip") {
      if (b.length > 0) b[at % b.length] = m.value;
    } else {
      const out = new Uint8Array(b.length + m.bytes.length);
      out.set(b.subarray(0, at));
      out.set(m.bytes, at);
      out.set(b.subarray(at), at + m.bytes.length);
      b = out;
    }
  }
  return b;
}

/** Passes when f returns or throws a TfliteError; rethrows anything else (the property then fails). */
function onlyTfliteErrors(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof TfliteError) return true;
    throw e;
  }
}

describe(`TFLite import fuzzing (fast-check seed ${SEED})`, () => {
  test("mutated MLPerf Tiny models: read and lower", () => {
    console.log(`fast-check seed ${SEED} (set FC_SEED to replay)`);
    fc.assert(
      fc.property(fc.nat(CASES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => onlyTfliteErrors(() => loadTflite(mutate(CASES[i]!, ms)))),
      { seed: SEED, numRuns: 1200 },
    );
  });

  test("random bytes, with and without the TFL3 identifier", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, tagged) => {
        const b = bytes.slice();
        if (tagged && b.length >= 8) b.set([84, 70, 76, 51], 4);
        return onlyTfliteErrors(() => loadTflite(b));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  test("one large string shared by many tables stays within the decode budget", () => {
    // 10 000 tensors all pointing at one table whose name is a 10 000-byte string would decode 10^8
    // characters from a 90 kB file; the reader must refuse (TfliteError) long before.
    const n = 10000;
    const bytes = new Uint8Array(128 + 4 * n + n);
    const v = new DataView(bytes.buffer);
    bytes.set([84, 70, 76, 51], 4);
    // Model: vtable (fields 0 version, 1 operator_codes, 2 subgraphs) then table.
    const modelVt = 8;
    v.setUint16(modelVt, 4 + 2 * 3, true);
    v.setUint16(modelVt + 2, 12, true);
    v.setUint16(modelVt + 4, 4, true);
    v.setUint16(modelVt + 6, 0, true);
    v.setUint16(modelVt + 8, 8, true);
    const model = 20;
    v.setUint32(0, model, true);
    v.setInt32(model, model - modelVt, true);
    v.setUint32(model + 4, 3, true);
    const sgVec = model + 12;
    v.setUint32(model + 8, sgVec - (model + 8), true);
    v.setUint32(sgVec, 1, true);
    // SubGraph: vtable with field 0 (tensors) only.
    const sgVt = sgVec + 8;
    v.setUint16(sgVt, 6, true);
    v.setUint16(sgVt + 2, 8, true);
    v.setUint16(sgVt + 4, 4, true);
    const sg = sgVt + 8;
    v.setUint32(sgVec + 4, sg - (sgVec + 4), true);
    v.setInt32(sg, sg - sgVt, true);
    const tensorsVec = sg + 8;
    v.setUint32(sg + 4, tensorsVec - (sg + 4), true);
    v.setUint32(tensorsVec, n, true);
    // One Tensor table (vtable: field 3 name) after the vector; every element points at it.
    const tVt = tensorsVec + 4 + 4 * n;
    v.setUint16(tVt, 4 + 2 * 4, true);
    v.setUint16(tVt + 2, 8, true);
    v.setUint16(tVt + 10, 4, true);
    const t = tVt + 12;
    v.setInt32(t, t - tVt, true);
    for (let i = 0; i < n; i++) v.setUint32(tensorsVec + 4 + 4 * i, t - (tensorsVec + 4 + 4 * i), true);
    const name = t + 8;
    v.setUint32(t + 4, name - (t + 4), true);
    v.setUint32(name, n, true);
    bytes.fill(97, name + 4, name + 4 + n);
    let err: unknown;
    try {
      readModel(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TfliteError);
    expect((err as Error).message).toMatch(/references its data too many times/);
  });

  test("unmutated models all load", () => {
    for (const c of CASES) expect(() => loadTflite(c.bytes), c.name).not.toThrow();
  });
});
