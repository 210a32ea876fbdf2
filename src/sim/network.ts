/**
 * Whole-network simulation with inter-layer effects: a layer's output stays on chip for its consumer when
 * the consumer is the next layer and the whole output fits in the buffer the consumer reads its inputs
 * from; otherwise it spills to DRAM and is read back. Totals add up the per-layer results; action counts
 * add up per component.
 */
import { MappingError } from "../errors.js";
import type { ArchSpec, BufferName } from "../hw/types.js";
import { CacheEstimate } from "./cache/estimate.js";
import { Hierarchy, gem5Stats } from "./cache/hierarchy.js";
import { Arena, describeStream, estimatedReport, simulatedReport } from "./cache/run.js";
import type { OperandLayout } from "./cache/streams.js";
import { type Eval, evalOf, makeContext, stepsOf } from "./cost.js";
import { type DataflowSummary, simulateDataflow } from "./dataflow/finn.js";
import { type DetailedLayer, detailedMapping, detailedVector } from "./detailed/engine.js";
import { kernelMapping } from "./kernels.js";
import { type MapResult, pinnedMapping, placePinned, searchMapping } from "./mapper.js";
import { type Mapping, mappingFromJson } from "./mapping.js";
import type { EvalContext } from "./plan.js";
import { peakMacsPerCycle } from "./precision.js";
import { type ActionCounts, type CacheActions, type LayerResult, type SimActionCounts, layerResult } from "./result.js";
import type { StepOut, Stepper } from "./steps.js";
import { sumSteps } from "./totals.js";
import { VectorSteps, evaluateVector } from "./vector-ops.js";
import { type SimLayer, outputCount } from "./workload.js";

export type Engine = "analytic" | "detailed";

/** Caches for one layer: the hierarchy the detailed engine simulates on, and where the operands live. */
export interface LayerCaches {
  readonly hierarchy?: Hierarchy;
  readonly layout: OperandLayout;
  /** The input is the previous layer's output (the analytic estimate takes it as possibly cached). */
  readonly warmInputs: boolean;
}

export interface LayerOptions {
  readonly inputOnChip?: boolean;
  readonly outputOnChip?: boolean;
  /** A pinned mapping in the JSON form `--format json` reports. */
  readonly mapping?: unknown;
  /** analytic (default) or detailed (tile by tile; caches access by access). */
  readonly engine?: Engine;
  /** On an arch with caches (simulateNetwork fills this in; a lone layer gets a fresh hierarchy). */
  readonly caches?: LayerCaches;
  /** Seed of random cache replacement for a lone layer's fresh hierarchy (default 1). */
  readonly seed?: number;
  /** Keep this many steps of the detailed engine's timeline. */
  readonly traceSteps?: number;
  /** A hook for every step of the detailed engine, given the layer and its mapping (functional execution). */
  readonly onStepOf?: StepHooks;
}

export type StepHooks = (layer: SimLayer, mapping: Mapping | null) => ((o: StepOut) => void) | undefined;

/** Mapping searches are pure functions of the layer's shape, widths and residency: reuse them. */
export type MappingMemo = Map<string, MapResult>;

function memoKey(l: SimLayer, inOn: boolean, outOn: boolean): string {
  return [l.kind, l.N, l.G, l.K, l.C, l.P, l.Q, l.R, l.S, l.H, l.W, l.strideH, l.strideW, l.dilationH, l.dilationW, ...l.pads, l.wBits, l.aBits, l.outBits, inOn, outOn].join(",");
}

/** A pinned mapping or the arch's kernel loop nest, if the layer has one. */
function pinnedOf(ctx: EvalContext, opts: LayerOptions): Mapping | undefined {
  const layer = ctx.layer;
  const c = ctx.arch.compute;
  if (opts.mapping !== undefined) return mappingFromJson(opts.mapping, layer, ctx.flow, `mapping for "${layer.name}"`);
  if (c.kind === "vector" && c.kernel !== undefined) return kernelMapping(c.kernel, layer);
  return undefined;
}

