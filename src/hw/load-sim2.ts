/**
 * Arch keys of the simulator's part 2 (detailed engine, caches, dataflow, MCU), kept beside load.ts so the
 * loader itself changes little: `compute.kind: dataflow` (FINN-style engines), `compute.kernel` (a fixed
 * kernel loop nest on a vector core), `flash` (where an MCU's weights live) and the cache geometry the
 * simulator needs (power-of-two lines and sets, pseudo-LRU on a power-of-two number of ways). Every key is
 * documented with its unit in docs/arch-yaml.md.
 */
import type { Problem } from "../errors.js";
import { type Obj, join, readEnum, readInt, readObj, readQuantity, show, checkKeys } from "./fields.js";
import type { CacheSpec, ComputeSpec, FlashSpec, KernelNest, Overflow, PipelineSpec, PrecisionSpec } from "./types.js";

export const DATAFLOW_EXTRA_KEYS = ["targetFps", "fifoDepth", "maxPe", "maxSimd"];
export const VECTOR_EXTRA_KEYS = ["kernel"];
const KERNELS: readonly KernelNest[] = ["cmsis-nn"];

interface Common {
  readonly precision: PrecisionSpec | undefined;
  readonly accumulatorBits: number;
  readonly overflow: Overflow;
  readonly pipeline: PipelineSpec;
}

/** `compute` with kind `dataflow`: one engine per layer (FINN). */
export function readDataflow(c: Obj, base: Common, problems: Problem[]): ComputeSpec | undefined {
  const v = c["targetFps"];
  let targetFps: number | undefined;
  if (v !== undefined && v !== null) {
    if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) problems.push({ path: "compute.targetFps", message: "must be a positive number of frames per second", given: show(v), expected: "e.g. 10000" });
    else targetFps = v;
  }
  const fifoDepth = readInt(c, "fifoDepth", "compute", problems, { max: 1 << 20 }) ?? 2;
  const maxPe = readInt(c, "maxPe", "compute", problems, { max: 1 << 16 }) ?? 1 << 16;
  const maxSimd = readInt(c, "maxSimd", "compute", problems, { max: 1 << 16 }) ?? 1 << 16;
  if (base.precision === undefined) return undefined;
  return { kind: "dataflow", targetFps, fifoDepth, maxPe, maxSimd, precision: base.precision, accumulatorBits: base.accumulatorBits, overflow: base.overflow, pipeline: base.pipeline };
}

/** `compute.kernel` of a vector core. */
export function readKernel(c: Obj, problems: Problem[]): KernelNest | undefined {
  return readEnum(c, "kernel", "compute", problems, KERNELS, false);
}

/** `flash: { latency, bandwidth }`. */
export function readFlash(doc: Obj, problems: Problem[]): FlashSpec | undefined {
  const f = readObj(doc, "flash", "", problems, false);
  if (f === undefined) return undefined;
  checkKeys(f, "flash", ["latency", "bandwidth"], problems);
  const latencyS = readQuantity(f, "latency", "flash", problems, "time", { required: true, zero: true });
  const bandwidthBytesPerS = readQuantity(f, "bandwidth", "flash", problems, "bandwidth", { required: true });
  if (latencyS === undefined || bandwidthBytesPerS === undefined) return undefined;
  return { latencyS, bandwidthBytesPerS };
}

const pow2 = (x: number) => Number.isInteger(x) && x >= 1 && (x & (x - 1)) === 0;

/** What the cache simulator needs beyond a whole number of sets. */
export function checkCacheGeometry(c: CacheSpec, at: string, problems: Problem[]): void {
  if (!pow2(c.lineBytes)) problems.push({ path: join(at, "line"), message: "is not a power of two", given: `${c.lineBytes} B`, expected: "e.g. 32 B or 64 B" });
  const sets = c.sizeBytes / (c.lineBytes * c.ways);
  if (!pow2(sets)) problems.push({ path: join(at, "size"), message: "gives a number of sets that is not a power of two", given: `${sets} sets`, expected: "size = line · ways · 2^k" });
  if (c.replacement === "plru" && !pow2(c.ways)) problems.push({ path: join(at, "ways"), message: "must be a power of two for tree pseudo-LRU", given: String(c.ways), expected: "2, 4, 8, 16 …" });
}
