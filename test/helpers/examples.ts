/** The bundled examples (examples/), as tests use them. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { decodeNpy } from "../../src/cli/npy.js";
import { loadQnet } from "../../src/exec/load.js";
import type { Graph, Tensor } from "../../src/ir/graph.js";
import { toInputTensor } from "../../src/cli/tensor-files.js";

export const EXAMPLES = resolve(import.meta.dirname, "..", "..", "examples");

export function exampleText(rel: string): string {
  return readFileSync(join(EXAMPLES, rel), "utf8");
}

export function exampleGraph(rel: string): Graph {
  return loadQnet(exampleText(rel));
}

export function exampleTensor(rel: string, g: Graph, value: string): Tensor {
  return toInputTensor(decodeNpy(new Uint8Array(readFileSync(join(EXAMPLES, rel))), rel), g.values.get(value)!, rel);
}
