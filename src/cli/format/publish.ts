import {exitCodeFor} from '../../errors.js'
import type {DistResult} from '../../publish/publish.js'
import {formatBytes} from './bytes.js'

export interface PublishReport {
  /** For stdout: one line per backend and distribution (and the plan under --dry-run). */
  lines: string[]
  /** For stderr: what was put back on a backend to finish an earlier publish. */
  notes: string[]
  /** The worst failure's exit status, 0 when none failed. */
  exitCode: number
}

/**
 * The one report of a publish's results, for `raptr publish` and for every command that
 * publishes after its change (`--publish`): `detail` adds what was uploaded and the
 * apt lines, `verbose` lists every file a dry run would write.
 *
 * @example const {lines, notes, exitCode} = formatPublish(res.results, {detail: true})
 */
export function formatPublish(results: DistResult[], opts: {detail?: boolean; verbose?: boolean; dryRun?: boolean} = {}): PublishReport {
  const lines: string[] = []
  const notes: string[] = []
  let exitCode = 0
  for (const r of results) {
    const where = `${r.backend}/${r.distribution}`
    // Files written to finish an earlier publish, or put back after someone changed them
    // on the backend: say which, so a hand edit or a crash does not pass unnoticed.
    if (r.settled?.length) {
      const shown = r.settled.slice(0, 5).join(', ')
      notes.push(`${where}: put back what the publication log says: ${shown}${r.settled.length > 5 ? ` and ${r.settled.length - 5} more` : ''}`)
    }
    const t = r.totals
    const what = opts.detail && t ? `: ${t.blobs} pool files (${formatBytes(t.blobBytes)}), ${t.indexes} indexes, ${t.copies} pinned copies` : ''
    switch (r.action) {
      case 'published':
        lines.push(`${where}: published snapshot ${r.snapshot.slice(0, 12)} (seq ${r.seq})${what}`)
        break
      case 'planned':
        lines.push(...plannedLines(r, what, opts.verbose === true))
        break
      case 'unchanged':
        lines.push(`${where}: unchanged, ${r.reason}`)
        break
      default:
        lines.push(`${where}: ${r.action.toUpperCase()}: ${r.error?.message ?? ''}`)
        if (r.error?.hint) lines.push(`  hint: ${r.error.hint}`)
    }
    if (r.error) exitCode = Math.max(exitCode, exitCodeFor(r.error.code))
  }
  const apt = [...new Set(results.filter((r) => r.debLine && r.action !== 'failed' && r.action !== 'refused').map((r) => r.debLine!))]
  if (opts.detail && apt.length > 0 && !opts.dryRun) lines.push('', 'apt sources:', ...apt.map((l) => `  ${l}`))
  return {lines, notes, exitCode}
}

function plannedLines(r: DistResult, what: string, verbose: boolean): string[] {
  const m = r.summary
  const pkgs = m
    ? `${m.added.packages} added (${formatBytes(m.added.bytes)}), ${m.changed.packages} changed (${formatBytes(m.changed.bytes)}), ${m.removed.packages} removed; `
    : 'packages: the live snapshot is not in this archive; '
  const out = [`${r.backend}/${r.distribution}: would publish snapshot ${r.snapshot.slice(0, 12)} (seq ${r.seq}): ${pkgs}${what.replace(/^: /, '')}`]
  for (const p of m?.packages ?? []) {
    const sign = {added: '+', removed: '-', changed: '~'}[p.change]
    const versions = p.change === 'added' ? p.to.join(', ') : p.change === 'removed' ? p.from.join(', ') : `${p.from.join(', ')} -> ${p.to.join(', ')}`
    out.push(`  ${sign} ${p.name} ${versions}${p.bytes ? ` (${formatBytes(p.bytes)})` : ''}`)
  }
  if (!verbose) return out
  for (const b of r.plan?.blobs ?? []) out.push(`  upload ${b.key} (${formatBytes(b.size)})`)
  for (const i of r.plan?.byHash ?? []) out.push(`  upload ${i.key} (${i.index.path})`)
  for (const c of r.plan?.canonical ?? []) out.push(`  write  ${c.key}`)
  if (r.plan?.writePinnedRelease) out.push(`  pin    dists/snapshots/${r.plan.pinnedId}/${r.distribution} (${r.plan.pinnedCopies.length} copies, Release files)`)
  out.push(`  swap   dists/${r.distribution}/Release, Release.gpg, InRelease`)
  return out
}
