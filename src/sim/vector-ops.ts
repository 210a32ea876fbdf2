/**
 * Pools and adds on the vector unit (one lane per array column, or the vector compute's lanes): one lane
 * operation per input element consumed, inputs streamed through the inputs buffer and results through the
 * outputs buffer in tiles of the buffer's capacity, with the same DRAM overlap rule as MAC layers.
 */
import type { BufferName, Operand } from "../hw/types.js";
import type { Eval, EvalContext, OperandCost } from "./cost.js";
import { outputCount, vectorOpsOf } from "./workload.js";

export function evaluateVector(ctx: EvalContext): Eval {
  const l = ctx.layer;
  const arch = ctx.arch;
  const lanes = arch.derived.vectorLanes;
  const pipe = arch.compute.pipeline;
  const ops = vectorOpsOf(l);
  const compute = Math.ceil(ops / lanes) + pipe.fillCycles + pipe.drainCycles + pipe.perTileOverheadCycles;
  const inBitsAll = l.vectorInputs * l.N * l.G * l.H * l.W * l.aBits;
  // A resident input is the chained one; an add's other operand still comes from DRAM.
  const inDram = ctx.inputResident ? inBitsAll - l.N * l.G * l.H * l.W * l.aBits : inBitsAll;
  const outBits = outputCount(l) * l.outBits;
  const outDram = ctx.outputResident ? 0 : outBits;
  const holder = arch.derived.holder;
  const cap = (op: Operand) => Math.max(1, arch.derived.tileCapacityBits[holder[op]] ?? 1);
  const rd = arch.derived.dramReadBitsPerCycle;
  const wr = arch.derived.dramWriteBitsPerCycle;
  const lat = ctx.latency;
  const iT = inDram > 0 ? Math.ceil(inDram / cap("inputs")) : 0;
  const oT = outDram > 0 ? Math.ceil(outDram / cap("outputs")) : 0;
  const iCyc = Math.ceil(inDram / rd) + iT * lat;
  const oCyc = Math.ceil(outDram / wr) + oT * lat;
  const perOp: Record<Operand, { read: number; write: number }> = {
    weights: { read: 0, write: 0 },
    inputs: { read: inBitsAll, write: inDram },
    outputs: { read: outBits, write: outBits },
  };
  const bufferBits: Partial<Record<BufferName, { read: number; write: number }>> = {};
  for (const op of ["inputs", "outputs"] as const) {
    const b = holder[op];
    const cur = bufferBits[b] ?? { read: 0, write: 0 };
    bufferBits[b] = { read: cur.read + perOp[op].read, write: cur.write + perOp[op].write };
  }
  const rate = (b: BufferName) => arch.buffers[b]!.banks * arch.buffers[b]!.portBits;
  let portCycles = 0;
  for (const b of Object.keys(bufferBits) as BufferName[]) portCycles = Math.max(portCycles, Math.ceil((bufferBits[b]!.read + bufferBits[b]!.write) / rate(b)));
  const onchip = Math.max(compute, portCycles);
  const dbl = (op: Operand) => arch.buffers[holder[op]]!.doubleBuffered;
  const iEdge = iT > 0 ? Math.min(iCyc, lat + Math.ceil(Math.min(inDram, cap("inputs")) / rd)) : 0;
  const oEdge = oT > 0 ? Math.min(oCyc, lat + Math.ceil(Math.min(outDram, cap("outputs")) / wr)) : 0;
  let exposed = 0;
  let overRead = 0;
  let overWrite = 0;
  if (dbl("inputs")) {
    exposed += iEdge;
    overRead += iCyc - iEdge;
  } else exposed += iCyc;
  if (dbl("outputs")) {
    exposed += oEdge;
    overWrite += oCyc - oEdge;
  } else exposed += oCyc;
  const overlapped = arch.derived.dramShared ? overRead + overWrite : Math.max(overRead, overWrite);
  const total = onchip + exposed + Math.max(0, overlapped - onchip);
  const mk = (op: Operand, dramRead: number, dramWrite: number, transfers: number, dramCycles: number): OperandCost => {
    const port = Math.ceil((perOp[op].read + perOp[op].write) / rate(holder[op]));
    return {
      arrayAccesses: op === "inputs" ? ops : op === "outputs" ? outputCount(l) : 0,
      bufferReadBits: perOp[op].read, bufferWriteBits: perOp[op].write, dramReadBits: dramRead, dramWriteBits: dramWrite,
      transfers, dramCycles, portCycles: op === "weights" ? 0 : port, term: op === "weights" ? 0 : Math.max(dramCycles, port), tileBits: 0,
    };
  };
  return {
    legal: true, macs: 0, computeCycles: compute, portCycles, onchipCycles: onchip, exposedCycles: exposed, overlappedCycles: overlapped,
    totalCycles: total, passes: 0, slots: Math.ceil(ops / lanes) * lanes,
    weights: mk("weights", 0, 0, 0, 0), inputs: mk("inputs", inDram, 0, iT, iCyc), outputs: mk("outputs", 0, outDram, oT, oCyc),
    bufferBits, classes: [{ count: 1, passes: 0, steps: Math.ceil(ops / lanes), cycles: compute }], dramBits: inDram + outDram,
  };
}
