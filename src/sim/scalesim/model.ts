/**
 * SCALE-Sim v2's closed form (CALC mode), quirks included (timing-models.md): no padding,
 * E = ⌈(H − R + s)/s⌉, folds that do not overlap, total = folds·L − 1, utilization averaged per fold in
 * SCALE-Sim's loop order, its SRAM counts (the os ofmap count adds R_a + C_a per fold). In USER mode the
 * stall cycles come from quarch's own stall model (DRAM words / bandwidth per operand port, first fills
 * exposed, double-buffered SRAM halves), which differs from SCALE-Sim's trace-driven USER stalls.
 */
import type { Dataflow } from "../../hw/types.js";
import type { ScaleSimLayer } from "./topology.js";

export interface ScaleSimArch {
  readonly runName: string;
  readonly rows: number;
  readonly cols: number;
  readonly dataflow: Dataflow;
  /** SRAM sizes in words (SCALE-Sim's word is one byte). */
  readonly ifmapSramWords: number;
  readonly filterSramWords: number;
  readonly ofmapSramWords: number;
  readonly mode: "CALC" | "USER";
  /** DRAM words per cycle per operand port (USER mode). */
  readonly bandwidthWordsPerCycle: number;
}

export interface ScaleSimResult {
  readonly name: string;
  readonly E: number;
  readonly F: number;
  /** GEMM view: Sr × Sc spatial, T streamed, per the dataflow. */
  readonly Sr: number;
  readonly Sc: number;
  readonly T: number;
  readonly folds: number;
  readonly foldCycles: number;
  readonly totalCycles: number;
  readonly stallCycles: number;
  readonly macs: number;
  /** Percentages, as SCALE-Sim reports them. */
  readonly overallUtil: number;
  readonly mappingEfficiency: number;
  readonly computeUtil: number;
  readonly ifmapSramReads: number;
  readonly filterSramReads: number;
  readonly ofmapSramWrites: number;
  /** quarch's estimates (unique words when the operand fits half its SRAM, else every SRAM access). */
  readonly ifmapDramReads: number;
  readonly filterDramReads: number;
  readonly ofmapDramWrites: number;
  readonly formula: string;
}

export function scaleSimLayer(layer: ScaleSimLayer, a: ScaleSimArch): ScaleSimResult {
  const { rows: Ra, cols: Ca } = a;
  const E = Math.ceil((layer.ifmapH - layer.filterH + layer.strideH) / layer.strideH);
  const F = Math.ceil((layer.ifmapW - layer.filterW + layer.strideW) / layer.strideW);
  const P = E * F;
  const K = layer.filterH * layer.filterW * layer.channels;
  const M = layer.numFilters;
  const [Sr, Sc, T] = a.dataflow === "os" ? [P, M, K] : a.dataflow === "ws" ? [K, M, P] : [K, P, M];
  const rowFold = Math.ceil(Sr / Ra);
  const colFold = Math.ceil(Sc / Ca);
  const folds = rowFold * colFold;
  const L = a.dataflow === "os" ? T + Ra + Ca - 2 : 2 * Ra + Ca + T - 2;
  const Lc = a.dataflow === "os" ? L : 2 * Ra + 2 * Ca + T - 3;
  // Per-fold averages summed in SCALE-Sim's order (column folds outer, row folds inner), so the
  // percentages round as its Python sums do.
  let mapSum = 0;
  let utilSum = 0;
  for (let fc = 0; fc < colFold; fc++) {
    const colsUsed = Math.min(Ca, Sc - fc * Ca);
    for (let fr = 0; fr < rowFold; fr++) {
      const used = Math.min(Ra, Sr - fr * Ra) * colsUsed;
      mapSum += used / (Ra * Ca);
      utilSum += (used * T) / (Ra * Ca * Lc);
    }
  }
  const computeTotal = folds * L - 1;
  const macs = P * M * K;
  const [ifmapSramReads, filterSramReads, ofmapSramWrites] =
    a.dataflow === "os" ? [colFold * P * K, rowFold * K * M, P * M + folds * (Ra + Ca)]
    : a.dataflow === "ws" ? [colFold * P * K, K * M, rowFold * P * M]
    : [K * P, colFold * K * M, rowFold * P * M];
  const ifmapUnique = layer.ifmapH * layer.ifmapW * layer.channels;
  const filterUnique = K * M;
  const ifmapDramReads = ifmapUnique <= a.ifmapSramWords / 2 ? ifmapUnique : Math.max(ifmapUnique, ifmapSramReads);
  const filterDramReads = filterUnique <= a.filterSramWords / 2 ? filterUnique : Math.max(filterUnique, filterSramReads);
  const ofmapDramWrites = P * M;
  let stall = 0;
  let stallText = "stall 0 (CALC mode: SCALE-Sim assumes the bandwidth the array needs)";
  if (a.mode === "USER") {
    const bw = a.bandwidthWordsPerCycle;
    const first = Math.max(Math.ceil(Math.min(ifmapDramReads, a.ifmapSramWords / 2) / bw), Math.ceil(Math.min(filterDramReads, a.filterSramWords / 2) / bw));
    const rest = Math.max(Math.ceil(ifmapDramReads / bw), Math.ceil(filterDramReads / bw), Math.ceil(ofmapDramWrites / bw)) - first;
    stall = first + Math.max(0, rest - computeTotal);
    stallText = `stall = first fill ${first} + max(0, transfers ${rest} − compute ${computeTotal}) = ${stall} (quarch's stall model at ${bw} words/cycle per operand; SCALE-Sim's own USER-mode stalls differ)`;
  }
  const totalCycles = computeTotal + stall;
  const formula =
    `E = ⌈(${layer.ifmapH} − ${layer.filterH} + ${layer.strideH})/${layer.strideH}⌉ = ${E}, F = ${F}; ${a.dataflow}: Sr ${Sr}, Sc ${Sc}, T ${T}; ` +
    `folds = ⌈${Sr}/${Ra}⌉·⌈${Sc}/${Ca}⌉ = ${folds}; L = ${a.dataflow === "os" ? `T + R + C − 2` : `2R + C + T − 2`} = ${L}; ` +
    `total = ${folds}·${L} − 1 = ${computeTotal}; ${stallText}`;
  return {
    name: layer.name, E, F, Sr, Sc, T, folds, foldCycles: L, totalCycles, stallCycles: stall, macs,
    overallUtil: (macs * 100) / (totalCycles * Ra * Ca),
    mappingEfficiency: (mapSum / folds) * 100,
    computeUtil: (utilSum / folds) * 100,
    ifmapSramReads, filterSramReads, ofmapSramWrites, ifmapDramReads, filterDramReads, ofmapDramWrites, formula,
  };
}

export function scaleSimRun(layers: readonly ScaleSimLayer[], a: ScaleSimArch): ScaleSimResult[] {
  return layers.map((l) => scaleSimLayer(l, a));
}
