/**
 * int8 / uint8 softmax over the last axis, bit-exact with two TFLite kernels:
 *
 *  - "fixed-point": TFLite Micro's int8 kernel = reference_ops::Softmax<int8, int8> (reference/softmax.h),
 *    prepared by SoftmaxPrepare / CalculateSoftmaxParams (micro/kernels/softmax_common.cc). Integer-only at
 *    run time: gemmlowp exp on Q5.26 differences, a Q12.19 sum, GetReciprocal, a rounding shift.
 *  - "lookup-table": the desktop TFLite builtin kernel (kernels/activations.cc, kGenericOptimized) as built
 *    for x86-64 and WebAssembly: PopulateSoftmaxLookupTable (256 float32 values expf(−s·β·k)) and
 *    optimized_ops::Softmax<In, Out> (float32 sum, reciprocal, multiply, round). That kernel is float32
 *    arithmetic at run time, so this variant is too (IEEE float32 via Math.fround, which is exact for
 *    + − × ÷). On aarch64 with clang TFLite defines TFLITE_SOFTMAX_USE_UINT16_LUT and runs a different
 *    kernel (SoftmaxInt8LUT); that build is not reproduced here.
 *  - "onnxruntime": onnxruntime's com.microsoft QLinearSoftmax (kernels/ort-softmax.ts), the kernel an ONNX
 *    model's int8 / uint8 softmax runs on.
 *
 * Prepare-time arithmetic follows the C++ types: tensor scales and β are float32 fields (rounded with
 * Math.fround on entry), PreprocessSoftmaxScaling multiplies them in double.
 */
import { GraphError, UnsupportedError } from "../errors.js";
import { dtypeName, type IntArray, type QType, qmax, qmin } from "../ir/dtype.js";
import { rdbpot, srdhm } from "../quant/fixed-point.js";
import { calculateInputRadius, expOnNegativeValues, fpAdd, getReciprocal, rescale } from "../quant/gemmlowp.js";
import { quantizeMultiplier } from "../quant/multiplier.js";
import { roundHalfAway } from "../quant/rounding.js";
import { type OrtSoftmaxPrepared, prepareOrtSoftmax, softmaxOrt } from "./ort-softmax.js";

export type SoftmaxVariant = "fixed-point" | "lookup-table" | "onnxruntime";

export interface SoftmaxParams {
  readonly variant: SoftmaxVariant;
  readonly beta: number;
  readonly inScale: number;
  readonly inZeroPoint: number;
  readonly outScale: number;
  readonly outZeroPoint: number;
  readonly inType: QType;
  readonly outType: QType;
}

/** TFLite Micro's SoftmaxParams for int8: the β·scale multiplier on Q5.26 differences and the cut-off. */
export interface FixedPointSoftmaxPrepared {
  readonly variant: "fixed-point";
  readonly inType: QType;
  readonly outType: QType;
  readonly inputMultiplier: number;
  readonly inputLeftShift: number;
  /** Differences from the row maximum below this contribute exp = 0 and output qmin. */
  readonly diffMin: number;
}

/** The desktop kernel's state: the float32 exp table and the float32 output scale and zero point. */
export interface LookupTableSoftmaxPrepared {
  readonly variant: "lookup-table";
  readonly inType: QType;
  readonly outType: QType;
  /** table[255 − k] = expf(−inScale·β·k), k = 0 … 255, float32 values. */
  readonly table: Float32Array;
  readonly outScale: number;
  readonly outZeroPoint: number;
}

export type SoftmaxPrepared = FixedPointSoftmaxPrepared | LookupTableSoftmaxPrepared | OrtSoftmaxPrepared;

/** Q5.26 for the scaled differences (kScaledDiffIntegerBits) and Q12.19 for the sum (kAccumulationIntegerBits). */
const SCALED_DIFF_INTEGER_BITS = 5;
const ACCUMULATION_INTEGER_BITS = 12;

const isInt8 = (t: QType): boolean => t.bits === 8 && t.signed;
const isUint8 = (t: QType): boolean => t.bits === 8 && !t.signed;

