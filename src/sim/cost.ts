/**
 * The analytic cost of one mapping of one MAC layer: compute cycles from array passes, buffer accesses
 * with port limits, DRAM traffic from the tile loop order, and the overlap of transfers with compute
 * under double buffering. This is the mapper's inner loop: numbers only, no strings, few allocations.
 *
 * Per buffer tile, on an R_a × C_a array whose PEs take `depth` reduction operands per step of c cycles:
 *   passes = ⌈rows extent/(R_a·depth)⌉ · ⌈cols extent/C_a⌉ · (extent of the non-streamed temporal loops)
 *   cycles = passes · (steps · c + fill + drain) + per-tile overhead
 * DRAM: an operand's tile is re-fetched once per iteration of every loop it does not depend on that sits
 * outside its innermost relevant loop; transfer time = latency per tile + bits / bandwidth, rounded to
 * bursts. Outputs revisited across input-channel tiles spill partial sums (accumulator width) to DRAM.
 * total = max(compute, buffer ports) + exposed transfers + max(0, overlapped transfers − that), where
 * transfers into double-buffered buffers overlap compute except the first load and the last store.
 */
import type { BufferName, Operand } from "../hw/types.js";
import type { Mapping, Operand3 } from "./mapping.js";
import { DIM_ORDER, type EvalContext, type Overflow, REL_MASK, inputSpan, planOf, tileFit } from "./plan.js";

export { type EvalContext, makeContext, tileFits } from "./plan.js";

/** Per-operand numbers (bits unless named otherwise). */
export interface OperandCost {
  /** Values moved between the buffer and the array. */
  readonly arrayAccesses: number;
  readonly bufferReadBits: number;
  readonly bufferWriteBits: number;
  readonly dramReadBits: number;
  readonly dramWriteBits: number;
  readonly transfers: number;
  /** DRAM time of this operand: ⌈bits / bandwidth⌉ + transfers · latency. */
  readonly dramCycles: number;
  readonly portCycles: number;
  /** max(dramCycles, portCycles): this operand's traffic term. */
  readonly term: number;
  readonly tileBits: number;
}

export interface TileClass {
  readonly count: number;
  readonly passes: number;
  readonly steps: number;
  readonly cycles: number;
}

export interface Eval {
  readonly legal: boolean;
  /** Why not legal: the buffer that overflows, with the bits needed and available. */
  readonly overflow?: Overflow;
  readonly macs: number;
  readonly computeCycles: number;
  readonly portCycles: number;
  readonly onchipCycles: number;
  readonly exposedCycles: number;
  readonly overlappedCycles: number;
  readonly totalCycles: number;
  readonly passes: number;
  /** PE-operand slots offered during the active steps (mapping-utilization denominator). */
  readonly slots: number;
  readonly weights: OperandCost;
  readonly inputs: OperandCost;
  readonly outputs: OperandCost;
  readonly bufferBits: Readonly<Partial<Record<BufferName, { read: number; write: number }>>>;
  readonly classes: readonly TileClass[];
  readonly dramBits: number;
}

const OPS: readonly Operand[] = ["weights", "inputs", "outputs"];

