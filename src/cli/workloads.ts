/**
 * Workloads for `quarch sim`: `zoo:<name>` layer lists, SCALE-Sim topology CSVs, and executable models
 * (.qnet.json here; .onnx and .tflite through src/cli/models.ts) lowered to simulator layers.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { InputError, QuarchError, inFile } from "../errors.js";
import { loadQnet } from "../exec/load.js";
import { layersFromGraph } from "../sim/from-graph.js";
import { layersFromList } from "../sim/layer-list.js";
import { type ScaleSimTopology, parseScaleSimTopology, topologyToSimLayers } from "../sim/scalesim/topology.js";
import type { SimLayer } from "../sim/workload.js";
import { getZoo } from "../zoo/index.js";
import { loadModel, modelKind } from "./models.js";

export interface Workload {
  readonly name: string;
  readonly layers: readonly SimLayer[];
  /** Graph nodes with no simulated cost (reshapes, clamps, lookup tables …). */
  readonly skipped: readonly { readonly name: string; readonly op: string }[];
  /** For a SCALE-Sim topology: its layers as SCALE-Sim reads them (DP rows split per channel). */
  readonly topology?: ScaleSimTopology;
  /** Bit widths come from the model (false: W8A8 unless --bits or --policy). */
  readonly modelBits: boolean;
}

function readText(ref: string): string {
  try {
    return readFileSync(ref, "utf8");
  } catch (e) {
    throw new InputError({ path: ref, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
}

function checkBatch(batch: number | undefined): void {
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
    throw new InputError({ path: "--batch", message: "must be a positive integer", given: String(batch) });
  }
}

export function loadWorkload(ref: string, batch?: number): Workload {
  checkBatch(batch);
  if (ref.startsWith("zoo:")) {
    const net = getZoo(ref);
    return { name: ref, layers: layersFromList(net.layers, batch ?? 1, ref), skipped: [], modelBits: false };
  }
  const kind = modelKind(ref);
  try {
    if (kind === "layer-list") {
      const text = readText(ref);
      const topology = parseScaleSimTopology(text, basename(ref));
      const own = parseScaleSimTopology(text, basename(ref), { splitDepthwise: false });
      let layers = topologyToSimLayers(own);
      if (batch !== undefined && batch > 1) layers = layers.map((l) => (l.op === "fc" ? { ...l, P: l.P * batch, H: l.H * batch } : { ...l, N: batch }));
      return { name: basename(ref), layers, skipped: [], topology, modelBits: false };
    }
    const graph = kind === "qnet" ? loadQnet(readText(ref)) : loadModel(ref);
    const g = layersFromGraph(graph, batch);
    return { name: graph.name || basename(ref), layers: g.layers, skipped: g.skipped, modelBits: true };
  } catch (e) {
    if (e instanceof QuarchError && e.file === undefined && !e.message.startsWith(ref)) throw inFile(e, ref);
    throw e;
  }
}
