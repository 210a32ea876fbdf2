/**
 * Per-layer results (a superset of SCALE-Sim's and BitFusion's reports) and action counts per component
 * for the energy issue to price. The formula states how the cycle count arose, with its numbers.
 */
import type { ArchSpec, BufferName, Operand } from "../hw/types.js";
import type { Eval, EvalContext } from "./cost.js";
import type { Timeline } from "./detailed/engine.js";
import type { MapResult, SearchStats } from "./mapper.js";
import { type Mapping, mappingText } from "./mapping.js";
import { peakMacsPerCycle } from "./precision.js";
import { type LayerDims, type SimOp, inputCount, macsOf, vectorOpsOf, weightCount } from "./workload.js";

export type Bound = "compute" | "weight traffic" | "activation traffic" | "output traffic";

export interface ActionCounts {
  /** MACs by operand widths, keyed `w<wBits>a<aBits>`. */
  readonly macs: Readonly<Record<string, number>>;
  readonly vectorOps: number;
  readonly arrayPasses: number;
  readonly buffers: Readonly<Partial<Record<BufferName, { readonly readBits: number; readonly writeBits: number }>>>;
  readonly dram: { readonly readBits: number; readonly writeBits: number };
}

/**
 * Action counts with, on an arch with caches, the counts per cache level (accesses, hits, misses, dirty
 * lines written back). A separate interface so that ActionCounts built elsewhere stay valid.
 */
export interface SimActionCounts extends ActionCounts {
  readonly caches?: Readonly<Record<string, CacheActions>>;
}

export interface CacheActions {
  readonly accesses: number;
  readonly hits: number;
  readonly misses: number;
  readonly writebacks: number;
}

/** A layer's cache behaviour: gem5-style statistics and the address stream they came from. */
export interface LayerCacheReport {
  /** `simulated` (detailed engine) or `estimated` (analytic engine). */
  readonly source: "simulated" | "estimated";
  readonly stats: Readonly<Record<string, number>>;
  readonly stream: string;
}

export interface OperandTraffic {
  readonly bufferReadBits: number;
  readonly bufferWriteBits: number;
  readonly dramReadBits: number;
  readonly dramWriteBits: number;
  readonly dramReadBytes: number;
  readonly dramWriteBytes: number;
  readonly transfers: number;
  readonly dramCycles: number;
  readonly portCycles: number;
}

export interface LayerResult {
  readonly name: string;
  readonly op: SimOp;
  readonly dims: LayerDims & {
    readonly H: number; readonly W: number; readonly strideH: number; readonly strideW: number;
    readonly dilationH: number; readonly dilationW: number; readonly pads: readonly number[];
  };
  readonly wBits: number;
  readonly aBits: number;
  readonly outBits: number;
  readonly macs: number;
  /** Bit operations: MACs · wBits · aBits. */
  readonly bops: number;
  readonly vectorOps: number;
  readonly cycles: { readonly compute: number; readonly stall: number; readonly total: number };
  readonly utilization: { readonly mapping: number; readonly compute: number; readonly overall: number };
  readonly bound: Bound;
  /** The cycles each resource would need on its own; `bound` names the largest. */
  readonly terms: { readonly compute: number; readonly weights: number; readonly activations: number; readonly outputs: number };
  readonly operands: Readonly<Record<Operand, OperandTraffic>>;
  readonly buffers: Readonly<Partial<Record<BufferName, { readonly readBits: number; readonly writeBits: number; readonly peakOccupancyBits: number }>>>;
  readonly dram: { readonly readBytes: number; readonly writeBytes: number };
  /** The layer's input was on chip already / its output stays on chip for the next layer. */
  readonly inputOnChip: boolean;
  readonly outputOnChip: boolean;
  /**
   * On an arch with `buffers.weights.resident` (MAC layers): whether this layer's weights all fit and so
   * stayed on chip (false: fetched over DRAM as without the key).
   */
  readonly weightsOnChip?: boolean;
  readonly mapping: Mapping | null;
  readonly mappingText: string;
  readonly search: SearchStats | null;
  readonly formula: string;
  readonly actions: SimActionCounts;
  /** Which engine produced the numbers (absent: analytic). */
  readonly engine?: "analytic" | "detailed";
  /** The detailed engine's step timeline. */
  readonly timeline?: Timeline;
  readonly cache?: LayerCacheReport;
}

