/**
 * A layer engine as a design: the engine, its ROMs, the input tensor as stream beats, the expected output
 * beats of two back-to-back runs (from the kernels), the engine testbench and the simulator link.
 */
import { type Design, type Mismatch } from "../design.js";
import { field, hexWords, packFields } from "../generated.js";
import { type EngineConfig, planEngine, type EnginePlan } from "../gen/engine-plan.js";
import { engineName, generateEngine } from "../gen/engine.js";
import { type LayerTask, expectedLayerOutput, seededInput } from "../gen/layer-task.js";
import { engineLink } from "../link.js";
import { engineTestbench } from "../tb/engine-tb.js";

export interface LayerDesignOptions {
  readonly seed: number;
  /** The input tensor (NHWC; [M, K] for an FC); seeded random over the input type when absent. */
  readonly input?: Int8Array;
  /** The model the layer came from, as `quarch sim` should be given it (a path relative to the output). */
  readonly modelPath?: string;
}

export function layerDesign(task: LayerTask, cfg: EngineConfig, o: LayerDesignOptions): Design {
  const plan: EnginePlan = planEngine(task, cfg);
  const gen = generateEngine(plan);
  const x = o.input ?? seededInput(task, o.seed);
  const y = expectedLayerOutput(task, x);
  const { cols: C } = cfg;
  const ob = task.outType.bits;
  const beats: bigint[] = [];
  const beatInfo: { pixel: number; kf: number }[] = [];
  for (let kf = 0; kf < plan.KF; kf++) {
    for (let p = 0; p < plan.NP; p++) {
      beats.push(packFields(Array.from({ length: C }, (_, c) => {
        const oc = kf * C + c;
        return [oc < task.outC ? y[p * task.outC + oc]! : 0, ob] as [number, number];
      })));
      beatInfo.push({ pixel: p, kf });
    }
  }
  const inWords = Array.from(x, (v) => BigInt(v));
  const expWords = [...beats, ...beats];
  const tb = engineTestbench({ dut: gen.module, inBits: plan.eb, outBits: C * ob, nIn: inWords.length, nOut: expWords.length, maxCycles: inWords.length + 2 * plan.latencyCycles + 200 });
  const explain = (index: number, got: string): Mismatch => {
    const run = index >= beats.length ? 2 : 1;
    const info = beatInfo[index % beats.length]!;
    const oy = Math.floor(info.pixel / task.outW);
    const ox = info.pixel % task.outW;
    const chans = Array.from({ length: C }, (_, c) => info.kf * C + c).filter((oc) => oc < task.outC);
    const word = /[xz]/i.test(got) ? undefined : BigInt(`0x${got}`);
    const gotVals = word === undefined ? got : `[${chans.map((_, c) => String(field(word, c * ob, ob, task.outType.signed))).join(", ")}]`;
    const iy0 = oy * task.strideH - task.pads[0];
    const ix0 = ox * task.strideW - task.pads[1];
    return {
      index,
      inputs: `run ${run}, output pixel (${oy}, ${ox}), channels ${chans[0]}..${chans[chans.length - 1]}: the ${task.kH}x${task.kW}x${task.inC} input window at (${iy0}, ${ix0}) (input tensor in vectors.hex, seed ${o.seed})`,
      expected: `[${chans.map((oc) => y[info.pixel * task.outC + oc]).join(", ")}]`,
      got: gotVals,
    };
  };
  const data = new Map(gen.files);
  data.set("vectors.hex", hexWords(inWords, plan.eb));
  data.set("expected.hex", hexWords(expWords, C * ob));
  return {
    kind: "layer",
    title: `${engineName(plan)}: ${task.source}, ${cfg.rows}x${cfg.cols} ${cfg.dataflow} array, ${task.precision}, ${task.requant.mode} rounding`,
    dut: gen.module, tb, timing: gen.timing, data,
    vectors: { outputs: expWords.length, values: 2 * plan.NP * task.outC, directed: 0, random: 2 * plan.NP * task.outC, seed: o.seed },
    explain,
    measure: (t) => ({ latencyCycles: t.latency, iiCycles: (t.extra["done2"] ?? 0) - (t.extra["done1"] ?? 0), totalCycles: t.latency }),
    link: engineLink(plan, engineName(plan), o.modelPath),
    notes: [],
  };
}