/** Evaluate one mapping. With `detail`, the tile classes are kept (for the formula). */
export function evaluateMapping(ctx: EvalContext, m: Mapping, detail = false): Eval {
  const l = ctx.layer;
  const arch = ctx.arch;
  const t = m.tile;
  // Tile extents, counts and remainders, indexed like DIM_ORDER (R and S are never tiled).
  const L = [l.N, l.G, l.K, l.C, l.P, l.Q, l.R, l.S];
  const tt = [t.N, t.G, t.K, t.C, t.P, t.Q, l.R, l.S];
  const n = [0, 0, 0, 0, 0, 0, 1, 1];
  const rem = [0, 0, 0, 0, 0, 0, l.R, l.S];
  for (let i = 0; i < 6; i++) {
    n[i] = Math.ceil(L[i]! / tt[i]!);
    rem[i] = L[i]! - (n[i]! - 1) * tt[i]!;
  }
  const plan = planOf(ctx, m);
  const { redOnRows, redStreamed, dRows, roles, rsR, rsC, csR, csC, rowsIdx, colsIdx, streamIdx, foldIdx } = plan;
  const fit = tileFit(ctx, plan, t, n[3]!);
  if (fit.overflow !== undefined) return illegal(fit.overflow);
  const { complete, wTile, iTile, oTile } = fit;
  const oWord = complete ? l.outBits : ctx.psumBits;
  const holder = arch.derived.holder;

  // Compute: sum over tile classes (full tiles and the remainder tile of each dimension).
  const pipe = arch.compute.pipeline;
  const passOverhead = pipe.fillCycles + pipe.drainCycles;
  let compute = 0;
  let macs = 0;
  let passesTotal = 0;
  let slots = 0;
  let accStat = 0;
  let accRow = 0;
  let accCol = 0;
  const classes: TileClass[] = [];
  const ragged: number[] = [];
  let baseCount = 1;
  const e = tt.slice();
  for (let i = 0; i < 6; i++) {
    if (n[i]! > 1 && rem[i] !== tt[i]) ragged.push(i);
    else baseCount *= n[i]!;
  }
  const arrayRowsD = ctx.arrayRows * dRows;
  const perStep = ctx.cyclesPerStep;
  const pes = ctx.arrayRows * ctx.arrayCols * ctx.depth;
  for (let mask = 0; mask < 1 << ragged.length; mask++) {
    let count = baseCount;
    for (let j = 0; j < ragged.length; j++) {
      const d = ragged[j]!;
      if ((mask >> j) & 1) {
        e[d] = rem[d]!;
      } else {
        e[d] = tt[d]!;
        count *= n[d]! - 1;
      }
    }
    let rowsExt = 1;
    for (const d of rowsIdx) rowsExt *= e[d]!;
    let colsExt = 1;
    for (const d of colsIdx) colsExt *= e[d]!;
    let T = 1;
    for (const d of streamIdx) T *= e[d]!;
    let F = 1;
    for (const d of foldIdx) F *= e[d]!;
    const foldsRows = Math.ceil(rowsExt / arrayRowsD);
    const foldsCols = Math.ceil(colsExt / ctx.arrayCols);
    const steps = redStreamed && !redOnRows ? Math.ceil(T / ctx.depth) : T;
    const passes = foldsRows * foldsCols * F;
    const cycles = passes * (steps * perStep + passOverhead) + pipe.perTileOverheadCycles;
    compute += count * cycles;
    macs += count * e[0]! * e[1]! * e[2]! * e[3]! * e[4]! * e[5]! * l.R * l.S;
    passesTotal += count * passes;
    slots += count * passes * steps * pes;
    accStat += count * rowsExt * colsExt * F;
    accRow += count * T * (rsR ? rowsExt : foldsRows) * (rsC ? colsExt : foldsCols) * F;
    accCol += count * T * (csR ? rowsExt : foldsRows) * (csC ? colsExt : foldsCols) * F;
    if (detail) classes.push({ count, passes, steps, cycles });
  }
  const acc: Record<Operand3, number> = { weights: 0, inputs: 0, outputs: 0 };
  acc[roles.stationary] = accStat;
  acc[roles.rowStream] = accRow;
  acc[roles.colStream] = accCol;

  // DRAM traffic from the loop order: an operand's tile is fetched again for every iteration of a loop it
  // does not depend on that sits outside its innermost relevant loop.
  const order = m.order;
  const oi = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < order.length; i++) oi[i] = DIM_ORDER.indexOf(order[i]!);
  const reloadAndTransfers = (mask: number): [number, number] => {
    let inner = -1;
    for (let i = 0; i < 6; i++) if ((mask >> oi[i]!) & 1 && n[oi[i]!]! > 1) inner = i;
    let reload = 1;
    let transfers = 1;
    for (let i = 0; i <= inner; i++) {
      const k = n[oi[i]!]!;
      transfers *= k;
      if (!((mask >> oi[i]!) & 1)) reload *= k;
    }
    return [reload, transfers];
  };
  const outVol = l.N * l.G * l.K * l.P * l.Q;
  const [wReload, wTransfers] = reloadAndTransfers(REL_MASK.weights);
  const [iReload, iTransfers] = reloadAndTransfers(REL_MASK.inputs);
  const [visits, oTransfers] = reloadAndTransfers(REL_MASK.outputs);
  const inRows = inputSpan(l.H, n[4]!, t.P, rem[4]!, l.R, l.strideH, l.dilationH, l.pads[0], l.pads[2]);
  const inCols = inputSpan(l.W, n[5]!, t.Q, rem[5]!, l.S, l.strideW, l.dilationW, l.pads[1], l.pads[3]);
  const burst = (bits: number, transfers: number) => (bits <= 0 || transfers <= 0 ? 0 : Math.ceil(bits / transfers / ctx.burstBits) * ctx.burstBits * transfers);
  const wDram = burst(wReload * l.G * l.K * l.C * l.R * l.S * l.wBits, wTransfers);
  const iDram = ctx.inputResident ? 0 : burst(iReload * l.N * l.G * l.C * inRows * inCols * l.aBits, iTransfers);
  const psum = burst((visits - 1) * outVol * ctx.psumBits, oTransfers);
  const oFinal = ctx.outputResident ? 0 : burst(outVol * l.outBits, oTransfers / visits);
  const rd = arch.derived.dramReadBitsPerCycle;
  const wr = arch.derived.dramWriteBitsPerCycle;
  const lat = ctx.latency;
  const iT = ctx.inputResident ? 0 : iTransfers;
  const oT = (oFinal > 0 ? oTransfers / visits : 0) + (visits > 1 ? (2 * oTransfers * (visits - 1)) / visits : 0);
  const wCyc = Math.ceil(wDram / rd) + wTransfers * lat;
  const iCyc = Math.ceil(iDram / rd) + iT * lat;
  const oCyc = Math.ceil((oFinal + psum) / wr) + Math.ceil(psum / rd) + Math.ceil(oT) * lat;

  // Buffer accesses (array side plus DRAM fills and drains) and port limits.
  const wBuf = { read: acc.weights * l.wBits, write: wDram };
  const iBuf = { read: acc.inputs * l.aBits, write: iDram };
  const oWrites = acc.outputs;
  // Every array write but an output's first is a read-modify-write, and every output is read once more
  // to leave the buffer: reads = (writes − outputs) + outputs.
  const oBuf = { read: oWrites * oWord + psum, write: oWrites * oWord + psum };
  const bufferBits: Partial<Record<BufferName, { read: number; write: number }>> = {};
  const perOp: Record<Operand, { read: number; write: number }> = { weights: wBuf, inputs: iBuf, outputs: oBuf };
  for (const op of OPS) {
    const b = holder[op];
    const cur = bufferBits[b] ?? { read: 0, write: 0 };
    bufferBits[b] = { read: cur.read + perOp[op].read, write: cur.write + perOp[op].write };
  }
  const portRate = (b: BufferName) => {
    const spec = arch.buffers[b]!;
    return spec.banks * spec.portBits;
  };
  let portCycles = 0;
  for (const b of Object.keys(bufferBits) as BufferName[]) {
    const x = bufferBits[b]!;
    portCycles = Math.max(portCycles, Math.ceil((x.read + x.write) / portRate(b)));
  }
  const opPort = (op: Operand) => Math.ceil((perOp[op].read + perOp[op].write) / portRate(holder[op]));

  // Overlap of transfers with compute.
  const onchip = Math.max(compute, portCycles);
  const dbl = (op: Operand) => arch.buffers[holder[op]]!.doubleBuffered;
  const edge = {
    weights: wDram > 0 ? lat + Math.ceil(Math.min(wTile, wDram) / rd) : 0,
    inputs: iDram > 0 ? lat + Math.ceil(Math.min(iTile, iDram) / rd) : 0,
    outputs: oFinal > 0 ? lat + Math.ceil(Math.min(t.N * t.G * t.K * t.P * t.Q * l.outBits, oFinal) / wr) : 0,
  };
  const dramCyc = { weights: wCyc, inputs: iCyc, outputs: oCyc };
  let exposed = 0;
  let overRead = 0;
  let overWrite = 0;
  for (const op of OPS) {
    if (dbl(op)) {
      exposed += Math.min(edge[op], dramCyc[op]);
      const o = Math.max(0, dramCyc[op] - edge[op]);
      if (op === "outputs") overWrite += o;
      else overRead += o;
    } else exposed += dramCyc[op];
  }
  const overlapped = arch.derived.dramShared ? overRead + overWrite : Math.max(overRead, overWrite);
  const total = onchip + exposed + Math.max(0, overlapped - onchip);
  const mk = (op: Operand, arrayAccesses: number, dramRead: number, dramWrite: number, transfers: number, tileBits: number): OperandCost => {
    const port = opPort(op);
    return {
      arrayAccesses, bufferReadBits: perOp[op].read, bufferWriteBits: perOp[op].write, dramReadBits: dramRead, dramWriteBits: dramWrite,
      transfers, dramCycles: dramCyc[op], portCycles: port, term: Math.max(dramCyc[op], port), tileBits,
    };
  };
  return {
    legal: true, macs, computeCycles: compute, portCycles, onchipCycles: onchip, exposedCycles: exposed, overlappedCycles: overlapped,
    totalCycles: total, passes: passesTotal, slots,
    weights: mk("weights", acc.weights, wDram, 0, wTransfers, wTile),
    inputs: mk("inputs", acc.inputs, iDram, 0, iT, iTile),
    outputs: mk("outputs", oWrites, psum, oFinal + psum, Math.ceil(oT), oTile),
    bufferBits, classes, dramBits: wDram + iDram + oFinal + 2 * psum,
  };
}

const ZERO_OP: OperandCost = { arrayAccesses: 0, bufferReadBits: 0, bufferWriteBits: 0, dramReadBits: 0, dramWriteBits: 0, transfers: 0, dramCycles: 0, portCycles: 0, term: 0, tileBits: 0 };

function illegal(overflow: Overflow): Eval {
  return {
    legal: false, overflow, macs: 0, computeCycles: Infinity, portCycles: 0, onchipCycles: Infinity, exposedCycles: 0, overlappedCycles: 0,
    totalCycles: Infinity, passes: 0, slots: 0, weights: ZERO_OP, inputs: ZERO_OP, outputs: ZERO_OP, bufferBits: {}, classes: [], dramBits: Infinity,
  };
}
