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

/** N lanes, each one MAC (per precision step) per cycle; reductions run in time, like an os array of 1 row. */
export interface VectorCompute extends ComputeBase {
  readonly kind: "vector";
  readonly lanes: number;
}

export type ComputeSpec = SystolicCompute | VectorCompute;

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

export type CacheReplacement = "lru" | "fifo" | "random";
export type CacheWritePolicy = "back-allocate" | "through-no-allocate" | "through-allocate" | "back-no-allocate";

/** Parsed and validated here; simulated by the detailed engine (part 2). */
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
  /** Technology table name (`45nm`), priced by the energy issue. */
  readonly tech: string | undefined;
  readonly derived: DerivedParams;
}
