/**
 * The schedule of a layer engine and the contents of its ROMs, as plain numbers — shared by the Verilog
 * generator (engine.ts), the vectors and the simulator link, so all three describe one machine.
 *
 * os (pixels on rows, output channels on columns): passes = ⌈pixels/R⌉·⌈K/C⌉, each streaming
 *   steps = ⌈kH·kW·Cin / E⌉ reduction steps (E operands per lane) and lasting steps + R + C − 2 cycles
 *   (SCALE-Sim's output-stationary fold: the wavefront's skew, overlapped with the previous pass's drain).
 * ws (reduction on rows, output channels on columns): passes = ⌈kH·kW·Cin / (R·E)⌉·⌈K/C⌉, each loading R
 *   weight rows, streaming every output pixel, and waiting R + C − 2 cycles for the last pixel to leave
 *   the array before weights change: pixels + 2R + C − 2 cycles (SCALE-Sim's weight-stationary fold).
 * Both: one cycle from `start` to the first pass, and a tail after the last pass until the last output
 * beat, when `done` rises: latency = 1 + passes·cycles per pass + tail.
 */
import { RtlError } from "../../src/errors.js";
import { type LayerTask, ELEMENT_BITS, checkTask, pixels, taps } from "./layer-task.js";
import { REQUANT_LATENCY } from "./requant.js";
import { signedWidthFor } from "../ast.js";
import { packFields } from "../generated.js";

export interface EngineConfig {
  readonly rows: number;
  readonly cols: number;
  readonly dataflow: "os" | "ws";
  readonly accBits: number;
}

export interface EnginePlan {
  readonly task: LayerTask;
  readonly cfg: EngineConfig;
  /** Operands per lane per step, their width, the lane width. */
  readonly E: number;
  readonly eb: number;
  readonly L: number;
  readonly NP: number;
  readonly K: number;
  readonly T: number;
  /** Pixel folds (os) or reduction folds (ws), and output-channel folds. */
  readonly rowFolds: number;
  readonly KF: number;
  /** Streamed steps per pass: reduction steps (os) or pixels (ws). */
  readonly steps: number;
  readonly passes: number;
  readonly fillCycles: number;
  readonly drainCycles: number;
  readonly passCycles: number;
  /** Cycles after the last pass until `done` (and the last output beat) is seen. */
  readonly tailCycles: number;
  readonly latencyCycles: number;
  /** Output beats per run (one pixel's channel block each). */
  readonly outBeats: number;
  /** Signed widths of the feeder's table fields: coordinates and addresses. */
  readonly hw: number;
  readonly aw: number;
}

export function planEngine(task: LayerTask, cfg: EngineConfig): EnginePlan {
  checkTask(task);
  const { rows: R, cols: C } = cfg;
  for (const [k, v] of [["rows", R], ["cols", C]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 64) throw new RtlError({ path: `engine.${k}`, message: "out of range", given: String(v), expected: "an integer in [1, 64]" });
  }
  if (!Number.isInteger(cfg.accBits) || cfg.accBits < 16 || cfg.accBits > 32) throw new RtlError({ path: "engine.accBits", message: "out of range", given: String(cfg.accBits), expected: "16..32 (the requantizer takes an int32)" });
  const eb = ELEMENT_BITS[task.precision];
  const E = 8 / eb;
  const NP = pixels(task);
  const K = task.outC;
  const T = taps(task);
  const KF = Math.ceil(K / C);
  let rowFolds: number;
  let steps: number;
  let fill: number;
  let drain: number;
  let tail: number;
  if (cfg.dataflow === "os") {
    steps = Math.ceil(T / E);
    rowFolds = Math.ceil(NP / R);
    // Feeder register + column skew: the last step reaches row 0's last column C cycles after it issues;
    // rows then leave one per cycle (R), overlapping the next pass by 2 cycles.
    fill = C - 1;
    drain = R - 1;
    // The last row leaves the array 2 cycles after the passes end; bias stage, requantizer, output seen.
    tail = 2 + 1 + REQUANT_LATENCY;
  } else {
    steps = NP;
    rowFolds = Math.ceil(T / (R * E));
    fill = R;
    drain = R + C - 2;
    // The last pixel's sums leave the array 1 cycle after the passes end; psum/bias stage, requantizer, seen.
    tail = 1 + 1 + REQUANT_LATENCY;
  }
  const passes = rowFolds * KF;
  const passCycles = steps + fill + drain;
  const maxPad = Math.max(...task.pads);
  const span = Math.max(task.inH, task.inW) + maxPad + Math.max(task.kH, task.kW) + Math.max(task.strideH, task.strideW) * Math.max(task.outH, task.outW);
  const hw = signedWidthFor(BigInt(-maxPad - 1), BigInt(span));
  const volume = task.inH * task.inW * task.inC;
  const aw = signedWidthFor(BigInt(-(maxPad * task.inW + maxPad + 1) * task.inC - 1), BigInt(2 * volume + task.kH * task.inW * task.inC + task.inC));
  return {
    task, cfg, E, eb, L: 8, NP, K, T, rowFolds, KF, steps, passes,
    fillCycles: fill, drainCycles: drain, passCycles, tailCycles: tail,
    latencyCycles: 1 + passes * passCycles + tail,
    outBeats: KF * NP,
    hw, aw,
  };
}

