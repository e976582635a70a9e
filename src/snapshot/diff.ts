import {compareVersions} from '../core/version.js'
import type {Archive} from '../store/archive.js'
import {snapshotLinkDeltas} from './changes.js'

export interface PackageChange {
  distribution: string
  category: string
  architecture: string
  name: string
  change: 'added' | 'removed' | 'changed'
  /** The versions before and after (several when a name has several versions linked). */
  from: string[]
  to: string[]
}

/**
 * What differs between two snapshots, package by package, per distribution, category
 * and architecture, from the read model's link deltas: the cost follows the size of the
 * change, not of the archive.
 *
 * @example
 *   await diffSnapshots(archive, 'release-1', 'HEAD')
 */
export async function diffSnapshots(archive: Archive, a: string, b: string): Promise<PackageChange[]> {
  const groups = new Map<string, {dist: string; cat: string; arch: string; name: string; from: Set<string>; to: Set<string>}>()
  for (const d of await snapshotLinkDeltas(archive, a, b)) {
    // The architecture column is the link directory (amd64, amd64.udeb, source), as stored.
    const key = `${d.distribution}\0${d.category}\0${d.linkDir}\0${d.name}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = {dist: d.distribution, cat: d.category, arch: d.linkDir, name: d.name, from: new Set(), to: new Set()}))
    if (d.before) g.from.add(d.version)
    if (d.after) g.to.add(d.version)
  }
  const out: PackageChange[] = []
  for (const g of groups.values()) {
    // A version whose stanza did not change is not in the diff at all.
    const from = [...g.from].sort(compareVersions)
    const to = [...g.to].sort(compareVersions)
    const change: PackageChange['change'] = from.length === 0 ? 'added' : to.length === 0 ? 'removed' : 'changed'
    out.push({distribution: g.dist, category: g.cat, architecture: g.arch, name: g.name, change, from, to})
  }
  // One group per name holds both sides, so "1.0 removed, 1.1 added" reads as changed 1.0 -> 1.1.
  return out.sort(
    (x, y) => x.distribution.localeCompare(y.distribution) || x.category.localeCompare(y.category) || x.architecture.localeCompare(y.architecture) || x.name.localeCompare(y.name),
  )
}

/** The diff as Markdown, for a release review. */
export function diffMarkdown(a: string, b: string, changes: PackageChange[]): string {
  const lines = [`## Changes from \`${a}\` to \`${b}\``, '']
  if (changes.length === 0) return [...lines, 'No package changes.', ''].join('\n')
  let current = ''
  for (const c of changes) {
    const head = `${c.distribution} / ${c.category} / ${c.architecture}`
    if (head !== current) {
      if (current) lines.push('')
      lines.push(`### ${head}`, '', '| package | change | from | to |', '|---|---|---|---|')
      current = head
    }
    lines.push(`| ${c.name} | ${c.change} | ${c.from.join(', ') || '—'} | ${c.to.join(', ') || '—'} |`)
  }
  return [...lines, ''].join('\n')
}

/** The diff as plain text lines: `+ name 1.1 (dist/cat/arch)`, `- …`, `~ name 1.0 → 1.1 …`. */
export function diffText(changes: PackageChange[]): string {
  return changes
    .map((c) => {
      const where = `${c.distribution}/${c.category}/${c.architecture}`
      if (c.change === 'added') return `+ ${c.name} ${c.to.join(', ')}  (${where})`
      if (c.change === 'removed') return `- ${c.name} ${c.from.join(', ')}  (${where})`
      return `~ ${c.name} ${c.from.join(', ')} -> ${c.to.join(', ')}  (${where})`
    })
    .join('\n')
}
