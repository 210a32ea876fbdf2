/**
 * int8 conv throughput of the exact integer kernels (MAC/s, one core) on real layer shapes from
 * src/zoo (networks.json), through the executor (weights prepared, requantization with double rounding).
 */
import { run } from "../src/exec/run.js";
import { GraphBuilder } from "../src/ir/builder.js";
import { INT32, INT8 } from "../src/ir/dtype.js";
import { channelQuant, tensorQuant } from "../src/ir/quant-params.js";
import { samePadding } from "../src/ir/shapes.js";
import { syntheticData } from "../src/ir/synthetic.js";
import { requantizerFromReal } from "../src/quant/requantize.js";
import type { ZooLayer } from "../src/zoo/zoo-types.js";


export interface ConvBench {
  readonly layer: string;
  readonly macs: number;
  readonly seconds: number;
  readonly macPerSecond: number;
}

export function benchConvLayer(l: ZooLayer, minSeconds = 0.3): ConvBench {
  const dw = l.type === "dwconv";
  const groups = dw ? l.inC : l.groups;
  const pads: [number, number, number, number] =
    l.pad === "same"
      ? (() => {
          const h = samePadding(l.inH, l.kH, l.strideH, 1);
          const w = samePadding(l.inW, l.kW, l.strideW, 1);
          return [h.before, w.before, h.after, w.after];
        })()
      : [l.pad, l.pad, l.pad, l.pad];
  const b = new GraphBuilder(l.name);
  b.input("x", INT8, [1, l.inH, l.inW, l.inC], tensorQuant(0.05, -3));
  const wShape = [l.outC, l.kH, l.kW, l.inC / groups];
  b.constant("w", INT8, wShape, syntheticData(INT8, wShape.reduce((a, c) => a * c, 1), 1, "w"), channelQuant(0, new Array(l.outC).fill(0.01), new Array(l.outC).fill(0)));
  b.constant("b", INT32, [l.outC], syntheticData(INT32, l.outC, 1, "b"));
  b.value("y", INT8, [1, l.outH, l.outW, l.outC], tensorQuant(0.1, 0));
  b.node({ name: l.name, op: "conv2d", inputs: ["x", "w", "b"], outputs: ["y"], layout: "nhwc", strides: [l.strideH, l.strideW], dilations: [1, 1], pads, groups, epilogue: { kind: "requant", requant: requantizerFromReal(new Array(l.outC).fill(0.004), "double"), clampMin: -128, clampMax: 127 } });
  const g = b.output("y").build();
  const x = { dtype: INT8, shape: [1, l.inH, l.inW, l.inC], data: syntheticData(INT8, l.inH * l.inW * l.inC, 2, "x") };
  const inputs = new Map([["x", x]]);
  run(g, inputs); // warm-up: JIT
  let reps = 0;
  let best = Infinity;
  const start = performance.now();
  while (performance.now() - start < minSeconds * 1000 || reps < 3) {
    const t0 = performance.now();
    run(g, inputs);
    best = Math.min(best, (performance.now() - t0) / 1000);
    reps++;
  }
  return { layer: l.name, macs: l.macs, seconds: best, macPerSecond: l.macs / best };
}
