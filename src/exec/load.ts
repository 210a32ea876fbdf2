/** Loading a *.qnet.json with the quant/ resolvers wired in (derivation of requantizers and tables). */
import type { Graph, Value } from "../ir/graph.js";
import { parseQnet } from "../ir/qnet-read.js";
import { scalarQuant } from "../ir/quant-params.js";
import { GraphError } from "../errors.js";
import { buildLut } from "../quant/lut-builders.js";
import { meanRule } from "../quant/mean.js";
import { requantizerFromReal } from "../quant/requantize.js";

function quantOf(v: Value): { scale: number; zeroPoint: number } {
  const s = v.quant === undefined ? undefined : scalarQuant(v.quant);
  if (s === undefined || v.dtype === "float32") {
    throw new GraphError({ path: `value "${v.name}"`, message: "a lookup table function needs an integer value with a per-tensor scale" });
  }
  return s;
}

export function loadQnet(text: string): Graph {
  return parseQnet(text, {
    requant: (real, mode) => requantizerFromReal(real, mode),
    lut: (fn, input, output) => {
      const a = quantOf(input);
      const b = quantOf(output);
      if (fn.fn === "custom" || input.dtype === "float32" || output.dtype === "float32") {
        throw new GraphError({ path: `value "${input.name}"`, message: "a custom table must be given as integers" });
      }
      return buildLut({
        fn: fn.fn,
        builder: fn.builder === "fixed-point" || fn.builder === "xnnpack" ? fn.builder : "float",
        ...(fn.alpha === undefined ? {} : { alpha: fn.alpha }),
        inScale: a.scale,
        inZeroPoint: a.zeroPoint,
        outScale: b.scale,
        outZeroPoint: b.zeroPoint,
        inType: input.dtype,
        outType: output.dtype,
      });
    },
    mean: (recipe, scales) => meanRule(recipe, scales),
  });
}
