/**
 * FPGA dataflow (`compute.kind: dataflow`): FINN's layer-pipelined engines (Umuroglu et al., FPGA 2017;
 * Blott et al., FINN-R, TRETS 2018; timing-models.md). Every MAC layer gets a matrix–vector–activation
 * unit: its MH × MW weight matrix (MH output channels, MW = R·S·C inputs per output) folded onto PE rows ×
 * SIMD lanes (MH % PE = 0, MW % SIMD = 0), XNOR-popcount lanes when weights and activations are binary,
 * multipliers otherwise, and thresholds (2^outBits − 1 per channel) in place of requantization:
 *
 *   cycles per frame = (MH / PE) · (MW / SIMD) · vectors        (vectors = output pixels)
 *   weight memory    = MW·MH / (PE·SIMD) words of PE·SIMD·wBits bits; threshold memory MH / PE words
 *
 * Depthwise layers use FINN's vector–vector unit (MH = channels, MW = kernel taps); pools and adds stream
 * N·H·W pixels with PE channels per cycle. Folding is given per layer (`--mapping`: {"pe", "simd"}) or
 * chosen like FINN's SetFolding: SIMD up through the divisors of MW, then PE through those of MH, until
 * the layer meets the target frame rate. The network's throughput is set by its slowest layer (its
 * initiation interval); latency = Σ layer latencies (cycles + the unit's pipeline fill) + FIFO fill
 * (fifoDepth cycles for each FIFO between layers).
 */
import { MappingError, type Problem } from "../../errors.js";
import type { ArchSpec, DataflowCompute } from "../../hw/types.js";
import type { LayerResult, OperandTraffic } from "../result.js";
import { type SimLayer, dimsText, macsOf, vectorOpsOf } from "../workload.js";

export interface Folding {
  readonly pe: number;
  readonly simd: number;
}

export interface DataflowLayer {
  readonly name: string;
  readonly unit: "mvau" | "vvau" | "stream";
  readonly mh: number;
  readonly mw: number;
  readonly vectors: number;
  readonly folding: Folding;
  /** Folding given (--mapping) or chosen for the target. */
  readonly chosen: boolean;
  readonly cycles: number;
  readonly latency: number;
  readonly lanes: string;
  readonly weightMemory: { readonly depth: number; readonly widthBits: number } | null;
  readonly thresholdMemory: { readonly depth: number; readonly thresholdsPerChannel: number } | null;
  readonly formula: string;
}

export interface DataflowSummary {
  /** Cycles between frames: the slowest layer's cycles. */
  readonly initiationIntervalCycles: number;
  readonly framesPerSecond: number;
  readonly bottleneck: string;
  readonly latencyCycles: number;
  readonly fifoFillCycles: number;
  readonly targetFps: number | null;
  readonly layers: readonly DataflowLayer[];
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** The matrix a layer's engine folds: rows MH, columns MW, vectors per frame. */
export function engineShape(l: SimLayer): { unit: DataflowLayer["unit"]; mh: number; mw: number; vectors: number } {
  if (l.kind === "vector") return { unit: "stream", mh: l.G, mw: 1, vectors: l.N * (l.op === "add" || l.op === "mul" ? l.P * l.Q : l.H * l.W) };
  if (l.G > 1 && l.C === 1) return { unit: "vvau", mh: l.G * l.K, mw: l.R * l.S, vectors: l.N * l.P * l.Q };
  return { unit: "mvau", mh: l.G * l.K, mw: l.C * l.R * l.S, vectors: l.N * l.P * l.Q };
}

/** FINN's SetFolding for one layer: SIMD first, then PE, until cycles ≤ target. */
export function chooseFolding(mh: number, mw: number, vectors: number, targetCycles: number | undefined, maxPe: number, maxSimd: number): Folding {
  let pe = 1;
  let simd = 1;
  if (targetCycles === undefined) return { pe, simd };
  const cycles = () => (mh / pe) * (mw / simd) * vectors;
  for (const s of divisors(mw)) {
    if (cycles() <= targetCycles || s > maxSimd) break;
    simd = s;
  }
  for (const p of divisors(mh)) {
    if (cycles() <= targetCycles || p > maxPe) break;
    pe = p;
  }
  return { pe, simd };
}

function pinned(doc: unknown, l: SimLayer, mh: number, mw: number): Folding {
  const o = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  const problems: Problem[] = [];
  const at = `mapping for "${l.name}"`;
  for (const k of Object.keys(o)) if (k !== "pe" && k !== "simd") problems.push({ path: `${at}.${k}`, message: "unknown key of a dataflow folding", expected: "pe, simd" });
  const read = (k: "pe" | "simd", of: number, what: string): number => {
    const v = o[k] ?? 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || of % v !== 0) {
      problems.push({ path: `${at}.${k}`, message: `must divide ${what} (${of})`, given: JSON.stringify(v), expected: `one of ${divisors(of).join(", ")}` });
      return 1;
    }
    return v;
  };
  const f = { pe: read("pe", mh, "MH, the engine's output channels"), simd: read("simd", mw, "MW, its inputs per output") };
  if (problems.length > 0) throw new MappingError(problems);
  return f;
}

