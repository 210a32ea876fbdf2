/**
 * Single-operator TFLite models (op-models.ts):
 *  - `tflite` / `xnnpack`: outputs on 4 seeded inputs equal the desktop interpreter's goldens
 *    (test/fixtures/tflite-op-goldens, scripts/tflite-oracle.ts): builtin kernels, and the XNNPACK delegate
 *    with its fallback to them where it refuses parameters;
 *  - `tflm`: each op recomputed by a transcription of TFLite Micro's reference kernel (tflm-reference.ts, or
 *    inline below for data movement, MEAN and QUANTIZE), no quarch arithmetic involved;
 *  - lowering details and op-level refusals.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeNpy } from "../../src/cli/npy.js";
import { TfliteError } from "../../src/errors.js";
import type { Graph, Tensor } from "../../src/ir/graph.js";
import { run } from "../../src/exec/run.js";
import { buildLut } from "../../src/quant/lut-builders.js";
import { INT8 } from "../../src/ir/dtype.js";
import type { Node } from "../../src/ir/ops.js";
import { applyProfile } from "../../src/quant/profiles.js";
import { requantize } from "../../src/quant/requantize.js";
import { xnnpackLeakyReluTable, xnnpackRequantizer } from "../../src/quant/xnnpack.js";
import { loadTflite } from "../../src/tflite/index.js";
import { type ModelSpec, buildModel, i32, i8 } from "./model-builder.js";
import { OP_MODELS, type OpModel } from "./op-models.js";
import { add, averagePool, conv, fullyConnected, mbqm, quantizeMultiplier } from "./tflm-reference.js";

const GOLDENS = join(import.meta.dirname, "..", "fixtures", "tflite-op-goldens");

function npy(...parts: string[]): { shape: number[]; values: ArrayLike<number> } {
  const raw = decodeNpy(new Uint8Array(readFileSync(join(GOLDENS, ...parts))), parts.join("/"));
  return { shape: raw.shape, values: raw.values };
}

function feeds(om: OpModel, g: Graph): Map<string, Tensor>[] {
  const ins = npy(om.name, "inputs.npy");
  const v = g.values.get(g.inputs[0]!)!;
  const per = ins.values.length / ins.shape[0]!;
  return Array.from({ length: ins.shape[0]! }, (_, k) => {
    const part = Array.from(ins.values).slice(k * per, (k + 1) * per);
    const data = v.dtype === "float32" ? Float32Array.from(part) : Int8Array.from(part);
    return new Map([[v.name, { dtype: v.dtype, shape: v.shape, data }]]);
  });
}

const out = (g: Graph, f: Map<string, Tensor>): number[] => Array.from(run(g, f).outputs.get(g.outputs[0]!)!.data);
const mismatches = (a: readonly number[], b: ArrayLike<number>): number => a.reduce((s, v, i) => s + (Object.is(v, b[i]) ? 0 : 1), 0);

describe.each(OP_MODELS)("TFLite op model $name", (om) => {
  const g = loadTflite(buildModel(om.spec), om.name);
  const fs = feeds(om, g);

  it.each(["tflite", "xnnpack"] as const)("profile %s against the desktop interpreter", (profile) => {
    const golden = npy(om.name, `outputs-${profile}.npy`).values;
    const gp = applyProfile(g, profile);
    const per = golden.length / fs.length;
    const n = fs.reduce((s, f, k) => s + mismatches(out(gp, f), Array.from(golden).slice(k * per, (k + 1) * per)), 0);
    expect(n).toBe(0);
  });

  it("profile tflm equals a transcription of TFLite Micro's reference", () => {
    for (const f of fs) expect(mismatches(out(g, f), tflmReference(om, Array.from(f.values().next().value!.data)))).toBe(0);
  });
});

// ---- TFLite Micro references for the op models ----

const q = (om: OpModel, i: number): { scale: number[]; zeroPoint: number[] } => {
  const t = om.spec.tensors[i]!;
  return { scale: (t.scale ?? [1]).map((s) => Math.fround(s)), zeroPoint: [...(t.zeroPoint ?? [0])] };
};
const constData = (om: OpModel, i: number): number[] => {
  const t = om.spec.tensors[i]!;
  const d = t.data!;
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return t.type === 2 ? Array.from({ length: d.length / 4 }, (_, k) => v.getInt32(4 * k, true)) : Array.from({ length: d.length }, (_, k) => v.getInt8(k));
};
const clamp8 = (v: number): number => Math.max(-128, Math.min(127, v));
const roundAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

function tflmReference(om: OpModel, x: number[]): number[] {
  const T = om.spec.tensors;
  const y = om.spec.tensors.length - 1;
  switch (om.name) {
    case "conv_dilated_valid_relu6":
      return conv(false, x, T[0]!.shape, q(om, 0), constData(om, 1), T[1]!.shape, q(om, 1), constData(om, 2), q(om, 3), { padding: 1, strideH: 2, strideW: 2, dilationH: 2, dilationW: 2, act: 3 });
    case "depthwise_mult2_same":
      return conv(true, x, T[0]!.shape, q(om, 0), constData(om, 1), T[1]!.shape, q(om, 1), constData(om, 2), q(om, 3), { padding: 0, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, act: 1 });
    case "fully_connected_rank3":
      return fullyConnected(x, q(om, 0), constData(om, 1), T[1]!.shape, q(om, 1), undefined, q(om, 2), 0);
    case "add_broadcast_relu": {
      const c = constData(om, 1);
      return add(x, q(om, 0), x.map((_, i) => c[i % 3]!), q(om, 1), q(om, 2), 1);
    }
    case "average_pool_same":
      return averagePool(x, T[0]!.shape, 3, 3, { padding: 0, strideH: 2, strideW: 2, dilationH: 1, dilationW: 1, act: 0 }, q(om, 1));
    case "max_pool_same_relu6":
      return maxPool(x, T[0]!.shape as number[], q(om, 1));
    case "mean_hw_rescale":
    case "mean_hw_same":
    case "mean_hw_same_keep":
    case "mean_hw_rescale_flat":
      return mean(x, T[0]!.shape as number[], q(om, 0), q(om, 2));
    case "pad":
      return padNhwc(x, T[0]!.shape as number[], [1, 2], [2, 1], q(om, 2).zeroPoint[0]!);
    case "padv2":
      return padNhwc(x, T[0]!.shape as number[], [1, 0], [0, 1], -50);
    case "concat_channels": {
      const c = constData(om, 1);
      return Array.from({ length: 6 }, (_, p) => [x[2 * p]!, x[2 * p + 1]!, c[p]!]).flat();
    }
    case "squeeze":
      return x;
    case "quantize_requantize":
    case "quantize_requantize_narrow": {
      // quantize_common.cc: QuantizeMultiplier(double(s_in) / double(s_out)); reference_ops::Requantize.
      const [a, b] = [q(om, 0), q(om, 1)];
      const [m, s] = quantizeMultiplier(a.scale[0]! / b.scale[0]!);
      return x.map((v) => clamp8(mbqm(v - a.zeroPoint[0]!, m, s) + b.zeroPoint[0]!));
    }
    case "quantize_float":
      // reference_ops::AffineQuantize: TfLiteRound(f32(x / scale)) + zp, clamped.
      return x.map((v) => clamp8(roundAway(Math.fround(v / q(om, 1).scale[0]!)) - 3));
    case "dequantize":
      return x.map((v) => Math.fround(q(om, 0).scale[0]! * (v + 7)));
    case "logistic":
    case "tanh":
    case "leaky_relu":
    case "leaky_relu_negative_alpha":
    case "leaky_relu_xnnpack_refused": {
      // The tabulated TFLite Micro kernel (quant/lut-builders.ts, checked against TFLite Micro's tests in
      // test/kernels/lut.test.ts): here the check is that the importer builds exactly that table.
      const a = q(om, 0);
      const b = q(om, y);
      const fn = om.name === "logistic" ? "sigmoid" : om.name === "tanh" ? "tanh" : "leaky-relu";
      const alphaOption = om.spec.ops[0]!.options?.[0];
      const alpha = alphaOption?.t === "f32" ? alphaOption.v : 0;
      const t = buildLut({ fn, builder: "fixed-point", ...(fn === "leaky-relu" ? { alpha } : {}), inScale: a.scale[0]!, inZeroPoint: a.zeroPoint[0]!, outScale: b.scale[0]!, outZeroPoint: b.zeroPoint[0]!, inType: { bits: 8, signed: true }, outType: { bits: 8, signed: true } });
      return x.map((v) => t[v + 128]!);
    }
    case "softmax_beta":
      return softmaxWithinOneStep(x, om);
    default:
      throw new Error(`no reference for ${om.name}`);
  }
}

function maxPool(x: number[], shape: number[], yq: { scale: number[]; zeroPoint: number[] }): number[] {
  const [, H, W, C] = shape as [number, number, number, number];
  const hi = Math.min(127, yq.zeroPoint[0]! + roundAway(Math.fround(6 / yq.scale[0]!)));
  const lo = Math.max(-128, yq.zeroPoint[0]!);
  const res: number[] = [];
  for (let oy = 0; oy < 4; oy++)
    for (let ox = 0; ox < 3; ox++)
      for (let c = 0; c < C; c++) {
        let m = -Infinity;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy * 2 - 1 + ky;
            const ix = ox * 2 - 1 + kx;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) m = Math.max(m, x[(iy * W + ix) * C + c]!);
          }
        res.push(Math.min(hi, Math.max(lo, m)));
      }
  return res;
}

/** reduce.cc EvalIntegerMean over H and W of a [1, H, W, C] tensor (keep_dims does not change the arithmetic). */
function mean(x: number[], shape: number[], xq: { scale: number[]; zeroPoint: number[] }, yq: { scale: number[]; zeroPoint: number[] }): number[] {
  const [, H, W, C] = shape as [number, number, number, number];
  const n = H * W;
  const sums = Array.from({ length: C }, (_, c) => Array.from({ length: n }, (_, i) => x[i * C + c]!).reduce((a, b) => a + b, 0));
  if (xq.scale[0] === yq.scale[0] && xq.zeroPoint[0] === yq.zeroPoint[0]) return sums.map((s) => Math.trunc(s / n));
  const [m, s] = quantizeMultiplier(xq.scale[0]! / yq.scale[0]!);
  const k = Math.min(Math.floor(Math.log2(n)), 32, 31 + s); // n is small: log2 is exact enough to floor
  const folded = Number((BigInt(m) << BigInt(k)) / BigInt(n));
  return sums.map((sum) => clamp8(mbqm(sum - xq.zeroPoint[0]! * n, folded, s - k) + yq.zeroPoint[0]!));
}

