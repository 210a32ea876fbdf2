/**
 * The WebAssembly SIMD block kernel (int8-gemm.wat) behind the integer conv and matmul: operands are laid
 * out as int16 rows in the module's memory (K padded to a multiple of 8, output channels to 4, pixels to 2),
 * products are exact, and int32 lane sums are exact because callers use it only where a bound proves no
 * accumulator can overflow. JS fallbacks compute the same numbers where WebAssembly SIMD is unavailable.
 */
import { WASM_BASE64 } from "./int8-gemm.wasm.js";

interface GemmExports {
  readonly memory: WebAssembly.Memory;
  readonly gemm: (patch: number, nPix: number, w: number, nOC: number, K: number, out: number) => void;
  readonly dwconv: (...args: number[]) => void;
}

let instance: GemmExports | null | undefined;
let enabled = true;

function load(): GemmExports | null {
  if (instance !== undefined) return instance;
  try {
    const bytes = Uint8Array.from(Buffer.from(WASM_BASE64, "base64"));
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    instance = inst.exports as unknown as GemmExports;
  } catch {
    instance = null; // no WebAssembly SIMD on this engine: the JS kernels take over
  }
  return instance;
}

/** Turn the WebAssembly path off or on (tests compare both paths; benchmarks report both). */
export function setWasmKernels(on: boolean): void {
  enabled = on;
}

export function wasmKernelsActive(): boolean {
  return enabled && load() !== null;
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Pixels per block: enough to amortize the call, small enough to stay in cache. */
const BLOCK = 32;

/**
 * Module memory is a bump arena: prepared weight matrices stay resident (a network's layers are prepared
 * once and reused across runs); each run's patch and output scratch lives above the top. When the arena
 * passes its budget everything is dropped and prepared matrices re-upload on their next use.
 */
const ARENA_BUDGET = 512 * 1024 * 1024;
let top = 0;
let generation = 0;

function ensure(ex: GemmExports, bytes: number): void {
  const have = ex.memory.buffer.byteLength;
  if (bytes > have) ex.memory.grow(Math.ceil((bytes - have) / 65536));
}

/**
 * One weight matrix [O, K] prepared in module memory. `run` streams pixels through it: `fill(pixel, view,
 * base)` writes one pixel's K centered values at view[base…]; `emit(pixel, accs, off)` receives that
 * pixel's O accumulators at accs[off…].
 */
export class Int16Gemm {
  private readonly Kp: number;
  private readonly Op: number;
  private wOff = -1;
  private gen = -1;

  constructor(private readonly weights: Int32Array, private readonly O: number, private readonly K: number) {
    this.Kp = roundUp(K, 8);
    this.Op = roundUp(O, 4);
  }

  private upload(ex: GemmExports): void {
    const bytes = this.Op * this.Kp * 2;
    if (top + bytes > ARENA_BUDGET) {
      top = 0;
      generation++;
    }
    this.wOff = top;
    this.gen = generation;
    top = roundUp(top + bytes, 16);
    ensure(ex, top);
    const h = new Int16Array(ex.memory.buffer, this.wOff, this.Op * this.Kp);
    h.fill(0);
    const { K, Kp, O, weights } = this;
    for (let o = 0; o < O; o++) for (let k = 0; k < K; k++) h[o * Kp + k] = weights[o * K + k]!;
  }

  run(count: number, fill: (pixel: number, view: Int16Array, base: number) => void, emit: (pixel: number, accs: Int32Array, off: number) => void): void {
    const ex = load();
    if (ex === null) throw new Error("internal: WebAssembly kernels unavailable");
    if (this.gen !== generation) this.upload(ex);
    const { Kp, Op } = this;
    const pOff = top;
    const oOff = roundUp(pOff + BLOCK * Kp * 2, 16);
    ensure(ex, oOff + BLOCK * Op * 4);
    const view = new Int16Array(ex.memory.buffer, pOff, BLOCK * Kp);
    const out = new Int32Array(ex.memory.buffer, oOff, BLOCK * Op);
    for (let start = 0; start < count; start += BLOCK) {
      const n = Math.min(BLOCK, count - start);
      // An odd block leaves one stale row; its results are computed and never read.
      for (let i = 0; i < n; i++) fill(start + i, view, i * Kp);
      ex.gemm(pOff, roundUp(n, 2), this.wOff, Op, Kp, oOff);
      for (let i = 0; i < n; i++) emit(start + i, out, i * Op);
    }
  }
}

/** Geometry of one depthwise layer for the `dwconv` kernel (NHWC image, OHWI weights with I = 1). */
export interface DepthwiseShape {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly kH: number;
  readonly kW: number;
  readonly sH: number;
  readonly sW: number;
  readonly dH: number;
  readonly dW: number;
  readonly pT: number;
  readonly pL: number;
  readonly oH: number;
  readonly oW: number;
}

/**
 * Depthwise convolution of one image in WebAssembly SIMD. `fill(view)` writes the centered input as
 * [H, W, Cp] int16 (Cp = C rounded up to 8; padding channels zero); weights are [C, kH·kW] centered.
 * `emit(pixel, accs, off)` receives each output pixel's C accumulators (no bias).
 */
export function depthwiseWasm(s: DepthwiseShape, weights: Int32Array, fill: (view: Int16Array, Cp: number) => void, emit: (pixel: number, accs: Int32Array, off: number) => void): void {
  const ex = load();
  if (ex === null) throw new Error("internal: WebAssembly kernels unavailable");
  const Cp = roundUp(s.C, 8);
  const taps = s.kH * s.kW;
  const xOff = top;
  const wOff = roundUp(xOff + s.H * s.W * Cp * 2, 16);
  const oOff = roundUp(wOff + taps * Cp * 2, 16);
  ensure(ex, oOff + s.oH * s.oW * Cp * 4);
  const xv = new Int16Array(ex.memory.buffer, xOff, s.H * s.W * Cp);
  xv.fill(0);
  fill(xv, Cp);
  const wv = new Int16Array(ex.memory.buffer, wOff, taps * Cp);
  wv.fill(0);
  for (let c = 0; c < s.C; c++) for (let t = 0; t < taps; t++) wv[t * Cp + c] = weights[c * taps + t]!;
  ex.dwconv(xOff, s.H, s.W, Cp, wOff, s.kH, s.kW, s.sH, s.sW, s.dH, s.dW, s.pT, s.pL, s.oH, s.oW, oOff);
  const out = new Int32Array(ex.memory.buffer, oOff, s.oH * s.oW * Cp);
  const pixels = s.oH * s.oW;
  for (let p = 0; p < pixels; p++) emit(p, out, p * Cp);
}
