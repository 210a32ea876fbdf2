/** quarch export <model> --output out.onnx: a standard ONNX model (QDQ or QOperator) onnxruntime can load. */
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { InputError } from "../../errors.js";
import { exportOnnx } from "../../onnx/export-onnx.js";
import type { DType } from "../../ir/dtype.js";
import { applyProfile } from "../../quant/profiles.js";
import { loadModel } from "../models.js";
import { writeOutFile } from "../out-dir.js";

interface ExportArgs {
  model: string;
  output: string;
  onnxStyle: "qdq" | "qoperator";
  force: boolean;
  quiet: boolean;
}

async function handler(argv: ArgumentsCamelCase<ExportArgs>): Promise<void> {
  if (!argv.output.endsWith(".onnx")) throw new InputError({ path: "--output", message: "must name a .onnx file", given: argv.output });
  const source = loadModel(argv.model);
  // ONNX records float scales: the exported model computes with onnxruntime's arithmetic.
  const g = applyProfile(source, "onnxruntime");
  const bytes = exportOnnx(g, { style: argv.onnxStyle });
  writeOutFile(argv.output, bytes, argv.force);
  if (!argv.quiet) {
    process.stderr.write(`wrote ${argv.output} (${argv.onnxStyle}, ${g.nodes.length} nodes, ${bytes.length} bytes); it computes with onnxruntime's arithmetic (float32 effective scales, round half to even)\n`);
    const int8Mac = g.nodes.some((n) => (n.op === "conv2d" || n.op === "matmul") && isSignedByte(g.values.get(n.inputs[0]!)!.dtype));
    if (argv.onnxStyle === "qdq" && int8Mac) {
      // onnxruntime's QDQ transformer fuses int8-activation Conv / MatMul only on ARM by default.
      process.stderr.write("note: onnxruntime on x86-64 runs QDQ Conv / MatMul with int8 activations in float32 unless the session sets session.qdqisint8allowed = 1; --onnx-style qoperator runs its integer kernels everywhere\n");
    }
  }
}

export const exportCommand: CommandModule<object, ExportArgs> = {
  command: "export <model>",
  describe: "Write a model as standard ONNX (QDQ or QOperator) that onnxruntime runs exactly as quarch's onnxruntime profile; NHWC (TFLite) layouts become NCHW",
  builder: (y: Argv) =>
    y
      .positional("model", { type: "string", demandOption: true, describe: "a .tflite, .onnx or .qnet.json model" })
      .option("output", { alias: "o", type: "string", demandOption: true, describe: "the .onnx file to write (refused if it exists, unless --force)" })
      .option("onnx-style", { choices: ["qdq", "qoperator"] as const, default: "qdq" as const, describe: "QuantizeLinear/DequantizeLinear around float ops, or QLinear* / com.microsoft operators" })
      .option("force", { type: "boolean", default: false, describe: "replace an existing --output file" })
      .option("quiet", { type: "boolean", default: false, describe: "print nothing on success" }) as unknown as Argv<ExportArgs>,
  handler,
};

function isSignedByte(t: DType): boolean {
  return t !== "float32" && t.bits === 8 && t.signed;
}
