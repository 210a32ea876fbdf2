import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GraphError } from "../../src/errors.js";
import {
  bipolarWordCount,
  packBipolarWords,
  packBits,
  packedByteLength,
  popcount32,
  unpackBipolarWords,
  unpackBits,
} from "../../src/quant/packing.js";

// Fixed so failures reproduce; override with FC_SEED=<n> to explore.
const SEED = Number(process.env["FC_SEED"] ?? 0x5eed_0001);
const RUNS = 200;

/** Independent layout reference: write each element's bits one at a time into a bit array. */
function referencePack(values: readonly number[], bits: number, signed: boolean): number[] {
  const out = new Array<number>(Math.ceil((values.length * bits) / 8)).fill(0);
  values.forEach((v, i) => {
    const code = bits === 1 && signed ? (v === 1 ? 1 : 0) : v < 0 ? v + 2 ** bits : v;
    for (let b = 0; b < bits; b++) {
      const bit = Math.floor(code / 2 ** b) % 2;
      const pos = i * bits + b;
      const k = Math.floor(pos / 8);
      out[k] = out[k]! + bit * 2 ** (pos % 8);
    }
  });
  return out;
}

function valuesArb(bits: number, signed: boolean): fc.Arbitrary<number[]> {
  const el =
    bits === 1 && signed
      ? fc.constantFrom(-1, 1)
      : signed
        ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 })
        : fc.integer({ min: 0, max: 2 ** bits - 1 });
  return fc.array(el, { maxLength: 70 });
}

