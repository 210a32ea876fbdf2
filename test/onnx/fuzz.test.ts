/**
 * Mutation fuzzing of the ONNX reader and lowering: real model.onnx / .pb bytes are truncated, have
 * bytes flipped or inserted, and must then either decode (and lower) or fail with an OnnxError — never a
 * RangeError, a TypeError or a hang. The seed is printed; set FC_SEED to replay one.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OnnxError } from "../../src/errors.js";
import { loadNodeTest } from "../../src/onnx/node-test.js";
import { decodeModel, decodeTensorProto } from "../../src/onnx/protobuf.js";
import { tensorFromProto } from "../../src/onnx/tensor.js";

const ROOT = join(import.meta.dirname, "../fixtures/onnx-node");
const SEED = process.env["FC_SEED"] === undefined ? 20260801 : Number(process.env["FC_SEED"]);
const RUNS = 1500;

interface Case {
  readonly dir: string;
  readonly model: Uint8Array;
  readonly inputs: Uint8Array[];
  readonly outputs: Uint8Array[];
}

const CASES: Case[] = readdirSync(ROOT)
  .filter((d) => d.startsWith("test_"))
  .sort()
  .map((dir) => {
    const set = join(ROOT, dir, "test_data_set_0");
    const files = readdirSync(set).sort((a, b) => a.length - b.length || a.localeCompare(b));
    return {
      dir,
      model: readFileSync(join(ROOT, dir, "model.onnx")),
      inputs: files.filter((f) => f.startsWith("input_")).map((f) => readFileSync(join(set, f))),
      outputs: files.filter((f) => f.startsWith("output_")).map((f) => readFileSync(join(set, f))),
    };
  });

type Mutation =
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "flip"; readonly at: number; readonly value: number }
  | { readonly kind: "insert"; readonly at: number; readonly bytes: readonly number[] };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }) }),
);

function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
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

/** Runs f; passes when it returns or throws an OnnxError, fails on anything else. */
function onlyOnnxErrors(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (e instanceof OnnxError) return true;
    throw e;
  }
}

const params = { seed: SEED, numRuns: RUNS };

describe(`ONNX reader fuzzing (fast-check seed ${SEED})`, () => {
  test("mutated model.onnx: decode and lower", () => {
    console.log(`fast-check seed ${SEED} (set FC_SEED to replay)`);
    fc.assert(
      fc.property(fc.nat(CASES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, ms) => {
        const c = CASES[i]!;
        const model = mutate(c.model, ms);
        return onlyOnnxErrors(() => loadNodeTest({ model, inputs: c.inputs, outputs: c.outputs }));
      }),
      params,
    );
  });

  test("mutated .pb tensors: decode, convert and lower with them", () => {
    fc.assert(
      fc.property(fc.nat(CASES.length - 1), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, k, ms) => {
        const c = CASES[i]!;
        const all = [...c.inputs, ...c.outputs];
        const j = k % all.length;
        const pb = mutate(all[j]!, ms);
        const ok1 = onlyOnnxErrors(() => tensorFromProto(decodeTensorProto(pb)));
        const inputs = c.inputs.map((b, n) => (n === j ? pb : b));
        const outputs = c.outputs.map((b, n) => (n + c.inputs.length === j ? pb : b));
        return ok1 && onlyOnnxErrors(() => loadNodeTest({ model: c.model, inputs, outputs }));
      }),
      params,
    );
  });

  test("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyOnnxErrors(() => decodeModel(bytes)) && onlyOnnxErrors(() => tensorFromProto(decodeTensorProto(bytes)))),
      params,
    );
  });

  test("unmutated fixtures all load", () => {
    for (const c of CASES) expect(() => loadNodeTest(c), c.dir).not.toThrow();
  });
});
