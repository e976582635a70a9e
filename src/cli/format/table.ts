/**
 * Rows as an aligned text table (for people; --json gets the data): upper-case headers,
 * columns padded to their widest cell, no trailing spaces.
 *
 * @example table([{name: 'hello', version: '1.0'}], ['name', 'version'])
 */
export function table(rows: Array<Record<string, string | number | undefined>>, columns: string[]): string {
  return [...tableLines(rows, columns, (r, c) => String(r[c] ?? ''))].join('\n')
}

/**
 * The lines of {@link table}, one at a time, each cell taken by `cell`: a table of
 * 100,000 rows is printed a run of lines at a time, with no copy of each row made for it.
 *
 * @example for (const l of tableLines(results, ['name'], (r, c) => r[c])) console.log(l)
 */
export function* tableLines<T>(rows: readonly T[], columns: string[], cell: (row: T, column: string) => string): Generator<string> {
  if (rows.length === 0) return
  const widths = columns.map((c) => c.length)
  for (const r of rows) columns.forEach((c, i) => (widths[i] = Math.max(widths[i], cell(r, c).length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
  yield line(columns.map((c) => c.toUpperCase()))
  for (const r of rows) yield line(columns.map((c) => cell(r, c)))
}