const BOUNDS: readonly Bound[] = ["compute", "weight traffic", "activation traffic", "output traffic"];

/** The largest term (ties go to the earlier of compute, weights, activations, outputs). */
export function boundOf(terms: LayerResult["terms"]): Bound {
  const v = [terms.compute, terms.weights, terms.activations, terms.outputs];
  let best = 0;
  for (let i = 1; i < 4; i++) if (v[i]! > v[best]!) best = i;
  return BOUNDS[best]!;
}

const bytes = (bits: number) => Math.ceil(bits / 8);

function formulaOf(ctx: EvalContext, e: Eval): string {
  const l = ctx.layer;
  const p = ctx.arch.compute.pipeline;
  const lines: string[] = [];
  lines.push(
    `total = prologue ${e.prologueCycles} + Σ ${e.tiles} steps [max(compute, buffer ports, overlapped DMA) + serial DMA] ${e.stepCycles} + epilogue ${e.epilogueCycles} = ${e.totalCycles}` +
      `  (Σ compute ${e.computeCycles}, Σ ports ${e.portCycles}, Σ overlapped DMA ${e.overlappedCycles}, Σ serial DMA ${e.serialCycles})`,
  );
  if (l.kind === "vector") {
    lines.push(`compute = Σ ${e.tiles} chunks [⌈element ops / ${ctx.arch.derived.vectorLanes} lanes⌉ + fill ${p.fillCycles} + drain ${p.drainCycles} + tile overhead ${p.perTileOverheadCycles}] over ${vectorOpsOf(l)} element ops = ${e.computeCycles}`);
  } else {
    const parts = e.classes.slice(0, 4).map((c) => `${c.count} × [${c.passes} passes × (${c.steps} steps × ${ctx.cyclesPerStep} cyc + ${p.fillCycles + p.drainCycles}) + ${p.perTileOverheadCycles}]`);
    lines.push(`compute = Σ tiles ${parts.join(" + ")}${e.classes.length > 4 ? ` + … (${e.classes.length} tile shapes)` : ""} = ${e.computeCycles}` + `  (depth ${ctx.depth} operands per PE per step, ${ctx.arrayRows}×${ctx.arrayCols} PEs)`);
  }
  const rd = ctx.arch.derived.dramReadBitsPerCycle;
  const wr = ctx.arch.derived.dramWriteBitsPerCycle;
  const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(3).replace(/\.?0+$/, ""));
  const dram = (name: string, c: Eval["weights"], bw: number) =>
    `${name} ${c.transfers} × ${ctx.latency} + Σ ⌈bits / ${fmt(bw)} b/cyc⌉ over ${c.dramReadBits + c.dramWriteBits} b = ${c.dramCycles}`;
  const weights = ctx.weightsResident ? "weights resident on chip (none moved)" : dram("weights", e.weights, rd);
  lines.push(`DRAM: ${weights}; ${dram("inputs", e.inputs, rd)}; ${dram("outputs", e.outputs, wr)}`);
  return lines.join("\n");
}

/** What a simulation adds after a layer's numbers: the engine, the detailed timeline, the cache report and counts. */
export interface ResultTail {
  readonly engine: "analytic" | "detailed";
  readonly timeline?: Timeline;
  readonly cache?: { readonly report: LayerCacheReport; readonly actions: Readonly<Record<string, CacheActions>> };
}

/**
 * Assemble the per-layer result from an evaluation (and the mapping it came from, for MAC layers); `tail`
 * becomes its last keys (and the cache counts its actions' last), built into the one object instead of
 * copied onto it.
 */
