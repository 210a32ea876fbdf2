/**
 * Naming a model on the command line (INTERFACES.md): the extension picks the reader. Reads files; the
 * readers themselves are pure.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { InputError, QuarchError, inFile } from "../errors.js";
import type { Graph, Tensor } from "../ir/graph.js";
import { loadQnet } from "../exec/load.js";
import { loadOnnx } from "../onnx/import-graph.js";
import { loadTflite } from "../tflite/index.js";

export type ModelKind = "qnet" | "onnx" | "tflite" | "layer-list";

export function modelKind(ref: string): ModelKind {
  if (ref.startsWith("zoo:") || ref.endsWith(".csv")) return "layer-list";
  if (ref.endsWith(".qnet.json")) return "qnet";
  if (ref.endsWith(".onnx")) return "onnx";
  if (ref.endsWith(".tflite")) return "tflite";
  throw new InputError({ path: ref, message: "is not a model quarch can read", expected: "a .qnet.json, .onnx or .tflite file, a SCALE-Sim .csv topology, or zoo:<name>" });
}

function readModelBytes(ref: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(ref));
  } catch (e) {
    throw new InputError({ path: ref, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
}

/**
 * Load an executable model. ONNX models may take scale and zero-point operands from `bindings` (the ONNX
 * node tests feed them as graph inputs).
 */
export function loadModel(ref: string, bindings: ReadonlyMap<string, Tensor> = new Map()): Graph {
  const kind = modelKind(ref);
  try {
    switch (kind) {
      case "layer-list":
        throw new InputError({ path: ref, message: "is a layer list (shapes only, no weights or connectivity): it can be simulated, not run" });
      case "tflite":
        return loadTflite(readModelBytes(ref), basename(ref, ".tflite"));
      case "qnet":
        return loadQnet(new TextDecoder().decode(readModelBytes(ref)));
      case "onnx":
        return loadOnnx(readModelBytes(ref), bindings);
      default: {
        const never: never = kind;
        return never;
      }
    }
  } catch (e) {
    if (e instanceof QuarchError && e.file === undefined && !e.message.startsWith(ref)) throw inFile(e, ref);
    throw e;
  }
}
