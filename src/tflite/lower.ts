/**
 * TFLite model → quarch Graph. The first subgraph is lowered operator by operator, in file order (TFLite's
 * execution order). The graph is built for TFLite Micro (the `tflm` profile: double rounding, fixed-point
 * softmax and activation tables); `applyProfile(g, "tflite" | "xnnpack")` turns it into a desktop runtime's.
 * Every problem surfaces as a TfliteError: graph verification findings and derivation failures are
 * re-raised as such, naming the operator.
 */
import { QuarchError, TfliteError } from "../errors.js";
import type { Graph } from "../ir/graph.js";
import { LowerContext } from "./lower-context.js";
import { lowerConv, lowerFullyConnected } from "./lower-mac.js";
import { lowerActivation, lowerAdd, lowerConcat, lowerDequantize, lowerMean, lowerPad, lowerPool, lowerQuantize, lowerReshape, lowerSoftmax } from "./lower-ops.js";
import { type TfliteModel, describeTensor } from "./model.js";
import { OP, opName } from "./schema.js";

/** The operators quarch lowers, by BuiltinOperator code. */
const LOWERINGS: ReadonlyMap<number, (ctx: LowerContext) => void> = new Map<number, (ctx: LowerContext) => void>([
  [OP.ADD, lowerAdd],
  [OP.AVERAGE_POOL_2D, (c) => lowerPool(c, "avgpool")],
  [OP.CONCATENATION, lowerConcat],
  [OP.CONV_2D, (c) => lowerConv(c, false)],
  [OP.DEPTHWISE_CONV_2D, (c) => lowerConv(c, true)],
  [OP.DEQUANTIZE, lowerDequantize],
  [OP.FULLY_CONNECTED, lowerFullyConnected],
  [OP.LOGISTIC, (c) => lowerActivation(c, "sigmoid")],
  [OP.MAX_POOL_2D, (c) => lowerPool(c, "maxpool")],
  [OP.RESHAPE, (c) => lowerReshape(c, 2)],
  [OP.SOFTMAX, lowerSoftmax],
  [OP.TANH, (c) => lowerActivation(c, "tanh")],
  [OP.PAD, (c) => lowerPad(c, false)],
  [OP.MEAN, lowerMean],
  [OP.SQUEEZE, (c) => lowerReshape(c, 1)],
  [OP.PADV2, (c) => lowerPad(c, true)],
  [OP.LEAKY_RELU, (c) => lowerActivation(c, "leaky-relu")],
  [OP.QUANTIZE, lowerQuantize],
]);

/** Names of the supported operators, for messages and documentation. */
export const SUPPORTED_OPS: readonly string[] = [...LOWERINGS.keys()].map(opName).sort();

export interface TfliteImport {
  readonly graph: Graph;
  /** The quarch value each TFLite tensor of the first subgraph became (by tensor index), where one exists. */
  readonly tensorValues: ReadonlyMap<number, string>;
}

export function lowerModel(model: TfliteModel, name: string | undefined): TfliteImport {
  const sg = model.subgraphs[0];
  if (sg === undefined) throw new TfliteError({ path: "Model.subgraphs", message: "the model has no subgraph", expected: "at least one subgraph" });
  const graphName = name ?? sg.name ?? "tflite";
  const description = [model.description, sg.name === undefined ? undefined : `subgraph "${sg.name}"`].filter((s) => s !== undefined && s !== "").join("; ");
  const ctx = new LowerContext(model, sg, graphName, description === "" ? undefined : `TFLite model: ${description}`);
  for (const i of sg.inputs) {
    const t = sg.tensors[i]!;
    if (ctx.isConstant(t)) throw new TfliteError({ path: "SubGraph.inputs", message: "a graph input is a constant tensor", given: describeTensor(t) });
    asTfliteError(() => ctx.graphInput(t), "SubGraph.inputs");
  }
  for (const op of sg.operators) {
    ctx.enter(op);
    const lower = LOWERINGS.get(ctx.opCode.code);
    if (lower === undefined) unsupported(ctx);
    else asTfliteError(() => lower(ctx), ctx.where());
  }
  for (const i of sg.outputs) {
    const out = ctx.names[i]!;
    if (!ctx.builder.has(out)) throw new TfliteError({ path: "SubGraph.outputs", message: "a graph output is never produced", given: describeTensor(sg.tensors[i]!) });
    ctx.builder.output(out);
  }
  const graph = asTfliteError(() => ctx.builder.build(), "graph");
  const tensorValues = new Map<number, string>();
  for (const t of sg.tensors) if (graph.values.has(ctx.names[t.index]!)) tensorValues.set(t.index, ctx.names[t.index]!);
  return { graph, tensorValues };
}

function unsupported(ctx: LowerContext): never {
  const custom = ctx.opCode.customCode === undefined ? "" : ` "${ctx.opCode.customCode}"`;
  ctx.fail(`unsupported operator${custom}`, `${ctx.opCode.name} (code ${ctx.opCode.code}, version ${ctx.opCode.version})`, `one of ${SUPPORTED_OPS.join(", ")}`);
}

/** Verifier and derivation findings (GraphError, UnsupportedError) are problems of this file: re-raise them. */
function asTfliteError<T>(f: () => T, where: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof QuarchError && !(e instanceof TfliteError)) throw new TfliteError(e.problems.map((p) => ({ ...p, path: `${where}: ${p.path}` })));
    throw e;
  }
}
