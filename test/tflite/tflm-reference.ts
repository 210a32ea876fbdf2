/**
 * TFLite Micro's int8 reference kernels (tensorflow/lite/kernels/internal/reference/integer_ops/conv.h,
 * depthwise_conv.h, fully_connected.h, add.h, pooling.h; micro/kernels/*_common.cc for the Prepare-time
 * arithmetic), transcribed naively for the tests: nested loops over the TFLite layouts (filters OHWI,
 * depthwise 1HWO), parameters derived from the tensors' float scales here, accumulators exact in doubles
 * (int8 products summed stay far below 2^53) and wrapped to int32, fixed-point rescaling in BigInt.
 * Nothing is shared with src/ (no quarch requantizer, multiplier or kernel is used), so agreement with
 * quarch's `tflm` graph is an independent check.
 */

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

const roundAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));
const wrap32 = (v: bigint): number => Number(BigInt.asIntN(32, v));

/** QuantizeMultiplier (quantization_util.cc): d = q·2^e, 0.5 ≤ q < 1, q·2^31 rounded half away. */
export function quantizeMultiplier(d: number): [number, number] {
  if (d === 0) return [0, 0];
  let e = 0;
  let q = d;
  while (q >= 1) {
    q /= 2;
    e++;
  }
  while (q < 0.5) {
    q *= 2;
    e--;
  }
  let qf = roundAway(q * 2 ** 31);
  if (qf === 2 ** 31) {
    qf /= 2;
    e++;
  }
  if (e < -31) return [0, 0];
  return [qf, e];
}

/** gemmlowp SaturatingRoundingDoublingHighMul. */
function srdhm(a: number, b: number): number {
  if (a === I32_MIN && b === I32_MIN) return I32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C++ does
}

/** gemmlowp RoundingDivideByPOT. */
function rdbpot(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const rem = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (rem > threshold ? 1n : 0n));
}

/** MultiplyByQuantizedMultiplier, double rounding (the default build of TFLite Micro). */
export function mbqm(x: number, m: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return rdbpot(srdhm(wrap32(BigInt(x) << BigInt(left)), m), right);
}

/** CalculateActivationRangeQuantized for int8: Q(f) = zp + round(f32(f / scale)). */
export function activationRange(act: number, scale: number, zp: number): [number, number] {
  const q = (f: number): number => zp + roundAway(Math.fround(f / scale));
  if (act === 1) return [Math.max(-128, q(0)), 127];
  if (act === 3) return [Math.max(-128, q(0)), Math.min(127, q(6))];
  if (act === 2) return [Math.max(-128, q(-1)), Math.min(127, q(1))];
  return [-128, 127];
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export interface Quant {
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}

export interface ConvParams {
  readonly padding: number; // 0 SAME, 1 VALID
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly act: number;
}

/** ComputePaddingHeightWidth for one axis. */
function padBefore(padding: number, size: number, k: number, stride: number, dilation: number): { out: number; pad: number } {
  const eff = (k - 1) * dilation + 1;
  const out = padding === 0 ? Math.floor((size + stride - 1) / stride) : Math.floor((size - eff + stride) / stride);
  const total = Math.max(0, (out - 1) * stride + eff - size);
  return { out, pad: Math.floor(total / 2) };
}

/**
 * reference_integer_ops::ConvPerChannel (depthwise = false, filter OHWI) and DepthwiseConvPerChannel
 * (filter 1HWO, output channel = input channel · multiplier + m). Multipliers per PopulateConvolutionQuantizationParams.
 */
export function conv(
  depthwise: boolean,
  x: ArrayLike<number>,
  xShape: readonly number[],
  xq: Quant,
  w: ArrayLike<number>,
  wShape: readonly number[],
  wq: Quant,
  bias: ArrayLike<number> | undefined,
  yq: Quant,
  p: ConvParams,
): number[] {
  const [N, H, W, C] = xShape as [number, number, number, number];
  const [w0, KH, KW, w3] = wShape as [number, number, number, number];
  const O = depthwise ? w3 : w0;
  const cin = depthwise ? 1 : w3;
  const groups = depthwise ? C : C / w3;
  const mult = depthwise ? O / C : 1;
  const ph = padBefore(p.padding, H, KH, p.strideH, p.dilationH);
  const pw = padBefore(p.padding, W, KW, p.strideW, p.dilationW);
  const zx = xq.zeroPoint[0]!;
  const zy = yq.zeroPoint[0]!;
  const params = Array.from({ length: O }, (_, o) => quantizeMultiplier((xq.scale[0]! * (wq.scale.length === 1 ? wq.scale[0]! : wq.scale[o]!)) / yq.scale[0]!));
  const [lo, hi] = activationRange(p.act, yq.scale[0]!, zy);
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < ph.out; oy++)
      for (let ox = 0; ox < pw.out; ox++)
        for (let o = 0; o < O; o++) {
          let acc = 0; // exact: |Σ| < 2^53 for int8 operands
          for (let ky = 0; ky < KH; ky++)
            for (let kx = 0; kx < KW; kx++) {
              const iy = oy * p.strideH - ph.pad + ky * p.dilationH;
              const ix = ox * p.strideW - pw.pad + kx * p.dilationW;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              for (let ic = 0; ic < cin; ic++) {
                const c = depthwise ? Math.floor(o / mult) : Math.floor(o / (O / groups)) * cin + ic;
                const wv = depthwise ? w[(ky * KW + kx) * O + o]! : w[((o * KH + ky) * KW + kx) * cin + ic]!;
                acc += wv * (x[((n * H + iy) * W + ix) * C + c]! - zx);
              }
            }
          if (bias !== undefined) acc += bias[o]!;
          const [m, s] = params[o]!;
          out.push(clamp(mbqm(wrap32(BigInt(acc)), m, s) + zy, lo, hi));
        }
  return out;
}

