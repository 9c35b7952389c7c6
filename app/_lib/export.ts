// CSV export of rows the console already shows. Values are untrusted (keys, error messages): a
// cell a spreadsheet would read as a formula (= + - @, tab, CR) is prefixed with a quote, and
// every cell is quoted, so an export can neither run anything nor break its columns.

const FORMULA = /^[=+\-@\t\r]/;

function cell(v: unknown): string {
  const text =
    v === null || v === undefined
      ? ''
      : typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : JSON.stringify(v);
  const safe = FORMULA.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** One header row (the union of the rows' keys, first-seen order) and one line per row. */
export function toCsv(rows: readonly object[]): string {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) {
    const rec = r as Record<string, unknown>;
    lines.push(columns.map((c) => cell(rec[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
