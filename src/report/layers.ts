/** The per-layer statistics report of an execution. */
import type { NodeStats } from "../exec/context.js";
import type { Cell, Column } from "./table.js";

export const LAYER_COLUMNS: readonly Column[] = [
  { key: "name", title: "layer" },
  { key: "op", title: "op" },
  { key: "macs", title: "MACs", numeric: true },
  { key: "accMin", title: "acc min", numeric: true },
  { key: "accMax", title: "acc max", numeric: true },
  { key: "overflowPossible", title: "int32 overflow possible" },
  { key: "overflowed", title: "overflowed", numeric: true },
  { key: "saturated", title: "saturated", numeric: true },
  { key: "outputElements", title: "outputs", numeric: true },
];

export function layerRows(stats: readonly NodeStats[]): Record<string, Cell>[] {
  return stats.map((s) => ({
    name: s.name,
    op: s.op,
    macs: s.macs,
    accMin: s.accMin === null || !Number.isFinite(s.accMin) ? null : s.accMin,
    accMax: s.accMax === null || !Number.isFinite(s.accMax) ? null : s.accMax,
    overflowPossible: s.macs > 0 ? (s.overflowPossible ? "yes" : "no") : null,
    overflowed: s.overflowed,
    saturated: s.saturated,
    outputElements: s.outputElements,
  }));
}
