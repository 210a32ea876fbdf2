/**
 * Vectors for a MAC PE: dot products (groups of beats with first/last flags) whose expected accumulators
 * come from quarch's kernels — matmul for integer lanes, matmulXnor for binary lanes — wrapped to the
 * accumulator width. Directed groups: operand extremes (−2^(b−1)·−2^(b−1) is the largest product), zeros,
 * one-beat groups, all-ones / all-zeros / opposite XNOR words, and a group long enough to wrap the
 * accumulator when that takes at most `maxWrapBeats` beats. Random groups are seeded.
 */
import { wrap } from "../../src/quant/rounding.js";
import { createRng } from "../../src/quant/rng.js";
import { matmul, prepareB } from "../../src/kernels/matmul.js";
import { writerOf } from "../../src/kernels/epilogue.js";
import { matmulXnor } from "../../src/kernels/xnor.js";
import { type PeConfig, laneInfo } from "../gen/pe.js";
import { packFields } from "../generated.js";

export interface PeGroup {
  /** Operands per reduction position (±1 for binary lanes). */
  readonly a: readonly number[];
  readonly w: readonly number[];
  readonly directed: string | undefined;
}

export interface PeVectors {
  readonly groups: readonly PeGroup[];
  /** Expected accumulator per group (wrapped to accBits). */
  readonly expected: readonly number[];
  readonly inWords: readonly bigint[];
  readonly expWords: readonly bigint[];
  /** First input beat of each group. */
  readonly groupStart: readonly number[];
  readonly directed: number;
  readonly random: number;
  readonly seed: number;
}

/** Exact Σ a·w through the kernels (one 1×K by K×1 product). */
function kernelDot(c: PeConfig, a: readonly number[], w: readonly number[]): number {
  let acc = 0;
  const write = writerOf((v) => {
    acc = v;
  });
  if (c.precision === "binary") {
    matmulXnor(Int8Array.from(a), Int8Array.from(w), 1, a.length, 1, false, null, write);
  } else {
    const K = a.length;
    const b = Int32Array.from(w);
    matmul({ batch: [], aBatch: [], bBatch: [], M: 1, K, N: 1, transB: false }, { a: Int32Array.from(a), aZeroPoint: 0, b: () => prepareB(b, 0, K, 1, false, [0]), bias: null }, write);
  }
  return acc;
}

export function peVectors(c: PeConfig, randomGroups: number, seed: number, maxWrapBeats = 4096): PeVectors {
  const info = laneInfo(c);
  const E = info.elements;
  const eb = info.elementBits;
  const binary = c.precision === "binary";
  const aSigned = c.aSigned ?? true;
  const lo = binary ? -1 : aSigned ? -(2 ** (eb - 1)) : 0;
  const hi = binary ? 1 : aSigned ? 2 ** (eb - 1) - 1 : 2 ** eb - 1;
  const wlo = binary ? -1 : -(2 ** (eb - 1));
  const whi = binary ? 1 : 2 ** (eb - 1) - 1;
  const groups: PeGroup[] = [];
  const fill = (beats: number, f: (i: number) => [number, number], why: string | undefined) => {
    const a: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < beats * E; i++) {
      const [x, y] = f(i);
      a.push(x);
      w.push(y);
    }
    groups.push({ a, w, directed: why });
  };
  if (binary) {
    fill(3, () => [1, 1], "all-ones XNOR (every pair agrees: +L per beat)");
    fill(3, () => [-1, -1], "all-zeros XNOR words (every pair agrees)");
    fill(3, () => [1, -1], "opposite words (every pair disagrees: −L per beat)");
    fill(2, (i) => [i % 2 === 0 ? 1 : -1, 1], "alternating bits (dot 0)");
    fill(1, (i) => [i < E / 2 ? 1 : -1, -1], "half agree");
  } else {
    const a0 = lo;
    fill(4, () => [a0, wlo], "largest product: (min)·(min), repeated");
    fill(4, () => [hi, wlo], "most negative product: max·min");
    fill(4, () => [hi, whi], "max·max");
    fill(3, () => [0, 0], "zeros");
    fill(1, (i) => [i % 2 === 0 ? hi : lo, i % 2 === 0 ? whi : wlo], "one-beat group (first and last together)");
    fill(2, (i) => [Math.max(lo, (i % 3) - 1), whi], "small mixed");
  }
  // Accumulator wrap: enough beats of the largest product to pass 2^(accBits−1).
  const maxProd = binary ? info.laneBits : Math.max(Math.abs(lo * wlo), Math.abs(hi * whi), Math.abs(hi * wlo)) * E;
  const wrapBeats = Math.floor(2 ** (c.accBits - 1) / maxProd) + 2;
  if (wrapBeats <= maxWrapBeats) {
    const best = binary ? [1, 1] : Math.abs(lo * wlo) >= Math.abs(hi * whi) ? [lo, wlo] : [hi, whi];
    fill(wrapBeats, () => [best[0]!, best[1]!], `accumulator wrap (${wrapBeats} beats of the largest product pass 2^${c.accBits - 1})`);
  }
  const directed = groups.length;
  const rng = createRng(seed);
  const pick = (l: number, h: number) => l + rng.nextInt(h - l + 1);
  for (let g = 0; g < randomGroups; g++) {
    const beats = 1 + rng.nextInt(12);
    fill(beats, () => (binary ? [rng.nextInt(2) === 0 ? -1 : 1, rng.nextInt(2) === 0 ? -1 : 1] : [pick(lo, hi), pick(wlo, whi)]), undefined);
  }

  const inWords: bigint[] = [];
  const expWords: bigint[] = [];
  const expected: number[] = [];
  const groupStart: number[] = [];
  const laneWord = (vals: readonly number[], off: number): bigint => {
    const f: [number, number][] = [];
    for (let j = 0; j < E; j++) {
      const v = vals[off + j]!;
      f.push([binary ? (v > 0 ? 1 : 0) : v, eb]);
    }
    return packFields(f);
  };
  for (const grp of groups) {
    const beats = grp.a.length / E;
    groupStart.push(inWords.length);
    for (let k = 0; k < beats; k++) {
      inWords.push(packFields([[k === 0 ? 1 : 0, 1], [k === beats - 1 ? 1 : 0, 1], [laneWord(grp.a, k * E), info.laneBits], [laneWord(grp.w, k * E), info.laneBits]]));
    }
    const acc = wrap(kernelDot(c, grp.a, grp.w), c.accBits, true);
    expected.push(acc);
    expWords.push(packFields([[acc, c.accBits]]));
  }
  return { groups, expected, inWords, expWords, groupStart, directed, random: randomGroups, seed };
}
