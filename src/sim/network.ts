/**
 * Whole-network simulation with inter-layer effects: a layer's output stays on chip for its consumer when
 * the consumer is the next layer and the whole output fits in the buffer the consumer reads its inputs
 * from; otherwise it spills to DRAM and is read back. Totals add up the per-layer results; action counts
 * add up per component.
 */
import { MappingError } from "../errors.js";
import type { ArchSpec, BufferName } from "../hw/types.js";
import { makeContext } from "./cost.js";
import { type MapResult, pinnedMapping, searchMapping } from "./mapper.js";
import { mappingFromJson } from "./mapping.js";
import { peakMacsPerCycle } from "./precision.js";
import { type ActionCounts, type LayerResult, layerResult } from "./result.js";
import { evaluateVector } from "./vector-ops.js";
import { type SimLayer, outputCount } from "./workload.js";

export interface LayerOptions {
  readonly inputOnChip?: boolean;
  readonly outputOnChip?: boolean;
  /** A pinned mapping in the JSON form `--format json` reports. */
  readonly mapping?: unknown;
}

/** Mapping searches are pure functions of the layer's shape, widths and residency: reuse them. */
export type MappingMemo = Map<string, MapResult>;

function memoKey(l: SimLayer, inOn: boolean, outOn: boolean): string {
  return [l.kind, l.N, l.G, l.K, l.C, l.P, l.Q, l.R, l.S, l.H, l.W, l.strideH, l.strideW, l.dilationH, l.dilationW, ...l.pads, l.wBits, l.aBits, l.outBits, inOn, outOn].join(",");
}

export function simulateLayer(layer: SimLayer, arch: ArchSpec, opts: LayerOptions = {}, memo?: MappingMemo): LayerResult {
  const inOn = opts.inputOnChip ?? false;
  const outOn = opts.outputOnChip ?? false;
  const ctx = makeContext(layer, arch, inOn, outOn);
  if (layer.kind === "vector") return layerResult(ctx, evaluateVector(ctx), undefined);
  let mapped: MapResult;
  if (opts.mapping !== undefined) {
    mapped = pinnedMapping(ctx, mappingFromJson(opts.mapping, layer, ctx.flow, `mapping for "${layer.name}"`));
  } else {
    const key = memoKey(layer, inOn, outOn);
    const hit = memo?.get(key);
    if (hit !== undefined) mapped = hit;
    else {
      mapped = searchMapping(ctx);
      memo?.set(key, mapped);
    }
  }
  return layerResult(ctx, mapped.eval, mapped);
}

export interface NetworkTotals {
  readonly layers: number;
  readonly macs: number;
  readonly bops: number;
  readonly vectorOps: number;
  readonly cycles: { readonly compute: number; readonly stall: number; readonly total: number };
  readonly seconds: number;
  /** Ideal cycles at each layer's peak over the cycles taken. */
  readonly utilization: number;
  readonly dram: { readonly readBytes: number; readonly writeBytes: number };
  readonly bounds: Readonly<Record<string, number>>;
}

export interface Spill {
  readonly layer: string;
  readonly consumer: string;
  readonly bytes: number;
  readonly reason: string;
}

export interface NetworkResult {
  readonly arch: string;
  readonly layers: readonly LayerResult[];
  readonly totals: NetworkTotals;
  /** Outputs that did not fit on chip for their consumer: written to DRAM and read back. */
  readonly spills: readonly Spill[];
  readonly actions: ActionCounts;
}

export interface NetworkOptions {
  /** Pinned mappings by layer name; the key "*" applies to every MAC layer not named. */
  readonly mappings?: ReadonlyMap<string, unknown>;
  /** Keep fitting outputs on chip for the next layer (default true). */
  readonly interLayer?: boolean;
  readonly memo?: MappingMemo;
}

