/**
 * Caches across a network: where each tensor lives (weights one after another from 0x08000000 — an MCU's
 * flash — activations from 0x20000000 in the order the network produces them, each tensor at a
 * 64-byte-aligned base, partial sums in a scratch region at 0x30000000), and the per-layer report: the
 * address stream in words, gem5-style statistics, and the cache action counts.
 */
import type { ArchSpec } from "../../hw/types.js";
import type { CacheActions, LayerCacheReport } from "../result.js";
import type { SimLayer } from "../workload.js";
import { ACTIVATION_BASE, type HierarchySnapshot, gem5Stats } from "./hierarchy.js";
import type { OperandLayout } from "./streams.js";

export const WEIGHT_BASE = 0x0800_0000;
export const PSUM_BASE = 0x3000_0000;
const ALIGN = 64;

const hex = (x: number) => `0x${x.toString(16).padStart(8, "0")}`;
const align = (x: number) => Math.ceil(x / ALIGN) * ALIGN;

export class Arena {
  private act = ACTIVATION_BASE;
  private wts = WEIGHT_BASE;
  private anon = 0;
  private readonly at = new Map<string, number>();

  private tensor(name: string | undefined, bytes: number): number {
    const key = name ?? `#anon${this.anon++}`;
    let base = this.at.get(key);
    if (base === undefined) {
      base = this.act;
      this.act = align(this.act + Math.max(1, bytes));
      this.at.set(key, base);
    }
    return base;
  }

  /** Bases for a layer's operands (inputs first, so a chained input keeps its producer's address). */
  layout(l: SimLayer): OperandLayout {
    const inBytes = Math.ceil((l.N * l.G * l.C * l.H * l.W * l.aBits) / 8);
    const inputs = this.tensor(l.input, inBytes);
    const inputs2 = l.vectorInputs > 1 ? this.tensor(l.input2, inBytes) : inputs;
    const outputs = this.tensor(l.output, Math.ceil((l.N * l.G * l.K * l.P * l.Q * l.outBits) / 8));
    const weights = this.wts;
    if (l.kind === "mac") this.wts = align(this.wts + Math.ceil((l.G * l.K * l.C * l.R * l.S * l.wBits) / 8));
    return { weights, inputs, inputs2, outputs, psums: PSUM_BASE };
  }
}

/** One line saying how the layer's operands were laid out and accessed. */
export function describeStream(l: SimLayer, layout: OperandLayout, psumBits: number, arch: ArchSpec): string {
  const port = (op: "weights" | "inputs" | "outputs") => arch.buffers[arch.derived.holder[op]]!.portBits / 8;
  const line = arch.caches[0]?.lineBytes ?? 64;
  const w = (op: "weights" | "inputs" | "outputs") => Math.min(line, 2 ** Math.floor(Math.log2(Math.max(1, port(op)))));
  const parts: string[] = [];
  if (l.kind === "mac") parts.push(`weights OHWI ${l.wBits}-bit @${hex(layout.weights)}`);
  parts.push(`inputs NHWC ${l.aBits}-bit @${hex(layout.inputs)}${l.vectorInputs > 1 ? ` and @${hex(layout.inputs2)}` : ""}`);
  parts.push(`outputs NHWC ${l.outBits}-bit @${hex(layout.outputs)}`);
  if (l.kind === "mac") parts.push(`partial sums NHWC ${psumBits}-bit @${hex(layout.psums)}`);
  const widths = l.kind === "mac" ? `${w("weights")}/${w("inputs")}/${w("outputs")}-B accesses (weights/inputs/outputs)` : `${w("inputs")}/${w("outputs")}-B accesses (inputs/outputs)`;
  return `${parts.join(", ")}; ${widths} in tile order: the first tile's operands, then per step the next tile's fetches and the finished output tile's drain, each tile's runs in memory order`;
}

/** A layer's share of the simulated statistics. */
export function simulatedReport(snap: HierarchySnapshot, arch: ArchSpec, stream: string): { report: LayerCacheReport; actions: Record<string, CacheActions> } {
  const stats: Record<string, number> = {};
  const actions: Record<string, CacheActions> = {};
  snap.levels.forEach((lv, i) => {
    gem5Stats(lv.name, lv.counters, arch.caches[i]!.hitLatencyCycles, stats);
    actions[lv.name] = { accesses: lv.counters.hits + lv.counters.misses, hits: lv.counters.hits, misses: lv.counters.misses, writebacks: lv.counters.writebacks };
  });
  return { report: { source: "simulated", stats, stream }, actions };
}

/** The analytic estimate's statistics (first level only; rounded to whole accesses). */
export function estimatedReport(name: string, accesses: number, misses: number, compulsory: number, stream: string): { report: LayerCacheReport; actions: Record<string, CacheActions> } {
  const a = Math.round(accesses);
  const m = Math.round(misses);
  const p = `system.${name}.`;
  const stats = {
    [`${p}overallHits::total`]: a - m,
    [`${p}overallMisses::total`]: m,
    [`${p}overallAccesses::total`]: a,
    [`${p}overallMissRate::total`]: a > 0 ? m / a : 0,
    [`${p}compulsoryMisses::total`]: compulsory,
  };
  return { report: { source: "estimated", stats, stream }, actions: { [name]: { accesses: a, hits: a - m, misses: m, writebacks: 0 } } };
}
