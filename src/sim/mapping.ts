/**
 * A mapping of a layer onto the array (Timeloop's terms): which loop dimensions are unrolled over the array
 * rows and columns, the buffer tile (extent of each tiled dimension held on chip at once), and the order
 * of the DRAM-level loops over tiles (outermost first). The JSON form printed by `--format json` is the
 * form `--mapping file.json` accepts.
 */
import { MappingError, type Problem } from "../errors.js";
import type { Dataflow } from "../hw/types.js";
import { type Dim, type LayerDims, TILED_DIMS, type TiledDim } from "./workload.js";

/** The array as the mapper sees it: a vector unit is one row of lanes with reductions in time (like os). */
export type ArrayFlow = Dataflow | "vector";

export interface Mapping {
  readonly dataflow: ArrayFlow;
  readonly spatial: { readonly rows: readonly Dim[]; readonly cols: readonly Dim[] };
  readonly tile: Readonly<Record<TiledDim, number>>;
  readonly order: readonly TiledDim[];
}

const RED: readonly Dim[] = ["C", "R", "S"];
const OUTCH: readonly Dim[] = ["G", "K"];
const PIX: readonly Dim[] = ["N", "P", "Q"];

/** Dimensions each array axis may unroll, per dataflow. */
export function allowedSpatial(flow: ArrayFlow): { rows: readonly Dim[]; cols: readonly Dim[] } {
  switch (flow) {
    case "ws":
      return { rows: RED, cols: OUTCH };
    case "os":
      return { rows: PIX, cols: OUTCH };
    case "is":
      return { rows: RED, cols: PIX };
    case "vector":
      return { rows: [], cols: [...OUTCH, ...PIX] };
    default: {
      const never: never = flow;
      return never;
    }
  }
}

/** Dimensions streamed through a pass (the rest, when not on the array, start a new pass). */
export function streamedDims(flow: ArrayFlow): readonly Dim[] {
  return flow === "ws" ? PIX : flow === "is" ? ["K"] : RED;
}

/** Which operand stays in the PEs during a pass, enters along rows, or enters along columns. */
export function operandRoles(flow: ArrayFlow): { stationary: Operand3; rowStream: Operand3; colStream: Operand3 } {
  if (flow === "ws") return { stationary: "weights", rowStream: "inputs", colStream: "outputs" };
  if (flow === "is") return { stationary: "inputs", rowStream: "weights", colStream: "outputs" };
  return { stationary: "outputs", rowStream: "inputs", colStream: "weights" };
}
export type Operand3 = "weights" | "inputs" | "outputs";

/** The dimensions an operand's index depends on. */
export const RELEVANT: Readonly<Record<Operand3, ReadonlySet<Dim>>> = {
  weights: new Set<Dim>(["G", "K", "C", "R", "S"]),
  inputs: new Set<Dim>(["N", "G", "C", "P", "Q", "R", "S"]),
  outputs: new Set<Dim>(["N", "G", "K", "P", "Q"]),
};

/**
 * Timeloop-like loop nest, outermost first. `peDepth` is the reduction operands a PE takes per step: the
 * rows then hold arrayRows · depth reduction operands.
 */
export function mappingText(m: Mapping, l: LayerDims, arrayRows: number, arrayCols: number, peDepth = 1): string {
  const lines: string[] = [];
  let indent = 0;
  const pad = () => "  ".repeat(indent);
  lines.push("DRAM");
  for (const d of m.order) {
    const n = Math.ceil(l[d] / m.tile[d]);
    if (n > 1) {
      lines.push(`${pad()}| for ${d} in [0:${n})`);
      indent++;
    }
  }
  const tileText = TILED_DIMS.filter((d) => l[d] > 1).map((d) => `${d}=${m.tile[d]}`).join(" ");
  lines.push(`Buffer  tile ${tileText === "" ? "(whole layer)" : tileText}${l.R * l.S > 1 ? ` R=${l.R} S=${l.S}` : ""}`);
  const on = new Set([...m.spatial.rows, ...m.spatial.cols]);
  const temporal = (["N", "G", "K", "C", "P", "Q", "R", "S"] as const).filter((d) => !on.has(d) && l[d] > 1);
  const streamed = new Set(streamedDims(m.dataflow));
  for (const d of temporal.filter((x) => !streamed.has(x))) {
    lines.push(`${pad()}| for ${d} in [0:${d === "R" || d === "S" ? l[d] : m.tile[d as TiledDim]})`);
    indent++;
  }
  const st = temporal.filter((x) => streamed.has(x));
  if (st.length > 0) {
    lines.push(`${pad()}| stream ${st.map((d) => `${d} in [0:${d === "R" || d === "S" ? l[d] : m.tile[d as TiledDim]})`).join(", ")}`);
    indent++;
  }
  // Per pass, an axis holds the tile's extent of its dimensions, up to the array's size along it.
  const ext = (dims: readonly Dim[]) => dims.reduce((a, d) => a * (d === "R" || d === "S" ? l[d] : m.tile[d as TiledDim]), 1);
  const axis = (dims: readonly Dim[], size: number, name: string) => {
    if (dims.length > 0) lines.push(`${pad()}| parallel-for ${dims.join("·")} in [0:${Math.min(ext(dims), size)}) (${name} of ${size})`);
  };
  const red = m.spatial.rows.some((d) => d === "C" || d === "R" || d === "S");
  axis(m.spatial.rows, arrayRows * (red ? peDepth : 1), red && peDepth > 1 ? `Spatial-Y, array rows × ${peDepth} per PE` : "Spatial-Y, array rows");
  axis(m.spatial.cols, arrayCols, "Spatial-X, array columns");
  return lines.join("\n");
}