/** The mapping of a MAC layer: pinned, the arch's kernel loop nest, or the mapper's choice. */
export function mapLayer(ctx: EvalContext, opts: LayerOptions, memo?: MappingMemo): MapResult {
  const layer = ctx.layer;
  const pinned = pinnedOf(ctx, opts);
  if (pinned !== undefined) return pinnedMapping(ctx, pinned);
  const key = memoKey(layer, ctx.inputResident, ctx.outputResident);
  const hit = memo?.get(key);
  if (hit !== undefined) return hit;
  const mapped = searchMapping(ctx);
  memo?.set(key, mapped);
  return mapped;
}

/**
 * The detailed engine's mapping of a MAC layer. It walks the tiles itself, so a pinned (or kernel) mapping
 * is only checked to fit, as mapLayer checks it, and not summed analytically as well.
 */
function placeLayer(ctx: EvalContext, opts: LayerOptions, memo?: MappingMemo): Pick<MapResult, "mapping" | "search"> {
  const pinned = pinnedOf(ctx, opts);
  return pinned === undefined ? mapLayer(ctx, opts, memo) : placePinned(ctx, pinned);
}

/** The analytic evaluation with the cache estimate in place of the DRAM model. */
function estimated(ctx: EvalContext, mapped: MapResult | undefined, warm: boolean): { eval: Eval; est: CacheEstimate } {
  const l = ctx.layer;
  let st: Stepper;
  let finish: (t: ReturnType<typeof sumSteps>) => Eval;
  if (mapped === undefined) {
    st = new VectorSteps(ctx);
    finish = (t) => evalOf(ctx, t, l.outBits, [0, 0, 0], []);
  } else {
    const { fit, steps } = stepsOf(ctx, mapped.mapping);
    st = steps!;
    finish = (t) => evalOf(ctx, t, fit.complete ? l.outBits : ctx.psumBits, [fit.wTile, fit.iTile, fit.oTile], mapped.eval.classes);
  }
  const est = new CacheEstimate(ctx, st, warm);
  sumSteps(st, est.countTimer);
  est.finish();
  const t = sumSteps(st, est.priceTimer);
  // DRAM sees the missed lines (outputs: written back as well).
  for (let op = 0; op < 3; op++) t.readBits[op] = est.misses[op]! * est.lineBits;
  t.writeBits.fill(0);
  t.writeBits[2] = est.misses[2]! * est.lineBits;
  return { eval: finish(t), est };
}

export function simulateLayer(layer: SimLayer, arch: ArchSpec, opts: LayerOptions = {}, memo?: MappingMemo): LayerResult {
  if (arch.compute.kind === "dataflow") {
    throw new MappingError({ path: `layer "${layer.name}"`, message: "a dataflow arch runs whole networks (one engine per layer)", expected: "simulateNetwork, or quarch sim on the network" });
  }
  const ctx = makeContext(layer, arch, opts.inputOnChip ?? false, opts.outputOnChip ?? false);
  const engine = opts.engine ?? "analytic";
  const mapped = layer.kind === "vector" || engine === "detailed" ? undefined : mapLayer(ctx, opts, memo);
  const cached = arch.caches.length > 0;
  const caches = cached ? (opts.caches ?? { layout: new Arena().layout(layer), warmInputs: false }) : undefined;
  const stream = caches === undefined ? "" : describeStream(layer, caches.layout, ctx.psumBits, arch);
  if (engine === "detailed") {
    const placed = layer.kind === "vector" ? undefined : placeLayer(ctx, opts, memo);
    const mapping = placed?.mapping;
    const hierarchy = caches === undefined ? undefined : (caches.hierarchy ?? new Hierarchy(arch, opts.seed ?? 1));
    const hook = opts.onStepOf?.(layer, mapping ?? null);
    const dopts = {
      ...(hierarchy === undefined ? {} : { cache: { hierarchy, layout: caches!.layout } }),
      ...(opts.traceSteps === undefined ? {} : { traceSteps: opts.traceSteps }),
      ...(hook === undefined ? {} : { onStep: hook }),
    };
    const d: DetailedLayer = mapping === undefined ? detailedVector(ctx, dopts) : detailedMapping(ctx, mapping, dopts);
    const cache = d.cache === undefined ? undefined : simulatedReport(d.cache, arch, stream);
    return layerResult(ctx, d.eval, placed, { engine, timeline: d.timeline, ...(cache === undefined ? {} : { cache }) });
  }
  if (caches !== undefined) {
    const { eval: e, est } = estimated(ctx, mapped, caches.warmInputs);
    const cache = estimatedReport(arch.caches[0]!.name, est.accesses[0]! + est.accesses[1]! + est.accesses[2]!, est.misses[0]! + est.misses[1]! + est.misses[2]!, est.compulsory, stream);
    return layerResult(ctx, e, mapped, { engine, cache });
  }
  return layerResult(ctx, mapped?.eval ?? evaluateVector(ctx), mapped, { engine });
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
  readonly actions: SimActionCounts;
  readonly engine: Engine;
  /** With caches: whole-network statistics (gem5 keys) and, for random replacement, the seed. */
  readonly cache?: NetworkCacheReport;
  /** On a dataflow arch: throughput (slowest layer), latency, folding per layer. */
  readonly dataflow?: DataflowSummary;
}

