/**
 * The ONNX backend node tests of the quantization ops (fixtures: test/fixtures/onnx-node, see
 * PROVENANCE.md): each single-node model is lowered, executed with integer-only arithmetic, and compared
 * exactly with the expected outputs (float32 outputs bit for bit, NaN equal to NaN).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { dtypeName } from "../../src/ir/dtype.js";
import type { Tensor } from "../../src/ir/graph.js";
import { run } from "../../src/exec/run.js";
import { loadNodeTest } from "../../src/onnx/node-test.js";

const ROOT = join(import.meta.dirname, "../fixtures/onnx-node");
const DIRS = readdirSync(ROOT).filter((d) => d.startsWith("test_")).sort();

function readSet(dir: string): { model: Uint8Array; inputs: Uint8Array[]; outputs: Uint8Array[] } {
  const set = join(ROOT, dir, "test_data_set_0");
  const files = readdirSync(set);
  const numbered = (prefix: string): Uint8Array[] =>
    files
      .filter((f) => f.startsWith(prefix) && f.endsWith(".pb"))
      .sort((a, b) => Number(a.slice(prefix.length, -3)) - Number(b.slice(prefix.length, -3)))
      .map((f) => readFileSync(join(set, f)));
  return { model: readFileSync(join(ROOT, dir, "model.onnx")), inputs: numbered("input_"), outputs: numbered("output_") };
}

/** Elements as comparable numbers: float32 by bit pattern (NaNs collapse to one pattern). */
function comparable(t: Tensor): number[] {
  if (t.data instanceof Float32Array) {
    const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    return Array.from(t.data, (v, i) => (Number.isNaN(v) ? -1 : bits[i]!));
  }
  return Array.from(t.data);
}

describe("ONNX backend node tests", () => {
  test("all 50 fixture directories are present", () => {
    expect(DIRS.length).toBe(50);
  });

  for (const dir of DIRS) {
    test(dir, () => {
      const nt = loadNodeTest(readSet(dir));
      const result = run(nt.graph, nt.runInputs);
      for (const [name, want] of nt.expected) {
        const got = result.outputs.get(name);
        expect(got, `output ${name}`).toBeDefined();
        expect(dtypeName(got!.dtype), `dtype of ${name}`).toBe(dtypeName(want.dtype));
        expect(got!.shape, `shape of ${name}`).toEqual(want.shape);
        expect(comparable(got!), `values of ${name}`).toEqual(comparable(want));
      }
    });
  }
});
