/**
 * onnxruntime's 8-bit lookup tables (contrib_ops/cpu/quantization/qlinear_lookup_table.cc,
 * QlinearBuildLookupTable), used by QLinearSigmoid, QLinearLeakyRelu and the per-input rescale of
 * QLinearConcat: every input value is dequantized in float32, f32(x_scale · (x − x_zp)), transformed in
 * float32, and quantized by MlasQuantizeLinear: saturate(roundHalfEven(f32(y / y_scale)) + y_zp).
 * Sigmoid is MLAS's logistic approximation (MlasComputeLogistic), not 1 / (1 + e^−x).
 */
import { UnsupportedError } from "../errors.js";
import { type QType, dtypeName, qmax, qmin } from "../ir/dtype.js";
import { mlasLogistic, nearbyint } from "./float32.js";

export type OrtLutFn = "sigmoid" | "leaky-relu" | "identity";

export interface OrtLutParams {
  readonly fn: OrtLutFn;
  /** LeakyRelu slope (a float32 attribute). */
  readonly alpha?: number;
  readonly inScale: number;
  readonly inZeroPoint: number;
  readonly outScale: number;
  readonly outZeroPoint: number;
  /** int8 or uint8: the input's type, and the output's unless `outType` says otherwise. */
  readonly type: QType;
  /** DQ → Q may change signedness (uint8 → int8); the activations keep one type. */
  readonly outType?: QType;
}

/** One entry per input value, indexed by x − qmin(type). */
export function buildOrtLut(p: OrtLutParams): Int32Array {
  const outType = p.outType ?? p.type;
  if (p.type.bits !== 8 || outType.bits !== 8) {
    throw new UnsupportedError({ path: `lut.${p.fn}`, message: "onnxruntime's lookup tables are 8-bit only", given: `${dtypeName(p.type)} → ${dtypeName(outType)}`, expected: "int8 or uint8" });
  }
  const f = Math.fround;
  const sIn = f(p.inScale);
  const sOut = f(p.outScale);
  const alpha = f(p.alpha ?? 0);
  const transform = (v: number): number => {
    switch (p.fn) {
      case "sigmoid":
        return mlasLogistic(v);
      case "leaky-relu":
        return v >= 0 ? v : f(alpha * v);
      case "identity":
        return v;
      default: {
        const never: never = p.fn;
        return never;
      }
    }
  };
  const lo = qmin(p.type);
  const hi = qmax(p.type);
  const yLo = qmin(outType);
  const yHi = qmax(outType);
  const table = new Int32Array(hi - lo + 1);
  for (let x = lo; x <= hi; x++) {
    const y = transform(f(sIn * (x - p.inZeroPoint)));
    const q = nearbyint(f(y / sOut)) + p.outZeroPoint;
    table[x - lo] = q < yLo ? yLo : q > yHi ? yHi : q;
  }
  return table;
}
