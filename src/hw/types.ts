/**
 * The validated, unit-converted accelerator description (`*.arch.yaml` → ArchSpec). Every quantity carries
 * its unit in its field name; the loader converts once, so nothing downstream parses units again.
 * Specs are built once, validated and read-only (see docs/arch-yaml.md for every key).
 */

export type Dataflow = "os" | "ws" | "is";
export const DATAFLOWS: readonly Dataflow[] = ["os", "ws", "is"];

export type PrecisionMode = "fixed" | "int4-packing" | "bit-fusion" | "bit-serial" | "act-serial" | "xnor";
export const PRECISION_MODES: readonly PrecisionMode[] = ["fixed", "int4-packing", "bit-fusion", "bit-serial", "act-serial", "xnor"];

export type Overflow = "wrap" | "saturate";

export interface PrecisionSpec {
  readonly mode: PrecisionMode;
  /** Operand width a PE handles in one pass (wider operands take several passes). */
  readonly maxBits: number;
  /** Narrowest width that still gains speed (int4-packing, bit-fusion). */
  readonly minBits: number;
  /** int4-packing: MACs per PE per cycle when both operands are ≤ minBits. */
  readonly packing: number;
  /**
   * Operand positions along the reduction each PE consumes per step: BISMO's Dk (bit-serial), the XNOR
   * word width (xnor), Stripes' weight lanes per PE (act-serial). 1 for the other modes.
   */
  readonly depth: number;
}

export interface PipelineSpec {
  /** Cycles before the first result of an array pass (operand skew, weight load). */
  readonly fillCycles: number;
  /** Cycles after the last streamed operand until the pass's results have left the array. */
  readonly drainCycles: number;
  /** Cycles added once per buffer tile (controller set-up, instruction issue). */
  readonly perTileOverheadCycles: number;
}

interface ComputeBase {
  readonly precision: PrecisionSpec;
  readonly accumulatorBits: number;
  readonly overflow: Overflow;
  readonly pipeline: PipelineSpec;
}

export interface SystolicCompute extends ComputeBase {
  readonly kind: "systolic";
  readonly rows: number;
  readonly cols: number;
  readonly dataflow: Dataflow;
}

/** A fixed kernel loop nest that replaces the mapper (`compute.kernel`); see src/sim/kernels.ts. */
export type KernelNest = "cmsis-nn";

/** N lanes, each one MAC (per precision step) per cycle; reductions run in time, like an os array of 1 row. */
export interface VectorCompute extends ComputeBase {
  readonly kind: "vector";
  readonly lanes: number;
  /** Run every layer with this library's loop nest instead of a searched mapping (a CPU running CMSIS-NN). */
  readonly kernel: KernelNest | undefined;
}

/**
 * FINN-style layer-pipelined dataflow (one engine per layer, PE × SIMD folding). Folding is given per
 * layer (`--mapping`) or chosen to meet `targetFps`.
 */
export interface DataflowCompute extends ComputeBase {
  readonly kind: "dataflow";
  /** Frames per second every layer must sustain when folding is chosen (undefined: fully folded, PE = SIMD = 1). */
  readonly targetFps: number | undefined;
  /** Depth of the FIFO between consecutive layers (elements); filling them is part of the latency. */
  readonly fifoDepth: number;
  /** Upper bounds on PE and SIMD when folding is chosen. */
  readonly maxPe: number;
  readonly maxSimd: number;
}

export type ComputeSpec = SystolicCompute | VectorCompute | DataflowCompute;

export type BufferName = "weights" | "inputs" | "outputs" | "unified";
export const BUFFER_NAMES: readonly BufferName[] = ["weights", "inputs", "outputs", "unified"];
export type Operand = "weights" | "inputs" | "outputs";
export const OPERANDS: readonly Operand[] = ["weights", "inputs", "outputs"];

