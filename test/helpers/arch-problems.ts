/** The problems parseArch reports for an arch.yaml text, formatted as the CLI prints them ([] when valid). */
import { SpecError, formatProblem } from "../../src/errors.js";
import { parseArch } from "../../src/hw/index.js";

export function archProblems(text: string): string[] {
  try {
    parseArch(text);
    return [];
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.problems.map(formatProblem);
  }
}
