// Markdown tables and number formatting for benchmark output.

export type Align = "left" | "right";

/** A GitHub-flavoured markdown table, columns padded so it also reads as plain text. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, 3, ...rows.map((r) => (r[c] ?? "").length)));
  const pad = (text: string, c: number): string =>
    (align?.[c] ?? "left") === "right" ? text.padStart(widths[c]) : text.padEnd(widths[c]);
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, c) => pad(cell, c)).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => ((align?.[c] ?? "left") === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
  return [line(headers), rule, ...rows.map((r) => line(headers.map((_, c) => r[c] ?? "")))].join("\n");
}

/** A number with about three significant figures ("—" for a missing value). */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return "—";
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 10 ** digits) return value.toFixed(0);
  if (magnitude === 0) return "0";
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(magnitude)));
  return value.toFixed(Math.min(decimals, 6));
}

/** A fraction as a whole percentage ("—" for a missing value). */
export function pct(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined ? "—" : `${(100 * fraction).toFixed(0)}%`;
}

/** A ratio like "2.31×" ("—" for a missing value). */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${value.toFixed(2)}×`;
}