/** One-line form for tables: "ws rows C·R·S cols K | tile K32 C64 P14 | order K,C,P". */
export function mappingSummary(m: Mapping, l: LayerDims): string {
  const tile = TILED_DIMS.filter((d) => l[d] > 1 && m.tile[d] < l[d]).map((d) => `${d}${m.tile[d]}`).join(" ");
  const order = m.order.filter((d) => Math.ceil(l[d] / m.tile[d]) > 1).join(",");
  return `${m.dataflow} rows ${m.spatial.rows.join("·") || "-"} cols ${m.spatial.cols.join("·") || "-"}${tile === "" ? "" : ` | tile ${tile}`}${order === "" ? "" : ` | order ${order}`}`;
}

function isDimList(v: unknown): v is Dim[] {
  return Array.isArray(v) && v.every((d) => typeof d === "string" && ["N", "G", "K", "C", "P", "Q", "R", "S"].includes(d));
}

/**
 * A mapping from its JSON form, checked against the layer and the array's dataflow. Tiles larger than a
 * dimension are clipped to it; dimensions missing from `order` go innermost in N G K C P Q order.
 */
export function mappingFromJson(doc: unknown, l: LayerDims, flow: ArrayFlow, where: string): Mapping {
  const problems: Problem[] = [];
  const o = typeof doc === "object" && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : undefined;
  if (o === undefined) throw new MappingError({ path: where, message: "is not a mapping object", expected: '{"dataflow", "spatial": {"rows", "cols"}, "tile", "order"}' });
  for (const k of Object.keys(o)) if (!["dataflow", "spatial", "tile", "order"].includes(k)) problems.push({ path: `${where}.${k}`, message: "unknown key", expected: "dataflow, spatial, tile, order" });
  if (o["dataflow"] !== undefined && o["dataflow"] !== flow) problems.push({ path: `${where}.dataflow`, message: "differs from the architecture's", given: JSON.stringify(o["dataflow"]), expected: flow });
  const sp = o["spatial"] as Record<string, unknown> | undefined;
  const allowed = allowedSpatial(flow);
  const rows = sp?.["rows"] ?? [];
  const cols = sp?.["cols"] ?? [];
  for (const [axis, dims, ok] of [["rows", rows, allowed.rows], ["cols", cols, allowed.cols]] as const) {
    if (!isDimList(dims) || dims.some((d) => !ok.includes(d)) || new Set(dims).size !== dims.length) {
      problems.push({ path: `${where}.spatial.${axis}`, message: `is not a list of distinct dimensions a ${flow} array unrolls over its ${axis}`, given: JSON.stringify(dims), expected: `a subset of [${ok.join(", ")}]` });
    }
  }
  const t = (o["tile"] ?? {}) as Record<string, unknown>;
  const tile = {} as Record<TiledDim, number>;
  for (const d of TILED_DIMS) {
    const v = t[d] ?? l[d];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) problems.push({ path: `${where}.tile.${d}`, message: "is not a positive integer", given: JSON.stringify(v) });
    else tile[d] = Math.min(v, l[d]);
  }
  for (const k of Object.keys(t)) if (!(TILED_DIMS as readonly string[]).includes(k)) problems.push({ path: `${where}.tile.${k}`, message: "is not a tiled dimension", expected: TILED_DIMS.join(", ") });
  const ord = o["order"] ?? [];
  if (!Array.isArray(ord) || ord.some((d) => !(TILED_DIMS as readonly unknown[]).includes(d)) || new Set(ord).size !== ord.length) {
    problems.push({ path: `${where}.order`, message: "is not a list of distinct tiled dimensions", given: JSON.stringify(ord), expected: `a permutation of ${TILED_DIMS.join(", ")}` });
  }
  if (problems.length > 0) throw new MappingError(problems);
  const order = [...(ord as TiledDim[]), ...TILED_DIMS.filter((d) => !(ord as TiledDim[]).includes(d))];
  return { dataflow: flow, spatial: { rows: rows as Dim[], cols: cols as Dim[] }, tile, order };
}
