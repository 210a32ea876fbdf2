/**
 * Functional + timing execution (`quarch sim --engine detailed --execute`): the detailed engine walks
 * every MAC layer tile by tile and, at each step, computes that tile's data in the hardware's arithmetic
 * (tiles.ts), so one walk gives the timing and the numbers. Each MAC layer takes the executor's values as
 * its inputs (the reference, from `quarch run` on the same input), so a layer's report isolates what its
 * own accumulator does: the outputs it changes, the first differing element and the bits it needed. A
 * second pass propagates the hardware's values through the whole network (other ops run as the executor
 * runs them, through `runOther`) and compares the network outputs with the executor's.
 */
import { UnsupportedError } from "../../errors.js";
import type { ArchSpec } from "../../hw/types.js";
import type { Graph, Tensor } from "../../ir/graph.js";
import type { Conv2dNode, MatMulNode, Node } from "../../ir/ops.js";
import { type NetworkOptions, type NetworkResult, simulateNetwork } from "../network.js";
import type { SimLayer } from "../workload.js";
import { type Arithmetic, MacTiles } from "./tiles.js";

export interface ExecuteRequest {
  readonly graph: Graph;
  readonly inputs: ReadonlyMap<string, Tensor>;
  /** Every value of the executor's run on the same inputs (its trace): the reference. */
  readonly reference: ReadonlyMap<string, Tensor>;
  /** Runs a node that is not conv2d or matmul exactly as the executor does (for propagation). */
  readonly runOther: (node: Node, inputs: readonly (Tensor | undefined)[]) => readonly Tensor[];
  readonly arch: ArchSpec;
  /** The graph's simulator layers (layersFromGraph, bit widths applied). */
  readonly layers: readonly SimLayer[];
  readonly options?: Omit<NetworkOptions, "engine" | "onStepOf">;
}

export interface FirstDifference {
  readonly index: number;
  /** Coordinates in the output's own shape. */
  readonly at: readonly number[];
  readonly hardware: number;
  readonly reference: number;
}

export interface LayerNumerics {
  readonly layer: string;
  readonly op: string;
  readonly outputs: number;
  /** Outputs that differ from the executor's. */
  readonly changed: number;
  readonly first: FirstDifference | null;
  /** Bits a signed accumulator needs for every exact partial and final sum of the layer. */
  readonly neededBits: number;
  readonly accumulatorBits: number;
  readonly wordBits: number;
  /** Accumulator or stored-word updates that wrapped or saturated. */
  readonly overflowed: number;
  readonly tiles: number;
  readonly macs: number;
}

export interface ExecuteResult {
  readonly network: NetworkResult;
  readonly arithmetic: Arithmetic;
  readonly layers: readonly LayerNumerics[];
  /** Layers whose outputs differ from the executor's. */
  readonly affected: readonly string[];
  /** Network outputs with the hardware's values propagated through every layer. */
  readonly outputs: ReadonlyMap<string, Tensor>;
  readonly outputChanges: readonly { readonly name: string; readonly changed: number; readonly elements: number }[];
}

function coords(shape: readonly number[], index: number): number[] {
  const out: number[] = [];
  let r = index;
  for (let i = shape.length - 1; i >= 0; i--) {
    out.unshift(r % shape[i]!);
    r = Math.floor(r / shape[i]!);
  }
  return out;
}

function compare(hw: Tensor, ref: Tensor): { changed: number; first: FirstDifference | null } {
  let changed = 0;
  let first: FirstDifference | null = null;
  for (let i = 0; i < ref.data.length; i++) {
    if (hw.data[i] !== ref.data[i]) {
      if (first === null) first = { index: i, at: coords(ref.shape, i), hardware: hw.data[i]!, reference: ref.data[i]! };
      changed++;
    }
  }
  return { changed, first };
}

const isMac = (n: Node): n is Conv2dNode | MatMulNode => n.op === "conv2d" || n.op === "matmul";