function unsupported(message: string, given: string, expected: string): UnsupportedError {
  return new UnsupportedError({ path: "softmax", message, given, expected });
}

/** Prepare: validate types and quantization as the runtime's Prepare does, and derive its parameters. */
export function prepareSoftmax(p: SoftmaxParams): SoftmaxPrepared {
  const sameType = p.inType.bits === p.outType.bits && p.inType.signed === p.outType.signed;
  if (!sameType || !(isInt8(p.inType) || isUint8(p.inType))) {
    throw unsupported(
      "unsupported input/output types",
      `${dtypeName(p.inType)} → ${dtypeName(p.outType)}`,
      "int8 → int8 (every variant) or uint8 → uint8",
    );
  }
  const inScale = Math.fround(p.inScale);
  const outScale = Math.fround(p.outScale);
  const beta = Math.fround(p.beta);
  if (!(inScale > 0) || !(outScale > 0) || !Number.isFinite(inScale) || !Number.isFinite(outScale)) {
    throw unsupported("scales must be positive and finite", `in ${p.inScale}, out ${p.outScale}`, "positive finite float32 scales");
  }
  switch (p.variant) {
    case "fixed-point":
      return prepareFixedPoint(p, inScale, outScale, beta);
    case "lookup-table":
      return prepareLookupTable(p, inScale, outScale, beta);
    case "onnxruntime":
      return prepareOrtSoftmax(p.inType, p.outType, inScale, beta, outScale, p.outZeroPoint);
    default: {
      const never: never = p.variant;
      return never;
    }
  }
}

function prepareFixedPoint(p: SoftmaxParams, inScale: number, outScale: number, beta: number): FixedPointSoftmaxPrepared {
  // TFLite Micro: int8 output must have zero point −128 and scale exactly 1/256 (float compare). The kernel
  // writes unsat + qmin(out), i.e. it assumes that output quantization; uint8 (desktop reference kernel)
  // likewise assumes zero point 0 and scale 1/256.
  const wantZp = qmin(p.outType);
  if (p.outZeroPoint !== wantZp || outScale !== 1 / 256) {
    throw unsupported(
      "the fixed-point softmax assumes the output quantization of a probability",
      `${dtypeName(p.outType)} scale ${p.outScale}, zero point ${p.outZeroPoint}`,
      `scale 1/256 and zero point ${wantZp}`,
    );
  }
  // PreprocessSoftmaxScaling (double-rounding build): min(β·s·2^26, 2^31 − 1) in double, then
  // QuantizeMultiplierGreaterThanOne, which TFLITE_CHECKs that the real multiplier exceeds 1.
  const real = Math.min(beta * inScale * 2 ** (31 - SCALED_DIFF_INTEGER_BITS), 2 ** 31 - 1);
  if (!(real > 1)) {
    throw unsupported(
      "β·input scale is too small: TFLite's PreprocessSoftmaxScaling aborts (multiplier must exceed 1)",
      `β ${p.beta} · scale ${p.inScale} · 2^26 = ${real}`,
      "β·scale > 2^−26",
    );
  }
  const q = quantizeMultiplier(real);
  // CalculateInputRadius(5, shift) in double; diff_min = −radius.
  const diffMin = 0 - calculateInputRadius(SCALED_DIFF_INTEGER_BITS, q.shift);
  return { variant: "fixed-point", inType: p.inType, outType: p.outType, inputMultiplier: q.multiplier, inputLeftShift: q.shift, diffMin };
}

