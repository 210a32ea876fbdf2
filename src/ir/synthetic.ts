/**
 * Deterministic synthetic data for constants a *.qnet.json leaves out (shape-only networks). Part of the
 * file format: the generator and its mapping to values must never change, or files change meaning.
 * Generator: splitmix32 seeded with FNV-1a(name) XOR seed. Integers: uniform over the type's symmetric
 * range (±(2^(b−1) − 1); binary ±1; unsigned 0..2^b − 1); int32 (biases): uniform in [−1024, 1024];
 * float32: uniform in [−1, 1).
 */
import { type DType, type TensorData, allocTensorData } from "./dtype.js";

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function syntheticData(t: DType, count: number, seed: number, name: string): TensorData {
  const next = splitmix32(fnv1a(name) ^ seed);
  const out = allocTensorData(t, count);
  const uniform = (lo: number, hi: number): number => lo + (next() % (hi - lo + 1));
  for (let i = 0; i < count; i++) {
    if (t === "float32") out[i] = next() / 2 ** 31 - 1;
    else if (t.bits === 1 && t.signed) out[i] = next() & 1 ? 1 : -1;
    else if (t.bits >= 17) out[i] = uniform(t.signed ? -1024 : 0, 1024);
    else if (t.signed) out[i] = uniform(-(2 ** (t.bits - 1) - 1), 2 ** (t.bits - 1) - 1);
    else out[i] = uniform(0, 2 ** t.bits - 1);
  }
  return out;
}
