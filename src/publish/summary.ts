import {compareVersions} from '../core/version.js'
import type {Archive} from '../store/archive.js'
import {linkDeltas, linkStanza, type LinkDelta} from '../snapshot/changes.js'

/** One package name's change in a distribution between what is live and what would be. */
export interface PackageSummary {
  name: string
  change: 'added' | 'removed' | 'changed'
  from: string[]
  to: string[]
  /** Bytes of the package files the new side links (0 for a removal). */
  bytes: number
}

export interface PublishSummary {
  added: {packages: number; bytes: number}
  removed: {packages: number}
  changed: {packages: number; bytes: number}
  packages: PackageSummary[]
}

/**
 * What a publish would change for apt users of one distribution, by package name:
 * the links that differ between the live content and the new one (the read model reads
 * only what differs). Undefined when this archive lacks the live content (published from a
 * clone not pulled yet).
 *
 * @example (await summarizePublish(archive, liveDistTree, newDistTree))?.added.packages
 */
export async function summarizePublish(archive: Archive, liveTree: string | undefined, newTree: string): Promise<PublishSummary | undefined> {
  let changes: LinkDelta[]
  try {
    changes = await linkDeltas(archive, liveTree, newTree)
  } catch {
    return undefined
  }
  const byName = new Map<string, {from: Set<string>; to: Set<string>; files: Set<string>; bytes: number}>()
  for (const {name, version, before, after} of changes) {
    let g = byName.get(name)
    if (!g) byName.set(name, (g = {from: new Set(), to: new Set(), files: new Set(), bytes: 0}))
    if (before) g.from.add(version)
    // An Architecture: all package is linked under every architecture: count its file once.
    if (after) {
      g.to.add(version)
      if (g.files.has(after)) continue
      g.files.add(after)
      g.bytes += Number(/^Size: (\d+)$/m.exec(await linkStanza(archive, after))?.[1] ?? 0)
    }
  }
  const packages: PackageSummary[] = [...byName.entries()]
    .map(([name, g]) => {
      const from = [...g.from].sort(compareVersions)
      const to = [...g.to].sort(compareVersions)
      const change: PackageSummary['change'] = from.length === 0 ? 'added' : to.length === 0 ? 'removed' : 'changed'
      return {name, change, from, to, bytes: change === 'removed' ? 0 : g.bytes}
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const sum = (kind: PackageSummary['change']): {packages: number; bytes: number} => {
    const xs = packages.filter((p) => p.change === kind)
    return {packages: xs.length, bytes: xs.reduce((n, p) => n + p.bytes, 0)}
  }
  return {added: sum('added'), removed: {packages: sum('removed').packages}, changed: sum('changed'), packages}
}
