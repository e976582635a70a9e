import {DISTS, decodeVersion, decodeCategory} from '../core/layout.js'
import {compareVersions} from '../core/version.js'
import type {Archive} from '../store/archive.js'
import {diffTrees} from '../store/git-tree.js'

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
 * and architecture. Only subtrees whose ids differ are read, so the cost follows the
 * size of the change, not of the archive.
 *
 * @example
 *   await diffSnapshots(archive, 'release-1', 'HEAD')
 */
export async function diffSnapshots(archive: Archive, a: string, b: string): Promise<PackageChange[]> {
  const ta = (await archive.trees.entryAt(await archive.rootTree(a), DISTS))?.oid
  const tb = (await archive.trees.entryAt(await archive.rootTree(b), DISTS))?.oid
  const groups = new Map<string, {dist: string; cat: string; arch: string; name: string; from: Map<string, string>; to: Map<string, string>}>()
  for (const [p, oldBlob, newBlob] of await diffTrees(archive.trees, ta, tb)) {
    const parts = p.split('/')
    if (parts.length !== 6) continue // distribution.json, category.json
    const [dist, encodedCat, arch, , name, ver] = parts
    const cat = decodeCategory(encodedCat) // updates%2fmain is the category updates/main
    const key = `${dist}\0${cat}\0${arch}\0${name}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = {dist, cat, arch, name, from: new Map(), to: new Map()}))
    if (oldBlob) g.from.set(decodeVersion(ver), oldBlob)
    if (newBlob) g.to.set(decodeVersion(ver), newBlob)
  }
  const out: PackageChange[] = []
  for (const g of groups.values()) {
    // A version whose stanza did not change is not in the diff at all.
    const from = [...g.from.keys()].sort(compareVersions)
    const to = [...g.to.keys()].sort(compareVersions)
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
