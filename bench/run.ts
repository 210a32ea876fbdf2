/** `npm run bench`: throughput of quarch's engines, reported, never asserted. */
import { renderTable } from "../src/report/table.js";
import { getZoo } from "../src/zoo/index.js";
import type { ZooLayer } from "../src/zoo/zoo-types.js";
import { benchConvLayer } from "./conv.js";
import { benchRtl, renderRtlBench } from "./rtl.js";
import { benchSim, renderSimBench } from "./sim.js";

const quick = process.argv.includes("--quick");

function section(net: string, filter: (l: ZooLayer) => boolean): void {
  const layers = getZoo(net).layers.filter(filter);
  const rows = layers.map((l) => benchConvLayer(l, quick ? 0.05 : 0.3));
  const macs = rows.reduce((a, r) => a + r.macs, 0);
  const secs = rows.reduce((a, r) => a + r.seconds, 0);
  process.stdout.write(`\nint8 conv, ${net} layer shapes (best of repeated runs, one core)\n`);
  process.stdout.write(
    renderTable(
      [{ key: "layer", title: "layer" }, { key: "macs", title: "MACs", numeric: true }, { key: "ms", title: "ms", numeric: true }, { key: "gmacs", title: "GMAC/s", numeric: true }],
      [...rows.map((r) => ({ layer: r.layer, macs: r.macs, ms: +(r.seconds * 1000).toFixed(3), gmacs: +(r.macPerSecond / 1e9).toFixed(3) })), { layer: "total", macs, ms: +(secs * 1000).toFixed(3), gmacs: +(macs / secs / 1e9).toFixed(3) }],
    ) + "\n",
  );
}

process.stdout.write(`quarch bench — node ${process.version}, ${process.arch}\n`);
section("tiny_resnet8_cifar10", (l) => l.type === "conv");
section("resnet18", (l) => l.type === "conv" && (!quick || l.name.startsWith("layer1.0") || l.name === "conv1"));
section("tiny_dscnn_kws", (l) => l.type === "conv" || l.type === "dwconv");
process.stdout.write(renderSimBench(benchSim(quick)));
process.stdout.write(renderRtlBench(await benchRtl(quick)));