/** Weight of output channel oc at reduction index k (0 outside the layer: padded lanes contribute 0). */
function weightAt(p: EnginePlan, oc: number, k: number): number {
  return oc < p.K && k < p.T ? p.task.weights[oc * p.T + k]! : 0;
}

/** One lane: E weights of channel oc at reduction indices k0 … k0 + E − 1, element j at bits j·eb. */
function laneWord(p: EnginePlan, oc: number, k0: number): bigint {
  return packFields(Array.from({ length: p.E }, (_, j) => [weightAt(p, oc, k0 + j), p.eb] as [number, number]));
}

/** Weight ROM words. os: [kf][step] → C lanes. ws: [kf][rf][load beat] → C lanes of array row R−1−beat. */
export function weightRom(p: EnginePlan): bigint[] {
  const { rows: R, cols: C } = p.cfg;
  const words: bigint[] = [];
  for (let kf = 0; kf < p.KF; kf++) {
    if (p.cfg.dataflow === "os") {
      for (let t = 0; t < p.steps; t++) words.push(packFields(Array.from({ length: C }, (_, c) => [laneWord(p, kf * C + c, t * p.E), p.L] as [bigint, number])));
    } else {
      for (let rf = 0; rf < p.rowFolds; rf++) {
        for (let i = 0; i < R; i++) {
          const r = R - 1 - i;
          words.push(packFields(Array.from({ length: C }, (_, c) => [laneWord(p, kf * C + c, (rf * R + r) * p.E), p.L] as [bigint, number])));
        }
      }
    }
  }
  return words;
}

/** Feeder table entry widths: pixel {valid, iy0, ix0, base}, tap {valid, ky, kx, off}. */
export const pixEntryBits = (p: EnginePlan): number => 1 + 2 * p.hw + p.aw;
export const tapEntryBits = pixEntryBits;

function pixEntry(p: EnginePlan, pixel: number): bigint {
  const t = p.task;
  if (pixel >= p.NP) return 0n;
  const oy = Math.floor(pixel / t.outW);
  const ox = pixel % t.outW;
  const iy0 = oy * t.strideH - t.pads[0];
  const ix0 = ox * t.strideW - t.pads[1];
  return packFields([[1, 1], [iy0, p.hw], [ix0, p.hw], [(iy0 * t.inW + ix0) * t.inC, p.aw]]);
}

function tapEntry(p: EnginePlan, k: number): bigint {
  const t = p.task;
  if (k >= p.T) return 0n;
  const ky = Math.floor(k / (t.kW * t.inC));
  const kx = Math.floor(k / t.inC) % t.kW;
  const ic = k % t.inC;
  return packFields([[1, 1], [ky, p.hw], [kx, p.hw], [(ky * t.inW + kx) * t.inC + ic, p.aw]]);
}

/** Pixel table: os [pixel fold] → R entries (row r = pixel fold·R + r); ws [pixel] → one entry. */
export function pixelRom(p: EnginePlan): bigint[] {
  const R = p.cfg.rows;
  const w = pixEntryBits(p);
  if (p.cfg.dataflow === "ws") return Array.from({ length: p.NP }, (_, q) => pixEntry(p, q));
  return Array.from({ length: p.rowFolds }, (_, pf) => packFields(Array.from({ length: R }, (_, r) => [pixEntry(p, pf * R + r), w] as [bigint, number])));
}

/** Tap table: os [step] → E entries (reduction t·E + j); ws [reduction fold] → R·E entries (row r, lane j). */
export function tapRom(p: EnginePlan): bigint[] {
  const w = tapEntryBits(p);
  if (p.cfg.dataflow === "os") return Array.from({ length: p.steps }, (_, t) => packFields(Array.from({ length: p.E }, (_, j) => [tapEntry(p, t * p.E + j), w] as [bigint, number])));
  const RE = p.cfg.rows * p.E;
  return Array.from({ length: p.rowFolds }, (_, rf) => packFields(Array.from({ length: RE }, (_, i) => [tapEntry(p, rf * RE + i), w] as [bigint, number])));
}

/** bias − zp_in·Σ_k w[oc][k] (as int32): feeding the input zero point for padded taps makes the sum exact. */
export function foldedBias(p: EnginePlan, oc: number): number {
  if (oc >= p.K) return 0;
  let s = 0;
  for (let k = 0; k < p.T; k++) s += p.task.weights[oc * p.T + k]!;
  return ((p.task.bias?.[oc] ?? 0) - p.task.inZeroPoint * s) | 0;
}

export const RQ_ENTRY_BITS = 32 + 32 + 6;

/** Requantizer ROM: [kf] → C entries of {folded bias, multiplier, shift}. */
export function rqRom(p: EnginePlan): bigint[] {
  const C = p.cfg.cols;
  const rq = p.task.requant;
  const per = rq.multiplier.length > 1;
  return Array.from({ length: p.KF }, (_, kf) => packFields(Array.from({ length: C }, (_, c) => {
    const oc = kf * C + c;
    const i = per ? Math.min(oc, p.K - 1) : 0;
    const entry = oc < p.K ? packFields([[foldedBias(p, oc), 32], [rq.multiplier[i]!, 32], [rq.shift[i]!, 6]]) : 0n;
    return [entry, RQ_ENTRY_BITS] as [bigint, number];
  })));
}
