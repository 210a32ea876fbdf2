/** quarch inspect <model>: the layer table (op, shapes, dtypes, scales, rounding, MACs, weight bytes). */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { INSPECT_COLUMNS, inspectRows } from "../../report/inspect.js";
import { renderCsv, renderTable } from "../../report/table.js";
import { loadModel } from "../models.js";

interface InspectArgs {
  model: string;
  format: "table" | "json" | "csv";
}

async function handler(argv: ArgumentsCamelCase<InspectArgs>): Promise<void> {
  const g = loadModel(argv.model);
  const rows = inspectRows(g);
  if (argv.format === "json") {
    process.stdout.write(JSON.stringify({ model: g.name, inputs: g.inputs, outputs: g.outputs, layers: rows }, null, 2) + "\n");
    return;
  }
  if (argv.format === "csv") {
    process.stdout.write(renderCsv(INSPECT_COLUMNS, rows));
    return;
  }
  const macs = rows.reduce((a, r) => a + Number(r["macs"]), 0);
  const bytes = rows.reduce((a, r) => a + Number(r["weightBytes"]), 0);
  process.stdout.write(
    [`${g.name}: ${g.nodes.length} nodes, inputs ${g.inputs.join(", ")}, outputs ${g.outputs.join(", ")}`, "", renderTable(INSPECT_COLUMNS, rows), "", `total: ${macs} MACs, ${bytes} weight bytes`, ""].join("\n"),
  );
}

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: "inspect <model>",
  describe: "Print the layer table of a network",
  builder: (y: Argv) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: "a .qnet.json, .onnx or .tflite file" })
      .option("format", { choices: ["table", "json", "csv"] as const, default: "table" as const }) as unknown as Argv<InspectArgs>,
  handler,
};
