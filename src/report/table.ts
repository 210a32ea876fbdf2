/** Plain-text tables and CSV: the two row-oriented renderings every command's report goes through. */

export type Cell = string | number | boolean | null;

export interface Column {
  readonly key: string;
  readonly title: string;
  /** Right-align (numbers). */
  readonly numeric?: boolean;
}

function text(c: Cell): string {
  if (c === null) return "-";
  if (typeof c === "number") return Number.isInteger(c) ? String(c) : c.toPrecision(6).replace(/\.?0+$/, "");
  return String(c);
}

export function renderTable(columns: readonly Column[], rows: readonly Record<string, Cell>[]): string {
  const cells = rows.map((r) => columns.map((c) => text(r[c.key] ?? null)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
  const line = (vals: readonly string[]) =>
    vals.map((v, i) => (columns[i]!.numeric ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(columns.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

function csvField(c: Cell): string {
  const s = c === null ? "" : String(c);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(columns: readonly Column[], rows: readonly Record<string, Cell>[]): string {
  return [columns.map((c) => csvField(c.key)).join(","), ...rows.map((r) => columns.map((c) => csvField(r[c.key] ?? null)).join(","))].join("\n") + "\n";
}
