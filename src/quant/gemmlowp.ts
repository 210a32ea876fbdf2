/**
 * gemmlowp's FixedPoint<int32, IntegerBits> arithmetic (fixedpoint/fixedpoint.h) and the few TFLite helpers
 * built on it (kernels/internal/common.h: GetReciprocal, CalculateInputRadius), exact for every int32 input.
 *
 * A fixed-point value is passed as its raw int32; the number of integer bits is an argument where the C++
 * template parameter changes the result (Rescale, exp_on_negative_values, ConstantPOT …). Plain int32
 * addition / subtraction / negation overflow is undefined behaviour in C++ but wraps on every target TFLite
 * runs on (gemmlowp's `Add` is a bare `a + b`), so it wraps here too (`| 0`). Multiplication of two fixed-point
 * values is SaturatingRoundingDoublingHighMul: the integer bits of the operands add up.
 *
 * Only integer arithmetic: these run inside kernels.
 */
import { INT32_MAX, INT32_MIN, rdbpot, srdhm } from "./fixed-point.js";

/** Two's-complement int32 addition, wrapping (gemmlowp `Add`). */
export function fpAdd(a: number, b: number): number {
  return (a + b) | 0;
}

/** Two's-complement int32 subtraction, wrapping (gemmlowp `Sub`). */
export function fpSub(a: number, b: number): number {
  return (a - b) | 0;
}

/** Two's-complement int32 negation, wrapping: −INT32_MIN = INT32_MIN (gemmlowp `Neg`). */
export function fpNeg(a: number): number {
  return -a | 0;
}

/** FixedPoint multiplication: SRDHM of the raws; the result has IntegerBits(a) + IntegerBits(b). */
export function fpMul(a: number, b: number): number {
  return srdhm(a, b);
}

/** Raw value of 1.0 in a format with `integerBits` (Q0 has no 1.0: gemmlowp uses INT32_MAX). */
export function fpOne(integerBits: number): number {
  return integerBits === 0 ? INT32_MAX : 2 ** (31 - integerBits);
}

/** ConstantPOT<exponent>: the raw value of 2^exponent in a format with `integerBits`. */
export function fpConstantPot(integerBits: number, exponent: number): number {
  const offset = 31 - integerBits + exponent;
  if (offset < 0 || offset >= 31) throw new Error(`internal: 2^${exponent} not representable with ${integerBits} integer bits`);
  return 2 ** offset;
}

/** RoundingHalfSum (VRHADD): (a + b) / 2 rounded half away from zero, computed in 64 bits. */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b; // exact: |sum| < 2^32
  const sign = sum >= 0 ? 1 : -1;
  return Math.trunc((sum + sign) / 2);
}

/**
 * SaturatingRoundingMultiplyByPOT<exponent>: a saturating left shift for exponent > 0 (values past
 * ±(2^(31−exponent) − 1) go to INT32_MAX / INT32_MIN), RoundingDivideByPOT for exponent < 0.
 */
export function saturatingRoundingMultiplyByPot(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return rdbpot(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** exponent; // |x| ≤ threshold: exact and within int32
}

/** Rescale<dstIntegerBits>: change the number of integer bits, saturating or rounding as needed. */
export function rescale(x: number, srcIntegerBits: number, dstIntegerBits: number): number {
  return saturatingRoundingMultiplyByPot(x, srcIntegerBits - dstIntegerBits);
}

// Q0.31 constants of gemmlowp, given there as raw integers (checked against their real values in tests).
const EXP_MINUS_ONE_EIGHTH = 1895147668; // exp(-1/8)
const ONE_THIRD = 715827883; // 1/3
/** exp(−2^k) for k = −2 … 4: the barrel shifter of exp_on_negative_values. */
const EXP_BARREL: readonly (readonly [number, number])[] = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];
const F2_48_OVER_17 = 1515870810; // 48/17 in Q2.29
const F2_NEG_32_OVER_17 = -1010580540; // −32/17 in Q2.29

/**
 * exp_on_interval_between_negative_one_quarter_and_0_excl: exp(a) for a in [−1/4, 0), Q0.31 in and out.
 * A 4th-order Taylor expansion around −1/8 (gemmlowp's exact operation order).
 */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const x = fpAdd(a, 1 << 28); // x = a + 1/8
  const x2 = fpMul(x, x);
  const x3 = fpMul(x2, x);
  const x4 = fpMul(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPot(x4, -2);
  const poly = saturatingRoundingMultiplyByPot(fpAdd(fpMul(fpAdd(x4Over4, x3), ONE_THIRD), x2), -1);
  return fpAdd(EXP_MINUS_ONE_EIGHTH, fpMul(EXP_MINUS_ONE_EIGHTH, fpAdd(x, poly)));
}

