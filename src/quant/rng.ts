/**
 * A small seeded PRNG, identical on every platform: xoshiro128** (Blackman & Vigna 2018, the public-domain
 * reference xoshiro128starstar.c), 128 bits of state, all arithmetic on uint32 via Math.imul and >>> 0.
 * Seeds are expanded into the state by a splitmix-style seeder (a golden-ratio Weyl sequence through
 * MurmurHash3's fmix32 finalizer; never all-zero), so any 32-bit seed is usable and callers print the one
 * number that reproduces a run. Math.random is never used anywhere in quarch.
 */

/** The interface quantizers take, so tests and callers can supply any deterministic source. */
export interface RandomSource {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One seeding step: advance the Weyl state by 2^32/φ and mix it with fmix32 (seeding only). */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Xoshiro128 implements RandomSource {
  /** The seed this generator was built from (undefined when built from an explicit state). */
  readonly seed: number | undefined;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(state: readonly [number, number, number, number], seed: number | undefined) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v >>> 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) {
      throw new RangeError("xoshiro128** state must not be all zero");
    }
    this.seed = seed;
  }

  /** A generator from a 32-bit seed (other numbers are reduced modulo 2^32 after truncation). */
  static fromSeed(seed: number): Xoshiro128 {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, given ${seed}`);
    const st = { s: Math.trunc(seed) >>> 0 };
    let state: [number, number, number, number];
    do state = [splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st)];
    while ((state[0] | state[1] | state[2] | state[3]) === 0);
    return new Xoshiro128(state, Math.trunc(seed) >>> 0);
  }

  /** A generator from an explicit 128-bit state (the reference implementation's s[0..3]). */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    return new Xoshiro128(state, undefined);
  }

  /** The current state, to checkpoint a stream. */
  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** An independent copy continuing the same stream. */
  clone(): Xoshiro128 {
    return new Xoshiro128(this.state(), this.seed);
  }

  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  nextFloat(): number {
    // 27 + 26 high bits of two draws → a multiple of 2^-53 in [0, 1), as in numpy / xoshiro's to_double.
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32, unbiased (rejection of the short last interval). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`nextInt bound must be an integer in [1, 2^32], given ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let v = this.nextUint32();
    while (v >= limit) v = this.nextUint32();
    return v % n;
  }
}

/** Convenience: a seeded xoshiro128** generator. */
export function createRng(seed: number): Xoshiro128 {
  return Xoshiro128.fromSeed(seed);
}