function padNhwc(x: number[], shape: number[], h: [number, number], w: [number, number], value: number): number[] {
  const [, H, W, C] = shape as [number, number, number, number];
  const res: number[] = [];
  for (let y = 0; y < H + h[0] + h[1]; y++)
    for (let xx = 0; xx < W + w[0] + w[1]; xx++)
      for (let c = 0; c < C; c++) {
        const iy = y - h[0];
        const ix = xx - w[0];
        res.push(iy >= 0 && iy < H && ix >= 0 && ix < W ? x[(iy * W + ix) * C + c]! : value);
      }
  return res;
}

/** Not a transcription (see mlperf-tiny.test.ts): returns the quarch output when it is within one step of the float softmax. */
function softmaxWithinOneStep(x: number[], om: OpModel): number[] {
  const g = loadTflite(buildModel(om.spec));
  const y = out(g, new Map([[g.inputs[0]!, { dtype: { bits: 8, signed: true }, shape: [3, 10], data: Int8Array.from(x) }]]));
  for (let r = 0; r < 3; r++) {
    const row = x.slice(10 * r, 10 * r + 10).map((v) => 0.5 * Math.fround(0.2) * (v + 4));
    const mx = Math.max(...row);
    const e = row.map((v) => Math.exp(v - mx));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => expect(Math.abs(y[10 * r + c]! + 128 - (256 * v) / sum)).toBeLessThanOrEqual(1));
  }
  return y;
}

