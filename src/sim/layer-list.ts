/**
 * Layer lists (the `zoo:` networks of networks.json) → simulator layers. The entry type lives in ir/
 * (sim may not import zoo, ARCHITECTURE.md); src/zoo's ZooLayer extends it. Layer lists carry no
 * connectivity: a layer is taken to consume the previous layer's output when the shapes match (the
 * usual chain), which decides what may stay on chip between layers.
 */
import { GraphError, type Problem } from "../errors.js";
import type { LayerListEntry } from "../ir/layer-list.js";
import { type SimLayer, convLayer, gemmLayer } from "./workload.js";

export type { LayerListEntry };


const DEFAULT_BITS = { wBits: 8, aBits: 8, outBits: 8, source: "default" } as const;

/** `batch` images per inference (the lists give MACs per image). */
export function layersFromList(list: readonly LayerListEntry[], batch = 1, source = "layer list"): SimLayer[] {
  const problems: Problem[] = [];
  const out: SimLayer[] = [];
  let prev: LayerListEntry | undefined;
  for (const e of list) {
    const chained = prev !== undefined && prev.outC * prev.outH * prev.outW === e.inC * e.inH * e.inW && (e.type === "fc" || (prev.outC === e.inC && prev.outH === e.inH));
    const input = chained ? `${prev!.name}:out` : `${e.name}:in`;
    const output = `${e.name}:out`;
    if (e.type === "fc") {
      out.push(gemmLayer(e.name, "fc", batch, e.inC * e.inH * e.inW, e.outC, 1, DEFAULT_BITS, input, output));
    } else {
      const groups = e.type === "dwconv" ? e.inC : e.groups;
      if (e.inC % groups !== 0 || e.outC % groups !== 0) {
        problems.push({ path: `${source}: ${e.name}`, message: "channels are not divisible by groups", given: `inC ${e.inC}, outC ${e.outC}, groups ${groups}` });
        continue;
      }
      const pads = e.pad === "same" ? "same" : ([e.pad, e.pad, e.pad, e.pad] as const);
      const l = convLayer({ name: e.name, batch, inH: e.inH, inW: e.inW, inC: e.inC, outC: e.outC, kH: e.kH, kW: e.kW, strideH: e.strideH, strideW: e.strideW, pads, groups, bits: DEFAULT_BITS, input, output });
      if (l.P !== e.outH || l.Q !== e.outW) {
        problems.push({ path: `${source}: ${e.name}`, message: "output size does not follow from the shape", given: `${e.outH}×${e.outW}`, expected: `${l.P}×${l.Q}` });
        continue;
      }
      out.push(l);
    }
    prev = e;
  }
  if (problems.length > 0) throw new GraphError(problems);
  return out;
}