export interface NetworkCacheReport {
  readonly source: "simulated" | "estimated";
  readonly seed: number;
  readonly stats: Readonly<Record<string, number>>;
}

export interface NetworkOptions {
  /** Pinned mappings by layer name; the key "*" applies to every MAC layer not named. */
  readonly mappings?: ReadonlyMap<string, unknown>;
  /** Keep fitting outputs on chip for the next layer (default true). */
  readonly interLayer?: boolean;
  readonly memo?: MappingMemo;
  readonly engine?: Engine;
  /** Seed of random cache replacement (default 1; reported). */
  readonly seed?: number;
  readonly traceSteps?: number;
  /** Step hooks of the detailed engine per layer (functional execution). */
  readonly onStepOf?: StepHooks;
}

function addCaches(a: SimActionCounts["caches"], b: SimActionCounts["caches"]): Record<string, CacheActions> | undefined {
  if (a === undefined && b === undefined) return undefined;
  const out: Record<string, CacheActions> = { ...a };
  for (const [k, v] of Object.entries(b ?? {})) {
    const c = out[k];
    out[k] = c === undefined ? v : { accesses: c.accesses + v.accesses, hits: c.hits + v.hits, misses: c.misses + v.misses, writebacks: c.writebacks + v.writebacks };
  }
  return out;
}

/** Add action counts component by component. */
export function addActions(a: SimActionCounts, b: SimActionCounts): SimActionCounts {
  const macs: Record<string, number> = { ...a.macs };
  for (const [k, v] of Object.entries(b.macs)) macs[k] = (macs[k] ?? 0) + v;
  const buffers: Partial<Record<BufferName, { readBits: number; writeBits: number }>> = {};
  for (const src of [a.buffers, b.buffers]) {
    for (const [k, v] of Object.entries(src) as [BufferName, { readBits: number; writeBits: number }][]) {
      const cur = buffers[k] ?? { readBits: 0, writeBits: 0 };
      buffers[k] = { readBits: cur.readBits + v.readBits, writeBits: cur.writeBits + v.writeBits };
    }
  }
  const caches = addCaches(a.caches, b.caches);
  return {
    macs, vectorOps: a.vectorOps + b.vectorOps, arrayPasses: a.arrayPasses + b.arrayPasses, buffers,
    dram: { readBits: a.dram.readBits + b.dram.readBits, writeBits: a.dram.writeBits + b.dram.writeBits },
    ...(caches === undefined ? {} : { caches }),
  };
}

export const NO_ACTIONS: ActionCounts = { macs: {}, vectorOps: 0, arrayPasses: 0, buffers: {}, dram: { readBits: 0, writeBits: 0 } };