function prepareLookupTable(p: SoftmaxParams, inScale: number, outScale: number, beta: number): LookupTableSoftmaxPrepared {
  if (isInt8(p.outType)) {
    // TF_LITE_ENSURE_EQ(zero_point, −128) and TF_LITE_ENSURE_NEAR(scale, 1.f/256, 0.001f·1.f/256), in float.
    const target = Math.fround(1 / 256);
    const delta = Math.fround(outScale > target ? outScale - target : target - outScale);
    const eps = Math.fround(Math.fround(0.001) * target);
    if (p.outZeroPoint !== -128 || delta > eps) {
      throw unsupported(
        "TFLite requires an int8 softmax output near scale 1/256 with zero point −128",
        `scale ${p.outScale}, zero point ${p.outZeroPoint}`,
        "scale within 0.001/256 of 1/256, zero point −128",
      );
    }
  } else if (p.outZeroPoint !== 0) {
    // QuantizeSoftmaxOutput<uint8_t> drops the zero point on x86 (static_cast<int32_t>(p + 0.5f)) but adds
    // it on aarch64 (std::round(p) + zp): the two builds disagree, so only zero point 0 is defined.
    throw unsupported("uint8 softmax output needs zero point 0", `zero point ${p.outZeroPoint}`, "0");
  }
  // PopulateSoftmaxLookupTable: scale = −input_scale·β (float), table[255 − v] = expf(scale·v).
  const scale = Math.fround(-inScale * beta);
  const table = new Float32Array(256);
  for (let v = 0; v <= 255; v++) table[255 - v] = expf(Math.fround(scale * v));
  return { variant: "lookup-table", inType: p.inType, outType: p.outType, table, outScale, outZeroPoint: p.outZeroPoint };
}

/**
 * float32 exp: the exact exp rounded to float32 (Math.exp is within 1 ulp in double, so the float32 result
 * is the correctly rounded expf except in rare double-rounding cases; libm expf implementations are
 * themselves within about half an ulp).
 */
function expf(x: number): number {
  return Math.fround(Math.exp(x));
}

/**
 * Softmax over the last axis of a [rows, depth] view of x (row-major), written to out. The element types
 * are the prepared ones; x and out may not alias.
 */
export function softmax(x: IntArray, rows: number, depth: number, prep: SoftmaxPrepared, out: IntArray): void {
  const n = rows * depth;
  if (!Number.isInteger(rows) || !Number.isInteger(depth) || rows < 0 || depth < 1) {
    throw new GraphError({ path: "softmax", message: "bad shape", given: `rows ${rows}, depth ${depth}`, expected: "rows ≥ 0, depth ≥ 1" });
  }
  if (x.length < n || out.length < n) {
    throw new GraphError({ path: "softmax", message: "buffer shorter than rows·depth", given: `in ${x.length}, out ${out.length}`, expected: `≥ ${n}` });
  }
  // The kernels index tables by differences of in-range values; anything else is not a tensor of inType.
  const lo = qmin(prep.inType);
  const hi = qmax(prep.inType);
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (v < lo || v > hi) {
      throw new GraphError({ path: "softmax", message: "input value outside its type's range", given: `x[${i}] = ${v}`, expected: dtypeName(prep.inType) });
    }
  }
  if (prep.variant === "fixed-point") softmaxFixedPoint(x, rows, depth, prep, out);
  else if (prep.variant === "lookup-table") softmaxLookupTable(x, rows, depth, prep, out);
  else softmaxOrt(x, rows, depth, prep, out);
}

/** Per prepared softmax, exp of every possible difference from the row maximum (see expTable). */
const EXP_TABLES = new WeakMap<FixedPointSoftmaxPrepared, Int32Array>();

/**
 * exp(β·s·d) in Q0.31 for d = 0, −1, …, −255 (index −d): the kernel's value depends only on the difference,
 * and 8-bit differences take 256 values, so each is computed once, by the kernel's own steps.
 * Differences below diff_min get 0: in the kernel they are skipped, and an exp of 0 likewise adds nothing
 * to the sum and yields qmin, so the two are the same.
 */
function expTable(prep: FixedPointSoftmaxPrepared): Int32Array {
  let table = EXP_TABLES.get(prep);
  if (table === undefined) {
    table = new Int32Array(256);
    for (let k = 0; k < 256; k++) {
      const inputDiff = -k;
      if (inputDiff < prep.diffMin) continue;
      // MultiplyByQuantizedMultiplierGreaterThanOne (double rounding): SRDHM(diff·2^shift, M), as Q5.26.
      const scaledDiff = srdhm(inputDiff << prep.inputLeftShift, prep.inputMultiplier);
      table[k] = expOnNegativeValues(scaledDiff, SCALED_DIFF_INTEGER_BITS);
    }
    EXP_TABLES.set(prep, table);
  }
  return table;
}

