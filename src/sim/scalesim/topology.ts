/**
 * SCALE-Sim topology CSVs, read as SCALE-Sim reads them: a header row (which also tells conv files
 * `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,`
 * from GEMM files `Layer Name, M, N, K,`), a trailing comma on every row, one stride for both axes unless
 * a ninth column gives the width stride. Its quirks are kept: a GEMM row becomes H = M, W = K, a 1×K filter,
 * C = 1, N filters; a conv row whose name contains `DP` is split into one layer per channel
 * (`<name>Channel_<i>`, Channels set to 1) — SCALE-Sim's only depthwise support.
 */
import { type Problem, SpecError } from "../../errors.js";
import { type SimLayer, convLayer, gemmLayer } from "../workload.js";

export interface ScaleSimLayer {
  readonly name: string;
  readonly ifmapH: number;
  readonly ifmapW: number;
  readonly filterH: number;
  readonly filterW: number;
  readonly channels: number;
  readonly numFilters: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Set when a `DP` row was kept whole (`splitDepthwise: false`): one filter set per channel. */
  readonly depthwise?: boolean;
}

export interface ScaleSimTopology {
  readonly kind: "conv" | "gemm";
  readonly layers: readonly ScaleSimLayer[];
}

function fields(line: string): string[] {
  const f = line.split(",").map((s) => s.trim());
  // SCALE-Sim drops the last field (the empty one after the trailing comma); a row without the trailing
  // comma keeps all its fields here instead of losing its last value.
  if (f.length > 1 && f[f.length - 1] === "") f.pop();
  return f;
}

/**
 * `splitDepthwise: false` keeps each `DP` row as one depthwise layer (for quarch's own model, which maps
 * depthwise layers itself); compatibility mode splits them as SCALE-Sim does.
 */
export function parseScaleSimTopology(text: string, source = "topology", opts: { readonly splitDepthwise?: boolean } = {}): ScaleSimTopology {
  const lines = text.split(/\r?\n/);
  const headerIdx = lines.findIndex((l) => l.trim() !== "");
  if (headerIdx < 0) throw new SpecError({ path: source, message: "is empty", expected: "a header row and one row per layer" });
  const header = fields(lines[headerIdx]!).map((h) => h.toLowerCase());
  const kind = header[1] === "m" && header[2] === "n" && header[3] === "k" ? "gemm" : header.some((h) => h.includes("ifmap height")) ? "conv" : undefined;
  if (kind === undefined) {
    throw new SpecError({ path: `${source}: line ${headerIdx + 1}`, message: "is not a SCALE-Sim topology header", given: lines[headerIdx]!.trim(), expected: "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,  or  Layer Name, M, N, K," });
  }
  const problems: Problem[] = [];
  const layers: ScaleSimLayer[] = [];
  for (let i = headerIdx + 1; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "") continue;
    const f = fields(raw);
    const at = `${source}: line ${i + 1}`;
    const want = kind === "gemm" ? 4 : 8;
    if (f.length < want) {
      problems.push({ path: at, message: `has ${f.length} fields`, given: raw, expected: `${want} fields${kind === "conv" ? " (9 with a separate width stride)" : ""}` });
      continue;
    }
    const nums = f.slice(1, kind === "gemm" ? 4 : Math.min(f.length, 9)).map(Number);
    if (nums.some((v) => !Number.isInteger(v) || v <= 0)) {
      problems.push({ path: at, message: "has a value that is not a positive integer", given: raw });
      continue;
    }
    const name = f[0]!;
    if (kind === "gemm") {
      const [m, n, k] = nums as [number, number, number];
      layers.push({ name, ifmapH: m, ifmapW: k, filterH: 1, filterW: k, channels: 1, numFilters: n, strideH: 1, strideW: 1 });
      continue;
    }
    const [h, w, r, s, c, nf, st, stw] = nums as [number, number, number, number, number, number, number, number | undefined];
    if (r > h || s > w) {
      problems.push({ path: at, message: "has a filter larger than its input", given: `${r}×${s} filter on ${h}×${w}` });
      continue;
    }
    const base = { ifmapH: h, ifmapW: w, filterH: r, filterW: s, numFilters: nf, strideH: st, strideW: stw ?? st };
    if (name.includes("DP") && opts.splitDepthwise === false) layers.push({ name, ...base, channels: c, depthwise: true });
    else if (name.includes("DP")) {
      for (let ch = 0; ch < c; ch++) layers.push({ name: `${name}Channel_${ch}`, ...base, channels: 1 });
    } else layers.push({ name, ...base, channels: c });
  }
  if (problems.length > 0) throw new SpecError(problems);
  if (layers.length === 0) throw new SpecError({ path: source, message: "lists no layers" });
  return { kind, layers };
}

/**
 * Topology layers as quarch layers for its own model: no padding (SCALE-Sim's convention for these
 * files), the row's strides, W8A8; GEMM rows become FC layers; a whole `DP` row a depthwise layer.
 */
export function topologyToSimLayers(t: ScaleSimTopology): SimLayer[] {
  const bits = { wBits: 8, aBits: 8, outBits: 8, source: "default" as const };
  return t.layers.map((l) => {
    if (t.kind === "gemm") return gemmLayer(l.name, "fc", l.ifmapH, l.ifmapW, l.numFilters, 1, bits, `${l.name}:in`, `${l.name}:out`);
    const groups = l.depthwise === true ? l.channels : 1;
    return convLayer({
      name: l.name, batch: 1, inH: l.ifmapH, inW: l.ifmapW, inC: l.channels, outC: l.numFilters * groups, kH: l.filterH, kW: l.filterW,
      strideH: l.strideH, strideW: l.strideW, pads: [0, 0, 0, 0], groups, bits, input: `${l.name}:in`, output: `${l.name}:out`,
    });
  });
}
