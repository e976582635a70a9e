/**
 * Rows as an aligned text table (for people; --json gets the data): upper-case headers,
 * columns padded to their widest cell, no trailing spaces.
 *
 * @example table([{name: 'hello', version: '1.0'}], ['name', 'version'])
 */
export function table(rows: Array<Record<string, string | number | undefined>>, columns: string[]): string {
  if (rows.length === 0) return ''
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => String(r[c] ?? ''))))].join('\n')
}