export function executeNetwork(req: ExecuteRequest): ExecuteResult {
  const { graph, arch } = req;
  const c = arch.compute;
  if (c.kind === "dataflow") {
    throw new UnsupportedError({ path: `arch "${arch.name}"`, message: "--execute walks buffer tiles; a dataflow arch has none (its engines stream whole layers)", expected: "a systolic or vector arch" });
  }
  const outHolder = arch.buffers[arch.derived.holder.outputs];
  const arithmetic: Arithmetic = { accumulatorBits: c.accumulatorBits, wordBits: outHolder?.wordBits ?? c.accumulatorBits, overflow: c.overflow };
  const nodes = new Map(graph.nodes.map((n) => [n.name, n] as const));
  const running = new Map<string, MacTiles>();
  const value = (env: ReadonlyMap<string, Tensor>, name: string): Tensor => {
    const t = env.get(name);
    if (t !== undefined) return t;
    const v = graph.values.get(name)!;
    return v.quant === undefined ? { dtype: v.dtype, shape: v.shape, data: v.data! } : { dtype: v.dtype, shape: v.shape, data: v.data!, quant: v.quant };
  };
  // Pass 1: timing and each MAC layer's numbers on the reference inputs, in one tile walk.
  const network = simulateNetwork(req.layers, arch, {
    ...req.options,
    engine: "detailed",
    onStepOf: (layer, mapping) => {
      const node = nodes.get(layer.name);
      if (node === undefined || !isMac(node) || mapping === null) return undefined;
      const tiles = new MacTiles(graph, node, value(req.reference, node.inputs[0]!), layer, mapping, arithmetic);
      running.set(node.name, tiles);
      return (o) => tiles.add(o.j);
    },
  });
  const layers: LayerNumerics[] = [];
  const hwOut = new Map<string, Tensor>();
  for (const node of graph.nodes) {
    const t = running.get(node.name);
    if (t === undefined || !isMac(node)) continue;
    const out = t.finish();
    hwOut.set(node.name, out);
    const ref = value(req.reference, node.outputs[0]!);
    const { changed, first } = compare(out, ref);
    const r = network.layers.find((l) => l.name === node.name);
    layers.push({
      layer: node.name, op: node.op, outputs: out.data.length, changed, first, neededBits: t.neededBits(),
      accumulatorBits: arithmetic.accumulatorBits, wordBits: arithmetic.wordBits, overflowed: t.overflowed, tiles: t.tiles, macs: r?.macs ?? 0,
    });
  }
  const affected = layers.filter((l) => l.changed > 0).map((l) => l.layer);
  // Always propagated, so that "equal to quarch run" is a comparison, not an assumption.
  const outputs = propagate(req, arithmetic, network);
  const outputChanges = graph.outputs.map((n) => {
    const ref = value(req.reference, n);
    return { name: n, changed: compare(outputs.get(n)!, ref).changed, elements: ref.data.length };
  });
  return { network, arithmetic, layers, affected, outputs, outputChanges };
}

/** Pass 2: the hardware's values through the whole network (MAC layers tile by tile, no timing). */
function propagate(req: ExecuteRequest, arithmetic: Arithmetic, network: NetworkResult): Map<string, Tensor> {
  const { graph } = req;
  const env = new Map<string, Tensor>(req.inputs);
  const get = (name: string): Tensor => {
    const t = env.get(name);
    if (t !== undefined) return t;
    const v = graph.values.get(name)!;
    return v.quant === undefined ? { dtype: v.dtype, shape: v.shape, data: v.data! } : { dtype: v.dtype, shape: v.shape, data: v.data!, quant: v.quant };
  };
  const simLayers = new Map(req.layers.map((l) => [l.name, l] as const));
  const mappings = new Map(network.layers.map((l) => [l.name, l.mapping] as const));
  for (const node of graph.nodes) {
    if (isMac(node)) {
      const layer = simLayers.get(node.name)!;
      const mapping = mappings.get(node.name)!;
      const tiles = new MacTiles(graph, node, get(node.inputs[0]!), layer, mapping!, arithmetic);
      const j = new Int32Array(6);
      const t = mapping!.tile;
      const n = [layer.N, layer.G, layer.K, layer.C, layer.P, layer.Q].map((L, i) => Math.ceil(L / [t.N, t.G, t.K, t.C, t.P, t.Q][i]!));
      // Any order of the tiles gives the same wrapped sums; the mapping's order keeps saturation faithful.
      const order = mapping!.order.map((d) => ["N", "G", "K", "C", "P", "Q"].indexOf(d));
      const walk = (i: number): void => {
        if (i === 6) {
          tiles.add(j);
          return;
        }
        const d = order[i]!;
        for (let x = 0; x < n[d]!; x++) {
          j[d] = x;
          walk(i + 1);
        }
        j[d] = 0;
      };
      walk(0);
      env.set(node.outputs[0]!, tiles.finish());
    } else {
      const outs = req.runOther(node, node.inputs.map((x) => (x === "" ? undefined : get(x))));
      outs.forEach((t, k) => env.set(node.outputs[k]!, t));
    }
  }
  return new Map(graph.outputs.map((n) => [n, get(n)] as const));
}
