/**
 * Safe output directories (INTERFACES.md): a non-empty DIR is refused unless --force; files are written to
 * a temporary directory beside DIR and renamed into place at the end, so a failed run leaves nothing
 * half-written and never destroys what was there.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../errors.js";

/** Refuse a DIR that exists and is not an empty directory (before any work is done). */
export function checkOutDir(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new InputError({ path: dir, message: "--out names an existing file, not a directory" });
  }
  if (!force && readdirSync(dir).length > 0) {
    throw new InputError({ path: dir, message: "--out directory exists and is not empty", expected: "a new or empty directory, or --force to replace it" });
  }
}

/**
 * Write `files` (relative name → bytes or text) into DIR atomically. With force, an existing DIR is
 * replaced only after the new one is complete.
 */
export function writeOutDir(dir: string, files: ReadonlyMap<string, Uint8Array | string>, force: boolean): void {
  checkOutDir(dir, force);
  const abs = resolve(dir);
  const parent = dirname(abs);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(abs)}.quarch-tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const [name, content] of files) {
      const target = join(tmp, name);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    if (existsSync(abs)) {
      const old = join(parent, `.${basename(abs)}.quarch-old-${process.pid}`);
      renameSync(abs, old);
      renameSync(tmp, abs);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, abs);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Write one file through a temporary file and a rename; refuse an existing FILE unless force. */
export function writeOutFile(file: string, content: Uint8Array | string, force: boolean): void {
  if (existsSync(file) && !force) {
    throw new InputError({ path: file, message: "output file exists", expected: "a new path, or --force to replace it" });
  }
  const tmp = join(dirname(resolve(file)), `.${basename(file)}.quarch-tmp-${process.pid}`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
