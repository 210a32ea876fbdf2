/**
 * Typed errors shared by every layer. A QuarchError is a user mistake (bad file, bad value, unsupported
 * construct): the CLI prints its message without a stack and exits 2. Anything else is a bug (exit 1).
 * Errors are data: a literal `code`, and one or more problems, each with a path, what was given and what
 * was expected, so validators can report every problem at once.
 */

export interface Problem {
  /** Where: a file, a JSON path, a node name, a field. */
  readonly path: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  readonly given?: string;
  readonly expected?: string;
}

export type ErrorCode = "graph" | "spec" | "onnx" | "tflite" | "mapping" | "rtl" | "input" | "unsupported";

export function formatProblem(p: Problem): string {
  let s = p.path === "" ? p.message : `${p.path}: ${p.message}`;
  const extra: string[] = [];
  if (p.given !== undefined) extra.push(`given ${p.given}`);
  if (p.expected !== undefined) extra.push(`expected ${p.expected}`);
  if (extra.length > 0) s += ` (${extra.join("; ")})`;
  return s;
}

export abstract class QuarchError extends Error {
  abstract readonly code: ErrorCode;
  readonly problems: readonly Problem[];
  /** The file the problems are in, when known (the CLI fills it in). */
  readonly file: string | undefined;

  constructor(problems: Problem | readonly Problem[], file?: string) {
    const list: readonly Problem[] = Array.isArray(problems) ? problems : [problems as Problem];
    super(QuarchError.compose(list, file));
    this.problems = list;
    this.file = file;
  }

  static compose(list: readonly Problem[], file: string | undefined): string {
    const head = file === undefined ? "" : `${file}: `;
    if (list.length === 1) return head + formatProblem(list[0]!);
    return `${head}${list.length} problems:\n` + list.map((p) => `  - ${formatProblem(p)}`).join("\n");
  }
}

/** A malformed or inconsistent network (IR, qnet.json, verifier findings). */
export class GraphError extends QuarchError {
  readonly code = "graph" as const;
}
/** A malformed hardware description or technology table. */
export class SpecError extends QuarchError {
  readonly code = "spec" as const;
}
/** A malformed or unsupported ONNX file. */
export class OnnxError extends QuarchError {
  readonly code = "onnx" as const;
}
/** A malformed or unsupported TFLite file. */
export class TfliteError extends QuarchError {
  readonly code = "tflite" as const;
}
/** A layer that cannot be mapped onto the hardware. */
export class MappingError extends QuarchError {
  readonly code = "mapping" as const;
}
/** RTL generation or simulation could not be set up. */
export class RtlError extends QuarchError {
  readonly code = "rtl" as const;
}
/** Bad user input outside a model: tensor files, command-line values, output directories. */
export class InputError extends QuarchError {
  readonly code = "input" as const;
}
/** A well-formed request that quarch deliberately does not support, with the reason. */
export class UnsupportedError extends QuarchError {
  readonly code = "unsupported" as const;
}

/** Attach a file name to a QuarchError (returns a new error of the same class). */
export function inFile<E extends QuarchError>(err: E, file: string): E {
  const Ctor = err.constructor as new (p: readonly Problem[], f?: string) => E;
  return new Ctor(err.problems, file);
}
