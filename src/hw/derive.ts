/** Parameters derived once from a validated spec: what the simulator reads in its hot loop. */
import type { BufferName, BufferSpec, ComputeSpec, DerivedParams, DramSpec, Operand } from "./types.js";
import { timeToCycles } from "./units.js";

export function holderOf(buffers: Readonly<Partial<Record<BufferName, BufferSpec>>>, op: Operand): BufferName | undefined {
  if (buffers[op] !== undefined) return op;
  if (buffers.unified !== undefined) return "unified";
  return undefined;
}

export function deriveParams(
  clockHz: number,
  compute: ComputeSpec,
  buffers: Readonly<Partial<Record<BufferName, BufferSpec>>>,
  dram: DramSpec,
): DerivedParams {
  const rows = compute.kind === "systolic" ? compute.rows : 1;
  const cols = compute.kind === "systolic" ? compute.cols : compute.kind === "vector" ? compute.lanes : 1;
  const cap: Partial<Record<BufferName, number>> = {};
  for (const b of Object.values(buffers)) if (b !== undefined) cap[b.name] = (b.sizeBytes * 8) / (b.doubleBuffered ? 2 : 1);
  const holder = {
    weights: holderOf(buffers, "weights") ?? "unified",
    inputs: holderOf(buffers, "inputs") ?? "unified",
    outputs: holderOf(buffers, "outputs") ?? "unified",
  } as const;
  return {
    pes: rows * cols,
    arrayRows: rows,
    arrayCols: cols,
    holder,
    tileCapacityBits: cap,
    dramReadBitsPerCycle: (dram.readBandwidthBytesPerS * 8) / clockHz,
    dramWriteBitsPerCycle: (dram.writeBandwidthBytesPerS * 8) / clockHz,
    dramShared: dram.sharedBandwidthBytesPerS !== undefined,
    dramLatencyCycles: timeToCycles(dram.latencyS, clockHz),
    vectorLanes: cols,
  };
}
