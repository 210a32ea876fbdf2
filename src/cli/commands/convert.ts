/** quarch convert <model> --output net.qnet.json: a model in a readable format to quarch's IR on disk. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import type { RuntimeProfile } from "../../ir/profiles.js";
import { RUNTIME_PROFILES } from "../../ir/profiles.js";
import type { RoundingMode } from "../../ir/requant.js";
import { ROUNDING_MODES } from "../../ir/requant.js";
import { serializeQnet } from "../../ir/qnet-write.js";
import { loadModel } from "../models.js";
import { writeOutFile } from "../out-dir.js";
import { applyArithmetic } from "./run.js";

interface ConvertArgs {
  model: string;
  output: string;
  force: boolean;
  runtime?: RuntimeProfile;
  rounding?: RoundingMode;
  quiet: boolean;
}

async function handler(argv: ArgumentsCamelCase<ConvertArgs>): Promise<void> {
  if (!argv.output.endsWith(".qnet.json")) {
    throw new InputError({ path: "--output", message: "must name a .qnet.json file", given: argv.output });
  }
  const g = applyArithmetic(loadModel(argv.model), argv.runtime, argv.rounding);
  writeOutFile(argv.output, serializeQnet(g), argv.force);
  if (!argv.quiet) process.stderr.write(`wrote ${argv.output} (${g.nodes.length} nodes)\n`);
}

export const convertCommand: CommandModule<object, ConvertArgs> = {
  command: "convert <model>",
  describe: "Convert a model to quarch's *.qnet.json (optionally fixing a runtime's arithmetic)",
  builder: (y: Argv) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: "a .tflite, .onnx or .qnet.json model" })
      .option("output", { alias: "o", type: "string", demandOption: true, describe: "the .qnet.json to write (refused if it exists, unless --force)" })
      .option("force", { type: "boolean", default: false })
      .option("runtime", { choices: RUNTIME_PROFILES, describe: "store this runtime's rounding per op type" })
      .option("rounding", { choices: ROUNDING_MODES, describe: "store one requantization mode for every op" })
      .option("quiet", { type: "boolean", default: false }) as unknown as Argv<ConvertArgs>,
  handler,
};
