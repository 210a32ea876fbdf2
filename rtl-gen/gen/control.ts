/**
 * What the layer engines (engine.ts, binary-layer.ts) build alike: ROMs loaded with $readmemh from a hex
 * file beside the Verilog, and the control FSM IDLE (filling the input buffer) → RUN → FLUSH (the
 * pipeline's tail) → IDLE, started by `start`.
 */
import { type Expr, type Ref, type Ty, and, eq, lit, mux, uTy } from "../ast.js";
import { hexWords } from "../generated.js";
import type { MemHandle, ModuleBuilder } from "../module.js";

/** A ROM `n` of `bits`-wide words, its contents written to `<prefix>_<n>.hex` in `files`. */
export function romMaker(b: ModuleBuilder, files: Map<string, string>, prefix: string): (n: string, words: bigint[], bits: number) => MemHandle {
  return (n, words, bits) => {
    const file = `${prefix}_${n}.hex`;
    files.set(file, hexWords(words, bits));
    return b.mem(n, uTy(bits), words.length, file);
  };
}

export interface ControlFsm {
  readonly ty: Ty;
  readonly state: Ref;
  readonly idle: Ref;
  readonly run: Ref;
  readonly flush: Ref;
  /** `start` while idle: the run begins. */
  readonly go: Ref;
  /** An input beat taken while idle. */
  readonly accept: Ref;
  /** The next state: RUN on go, FLUSH after the last step, IDLE when the flush ends. */
  next(lastStep: Expr, flushEnd: Expr): Expr;
}

/** The FSM's state register and decodes; the input is ready only while idle. */
export function controlFsm(b: ModuleBuilder, inReady: Ref, start: Expr, inValid: Expr): ControlFsm {
  const ty = uTy(2);
  const state = b.reg("state", ty);
  const idle = b.wire("idle", eq(state, lit(ty, 0)));
  const run = b.wire("run", eq(state, lit(ty, 1)));
  const flush = b.wire("flush", eq(state, lit(ty, 2)));
  b.assign(inReady, idle);
  const go = b.wire("go", and(idle, start));
  const accept = b.wire("accept", and(idle, inValid));
  return { ty, state, idle, run, flush, go, accept, next: (lastStep, flushEnd) => mux(go, lit(ty, 1), mux(lastStep, lit(ty, 2), mux(flushEnd, lit(ty, 0), state))) };
}