export function layerResult(ctx: EvalContext, e: Eval, mapped: Pick<MapResult, "mapping" | "search"> | undefined, tail?: ResultTail): LayerResult {
  const l = ctx.layer;
  const arch: ArchSpec = ctx.arch;
  const macs = macsOf(l);
  const vectorOps = vectorOpsOf(l);
  const peak = l.kind === "mac" ? peakMacsPerCycle(arch.compute.precision, arch.derived.pes, l.wBits, l.aBits) : arch.derived.vectorLanes;
  const work = l.kind === "mac" ? macs : vectorOps;
  const terms = { compute: e.computeCycles, weights: e.weights.term, activations: e.inputs.term, outputs: e.outputs.term };
  const op = (c: Eval["weights"]): OperandTraffic => ({
    bufferReadBits: c.bufferReadBits, bufferWriteBits: c.bufferWriteBits, dramReadBits: c.dramReadBits, dramWriteBits: c.dramWriteBits,
    dramReadBytes: bytes(c.dramReadBits), dramWriteBytes: bytes(c.dramWriteBits),
    transfers: c.transfers, dramCycles: c.dramCycles, portCycles: c.portCycles,
  });
  const holder = arch.derived.holder;
  const occupancy: Partial<Record<BufferName, number>> = {};
  const tiles: Record<Operand, number> = {
    weights: ctx.weightsResident ? weightCount(l) * l.wBits : e.weights.tileBits,
    inputs: ctx.inputResident ? inputCount(l) * l.aBits : e.inputs.tileBits,
    outputs: e.outputs.tileBits,
  };
  for (const o of ["weights", "inputs", "outputs"] as const) {
    const b = holder[o];
    const factor = arch.buffers[b]!.doubleBuffered && !(o === "inputs" && ctx.inputResident) ? 2 : 1;
    occupancy[b] = Math.min(arch.buffers[b]!.sizeBytes * 8, (occupancy[b] ?? 0) + tiles[o] * factor);
  }
  const buffers: Partial<Record<BufferName, { readBits: number; writeBits: number; peakOccupancyBits: number }>> = {};
  for (const [b, x] of Object.entries(e.bufferBits) as [BufferName, { read: number; write: number }][]) {
    buffers[b] = { readBits: x.read, writeBits: x.write, peakOccupancyBits: occupancy[b] ?? 0 };
  }
  const dramRead = e.weights.dramReadBits + e.inputs.dramReadBits + e.outputs.dramReadBits;
  const dramWrite = e.weights.dramWriteBits + e.inputs.dramWriteBits + e.outputs.dramWriteBits;
  const m = mapped?.mapping ?? null;
  return {
    name: l.name,
    op: l.op,
    dims: { N: l.N, G: l.G, K: l.K, C: l.C, P: l.P, Q: l.Q, R: l.R, S: l.S, H: l.H, W: l.W, strideH: l.strideH, strideW: l.strideW, dilationH: l.dilationH, dilationW: l.dilationW, pads: l.pads },
    wBits: l.wBits, aBits: l.aBits, outBits: l.outBits,
    macs, bops: macs * l.wBits * l.aBits, vectorOps,
    cycles: { compute: e.computeCycles, stall: e.totalCycles - e.computeCycles, total: e.totalCycles },
    utilization: {
      mapping: e.slots > 0 ? (l.kind === "mac" ? macs : vectorOps) / e.slots : 0,
      compute: e.computeCycles > 0 ? work / (e.computeCycles * peak) : 0,
      overall: e.totalCycles > 0 ? work / (e.totalCycles * peak) : 0,
    },
    bound: boundOf(terms),
    terms,
    operands: { weights: op(e.weights), inputs: op(e.inputs), outputs: op(e.outputs) },
    buffers,
    dram: { readBytes: bytes(dramRead), writeBytes: bytes(dramWrite) },
    inputOnChip: ctx.inputResident,
    outputOnChip: ctx.outputResident,
    // Only on an arch that keeps weights resident, so other reports keep their shape.
    ...(arch.buffers.weights?.resident === true && l.kind === "mac" ? { weightsOnChip: ctx.weightsResident } : {}),
    mapping: m,
    mappingText: m === null ? `vector unit: ${arch.derived.vectorLanes} lanes over ${vectorOps} element ops` : mappingText(m, l, ctx.arrayRows, ctx.arrayCols, ctx.depth),
    search: mapped?.search ?? null,
    formula: formulaOf(ctx, e),
    actions: {
      macs: macs > 0 ? { [`w${l.wBits}a${l.aBits}`]: macs } : {},
      vectorOps,
      arrayPasses: e.passes,
      buffers: Object.fromEntries(Object.entries(e.bufferBits).map(([b, x]) => [b, { readBits: x!.read, writeBits: x!.write }])),
      dram: { readBits: dramRead, writeBits: dramWrite },
      ...(tail?.cache === undefined ? {} : { caches: tail.cache.actions }),
    },
    ...(tail === undefined ? {} : { engine: tail.engine }),
    ...(tail?.timeline === undefined ? {} : { timeline: tail.timeline }),
    ...(tail?.cache === undefined ? {} : { cache: tail.cache.report }),
  };
}
