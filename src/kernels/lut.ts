/**
 * Elementwise table lookup: out[i] = table[x[i] − qmin(inType)]. This is how desktop TFLite runs int8 / uint8
 * LOGISTIC, TANH, ELU, GELU (optimized_integer_ops::LookupTable), and, because an elementwise 8-bit function
 * has only 256 inputs, an exact way to run any other runtime's elementwise kernel once it is tabulated
 * (see quant/lut-builders.ts).
 */
import { GraphError } from "../errors.js";
import { dtypeName, type IntArray, type QType, qmax, qmin } from "../ir/dtype.js";

export function applyLut(x: IntArray, inType: QType, table: Int32Array, out: IntArray): void {
  const lo = qmin(inType);
  const size = qmax(inType) - lo + 1;
  if (table.length !== size) {
    throw new GraphError({
      path: "lut.table",
      message: "table size does not match the input type",
      given: `${table.length} entries`,
      expected: `${size} (one per ${dtypeName(inType)} value)`,
    });
  }
  if (out.length < x.length) {
    throw new GraphError({ path: "lut.out", message: "output shorter than input", given: String(out.length), expected: `≥ ${x.length}` });
  }
  for (let i = 0; i < x.length; i++) {
    const k = x[i]! - lo;
    if (!(k >= 0 && k < size)) {
      throw new GraphError({ path: "lut.x", message: "input value outside its type's range", given: `x[${i}] = ${x[i]}`, expected: dtypeName(inType) });
    }
    out[i] = table[k]!;
  }
}