/**
 * reference_integer_ops::FullyConnected: per-tensor weights take GetQuantizedConvolutionMultipler's
 * multiplier double(f32(s_in · s_w)) / s_out (the product rounded to float first).
 */
export function fullyConnected(x: ArrayLike<number>, xq: Quant, w: ArrayLike<number>, wShape: readonly number[], wq: Quant, bias: ArrayLike<number> | undefined, yq: Quant, act: number): number[] {
  const [N, K] = wShape as [number, number];
  const M = x.length / K;
  const perChannel = wq.scale.length > 1;
  const params = Array.from({ length: N }, (_, o) =>
    quantizeMultiplier(perChannel ? (xq.scale[0]! * wq.scale[o]!) / yq.scale[0]! : Math.fround(xq.scale[0]! * wq.scale[0]!) / yq.scale[0]!),
  );
  const [lo, hi] = activationRange(act, yq.scale[0]!, yq.zeroPoint[0]!);
  const out: number[] = [];
  for (let b = 0; b < M; b++)
    for (let o = 0; o < N; o++) {
      let acc = 0;
      const zw = wq.zeroPoint.length === 1 ? wq.zeroPoint[0]! : wq.zeroPoint[o]!;
      for (let k = 0; k < K; k++) acc += (w[o * K + k]! - zw) * (x[b * K + k]! - xq.zeroPoint[0]!);
      if (bias !== undefined) acc += bias[o]!;
      const [m, s] = params[o]!;
      out.push(clamp(mbqm(wrap32(BigInt(acc)), m, s) + yq.zeroPoint[0]!, lo, hi));
    }
  return out;
}

/** reference_integer_ops::Add (same shapes) with add_common.cc's Prepare: left shift 20, 2·max scale. */
export function add(a: ArrayLike<number>, aq: Quant, b: ArrayLike<number>, bq: Quant, yq: Quant, act: number): number[] {
  const s1 = aq.scale[0]!;
  const s2 = bq.scale[0]!;
  const twice = 2 * Math.max(s1, s2);
  const [m1, e1] = quantizeMultiplier(s1 / twice);
  const [m2, e2] = quantizeMultiplier(s2 / twice);
  const [mo, eo] = quantizeMultiplier(twice / ((1 << 20) * yq.scale[0]!));
  const [lo, hi] = activationRange(act, yq.scale[0]!, yq.zeroPoint[0]!);
  return Array.from({ length: a.length }, (_, i) => {
    const x1 = mbqm((a[i]! - aq.zeroPoint[0]!) * (1 << 20), m1, e1);
    const x2 = mbqm((b[i]! - bq.zeroPoint[0]!) * (1 << 20), m2, e2);
    return clamp(mbqm(x1 + x2, mo, eo) + yq.zeroPoint[0]!, lo, hi);
  });
}

/** reference_integer_ops::AveragePool: Σ over the clipped window, (acc ± n/2) / n truncating, then clamp. */
export function averagePool(x: ArrayLike<number>, xShape: readonly number[], fh: number, fw: number, p: ConvParams, yq: Quant): number[] {
  const [N, H, W, C] = xShape as [number, number, number, number];
  const ph = padBefore(p.padding, H, fh, p.strideH, 1);
  const pw = padBefore(p.padding, W, fw, p.strideW, 1);
  const [lo, hi] = activationRange(p.act, yq.scale[0]!, yq.zeroPoint[0]!);
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let oy = 0; oy < ph.out; oy++)
      for (let ox = 0; ox < pw.out; ox++)
        for (let c = 0; c < C; c++) {
          let acc = 0;
          let count = 0;
          for (let ky = 0; ky < fh; ky++)
            for (let kx = 0; kx < fw; kx++) {
              const iy = oy * p.strideH - ph.pad + ky;
              const ix = ox * p.strideW - pw.pad + kx;
              if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
              acc += x[((n * H + iy) * W + ix) * C + c]!;
              count++;
            }
          const avg = acc > 0 ? Math.trunc((acc + Math.trunc(count / 2)) / count) : Math.trunc((acc - Math.trunc(count / 2)) / count);
          out.push(clamp(avg, lo, hi));
        }
  return out;
}