function softmaxFixedPoint(x: IntArray, rows: number, depth: number, prep: FixedPointSoftmaxPrepared, out: IntArray): void {
  const expOfDiff = expTable(prep);
  const outMin = qmin(prep.outType);
  const outMax = qmax(prep.outType);
  const outBits = prep.outType.bits;
  for (let r = 0; r < rows; r++) {
    const base = r * depth;
    let maxInRow = qmin(prep.inType);
    for (let c = 0; c < depth; c++) if (x[base + c]! > maxInRow) maxInRow = x[base + c]!;

    // Sum of exp(β·s·(x − max)) in Q12.19 (int32, wrapping as the C++ does past 4096 = 2^12).
    let sumOfExps = 0;
    for (let c = 0; c < depth; c++) {
      sumOfExps = fpAdd(sumOfExps, rescale(expOfDiff[maxInRow - x[base + c]!]!, 0, ACCUMULATION_INTEGER_BITS));
    }

    // 1/sum as a Q0.31 mantissa and a power of two; the output is exp·(1/sum)·2^(outBits) by one rounding shift.
    const recip = getReciprocal(sumOfExps, ACCUMULATION_INTEGER_BITS);
    const exponent = recip.numBitsOverUnit + 31 - outBits;
    if (exponent < 0 || exponent > 31) {
      // TFLITE_CHECK(0 <= exponent && exponent <= 31) aborts TFLite Micro: it happens when a row's sum of
      // exponentials reaches 512 (e.g. 512 or more entries equal to the row maximum).
      throw new UnsupportedError({
        path: "softmax",
        message: "TFLite Micro's fixed-point softmax aborts on this row (TFLITE_CHECK on the reciprocal exponent)",
        given: `row ${r}: sum of exponentials raw ${sumOfExps} (Q12.19), exponent ${exponent}`,
        expected: "a row whose exponentials sum to less than 512",
      });
    }
    for (let c = 0; c < depth; c++) {
      const unsat = rdbpot(srdhm(recip.raw, expOfDiff[maxInRow - x[base + c]!]!), exponent);
      const shifted = unsat + outMin;
      out[base + c] = shifted > outMax ? outMax : shifted < outMin ? outMin : shifted;
    }
  }
}

function softmaxLookupTable(x: IntArray, rows: number, depth: number, prep: LookupTableSoftmaxPrepared, out: IntArray): void {
  const { table, outScale, outZeroPoint } = prep;
  const clampMin = qmin(prep.outType);
  const clampMax = qmax(prep.outType);
  const uint8Out = !prep.outType.signed;
  for (let r = 0; r < rows; r++) {
    const base = r * depth;
    let maxVal = qmin(prep.inType);
    for (let j = 0; j < depth; j++) if (x[base + j]! > maxVal) maxVal = x[base + j]!;
    // table_offset = &table[255 − max]; table_offset[x] = table[255 − (max − x)] = expf(−s·β·(max − x)).
    const offset = 255 - maxVal;
    let sumExp = 0; // float32, accumulated in index order
    for (let j = 0; j < depth; j++) sumExp = Math.fround(sumExp + table[offset + x[base + j]!]!);
    const invSumExp = Math.fround(1 / Math.fround(sumExp * outScale));
    for (let j = 0; j < depth; j++) {
      const probRescaled = Math.fround(table[offset + x[base + j]!]! * invSumExp);
      // QuantizeSoftmaxOutput: std::round (half away) + zero point; the x86 uint8 specialisation is
      // static_cast<int32_t>(p + 0.5f), a float32 add then truncation (zero point 0 enforced in prepare).
      const q = uint8Out ? Math.trunc(Math.fround(probRescaled + 0.5)) : roundHalfAway(probRescaled) + outZeroPoint;
      out[base + j] = q > clampMax ? clampMax : q < clampMin ? clampMin : q;
    }
  }
}
