/**
 * Sub-byte storage and bipolar bit-packing.
 *
 * Byte packing (ONNX INT4/UINT4/INT2/UINT2 and every other width 1..8): elements are laid out LSB-first,
 * consecutively, `bits` each, so element i occupies bits [i·bits, (i+1)·bits) of the little-endian bit
 * stream (int4: element 0 in the low nibble; int2: four per byte; widths such as 3 straddle bytes).
 * Signed values are stored as two's complement in `bits` bits, except the signed 1-bit type, which is
 * bipolar (src/ir/dtype.ts): bit 1 ↔ +1, bit 0 ↔ −1. Unused high bits of the last byte are zero.
 *
 * Word packing (XNOR kernels): 32 bipolar values per Uint32 word, value j of a run in bit j mod 32 of word
 * ⌊j/32⌋, bit 1 ↔ +1; unused high bits of the last word are zero, so XOR of two packed runs is zero there
 * and popcounts need no tail mask.
 */
import { GraphError } from "../errors.js";

function checkBits(bits: number, fn: string): void {
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) {
    throw new GraphError({
      path: `${fn}.bits`,
      message: "sub-byte packing needs an element width of 1 to 8 bits",
      given: String(bits),
      expected: "an integer in [1, 8]",
    });
  }
}

function rangeText(bits: number, signed: boolean): string {
  if (bits === 1 && signed) return "−1 or +1 (bipolar)";
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return `an integer in [${lo}, ${hi}] (${signed ? "" : "u"}int${bits})`;
}

function outOfRange(path: string, index: number, value: number, expected: string): GraphError {
  return new GraphError({
    path: `${path}[${index}]`,
    message: "value out of range for packing",
    given: String(value),
    expected,
  });
}

/** Bytes needed for `count` elements of `bits` bits. */
export function packedByteLength(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

/** Pack integers into a byte stream, `bits` per element, LSB-first (see the file comment). */
export function packBits(values: ArrayLike<number>, bits: number, signed: boolean): Uint8Array {
  checkBits(bits, "packBits");
  const n = values.length;
  const out = new Uint8Array(packedByteLength(n, bits));
  const bipolar = bits === 1 && signed;
  const lo = bipolar ? -1 : signed ? -(2 ** (bits - 1)) : 0;
  const hi = bipolar ? 1 : signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  const mask = (1 << bits) - 1;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi) || !Number.isInteger(v) || (bipolar && v === 0)) {
      throw outOfRange("values", i, v, rangeText(bits, signed));
    }
    // `& mask` of a negative int is its two's complement in `bits` bits.
    const code = bipolar ? (v > 0 ? 1 : 0) : v & mask;
    const pos = i * bits;
    const byte = pos >>> 3;
    const sh = pos & 7;
    out[byte] = out[byte]! | ((code << sh) & 0xff);
    if (sh + bits > 8) out[byte + 1] = out[byte + 1]! | (code >>> (8 - sh));
  }
  return out;
}

/**
 * Unpack `count` elements of `bits` bits (LSB-first) into one element per slot: Int8Array when signed
 * (bipolar ±1 for the signed 1-bit type), Uint8Array when unsigned — the storage classes of allocTensorData.
 */
export function unpackBits(
  bytes: Uint8Array,
  count: number,
  bits: number,
  signed: boolean,
): Int8Array | Uint8Array | Int16Array | Int32Array {
  checkBits(bits, "unpackBits");
  if (!Number.isInteger(count) || count < 0) {
    throw new GraphError({ path: "unpackBits.count", message: "element count must be a non-negative integer", given: String(count) });
  }
  const need = packedByteLength(count, bits);
  if (bytes.length < need) {
    throw new GraphError({
      path: "unpackBits.bytes",
      message: `too few bytes for ${count} elements of ${bits} bits`,
      given: `${bytes.length} bytes`,
      expected: `at least ${need} bytes`,
    });
  }
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  const mask = (1 << bits) - 1;
  const bipolar = bits === 1 && signed;
  const signBit = 1 << (bits - 1);
  const last = bytes.length - 1;
  for (let i = 0; i < count; i++) {
    const pos = i * bits;
    const byte = pos >>> 3;
    const sh = pos & 7;
    const pair = bytes[byte]! | (byte < last ? bytes[byte + 1]! << 8 : 0);
    const code = (pair >>> sh) & mask;
    if (bipolar) out[i] = code === 1 ? 1 : -1;
    else if (signed) out[i] = code & signBit ? code - (mask + 1) : code;
    else out[i] = code;
  }
  return out;
}

/** Words needed for `length` bipolar values (32 per Uint32). */
export function bipolarWordCount(length: number): number {
  return (length + 31) >>> 5;
}

/**
 * Pack values[offset + j·stride] for j in [0, length) into ⌈length/32⌉ words of `out` from `outOffset`
 * (bit 1 ↔ +1); the words are overwritten, unused high bits zeroed. Each value must be exactly ±1: a 0
 * (e.g. an unconverted ternary value) would otherwise be silently read as −1. Returns the words written.
 */
export function packBipolarWords(
  values: ArrayLike<number>,
  offset: number,
  length: number,
  out: Uint32Array,
  outOffset: number,
  stride = 1,
): number {
  let src = offset;
  let o = outOffset;
  // Branch-free bit: (v + 1) >>> 1 maps −1 → 0, +1 → 1 (random ±1 data defeats branch prediction).
  // Validity: among doubles, v·v === 1 holds for exactly ±1 (1 ± one ulp already squares away from 1);
  // it measured far faster in V8 than (v === 1 || v === −1). Bad words are re-scanned for the error.
  for (let j = 0; j < length; j += 32) {
    const end = Math.min(32, length - j);
    let word = 0;
    let ok = true;
    for (let b = 0; b < end; b++, src += stride) {
      const v = values[src]!;
      word |= ((v + 1) >>> 1) << b;
      ok = ok && v * v === 1;
    }
    if (!ok) {
      for (let b = 0, s = src - end * stride; b < end; b++, s += stride) {
        const v = values[s]!;
        if (v !== 1 && v !== -1) throw outOfRange("values", s, v, "−1 or +1 (bipolar)");
      }
    }
    out[o++] = word;
  }
  return o - outOffset;
}

/** Unpack `length` bipolar values from words (inverse of packBipolarWords with stride 1). */
export function unpackBipolarWords(words: Uint32Array, wordOffset: number, length: number): Int8Array {
  const out = new Int8Array(length);
  for (let j = 0; j < length; j++) out[j] = (words[wordOffset + (j >>> 5)]! >>> (j & 31)) & 1 ? 1 : -1;
  return out;
}

/** Number of set bits of a 32-bit integer (SWAR: pairs, nibbles, bytes, then one multiply sums the bytes). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