export function dataflowLayer(l: SimLayer, c: DataflowCompute, clockHz: number, pin: unknown): DataflowLayer {
  const { unit, mh, mw, vectors } = engineShape(l);
  const target = c.targetFps === undefined ? undefined : clockHz / c.targetFps;
  const folding = pin !== undefined ? pinned(pin, l, mh, mw) : chooseFolding(mh, mw, vectors, target, c.maxPe, unit === "stream" ? 1 : c.maxSimd);
  const cycles = (mh / folding.pe) * (mw / folding.simd) * vectors;
  const binary = l.wBits === 1 && l.aBits === 1;
  const mac = l.kind === "mac";
  return {
    name: l.name, unit, mh, mw, vectors, folding, chosen: pin === undefined, cycles, latency: cycles + c.pipeline.fillCycles,
    lanes: !mac ? `${folding.pe} channel lanes` : `${folding.pe}×${folding.simd} ${binary ? "XNOR-popcount" : "multiply"} lanes`,
    weightMemory: mac ? { depth: (mw * mh) / (folding.pe * folding.simd), widthBits: folding.pe * folding.simd * l.wBits } : null,
    thresholdMemory: mac ? { depth: mh / folding.pe, thresholdsPerChannel: 2 ** l.outBits - 1 } : null,
    formula: `cycles = (MH ${mh} / PE ${folding.pe}) · (MW ${mw} / SIMD ${folding.simd}) · vectors ${vectors} = ${cycles}`,
  };
}

export function simulateDataflow(layers: readonly SimLayer[], arch: ArchSpec, pins: ReadonlyMap<string, unknown>): { summary: DataflowSummary; results: LayerResult[] } {
  const c = arch.compute;
  if (c.kind !== "dataflow") throw new Error("internal: simulateDataflow needs a dataflow arch");
  const dl = layers.map((l) => dataflowLayer(l, c, arch.clockHz, pins.get(l.name) ?? (l.kind === "mac" ? pins.get("*") : undefined)));
  let worst = 0;
  dl.forEach((x, i) => {
    if (x.cycles > dl[worst]!.cycles) worst = i;
  });
  const ii = dl.length > 0 ? dl[worst]!.cycles : 0;
  const fifoFill = c.fifoDepth * Math.max(0, dl.length - 1);
  const latency = dl.reduce((s, x) => s + x.latency, 0) + fifoFill;
  const summary: DataflowSummary = {
    initiationIntervalCycles: ii, framesPerSecond: ii > 0 ? arch.clockHz / ii : 0, bottleneck: dl[worst]?.name ?? "",
    latencyCycles: latency, fifoFillCycles: fifoFill, targetFps: c.targetFps ?? null, layers: dl,
  };
  return { summary, results: layers.map((l, i) => layerOf(l, dl[i]!, ii)) };
}

const NO_TRAFFIC: OperandTraffic = { bufferReadBits: 0, bufferWriteBits: 0, dramReadBits: 0, dramWriteBits: 0, dramReadBytes: 0, dramWriteBytes: 0, transfers: 0, dramCycles: 0, portCycles: 0 };

/** A per-layer result in the common shape: weights live on chip, nothing moves through DRAM. */
function layerOf(l: SimLayer, d: DataflowLayer, ii: number): LayerResult {
  const macs = macsOf(l);
  const lanes = d.folding.pe * d.folding.simd;
  const work = l.kind === "mac" ? macs : vectorOpsOf(l);
  return {
    name: l.name, op: l.op,
    dims: { N: l.N, G: l.G, K: l.K, C: l.C, P: l.P, Q: l.Q, R: l.R, S: l.S, H: l.H, W: l.W, strideH: l.strideH, strideW: l.strideW, dilationH: l.dilationH, dilationW: l.dilationW, pads: l.pads },
    wBits: l.wBits, aBits: l.aBits, outBits: l.outBits, macs, bops: macs * l.wBits * l.aBits, vectorOps: vectorOpsOf(l),
    cycles: { compute: d.cycles, stall: d.latency - d.cycles, total: d.latency },
    utilization: { mapping: 1, compute: d.cycles > 0 ? Math.min(1, work / (d.cycles * lanes)) : 0, overall: ii > 0 ? d.cycles / ii : 0 },
    bound: "compute",
    terms: { compute: d.cycles, weights: 0, activations: 0, outputs: 0 },
    operands: { weights: NO_TRAFFIC, inputs: NO_TRAFFIC, outputs: NO_TRAFFIC },
    buffers: {}, dram: { readBytes: 0, writeBytes: 0 }, inputOnChip: true, outputOnChip: true,
    mapping: null,
    mappingText: `${d.unit.toUpperCase()} ${dimsText(l)}: MH ${d.mh} × MW ${d.mw} folded onto PE ${d.folding.pe} × SIMD ${d.folding.simd} (${d.lanes}${d.chosen ? ", chosen for the target" : ", given"})`,
    search: null, formula: d.formula,
    actions: { macs: macs > 0 ? { [`w${l.wBits}a${l.aBits}`]: macs } : {}, vectorOps: vectorOpsOf(l), arrayPasses: 0, buffers: {}, dram: { readBits: 0, writeBits: 0 } },
    engine: "analytic",
  };
}