export function simulateNetwork(layers: readonly SimLayer[], arch: ArchSpec, opts: NetworkOptions = {}): NetworkResult {
  const pins = opts.mappings ?? new Map<string, unknown>();
  const names = new Set(layers.map((l) => l.name));
  const unknown = [...pins.keys()].filter((k) => k !== "*" && !names.has(k));
  if (unknown.length > 0) throw new MappingError(unknown.map((k) => ({ path: `--mapping: layers.${k}`, message: "names no layer of the workload" })));
  if (arch.compute.kind === "dataflow") return dataflowNetwork(layers, arch, pins, opts.engine ?? "analytic");
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
  const engine = opts.engine ?? "analytic";
  const seed = opts.seed ?? 1;
  const cached = arch.caches.length > 0;
  const arena = new Arena();
  const hierarchy = cached && engine === "detailed" ? new Hierarchy(arch, seed) : undefined;
  const results = layers.map((l, i) => {
    const caches: LayerCaches | undefined = cached ? { ...(hierarchy === undefined ? {} : { hierarchy }), layout: arena.layout(l), warmInputs: i > 0 && layers[i - 1]!.output === l.input } : undefined;
    const mapping = pins.get(l.name) ?? (l.kind === "mac" ? pins.get("*") : undefined);
    return simulateLayer(l, arch, {
      inputOnChip: i > 0 && resident[i - 1] === true, outputOnChip: resident[i] === true, engine,
      ...(mapping === undefined ? {} : { mapping }), ...(caches === undefined ? {} : { caches }),
      ...(opts.traceSteps === undefined ? {} : { traceSteps: opts.traceSteps }),
      ...(opts.onStepOf === undefined ? {} : { onStepOf: opts.onStepOf }),
    }, memo);
  });
  let ideal = 0;
  const bounds: Record<string, number> = {};
  let actions: SimActionCounts = NO_ACTIONS;
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
    engine,
    ...(cached ? { cache: networkCache(arch, seed, hierarchy, actions) } : {}),
  };
}

function networkCache(arch: ArchSpec, seed: number, h: Hierarchy | undefined, actions: SimActionCounts): NetworkCacheReport {
  if (h !== undefined) {
    const stats: Record<string, number> = {};
    h.levels.forEach((lv, i) => gem5Stats(lv.spec.name, lv.c, arch.caches[i]!.hitLatencyCycles, stats));
    return { source: "simulated", seed, stats };
  }
  const name = arch.caches[0]!.name;
  const c = actions.caches?.[name] ?? { accesses: 0, hits: 0, misses: 0, writebacks: 0 };
  const p = `system.${name}.`;
  const stats = { [`${p}overallHits::total`]: c.hits, [`${p}overallMisses::total`]: c.misses, [`${p}overallAccesses::total`]: c.accesses, [`${p}overallMissRate::total`]: c.accesses > 0 ? c.misses / c.accesses : 0 };
  return { source: "estimated", seed, stats };
}

/** A dataflow arch: every layer is its own engine, all running at once (the detailed engine has nothing to add). */
function dataflowNetwork(layers: readonly SimLayer[], arch: ArchSpec, pins: ReadonlyMap<string, unknown>, engine: Engine): NetworkResult {
  const { summary, results } = simulateDataflow(layers, arch, pins);
  let actions: SimActionCounts = NO_ACTIONS;
  for (const r of results) actions = addActions(actions, r.actions);
  const compute = results.reduce((a, r) => a + r.cycles.compute, 0);
  const bounds: Record<string, number> = { compute: results.length };
  const peak = summary.layers.reduce((a, d) => a + d.folding.pe * d.folding.simd, 0);
  const macs = results.reduce((a, r) => a + r.macs, 0);
  return {
    arch: arch.name,
    layers: results.map((r) => ({ ...r, engine })),
    totals: {
      layers: results.length, macs, bops: results.reduce((a, r) => a + r.bops, 0), vectorOps: results.reduce((a, r) => a + r.vectorOps, 0),
      cycles: { compute, stall: summary.latencyCycles - compute, total: summary.latencyCycles },
      seconds: summary.latencyCycles / arch.clockHz,
      // Steady state: MACs per frame over (lanes · cycles between frames).
      utilization: peak > 0 && summary.initiationIntervalCycles > 0 ? macs / (peak * summary.initiationIntervalCycles) : 0,
      dram: { readBytes: 0, writeBytes: 0 },
      bounds,
    },
    spills: [],
    actions,
    engine,
    dataflow: summary,
  };
}