// ---- lowering details and refusals ----

const opModel = (name: string): OpModel => OP_MODELS.find((m) => m.name === name)!;
const message = (spec: ModelSpec): string => {
  try {
    loadTflite(buildModel(spec));
  } catch (e) {
    expect(e).toBeInstanceOf(TfliteError);
    return (e as Error).message;
  }
  throw new Error("expected a TfliteError");
};

describe("TFLite lowering details", () => {
  it("depthwise filters become OHWI with groups = input channels, per-channel axis 0", () => {
    const g = loadTflite(buildModel(opModel("depthwise_mult2_same").spec));
    const n = g.nodes[0]!;
    const w = g.values.get("w")!;
    expect([n.op, n.op === "conv2d" ? n.groups : 0, w.shape, w.quant?.kind === "channel" ? w.quant.axis : -1]).toEqual(["conv2d", 3, [6, 3, 3, 1], 0]);
  });

  it("FULLY_CONNECTED flattens its input with a reshape and derives the per-tensor multiplier from the float product", () => {
    const g = loadTflite(buildModel(opModel("fully_connected_rank3").spec));
    expect(g.nodes.map((n) => [n.op, n.inputs, n.outputs])).toEqual([
      ["reshape", ["x"], ["y/flatten"]],
      ["matmul", ["y/flatten", "w"], ["y"]],
    ]);
    const mm = g.nodes[1]!;
    if (mm.op !== "matmul" || mm.epilogue.kind !== "requant") throw new Error("matmul expected");
    expect(Array.from(mm.epilogue.requant.real)).toEqual([Math.fround(Math.fround(0.1) * Math.fround(0.02)) / Math.fround(0.2)]);
  });

  it("MEAN folds 1/(H·W) into its multiplier the way TFLite Micro does", () => {
    const g = loadTflite(buildModel(opModel("mean_hw_rescale").spec));
    const n = g.nodes[0]!;
    if (n.op !== "global-avgpool" || n.mean.rule !== "requant" || n.mean.requant.mode === "onnx") throw new Error("global-avgpool with a fixed requantizer expected");
    const [m, s] = quantizeMultiplier(Math.fround(0.05) / Math.fround(0.02));
    expect([n.mean.requant.multiplier[0], n.mean.requant.shift[0], n.keepDims]).toEqual([Number((BigInt(m) << 3n) / 15n), s - 3, true]);
    const same = loadTflite(buildModel(opModel("mean_hw_same").spec)).nodes[0]!;
    expect([same.op, same.op === "global-avgpool" && same.mean, same.op === "global-avgpool" && same.keepDims]).toEqual(["global-avgpool", { rule: "truncate" }, false]);
  });

  it("each profile names its runtime's MEAN rule", () => {
    const rules = (name: string): string[] => {
      const g = loadTflite(buildModel(opModel(name).spec));
      return (["tflm", "tflite", "xnnpack", "onnxruntime"] as const).map((p) => {
        const n = applyProfile(g, p).nodes[0]!;
        if (n.op !== "global-avgpool") throw new Error("global-avgpool expected");
        return n.mean.rule === "requant" || n.mean.rule === "requant-bias" ? `${n.mean.rule} ${n.mean.requant.mode}` : n.mean.rule;
      });
    };
    expect(rules("mean_hw_rescale")).toEqual(["requant double", "requant-bias double", "requant onnx", "requant onnx"]);
    expect(rules("mean_hw_same_keep")).toEqual(["truncate", "requant-bias double", "requant onnx", "requant onnx"]);
    expect(rules("mean_hw_same")).toEqual(["truncate", "truncate", "requant onnx", "requant onnx"]);
    expect(rules("mean_hw_rescale_flat")).toEqual(["requant double", "float", "requant onnx", "requant onnx"]);
  });

  it("xnnpack: Q8 requantization and leaky ReLU where XNNPACK takes them, TFLite's kernels where it refuses", () => {
    const node = (name: string): Node => applyProfile(loadTflite(buildModel(opModel(name).spec)), "xnnpack").nodes[0]!;
    const rq = node("quantize_requantize");
    if (rq.op !== "requantize" || rq.requant.mode === "onnx") throw new Error("requantize expected");
    // lrintf(256·f32(0.05/0.037)) with an 8-bit fraction: ⌊((x − zp)·346 + 128) / 256⌋.
    expect([rq.requant.mode, rq.requant.multiplier[0], rq.requant.shift[0]]).toEqual(["dyadic-half-up", Math.round(256 * Math.fround(Math.fround(0.05) / Math.fround(0.037))), 23]);
    const narrow = node("quantize_requantize_narrow");
    expect(narrow.op === "requantize" && narrow.requant.mode).toBe("double");
    const lut = (name: string): string => {
      const n = node(name);
      return n.op === "lut" ? n.source.builder : n.op;
    };
    expect([lut("leaky_relu"), lut("leaky_relu_negative_alpha"), lut("leaky_relu_xnnpack_refused")]).toEqual(["xnnpack", "xnnpack", "fixed-point"]);
  });

  it("the goldens tell the runtimes apart where their arithmetic differs, and the refused cases need the fallback", () => {
    const differ = (name: string): number => {
      const a = npy(name, "outputs-tflite.npy").values;
      const b = npy(name, "outputs-xnnpack.npy").values;
      return Array.from(a).reduce((s, v, i) => s + (v === b[i] ? 0 : 1), 0);
    };
    for (const name of ["mean_hw_rescale", "mean_hw_same", "mean_hw_same_keep", "mean_hw_rescale_flat", "leaky_relu", "leaky_relu_negative_alpha", "quantize_requantize"]) expect(differ(name), name).toBeGreaterThan(0);
    for (const name of ["leaky_relu_xnnpack_refused", "quantize_requantize_narrow"]) expect(differ(name), name).toBe(0);
    // XNNPACK's own kernels would have changed the refused ones.
    const golden = Array.from(npy("leaky_relu_xnnpack_refused", "outputs-xnnpack.npy").values).slice(0, 256);
    const table = xnnpackLeakyReluTable(Math.fround(0.05), 10, Math.fround(0.04), -20, Math.fround(0.002), INT8);
    expect(mismatches(Array.from(table), golden)).toBeGreaterThan(0);
    const q8 = xnnpackRequantizer(Math.fround(0.001), Math.fround(0.3), 0);
    const q8Out = Array.from({ length: 256 }, (_, i) => clamp8(requantize(i - 128 + 100, q8) + 4));
    expect(mismatches(q8Out, Array.from(npy("quantize_requantize_narrow", "outputs-xnnpack.npy").values).slice(0, 256))).toBeGreaterThan(0);
  });

  it("names nodes <op>_<operator index> and keeps TFLite's tensor names on values", () => {
    const fc = loadTflite(buildModel(opModel("fully_connected_rank3").spec));
    expect(fc.nodes.map((n) => n.name)).toEqual(["fully_connected_0_flatten", "fully_connected_0"]);
    const resnet = loadTflite(new Uint8Array(readFileSync(join(import.meta.dirname, "..", "..", "examples", "mlperf-tiny", "pretrainedResnet_quant.tflite"))));
    expect(resnet.nodes.map((n) => n.name).slice(0, 5)).toEqual(["conv_2d_0", "conv_2d_1", "conv_2d_2", "add_3", "conv_2d_4"]);
    expect(new Set(resnet.nodes.map((n) => n.name)).size).toBe(resnet.nodes.length);
    // Values keep the TFLite tensor names.
    const conv = resnet.nodes[0]!;
    expect(conv.outputs[0]).toContain("/");
  });

  it("refuses what TFLite refuses or quarch cannot run, naming the operator", () => {
    const sm = opModel("softmax_beta").spec;
    expect(message({ ...sm, tensors: sm.tensors.map((t, i) => (i === 1 ? { ...t, zeroPoint: [0] } : t)) })).toBe(
      "operator 0 (SOFTMAX v2): softmax output must be quantized as a probability (given scale 0.00390625, zero point 0; expected scale 1/256, zero point -128)",
    );
    const cc = opModel("concat_channels").spec;
    expect(message({ ...cc, tensors: cc.tensors.map((t, i) => (i === 1 ? { ...t, zeroPoint: [0] } : t)) })).toBe(
      "operator 0 (CONCATENATION v2): input 1 is quantized differently from the output (given scale 0.10000000149011612, zero point 0; expected scale 0.10000000149011612, zero point -3)",
    );
    const mn = opModel("mean_hw_same").spec;
    expect(message({ ...mn, tensors: mn.tensors.map((t, i) => (i === 1 ? { ...t, data: new Uint8Array(new Int32Array([3, 3]).buffer) } : i === 2 ? { ...t, shape: [1, 5, 3] } : t)) })).toBe(
      "operator 0 (MEAN v2): only the mean over H and W (axes 1 and 2) is supported (given axes [3]; expected [1, 2])",
    );
    const fcs = opModel("fully_connected_rank3").spec;
    expect(message({ ...fcs, ops: [{ ...fcs.ops[0]!, options: [i8(0), i8(1)] }] })).toBe(
      "operator 0 (FULLY_CONNECTED v4).weights_format: shuffled weights are not supported (given weights_format 1; expected DEFAULT (0))",
    );
    const cv = opModel("conv_dilated_valid_relu6").spec;
    expect(message({ ...cv, ops: [{ ...cv.ops[0]!, options: [i8(1), i32(0), i32(2), i8(3)] }] })).toBe("operator 0 (CONV_2D v3).stride_w: must be an integer ≥ 1 (given 0)");
  });
});
