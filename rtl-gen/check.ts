/**
 * Well-formedness of a module, checked before it is printed: every name is declared once with the type
 * its uses assume, every wire and output is driven exactly once, registers are written only from always
 * blocks, instance connections match the instantiated ports exactly, and a full-width product only ever
 * stands alone on the right of a wire of its width. All problems are collected and reported together.
 */
import { type Problem, RtlError } from "../src/errors.js";
import { type Expr, type Ty, sameTy, tyText } from "./ast.js";
import type { Item, Module, Stmt } from "./module.js";

type DeclKind = "input" | "output" | "outputReg" | "wire" | "reg" | "mem" | "localparam";
interface Decl {
  readonly kind: DeclKind;
  readonly ty: Ty;
  readonly depth?: number;
}

export function checkModule(m: Module): void {
  const problems: Problem[] = [];
  const where = (what: string) => `module ${m.name}: ${what}`;
  const decls = new Map<string, Decl>();
  // Testbenches declare some names in their simulation-only (verbatim) text, which this check cannot see.
  const testbench = m.items.some((it) => it.kind === "verbatim");
  const declare = (name: string, d: Decl) => {
    if (decls.has(name)) problems.push({ path: where(name), message: "is declared twice" });
    decls.set(name, d);
  };
  for (const p of m.ports) declare(p.name, { kind: p.dir === "input" ? "input" : p.reg ? "outputReg" : "output", ty: p.ty });
  for (const it of m.items) {
    if (it.kind === "wire") declare(it.name, { kind: "wire", ty: it.ty });
    else if (it.kind === "reg") declare(it.name, { kind: "reg", ty: it.ty });
    else if (it.kind === "mem") declare(it.name, { kind: "mem", ty: it.ty, depth: it.depth });
    else if (it.kind === "localparam") declare(it.name, { kind: "localparam", ty: it.ty });
  }

  const expr = (e: Expr, at: string, topOfWire: boolean): void => {
    switch (e.kind) {
      case "const":
        return;
      case "ref": {
        const d = decls.get(e.name);
        if (d === undefined) {
          if (!testbench) problems.push({ path: where(at), message: `uses undeclared ${e.name}` });
        }
        else if (d.kind === "mem") problems.push({ path: where(at), message: `uses memory ${e.name} as a signal` });
        else if (!sameTy(d.ty, e.ty)) problems.push({ path: where(at), message: `uses ${e.name} with the wrong type`, given: tyText(e.ty), expected: tyText(d.ty) });
        return;
      }
      case "mem": {
        const d = decls.get(e.name);
        if (d === undefined || d.kind !== "mem" || d.depth !== e.depth || !sameTy(d.ty, e.ty)) problems.push({ path: where(at), message: `reads ${e.name} as a memory it is not declared as` });
        expr(e.index, at, false);
        return;
      }
      case "slice":
      case "ext":
        expr(e.of, at, false);
        return;
      case "cast":
      case "not":
      case "neg":
      case "reduce":
        expr(e.kind === "cast" ? e.of : e.a, at, false);
        return;
      case "mulFull":
        if (!topOfWire) problems.push({ path: where(at), message: "a full-width product must be the whole value of a wire of its width" });
        expr(e.a, at, false);
        expr(e.b, at, false);
        return;
      case "bin":
      case "cmp":
        expr(e.a, at, false);
        expr(e.b, at, false);
        return;
      case "shift":
        expr(e.a, at, false);
        expr(e.amount, at, false);
        return;
      case "mux":
        expr(e.sel, at, false);
        expr(e.a, at, false);
        expr(e.b, at, false);
        return;
      case "concat":
        for (const p of e.parts) expr(p, at, false);
        return;
      default: {
        const never: never = e;
        throw new Error(`internal: expression ${String(never)}`);
      }
    }
  };

  const driven = new Map<string, number>();
  const drive = (name: string) => driven.set(name, (driven.get(name) ?? 0) + 1);
  const regWritten = new Set<string>();

  const stmt = (s: Stmt, at: string): void => {
    switch (s.kind) {
      case "nb": {
        const d = decls.get(s.target.name);
        const okKind = s.target.kind === "word" ? d?.kind === "mem" : d?.kind === "reg" || d?.kind === "outputReg";
        if (d === undefined || !okKind) problems.push({ path: where(at), message: `assigns ${s.target.name}, which is not a register or memory` });
        else if (!sameTy(d.ty, s.value.ty)) problems.push({ path: where(`${at} ${s.target.name} <=`), message: "value type differs from the target", given: tyText(s.value.ty), expected: tyText(d.ty) });
        if (s.target.kind === "word") expr(s.target.index, at, false);
        regWritten.add(s.target.name);
        expr(s.value, at, false);
        return;
      }
      case "if":
        if (!sameTy(s.cond.ty, { width: 1, signed: false })) problems.push({ path: where(at), message: "if condition is not one bit", given: tyText(s.cond.ty) });
        expr(s.cond, at, false);
        for (const x of s.then) stmt(x, at);
        for (const x of s.else) stmt(x, at);
        return;
      case "case":
        expr(s.subject, at, false);
        for (const arm of s.arms) for (const x of arm.body) stmt(x, at);
        for (const x of s.default) stmt(x, at);
        return;
      default: {
        const never: never = s;
        throw new Error(`internal: statement ${String(never)}`);
      }
    }
  };

  const item = (it: Item): void => {
    switch (it.kind) {
      case "wire":
        if (it.value !== undefined) {
          drive(it.name);
          if (!sameTy(it.value.ty, it.ty)) problems.push({ path: where(`wire ${it.name}`), message: "value type differs", given: tyText(it.value.ty), expected: tyText(it.ty) });
          expr(it.value, `wire ${it.name}`, true);
        }
        return;
      case "assign": {
        drive(it.target);
        const d = decls.get(it.target);
        if (d?.kind !== "output") problems.push({ path: where(`assign ${it.target}`), message: "target is not a wire output" });
        else if (!sameTy(d.ty, it.value.ty)) problems.push({ path: where(`assign ${it.target}`), message: "value type differs", given: tyText(it.value.ty), expected: tyText(d.ty) });
        expr(it.value, `assign ${it.target}`, true);
        return;
      }
      case "always": {
        const d = decls.get(it.clock);
        if (d?.kind !== "input" || d.ty.width !== 1) problems.push({ path: where("always"), message: `clock ${it.clock} is not a 1-bit input` });
        for (const s of it.body) stmt(s, "always");
        return;
      }
      case "instance": {
        const at = `instance ${it.name} of ${it.module.name}`;
        for (const p of it.module.ports) {
          const e = it.conns.get(p.name);
          if (e === undefined) {
            problems.push({ path: where(at), message: `leaves port ${p.name} unconnected` });
            continue;
          }
          if (!sameTy(e.ty, p.ty)) problems.push({ path: where(`${at}.${p.name}`), message: "connection type differs from the port", given: tyText(e.ty), expected: tyText(p.ty) });
          if (p.dir === "output") {
            const d = e.kind === "ref" ? decls.get(e.name) : undefined;
            if (e.kind !== "ref" || (d?.kind !== "wire" && d?.kind !== "output" && !(testbench && d === undefined))) problems.push({ path: where(`${at}.${p.name}`), message: "an output port must drive a wire" });
            else drive(e.name);
          } else expr(e, at, false);
        }
        for (const k of it.conns.keys()) if (!it.module.ports.some((p) => p.name === k)) problems.push({ path: where(at), message: `connects unknown port ${k}` });
        return;
      }
      case "reg":
      case "mem":
      case "localparam":
      case "comment":
      case "verbatim":
        return;
      default: {
        const never: never = it;
        throw new Error(`internal: item ${String(never)}`);
      }
    }
  };
  for (const it of m.items) item(it);

  for (const [name, d] of decls) {
    if ((d.kind === "wire" || d.kind === "output") && (driven.get(name) ?? 0) !== 1 && !testbench) {
      problems.push({ path: where(name), message: `is driven ${driven.get(name) ?? 0} times`, expected: "exactly once" });
    }
    if (d.kind === "outputReg" && !regWritten.has(name)) problems.push({ path: where(name), message: "output register is never assigned" });
  }
  if (problems.length > 0) throw new RtlError(problems);
}
