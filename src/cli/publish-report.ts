import type {DistResult} from '../publish/publish.js'

/**
 * Lines for people about a publish's results, and the exit status they call for (the
 * worst failure's), for commands that publish after their change (--publish).
 */
export async function publishReport(results: DistResult[]): Promise<{lines: string[]; exitCode: number}> {
  const {exitCodeFor} = await import('../errors.js')
  const lines: string[] = []
  let exitCode = 0
  for (const r of results) {
    switch (r.action) {
      case 'published':
        lines.push(`${r.backend}/${r.distribution}: published snapshot ${r.snapshot.slice(0, 12)} (seq ${r.seq})`)
        break
      case 'unchanged':
        lines.push(`${r.backend}/${r.distribution}: unchanged, ${r.reason}`)
        break
      default:
        lines.push(`${r.backend}/${r.distribution}: ${r.action.toUpperCase()}: ${r.error?.message ?? ''}`)
        if (r.error?.hint) lines.push(`  hint: ${r.error.hint}`)
    }
    if (r.error) exitCode = Math.max(exitCode, exitCodeFor(r.error.code as never))
  }
  return {lines, exitCode}
}
