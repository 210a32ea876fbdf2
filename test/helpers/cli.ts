/** Runs the built CLI (bin/quarch.js → dist/) as a user would. `npm test` builds dist/ first. */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "..", "..");

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function quarch(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(REPO, "bin", "quarch.js"), ...args], { cwd: REPO, encoding: "utf8", env: { ...process.env, COLUMNS: "120" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "quarch-test-"));
}
