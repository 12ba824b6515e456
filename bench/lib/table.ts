/** A Markdown table with padded columns (readable in a terminal, pastes into RESULTS.md). */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) =>
    rows.every((r) => /^(?:[-\d.,%×/ ]+|n\/a|)$/.test(r[i] ?? "")),
  );
  const line = (cells: string[]) =>
    `| ${cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(headers), rule, ...rows.map((r) => line(headers.map((_, i) => r[i] ?? "")))].join(
    "\n",
  );
}

/** A number with sensible precision: 1234 -> "1,234", 12.34 -> "12.3", 1.234 -> "1.23". */
export function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function ratio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined || !(denominator > 0)) return "n/a";
  return `${(numerator / denominator).toFixed(2)}×`;
}
