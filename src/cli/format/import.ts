import {terminalSafe} from '../report-error.js'

/** What `raptr import` reports, as far as its text output needs (the import layer's ImportResult fits). */
export interface ImportSummary {
  commit?: string
  distribution: string
  created: boolean
  components: string[]
  skipped: number
  carried: Array<{field: string; value: string}>
  notCarried: Array<{field: string; value: string; reason: string}>
  differing: Array<{field: string; ours: string; theirs: string}>
}

/** The flag of `distribution set` for a Release field. */
const FLAG: Record<string, (v: string) => string> = {
  Origin: (v) => `--origin ${quote(v)}`,
  Label: (v) => `--label ${quote(v)}`,
  Suite: (v) => `--suite ${quote(v)}`,
  Codename: (v) => `--codename ${quote(v)}`,
  Version: (v) => `--version ${quote(v)}`,
  Description: (v) => `--description ${quote(v)}`,
  NotAutomatic: (v) => (v === 'yes' ? '--not-automatic' : '--no-not-automatic'),
  ButAutomaticUpgrades: (v) => (v === 'yes' ? '--but-automatic-upgrades' : '--no-but-automatic-upgrades'),
  'Acquire-By-Hash': (v) => (v === 'yes' ? '--acquire-by-hash' : '--no-acquire-by-hash'),
}

/**
 * The lines `raptr import` prints: what was imported, which Release fields the
 * distribution carries from the upstream and which not (and why), and, for an existing
 * distribution, the fields it kept that differ, with the command that would carry them.
 *
 * @example for (const line of formatImport(res, 12)) console.log(line)
 */
export function formatImport(res: ImportSummary, added: number): string[] {
  const lines = [
    res.commit && added > 0
      ? `imported ${added} packages into ${res.distribution} (${res.components.join(', ')}; ${res.skipped} already there)`
      : `nothing new to import into ${res.distribution} (${res.skipped} already there)`,
  ]
  if (res.carried.length) lines.push(`carried from the upstream Release: ${res.carried.map((f) => `${f.field}: ${f.value}`).join(', ')}`)
  for (const f of res.notCarried) lines.push(`not carried: ${f.field}${f.value ? ` (${f.value})` : ''}: ${f.reason}`)
  if (res.differing.length) {
    lines.push(
      `${res.distribution} keeps its own ${res.differing.map((f) => `${f.field} "${f.ours}" (upstream: "${f.theirs}")`).join(', ')}; ` +
        `apt clients of the old repository refuse a changed Origin, Label or Codename: raptr distribution set ${res.distribution} ${res.differing.map((f) => FLAG[f.field]?.(f.theirs) ?? '').join(' ')}, or import again with --carry-fields`,
    )
  }
  // Field names and values come from the upstream's Release: no escape sequence reaches the terminal, no line is split.
  return lines.map((l) => terminalSafe(l).replaceAll('\n', '\\n'))
}

/** A value as a shell word. */
function quote(v: string): string {
  return /^[A-Za-z0-9._:+~/-]+$/.test(v) ? v : `'${v.replaceAll("'", "'\\''")}'`
}