export interface BufferSpec {
  readonly name: BufferName;
  readonly sizeBytes: number;
  readonly banks: number;
  /** Bits one bank moves per cycle (read or write). */
  readonly portBits: number;
  /** Half the capacity holds the working tile while the other half is filled or drained. */
  readonly doubleBuffered: boolean;
  /** Storage width of one partial sum (outputs / unified); the accumulator width when not given. */
  readonly wordBits: number;
  /**
   * `weights` only, present when the file sets it: the buffer holds a layer's whole weight tensor before
   * the layer starts (a ROM, or weights loaded outside the simulated run), so a layer whose weights fit
   * fetches none over DRAM. Never refilled, so never double-buffered.
   */
  readonly resident?: boolean;
}

export interface DramSpec {
  /** Read and write share one interface of this bandwidth (undefined when they are separate). */
  readonly sharedBandwidthBytesPerS: number | undefined;
  readonly readBandwidthBytesPerS: number;
  readonly writeBandwidthBytesPerS: number;
  readonly latencyS: number;
  readonly burstBytes: number;
  /** Priced by the energy issue; carried here only. */
  readonly energyPerBitPj: number | undefined;
}

export type CacheReplacement = "lru" | "plru" | "fifo" | "random";
export type CacheWritePolicy = "back-allocate" | "through-no-allocate" | "through-allocate" | "back-no-allocate";

/** Read-only memory holding the weights (an MCU's flash); `flash:` in the arch file. */
export interface FlashSpec {
  readonly latencyS: number;
  readonly bandwidthBytesPerS: number;
}

/** Simulated access by access by the detailed engine, estimated by the analytic one (src/sim/cache/). */
export interface CacheSpec {
  readonly name: string;
  readonly sizeBytes: number;
  readonly lineBytes: number;
  readonly ways: number;
  readonly replacement: CacheReplacement;
  readonly write: CacheWritePolicy;
  readonly hitLatencyCycles: number;
}

/** Quantities derived once from the spec (what the simulator needs in its hot loop). */
export interface DerivedParams {
  /** Processing elements (rows·cols, or lanes). */
  readonly pes: number;
  readonly arrayRows: number;
  readonly arrayCols: number;
  /** The buffer that holds each operand (its own, or `unified`). */
  readonly holder: Readonly<Record<Operand, BufferName>>;
  /** Usable capacity for one working tile, in bits (halved when double-buffered). */
  readonly tileCapacityBits: Readonly<Partial<Record<BufferName, number>>>;
  readonly dramReadBitsPerCycle: number;
  readonly dramWriteBitsPerCycle: number;
  /** One interface for reads and writes. */
  readonly dramShared: boolean;
  /** DRAM latency in cycles: the product rounded to 1e-9 cycles, then up. */
  readonly dramLatencyCycles: number;
  /** Lanes of the element-wise (vector) unit: pools and adds. */
  readonly vectorLanes: number;
}

export interface ArchSpec {
  readonly version: 1;
  readonly name: string;
  readonly description: string;
  readonly clockHz: number;
  readonly compute: ComputeSpec;
  readonly buffers: Readonly<Partial<Record<BufferName, BufferSpec>>>;
  readonly dram: DramSpec;
  readonly caches: readonly CacheSpec[];
  /** Where the weights live when not in DRAM (an MCU's flash). */
  readonly flash?: FlashSpec;
  /** Technology table name (`45nm`): hw-models/tech/<node>.yaml, or derived from 45nm by src/cost. */
  readonly tech: string | undefined;
  /** How src/cost prices this design (the `cost:` key; defaults when absent). */
  readonly cost: CostSpec;
  readonly derived: DerivedParams;
}

/** `composed`: a PE built from single-operation entries; `synthesized`: BitFusion's whole-PE figures. */
export type PeModel = "composed" | "synthesized";
export const PE_MODELS: readonly PeModel[] = ["composed", "synthesized"];

/** The arch file's `cost:` key. Entry names and override units are checked against the technology table when pricing. */
export interface CostSpec {
  readonly peModel: PeModel;
  /** Whether the file chose the PE model (reports print "default" otherwise). */
  readonly peModelGiven: boolean;
  /** A `dram` entry of the technology table (`lpddr4`, `hbm2` …) pricing DRAM when dram.energyPerBit is not given. */
  readonly dramTech: string | undefined;
  /** Single technology-table entries replaced for this design: entry id (`ops.int8-mul.energy`) → value as written (`0.25 pJ`). */
  readonly overrides: Readonly<Record<string, string | number>>;
}
