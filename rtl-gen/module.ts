/**
 * Verilog modules as data, and the builder generators use to make them. A module is built once and
 * returned checked and frozen (check.ts); the printer (print.ts) is the only place that turns one into text.
 */
import { RtlError } from "../src/errors.js";
import { type Expr, type Ref, type Ty, indexBits, memRead, ref, sameTy, tyText } from "./ast.js";

export interface Port {
  readonly name: string;
  readonly dir: "input" | "output";
  readonly ty: Ty;
  /** An output driven from an always block. */
  readonly reg: boolean;
}

/** Targets of a non-blocking assignment: a register, or one word of a memory. */
export type LValue =
  | { readonly kind: "reg"; readonly name: string; readonly ty: Ty }
  | { readonly kind: "word"; readonly name: string; readonly ty: Ty; readonly depth: number; readonly index: Expr };

export type Stmt =
  | { readonly kind: "nb"; readonly target: LValue; readonly value: Expr }
  | { readonly kind: "if"; readonly cond: Expr; readonly then: readonly Stmt[]; readonly else: readonly Stmt[] }
  | { readonly kind: "case"; readonly subject: Expr; readonly arms: readonly CaseArm[]; readonly default: readonly Stmt[] };

export interface CaseArm {
  readonly values: readonly bigint[];
  readonly body: readonly Stmt[];
}

export type Item =
  | { readonly kind: "wire"; readonly name: string; readonly ty: Ty; readonly value: Expr | undefined; readonly lintOff: readonly string[] }
  | { readonly kind: "reg"; readonly name: string; readonly ty: Ty; readonly lintOff: readonly string[] }
  | { readonly kind: "mem"; readonly name: string; readonly ty: Ty; readonly depth: number; readonly initFile: string | undefined }
  | { readonly kind: "localparam"; readonly name: string; readonly ty: Ty; readonly value: bigint }
  | { readonly kind: "assign"; readonly target: string; readonly value: Expr }
  | { readonly kind: "always"; readonly clock: string; readonly body: readonly Stmt[] }
  | { readonly kind: "instance"; readonly module: Module; readonly name: string; readonly conns: ReadonlyMap<string, Expr> }
  | { readonly kind: "comment"; readonly text: string }
  /** Simulation-only behaviour (testbench initial blocks, $display); never used in a DUT. */
  | { readonly kind: "verbatim"; readonly lines: readonly string[] };

export interface Module {
  readonly name: string;
  /** Header comment lines: what the module is and why it is built this way. */
  readonly comment: readonly string[];
  readonly ports: readonly Port[];
  readonly items: readonly Item[];
}

export const nb = (target: Ref, value: Expr): Stmt => ({ kind: "nb", target: { kind: "reg", name: target.name, ty: target.ty }, value });
export const iff = (cond: Expr, then: readonly Stmt[], els: readonly Stmt[] = []): Stmt => ({ kind: "if", cond, then, else: els });
export const caseOf = (subject: Expr, arms: readonly CaseArm[], dflt: readonly Stmt[] = []): Stmt => ({ kind: "case", subject, arms, default: dflt });

/** A memory declared in a module: read expressions and write statements of its words. */
export interface MemHandle {
  readonly name: string;
  readonly word: Ty;
  readonly depth: number;
  readonly indexWidth: number;
  read(index: Expr): Expr;
  write(index: Expr, value: Expr): Stmt;
}

export class ModuleBuilder {
  private readonly ports: Port[] = [];
  private readonly items: Item[] = [];
  private readonly names = new Set<string>();
  private readonly comment: string[];

  constructor(readonly name: string, comment: readonly string[] = []) {
    this.comment = [...comment];
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new RtlError({ path: `module ${this.name}`, message: "declares a name twice", given: name, expected: "unique names" });
    this.names.add(name);
  }

  input(name: string, ty: Ty): Ref {
    this.claim(name);
    this.ports.push({ name, dir: "input", ty, reg: false });
    return ref(name, ty);
  }

  /** An output driven by `assign` (or an instance). */
  output(name: string, ty: Ty): Ref {
    this.claim(name);
    this.ports.push({ name, dir: "output", ty, reg: false });
    return ref(name, ty);
  }

  /** An output driven from an always block. */
  outputReg(name: string, ty: Ty): Ref {
    this.claim(name);
    this.ports.push({ name, dir: "output", ty, reg: true });
    return ref(name, ty);
  }

  /** A wire with its driving expression. */
  wire(name: string, value: Expr, lintOff: readonly string[] = []): Ref {
    this.claim(name);
    this.items.push({ kind: "wire", name, ty: value.ty, value, lintOff });
    return ref(name, value.ty);
  }

  /** A wire driven by an instance output. */
  wireFromInstance(name: string, ty: Ty, lintOff: readonly string[] = []): Ref {
    this.claim(name);
    this.items.push({ kind: "wire", name, ty, value: undefined, lintOff });
    return ref(name, ty);
  }

  reg(name: string, ty: Ty, lintOff: readonly string[] = []): Ref {
    this.claim(name);
    this.items.push({ kind: "reg", name, ty, lintOff });
    return ref(name, ty);
  }

  localparam(name: string, ty: Ty, value: bigint | number): Ref {
    this.claim(name);
    this.items.push({ kind: "localparam", name, ty, value: BigInt(value) });
    return ref(name, ty);
  }

  mem(name: string, word: Ty, depth: number, initFile?: string): MemHandle {
    this.claim(name);
    this.items.push({ kind: "mem", name, ty: word, depth, initFile });
    const indexWidth = indexBits(depth);
    return {
      name, word, depth, indexWidth,
      read: (index) => memRead(name, word, depth, index),
      write: (index, value) => ({ kind: "nb", target: { kind: "word", name, ty: word, depth, index }, value }),
    };
  }

  assign(target: Ref, value: Expr): void {
    if (!sameTy(target.ty, value.ty)) {
      throw new RtlError({ path: `module ${this.name}: assign ${target.name}`, message: "value type differs from the target", given: tyText(value.ty), expected: tyText(target.ty) });
    }
    this.items.push({ kind: "assign", target: target.name, value });
  }

  always(clock: Ref, body: readonly Stmt[]): void {
    this.items.push({ kind: "always", clock: clock.name, body });
  }

  instance(module: Module, name: string, conns: Record<string, Expr>): void {
    this.claim(name);
    this.items.push({ kind: "instance", module, name, conns: new Map(Object.entries(conns)) });
  }

  note(text: string): void {
    this.items.push({ kind: "comment", text });
  }

  verbatim(lines: readonly string[]): void {
    this.items.push({ kind: "verbatim", lines: [...lines] });
  }

  build(): Module {
    return Object.freeze({ name: this.name, comment: Object.freeze([...this.comment]), ports: Object.freeze([...this.ports]), items: Object.freeze([...this.items]) });
  }
}

/**
 * The modules a top module instantiates, itself last, each name once, in a deterministic (depth-first)
 * order. Generators may build the same submodule twice; the printer checks that same-named modules print
 * identically.
 */
export function moduleClosure(top: Module): Module[][] {
  const byName = new Map<string, Module[]>();
  const order: string[] = [];
  const visit = (m: Module): void => {
    const list = byName.get(m.name);
    if (list !== undefined) {
      if (!list.includes(m)) list.push(m);
      return;
    }
    byName.set(m.name, [m]);
    for (const it of m.items) if (it.kind === "instance") visit(it.module);
    order.push(m.name);
  };
  visit(top);
  return order.map((n) => byName.get(n)!);
}