/** Add action counts component by component. */
export function addActions(a: ActionCounts, b: ActionCounts): ActionCounts {
  const macs: Record<string, number> = { ...a.macs };
  for (const [k, v] of Object.entries(b.macs)) macs[k] = (macs[k] ?? 0) + v;
  const buffers: Partial<Record<BufferName, { readBits: number; writeBits: number }>> = {};
  for (const src of [a.buffers, b.buffers]) {
    for (const [k, v] of Object.entries(src) as [BufferName, { readBits: number; writeBits: number }][]) {
      const cur = buffers[k] ?? { readBits: 0, writeBits: 0 };
      buffers[k] = { readBits: cur.readBits + v.readBits, writeBits: cur.writeBits + v.writeBits };
    }
  }
  return {
    macs, vectorOps: a.vectorOps + b.vectorOps, arrayPasses: a.arrayPasses + b.arrayPasses, buffers,
    dram: { readBits: a.dram.readBits + b.dram.readBits, writeBits: a.dram.writeBits + b.dram.writeBits },
  };
}

export const NO_ACTIONS: ActionCounts = { macs: {}, vectorOps: 0, arrayPasses: 0, buffers: {}, dram: { readBits: 0, writeBits: 0 } };

export function simulateNetwork(layers: readonly SimLayer[], arch: ArchSpec, opts: NetworkOptions = {}): NetworkResult {
  const pins = opts.mappings ?? new Map<string, unknown>();
  const names = new Set(layers.map((l) => l.name));
  const unknown = [...pins.keys()].filter((k) => k !== "*" && !names.has(k));
  if (unknown.length > 0) throw new MappingError(unknown.map((k) => ({ path: `--mapping: layers.${k}`, message: "names no layer of the workload" })));
  const memo = opts.memo ?? new Map<string, MapResult>();
  const interLayer = opts.interLayer ?? true;
  const inHolder = arch.derived.holder.inputs;
  const inCapBits = arch.buffers[inHolder]!.sizeBytes * 8;
  const spills: Spill[] = [];
  const resident: boolean[] = layers.map(() => false);
  layers.forEach((l, i) => {
    const next = layers[i + 1];
    if (next === undefined || l.output === undefined || next.input !== l.output) return;
    const bits = outputCount(l) * l.outBits;
    if (interLayer && bits <= inCapBits) resident[i] = true;
    else spills.push({ layer: l.name, consumer: next.name, bytes: Math.ceil(bits / 8), reason: interLayer ? `${Math.ceil(bits / 8)} B > buffers.${inHolder} ${inCapBits / 8} B` : "inter-layer reuse off" });
  });
  const results = layers.map((l, i) =>
    simulateLayer(l, arch, { inputOnChip: i > 0 && resident[i - 1] === true, outputOnChip: resident[i] === true, mapping: pins.get(l.name) ?? (l.kind === "mac" ? pins.get("*") : undefined) }, memo),
  );
  let ideal = 0;
  const bounds: Record<string, number> = {};
  let actions = NO_ACTIONS;
  for (const [i, r] of results.entries()) {
    const l = layers[i]!;
    ideal += l.kind === "mac" ? r.macs / peakMacsPerCycle(arch.compute.precision, arch.derived.pes, l.wBits, l.aBits) : r.vectorOps / arch.derived.vectorLanes;
    bounds[r.bound] = (bounds[r.bound] ?? 0) + 1;
    actions = addActions(actions, r.actions);
  }
  const sum = (f: (r: LayerResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const total = sum((r) => r.cycles.total);
  return {
    arch: arch.name,
    layers: results,
    totals: {
      layers: results.length,
      macs: sum((r) => r.macs),
      bops: sum((r) => r.bops),
      vectorOps: sum((r) => r.vectorOps),
      cycles: { compute: sum((r) => r.cycles.compute), stall: sum((r) => r.cycles.stall), total },
      seconds: total / arch.clockHz,
      utilization: total > 0 ? ideal / total : 0,
      dram: { readBytes: sum((r) => r.dram.readBytes), writeBytes: sum((r) => r.dram.writeBytes) },
      bounds,
    },
    spills,
    actions,
  };
}