/**
 * exp_on_negative_values: exp(a) for a ≤ 0 given with `integerBits`, result in Q0.31. The input splits into
 * its residue modulo 1/4 (Taylor series above) and the multiples of 1/4, 1/2, 1, 2, 4, 8, 16 (multiplied in
 * from the constant table); below −32 the result is 0 (only reachable with more than 5 integer bits), and
 * exp(0) is INT32_MAX.
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = fpConstantPot(integerBits, -2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusQuarter = fpSub(a & mask, oneQuarter);
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusQuarter, integerBits, 0));
  const remainder = fpSub(aModQuarterMinusQuarter, a);
  for (const [exponent, multiplier] of EXP_BARREL) {
    if (integerBits > exponent) {
      const bit = fractionalBits + exponent;
      if ((remainder & (2 ** bit | 0)) !== 0) result = fpMul(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clamp = -(2 ** (36 - integerBits)); // −32 in this format
    if (a < clamp) result = 0;
  }
  return a === 0 ? INT32_MAX : result;
}

/**
 * Newton–Raphson reciprocal shared by one_over_one_plus_x and one_minus_x_over_one_plus_x: returns x ≈ 1/d
 * in Q2.29 for d = halfDenominator in Q0.31 (three iterations from 48/17 − 32/17·d).
 */
function newtonReciprocalQ2(halfDenominator: number): number {
  const oneQ2 = fpOne(2);
  let x = fpAdd(F2_48_OVER_17, fpMul(halfDenominator, F2_NEG_32_OVER_17));
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = fpMul(halfDenominator, x);
    const oneMinus = fpSub(oneQ2, halfDenominatorTimesX);
    x = fpAdd(x, rescale(fpMul(x, oneMinus), 4, 2));
  }
  return x;
}

/** one_over_one_plus_x_for_x_in_0_1: 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
export function oneOverOnePlusXForXIn01(a: number): number {
  const x = newtonReciprocalQ2(roundingHalfSum(a, INT32_MAX));
  // ExactMulByPot<−1> relabels Q2 as Q1 (same raw), then Rescale<0> from 1 integer bit.
  return rescale(x, 1, 0);
}

/** one_minus_x_over_one_plus_x_for_x_in_0_1: (1 − a) / (1 + a) for a in [0, 1), Q0.31 in and out. */
export function oneMinusXOverOnePlusXForXIn01(a: number): number {
  const x = newtonReciprocalQ2(roundingHalfSum(a, INT32_MAX));
  return rescale(fpSub(x, fpOne(2)), 2, 0);
}

/** logistic(a) = 1 / (1 + exp(−a)) for any a with `integerBits`; result in Q0.31 (1/2 for a = 0). */
export function logistic(a: number, integerBits: number): number {
  const positive = a > 0;
  const absInput = positive ? a : fpNeg(a);
  // logistic_on_positive_values(|a|) = 1 / (1 + exp(−|a|)), computed for either sign.
  const ifPositive = oneOverOnePlusXForXIn01(expOnNegativeValues(fpNeg(absInput), integerBits));
  const ifNegative = fpSub(INT32_MAX, ifPositive);
  if (a === 0) return 1 << 30;
  return positive ? ifPositive : ifNegative;
}

/** tanh(a) for any a with `integerBits`; result in Q0.31. Via (1 − exp(−2|a|)) / (1 + exp(−2|a|)). */
export function tanh(a: number, integerBits: number): number {
  const negative = a < 0;
  const n = negative ? a : fpNeg(a);
  // neg_tanh_on_negative_values: ExactMulByPot<1> doubles n by relabelling it with one more integer bit.
  const t = oneMinusXOverOnePlusXForXIn01(expOnNegativeValues(n, integerBits + 1));
  if (a === 0) return 0;
  return negative ? fpNeg(t) : t;
}

/** Count of leading zero bits of x as an unsigned 32-bit value (32 for 0), as TFLite's CountLeadingZeros. */
export function countLeadingZeros32(x: number): number {
  return Math.clz32(x);
}

/**
 * TFLite GetReciprocal(x, x_integer_digits): 1/x for a positive fixed-point x with `integerDigits` integer
 * bits, as a Q0.31 mantissa `raw` and `numBitsOverUnit` (the value is raw · 2^−numBitsOverUnit).
 * The shift by clz is done on uint32 (for x = 0 the C++ shift by 32 is undefined; this follows x86 and
 * WebAssembly, which take the count modulo 32).
 */
export function getReciprocal(x: number, integerDigits: number): { raw: number; numBitsOverUnit: number } {
  const headroomPlusOne = countLeadingZeros32(x);
  const numBitsOverUnit = integerDigits - headroomPlusOne;
  const shiftedSumMinusOne = ((x << headroomPlusOne) - 0x80000000) | 0;
  return { raw: oneOverOnePlusXForXIn01(shiftedSumMinusOne), numBitsOverUnit };
}

/**
 * TFLite CalculateInputRadius(input_integer_bits, input_left_shift, total_signed_bits):
 * floor((2^ib − 1) · 2^(tsb − ib) / 2^shift), the largest |input − zero point| that cannot overflow once
 * scaled. TFLite computes it in double; every term is a small integer times a power of two, so it is exact.
 */
export function calculateInputRadius(inputIntegerBits: number, inputLeftShift: number, totalSignedBits = 31): number {
  const maxInputRescaled = ((2 ** inputIntegerBits - 1) * 2 ** (totalSignedBits - inputIntegerBits)) / 2 ** inputLeftShift;
  return Math.floor(maxInputRescaled);
}
