/**
 * Per-op well-formedness: given the input values, the output shapes and dtypes an op must produce, plus
 * every problem with its attributes. Callable at any stage boundary (import, load, transform, execute).
 */
import type { Problem } from "../errors.js";
import { type DType, INT32, dtypeName, isFloat, qmax, qmin } from "./dtype.js";
import type { Value } from "./graph.js";
import type { Epilogue, Layout, Node } from "./ops.js";
import { broadcastShapes, matmulOutShape, matmulShapes, windowOut } from "./shapes.js";

export interface OutputSpec {
  readonly shape: readonly number[];
  /** Absent when every integer type is allowed (e.g. a requantized output). */
  readonly dtype?: DType;
}

export interface Inference {
  readonly outputs: readonly OutputSpec[];
  readonly problems: readonly Problem[];
}

const fmt = (s: readonly number[]): string => `[${s.join(", ")}]`;

class Checker {
  readonly problems: Problem[] = [];
  constructor(readonly where: string) {}
  fail(field: string, message: string, given?: string, expected?: string): void {
    const p: Problem = { path: field === "" ? this.where : `${this.where}.${field}`, message };
    this.problems.push({
      ...p,
      ...(given === undefined ? {} : { given }),
      ...(expected === undefined ? {} : { expected }),
    });
  }
  positiveInts(field: string, xs: readonly number[], min = 1): boolean {
    const ok = xs.every((x) => Number.isInteger(x) && x >= min);
    if (!ok) this.fail(field, `must be integers ≥ ${min}`, JSON.stringify(xs));
    return ok;
  }
  integer(field: string, v: Value): boolean {
    if (isFloat(v.dtype)) {
      this.fail(field, `value "${v.name}" must be an integer tensor`, "float32", "a quantized integer type");
      return false;
    }
    return true;
  }
  rank(field: string, v: Value, r: number): boolean {
    if (v.shape.length !== r) {
      this.fail(field, `value "${v.name}" must have rank ${r}`, fmt(v.shape));
      return false;
    }
    return true;
  }
}

function spatial(shape: readonly number[], layout: Layout): { n: number; h: number; w: number; c: number } {
  const [a = 0, b = 0, c = 0, d = 0] = shape;
  return layout === "nhwc" ? { n: a, h: b, w: c, c: d } : { n: a, c: b, h: c, w: d };
}

function layoutShape(n: number, h: number, w: number, c: number, layout: Layout): number[] {
  return layout === "nhwc" ? [n, h, w, c] : [n, c, h, w];
}

function checkEpilogue(ck: Checker, e: Epilogue, channels: number): DType | undefined {
  switch (e.kind) {
    case "int32":
      return INT32;
    case "requant": {
      const n = e.requant.real.length;
      if (n !== 1 && n !== channels) {
        ck.fail("epilogue.requant", "needs one multiplier per output channel or one in all", `${n}`, `1 or ${channels}`);
      }
      if (!(e.clampMin <= e.clampMax)) ck.fail("epilogue", "clampMin must not exceed clampMax", `${e.clampMin} > ${e.clampMax}`);
      return undefined;
    }
    case "threshold": {
      if (!Number.isInteger(e.count) || e.count < 1) ck.fail("epilogue.count", "must be an integer ≥ 1", `${e.count}`);
      if (e.thresholds.length !== channels * e.count) {
        ck.fail("epilogue.thresholds", "needs channels × count entries", `${e.thresholds.length}`, `${channels * e.count}`);
      }
      if (e.negate.length !== channels) ck.fail("epilogue.negate", "needs one flag per channel", `${e.negate.length}`, `${channels}`);
      return undefined;
    }
    default: {
      const never: never = e;
      return never;
    }
  }
}

function pads4(ck: Checker, p: readonly number[]): boolean {
  if (p.length !== 4 || !p.every((x) => Number.isInteger(x) && x >= 0)) {
    ck.fail("pads", "must be four integers ≥ 0 [top, left, bottom, right]", JSON.stringify(p));
    return false;
  }
  return true;
}