describe(`packBits / unpackBits (fast-check seed ${SEED})`, () => {
  // Expected bytes below are worked out by hand from the LSB-first rule (element 0 in the lowest bits).
  it("ONNX int4: [-1, 7, -8, 3] → [0x7F, 0x38]", () => {
    // -1 → 0xF (low nibble of byte 0), 7 → 0x7 (high nibble); -8 → 0x8, 3 → 0x3.
    expect([...packBits([-1, 7, -8, 3], 4, true)]).toEqual([0x7f, 0x38]);
    expect([...unpackBits(Uint8Array.of(0x7f, 0x38), 4, 4, true)]).toEqual([-1, 7, -8, 3]);
  });

  it("uint4 odd count: [0xA, 0x5, 0xC] → [0x5A, 0x0C] (unused high nibble zero)", () => {
    expect([...packBits([10, 5, 12], 4, false)]).toEqual([0x5a, 0x0c]);
  });

  it("int2: [1, -1, -2, 0] → 0x2D (codes 01, 11, 10, 00 from bit 0 up)", () => {
    expect([...packBits([1, -1, -2, 0], 2, true)]).toEqual([0x2d]);
    expect([...unpackBits(Uint8Array.of(0x2d), 4, 2, true)]).toEqual([1, -1, -2, 0]);
  });

  it("bipolar: [+1,-1,-1,+1,+1,+1,-1,+1,-1] → [0xB9, 0x00] (bit 1 ↔ +1)", () => {
    const v = [1, -1, -1, 1, 1, 1, -1, 1, -1];
    expect([...packBits(v, 1, true)]).toEqual([0xb9, 0x00]);
    expect([...unpackBits(Uint8Array.of(0xb9, 0x00), 9, 1, true)]).toEqual(v);
  });

  it("uint3 straddles bytes: [5, 3, 7] → [0xDD, 0x01]", () => {
    // bits 0-2 = 101, 3-5 = 011, 6-8 = 111 → byte 0 = 0b11011101, byte 1 = 0b1.
    expect([...packBits([5, 3, 7], 3, false)]).toEqual([0xdd, 0x01]);
    expect([...unpackBits(Uint8Array.of(0xdd, 0x01), 3, 3, false)]).toEqual([5, 3, 7]);
  });

  it("round-trips and matches a bit-by-bit layout reference for every width 1..8", () => {
    const cases = fc.tuple(fc.integer({ min: 1, max: 8 }), fc.boolean()).chain(([bits, signed]) =>
      fc.tuple(fc.constant(bits), fc.constant(signed), valuesArb(bits, signed)),
    );
    fc.assert(
      fc.property(cases, ([bits, signed, values]) => {
        const packed = packBits(values, bits, signed);
        expect(packed.length).toBe(packedByteLength(values.length, bits));
        expect([...packed]).toEqual(referencePack(values, bits, signed));
        const back = unpackBits(packed, values.length, bits, signed);
        expect(back).toBeInstanceOf(signed ? Int8Array : Uint8Array);
        expect([...back]).toEqual(values);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("int4 / int2 / int1 round trips on fast-check arrays", () => {
    for (const [bits, signed] of [[4, true], [4, false], [2, true], [2, false], [1, true], [1, false]] as const) {
      fc.assert(
        fc.property(valuesArb(bits, signed), (values) => {
          expect([...unpackBits(packBits(values, bits, signed), values.length, bits, signed)]).toEqual(values);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
  });

  it("rejects out-of-range values with index, value and range", () => {
    expect(() => packBits([0, 8], 4, true)).toThrow(GraphError);
    expect(() => packBits([0, 8], 4, true)).toThrow(
      "values[1]: value out of range for packing (given 8; expected an integer in [-8, 7] (int4))",
    );
    expect(() => packBits([1, 0], 1, true)).toThrow("values[1]: value out of range for packing (given 0; expected −1 or +1 (bipolar))");
    expect(() => packBits([3, 4], 2, false)).toThrow("given 4; expected an integer in [0, 3] (uint2)");
    expect(() => packBits([0.5], 4, true)).toThrow("values[0]");
    expect(() => packBits([Number.NaN], 8, false)).toThrow("values[0]");
  });

  it("rejects bad widths and short buffers", () => {
    expect(() => packBits([1], 9, false)).toThrow("packBits.bits: sub-byte packing needs an element width of 1 to 8 bits (given 9; expected an integer in [1, 8])");
    expect(() => packBits([1], 0, false)).toThrow(GraphError);
    expect(() => unpackBits(Uint8Array.of(1), 3, 4, true)).toThrow(
      "unpackBits.bytes: too few bytes for 3 elements of 4 bits (given 1 bytes; expected at least 2 bytes)",
    );
  });
});

describe(`bipolar words and popcount (fast-check seed ${SEED})`, () => {
  it("popcount32 equals a bit-by-bit count", () => {
    const naive = (x: number): number => {
      let c = 0;
      for (let b = 0; b < 32; b++) c += (x >>> b) & 1;
      return c;
    };
    for (const x of [0, 1, -1, 0x80000000, 0x7fffffff, 0x55555555, 0xaaaaaaaa, 0xffffffff]) expect(popcount32(x)).toBe(naive(x));
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 4294967295 }), (x) => popcount32(x) === naive(x | 0)),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("packBipolarWords packs strided runs at offsets, tails zero", () => {
    const arb = fc
      .record({ len: fc.integer({ min: 0, max: 100 }), stride: fc.integer({ min: 1, max: 3 }), offset: fc.integer({ min: 0, max: 5 }), outOffset: fc.integer({ min: 0, max: 3 }) })
      .chain((r) =>
        fc.tuple(fc.constant(r), fc.array(fc.constantFrom(-1, 1), { minLength: r.offset + r.len * r.stride, maxLength: r.offset + r.len * r.stride })),
      );
    fc.assert(
      fc.property(arb, ([{ len, stride, offset, outOffset }, values]) => {
        const words = bipolarWordCount(len);
        const out = new Uint32Array(outOffset + words + 1).fill(0xdeadbeef);
        expect(packBipolarWords(values, offset, len, out, outOffset, stride)).toBe(words);
        for (let j = 0; j < words * 32; j++) {
          const bit = (out[outOffset + (j >>> 5)]! >>> (j & 31)) & 1;
          expect(bit).toBe(j < len && values[offset + j * stride] === 1 ? 1 : 0);
        }
        expect(out[outOffset + words]).toBe(0xdeadbeef); // nothing written past the run
        if (stride === 1) expect([...unpackBipolarWords(out, outOffset, len)]).toEqual(values.slice(offset, offset + len));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("packBipolarWords rejects non-bipolar values", () => {
    expect(() => packBipolarWords([1, -1, 0], 0, 3, new Uint32Array(1), 0)).toThrow(
      "values[2]: value out of range for packing (given 0; expected −1 or +1 (bipolar))",
    );
  });
});
