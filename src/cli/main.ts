/**
 * The quarch command line. Exit codes (INTERFACES.md): 0 success; 1 a bug in quarch (with stack);
 * 2 a user error (QuarchError, or a usage error from the argument parser); 3 a failed verification.
 */
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { QuarchError } from "../errors.js";
import { convertCommand } from "./commands/convert.js";
import { demoCommand } from "./commands/demo.js";
import { exportCommand } from "./commands/export.js";
import { inspectCommand } from "./commands/inspect.js";
import { runCommand } from "./commands/run.js";
import { rtlCommand } from "./commands/rtl.js";
import { archCommand } from "./commands/arch.js";
import { compareCommand } from "./commands/compare.js";
import { energyCommand } from "./commands/energy.js";
import { simCommand } from "./commands/sim.js";
import { VerificationFailed } from "./verification.js";

class UsageError extends Error {}

export async function main(argv: readonly string[]): Promise<number> {
  const parser = yargs(argv as string[])
    .scriptName("quarch")
    .usage("$0 <command> [options]\n\nCo-design quantized networks and the hardware that runs them.")
    .command(runCommand)
    .command(inspectCommand)
    .command(convertCommand)
    .command(exportCommand)
    .command(simCommand)
    .command(archCommand)
    .command(energyCommand)
    .command(compareCommand)
    .command(rtlCommand)
    .command(demoCommand)
    .demandCommand(1, "Give a command; see --help.")
    .strict()
    .recommendCommands()
    .help()
    .alias("h", "help")
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err !== undefined && err !== null) throw err;
      throw new UsageError(msg);
    });
  try {
    await parser.parseAsync();
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`quarch: ${e.message}\nRun 'quarch --help' for usage.\n`);
      return 2;
    }
    if (e instanceof QuarchError) {
      process.stderr.write(`quarch: error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof VerificationFailed) {
      process.stderr.write(`quarch: verification failed: ${e.message}\n`);
      return 3;
    }
    process.stderr.write(`quarch: internal error (a bug in quarch; please report it):\n${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/** Entry point used by bin/quarch.js. */
export async function cli(): Promise<void> {
  process.exitCode = await main(hideBin(process.argv));
}