/** Infer the outputs of `node` from its (already resolved) input values. */
export function inferNode(node: Node, ins: readonly Value[]): Inference {
  const ck = new Checker(`node "${node.name}" (${node.op})`);
  const out = (outputs: OutputSpec[]): Inference => ({ outputs, problems: ck.problems });
  const bad = (): Inference => ({ outputs: [], problems: ck.problems });
  const x = ins[0];
  if (x === undefined) {
    ck.fail("inputs", "needs at least one input", "none");
    return bad();
  }
  switch (node.op) {
    case "conv2d": {
      const w = ins[1];
      if (w === undefined) {
        ck.fail("inputs", "needs inputs [x, w, bias?]", `${ins.length} inputs`);
        return bad();
      }
      if (!ck.integer("inputs[0]", x) || !ck.integer("inputs[1]", w)) return bad();
      if (!ck.rank("inputs[0]", x, 4) || !ck.rank("inputs[1]", w, 4)) return bad();
      const ok =
        ck.positiveInts("strides", node.strides) && ck.positiveInts("dilations", node.dilations) && pads4(ck, node.pads);
      const d = spatial(x.shape, node.layout);
      const [O, kH, kW, cinG] = w.shape as [number, number, number, number];
      if (!Number.isInteger(node.groups) || node.groups < 1 || d.c % node.groups !== 0 || O % node.groups !== 0) {
        ck.fail("groups", "must divide input and output channels", `${node.groups}`, `a divisor of ${d.c} and ${O}`);
        return bad();
      }
      if (cinG * node.groups !== d.c) {
        ck.fail("inputs[1]", `weights OHWI must have ${d.c / node.groups} input channels per group`, fmt(w.shape));
      }
      const bias = ins[2];
      if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== O || isFloat(bias.dtype) || bias.dtype.bits !== 32 || !bias.dtype.signed)) {
        ck.fail("inputs[2]", "bias must be an int32 vector with one entry per output channel", `${dtypeName(bias.dtype)} ${fmt(bias.shape)}`, `int32 [${O}]`);
      }
      const dtype = checkEpilogue(ck, node.epilogue, O);
      if (!ok) return bad();
      const [pt, pl, pb, pr] = node.pads;
      const oh = windowOut(d.h, kH, node.strides[0], node.dilations[0], pt, pb);
      const ow = windowOut(d.w, kW, node.strides[1], node.dilations[1], pl, pr);
      if (oh < 1 || ow < 1) ck.fail("", "kernel larger than the padded input", `${kH}x${kW} over ${d.h}x${d.w}`);
      return out([{ shape: layoutShape(d.n, oh, ow, O, node.layout), ...(dtype ? { dtype } : {}) }]);
    }
    case "matmul": {
      const b = ins[1];
      if (b === undefined) {
        ck.fail("inputs", "needs inputs [a, b, bias?]", `${ins.length} inputs`);
        return bad();
      }
      if (!ck.integer("inputs[0]", x) || !ck.integer("inputs[1]", b)) return bad();
      const s = matmulShapes(x.shape, b.shape, node.transB);
      if (typeof s === "string") {
        ck.fail("inputs", s, `${fmt(x.shape)} × ${fmt(b.shape)}`);
        return bad();
      }
      const bias = ins[2];
      if (bias !== undefined && (bias.shape.length !== 1 || bias.shape[0] !== s.N || isFloat(bias.dtype) || bias.dtype.bits !== 32 || !bias.dtype.signed)) {
        ck.fail("inputs[2]", "bias must be an int32 vector with one entry per output column", fmt(bias.shape), `[${s.N}]`);
      }
      const dtype = checkEpilogue(ck, node.epilogue, s.N);
      return out([{ shape: matmulOutShape(s, x.shape.length), ...(dtype ? { dtype } : {}) }]);
    }
    case "add":
    case "mul": {
      const b = ins[1];
      if (b === undefined || ins.length !== 2) {
        ck.fail("inputs", "needs two inputs", `${ins.length}`);
        return bad();
      }
      if (!ck.integer("inputs[0]", x) || !ck.integer("inputs[1]", b)) return bad();
      const shape = broadcastShapes(x.shape, b.shape);
      if (shape === undefined) {
        ck.fail("inputs", "shapes do not broadcast", `${fmt(x.shape)} + ${fmt(b.shape)}`);
        return bad();
      }
      return out([{ shape }]);
    }
    case "avgpool":
    case "maxpool": {
      if (!ck.integer("inputs[0]", x) || !ck.rank("inputs[0]", x, 4)) return bad();
      const ok = ck.positiveInts("kernel", node.kernel) && ck.positiveInts("strides", node.strides) && pads4(ck, node.pads);
      if (!ok) return bad();
      const d = spatial(x.shape, node.layout);
      const [pt, pl, pb, pr] = node.pads;
      if (pt >= node.kernel[0] || pb >= node.kernel[0] || pl >= node.kernel[1] || pr >= node.kernel[1]) {
        ck.fail("pads", "a window would lie entirely in the padding", JSON.stringify(node.pads), `each pad < kernel ${fmt(node.kernel)}`);
      }
      const oh = windowOut(d.h, node.kernel[0], node.strides[0], 1, pt, pb);
      const ow = windowOut(d.w, node.kernel[1], node.strides[1], 1, pl, pr);
      if (oh < 1 || ow < 1) ck.fail("kernel", "window larger than the padded input", fmt(node.kernel));
      return out([{ shape: layoutShape(d.n, oh, ow, d.c, node.layout), dtype: x.dtype }]);
    }
    case "global-avgpool": {
      if (!ck.integer("inputs[0]", x) || !ck.rank("inputs[0]", x, 4)) return bad();
      const m = node.mean;
      if ((m.rule === "requant" || m.rule === "requant-bias") && m.requant.real.length !== 1) ck.fail("mean.requant", "needs one (per-tensor) multiplier", `${m.requant.real.length}`, "1");
      if (m.rule === "requant-bias" && !Number.isInteger(m.bias)) ck.fail("mean.bias", "must be an integer", `${m.bias}`);
      const d = spatial(x.shape, node.layout);
      const shape = node.keepDims ? layoutShape(d.n, 1, 1, d.c, node.layout) : [d.n, d.c];
      // Truncation keeps the input's quantization, and so its type.
      return out([{ shape, ...(m.rule === "truncate" ? { dtype: x.dtype } : {}) }]);
    }
    case "pad": {
      const r = x.shape.length;
      if (node.pads.length !== 2 * r || !node.pads.every((p) => Number.isInteger(p) && p >= 0)) {
        ck.fail("pads", `needs ${2 * r} integers ≥ 0 (begins then ends)`, JSON.stringify(node.pads));
        return bad();
      }
      if (!isFloat(x.dtype) && (node.value < qmin(x.dtype) || node.value > qmax(x.dtype))) {
        ck.fail("value", "is outside the tensor's type", `${node.value}`, `${qmin(x.dtype)}..${qmax(x.dtype)}`);
      }
      return out([{ shape: x.shape.map((d, i) => d + node.pads[i]! + node.pads[r + i]!), dtype: x.dtype }]);
    }
    case "reshape": {
      const n = x.shape.reduce((a, b) => a * b, 1);
      const m = node.shape.reduce((a, b) => a * b, 1);
      if (!node.shape.every((d) => Number.isInteger(d) && d >= 0) || n !== m) {
        ck.fail("shape", "must hold the same number of elements", `${fmt(node.shape)} (${m})`, `${n} elements from ${fmt(x.shape)}`);
        return bad();
      }
      return out([{ shape: node.shape, dtype: x.dtype }]);
    }
    case "transpose": {
      const r = x.shape.length;
      const sorted = [...node.perm].sort((a, b) => a - b);
      if (node.perm.length !== r || !sorted.every((p, i) => p === i)) {
        ck.fail("perm", "must be a permutation of the axes", JSON.stringify(node.perm), `a permutation of 0..${r - 1}`);
        return bad();
      }
      return out([{ shape: node.perm.map((p) => x.shape[p]!), dtype: x.dtype }]);
    }
    case "concat": {
      const r = x.shape.length;
      if (!Number.isInteger(node.axis) || node.axis < 0 || node.axis >= r) {
        ck.fail("axis", "out of range", `${node.axis}`, `0..${r - 1}`);
        return bad();
      }
      let total = 0;
      ins.forEach((v, i) => {
        const same = v.shape.length === r && v.shape.every((d, k) => k === node.axis || d === x.shape[k]);
        if (!same) ck.fail(`inputs[${i}]`, "shape differs outside the concat axis", fmt(v.shape), `like ${fmt(x.shape)}`);
        total += v.shape[node.axis] ?? 0;
      });
      return out([{ shape: x.shape.map((d, k) => (k === node.axis ? total : d)), dtype: x.dtype }]);
    }
    case "clamp":
      if (!(node.min <= node.max)) ck.fail("", "min must not exceed max", `${node.min} > ${node.max}`);
      return out([{ shape: x.shape, dtype: x.dtype }]);
    case "lut": {
      if (!ck.integer("inputs[0]", x)) return bad();
      const need = 2 ** (x.dtype as { bits: number }).bits;
      if ((x.dtype as { bits: number }).bits > 16 || node.table.length !== need) {
        ck.fail("table", "needs one entry per representable input value", `${node.table.length}`, `${need}`);
      }
      return out([{ shape: x.shape }]);
    }
    case "softmax":
      if (!ck.integer("inputs[0]", x)) return bad();
      return out([{ shape: x.shape }]);
    case "quantize":
      if (!isFloat(x.dtype)) ck.fail("inputs[0]", "must be float32", dtypeName(x.dtype));
      return out([{ shape: x.shape }]);
    case "dequantize":
      if (!ck.integer("inputs[0]", x)) return bad();
      return out([{ shape: x.shape, dtype: "float32" }]);
    case "requantize":
      if (!ck.integer("inputs[0]", x)) return bad();
      return out([{ shape: x.shape }]);
    case "cast":
      return out([{ shape: x.shape, dtype: node.to }]);
    case "dynamic-quantize":
      if (!isFloat(x.dtype)) ck.fail("inputs[0]", "must be float32", dtypeName(x.dtype));
      return out([
        { shape: x.shape, dtype: { bits: 8, signed: false } },
        { shape: [], dtype: "float32" },
        { shape: [], dtype: { bits: 8, signed: false } },
      ]);
    default: {
      const never: never = node;
      return never;
    }
  }
}
