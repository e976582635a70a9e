import {RaptrError} from '../errors.js'
import {categoryConfigPath, categoryPath, distConfigPath, distPath} from '../core/layout.js'
import {validateArchitecture, validateComponentName, validateSuiteName} from '../core/names.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {
  DEFAULT_ARCHITECTURES,
  json,
  listCategoryNames,
  listDistributionNames,
  readDistribution,
  requireDistribution,
  type DistributionSettings,
} from './settings.js'

export interface DistributionInfo extends DistributionSettings {
  name: string
  categories: string[]
}

/**
 * Creates a distribution, or updates the settings given for an existing one
 * (idempotent: the same settings again make no commit).
 *
 * @example
 *   await addDistribution(archive, 'production', {architectures: ['amd64', 'arm64'], origin: 'ACME'})
 */
export async function addDistribution(
  archive: Archive,
  name: string,
  opts: Partial<DistributionSettings>,
): Promise<{commit?: string; distribution: DistributionSettings; created: boolean}> {
  validateSuiteName(name)
  if (name === 'snapshots') {
    throw new RaptrError('BAD_NAME', 'a distribution cannot be named "snapshots"', 'raptr publishes pinned snapshots under dists/snapshots/; choose another name')
  }
  for (const a of opts.architectures ?? []) validateArchitecture(a)
  if (opts.architectures?.some((a) => a === 'all' || a === 'source')) {
    throw new RaptrError('BAD_ARGUMENT', 'list real architectures (amd64, arm64, …); "all" and "source" are always carried', 'drop all/source from --architectures')
  }
  const {commit, result} = await archive.transaction(async (tx) => {
    const existing = await readDistribution(tx, name)
    const next: DistributionSettings = {
      architectures: opts.architectures ? [...new Set(opts.architectures)] : (existing?.architectures ?? DEFAULT_ARCHITECTURES),
      ...pick(existing ?? {}, opts),
    }
    const text = json(next)
    if ((await tx.read(distConfigPath(name))) !== text) tx.write(distConfigPath(name), text)
    return {message: existing ? `distribution updated: ${name}` : `distribution added: ${name}`, result: {distribution: next, created: !existing}}
  })
  return {commit, ...result}
}

function pick(existing: Partial<DistributionSettings>, opts: Partial<DistributionSettings>): Partial<DistributionSettings> {
  const out: Partial<DistributionSettings> = {}
  for (const k of ['origin', 'label', 'description'] as const) {
    const v = opts[k] ?? existing[k]
    if (v !== undefined) out[k] = v
  }
  return out
}

/**
 * Removes a distribution with all its categories and links; one already gone is
 * `nothing` to do. `published` names the backends the archive last published it to:
 * removing it here does not take it off them.
 */
export async function removeDistribution(archive: Archive, name: string): Promise<{commit?: string; nothing?: string; published: string[]}> {
  validateSuiteName(name)
  const {listPublications} = await import('./publications.js')
  const {commit, result} = await archive.transaction<{nothing?: string; published: string[]}>(async (tx) => {
    const latest = new Map<string, string>()
    for (const p of await listPublications(tx)) if (p.distribution === name) latest.set(p.backend, p.action)
    const published = [...latest].filter(([, action]) => (action as string) !== 'drop').map(([backend]) => backend)
    if ((await readDistribution(tx, name)) === undefined) return {message: '', result: {nothing: `there is no distribution "${name}"`, published}}
    tx.remove(distPath(name))
    return {message: `distribution removed: ${name}`, result: {published}}
  })
  return {commit, ...result}
}

export async function listDistributions(view: ArchiveView): Promise<DistributionInfo[]> {
  const out: DistributionInfo[] = []
  for (const name of await listDistributionNames(view)) {
    const d = (await readDistribution(view, name))!
    out.push({name, ...d, categories: await listCategoryNames(view, name)})
  }
  return out
}

/** Adds a category to distributions (idempotent). */
export async function addCategory(archive: Archive, name: string, to: string[]): Promise<{commit?: string; added: string[]}> {
  validateComponentName(name)
  for (const d of to) validateSuiteName(d)
  const {commit, result} = await archive.transaction(async (tx) => {
    const added: string[] = []
    for (const d of to) {
      await requireDistribution(tx, d)
      if ((await tx.read(categoryConfigPath(d, name))) === undefined) {
        tx.write(categoryConfigPath(d, name), json({}))
        added.push(d)
      }
    }
    return {message: `category added: ${name} to ${added.join(', ')}`, result: added}
  })
  return {commit, added: result}
}

/** Removes a category from distributions, with every package linked in it there. */
export async function removeCategory(archive: Archive, name: string, from: string[]): Promise<{commit?: string; removed: string[]; absent: string[]}> {
  validateComponentName(name)
  const {commit, result} = await archive.transaction(async (tx) => {
    const removed: string[] = []
    // Already gone from a distribution: nothing to do there.
    const absent: string[] = []
    for (const d of from) {
      await requireDistribution(tx, d)
      if ((await tx.read(categoryConfigPath(d, name))) === undefined) {
        absent.push(d)
        continue
      }
      tx.remove(categoryPath(d, name))
      removed.push(d)
    }
    return {message: removed.length ? `category removed: ${name} from ${removed.join(', ')}` : '', result: {removed, absent}}
  })
  return {commit, ...result}
}

export async function listCategories(view: ArchiveView): Promise<Array<{name: string; distributions: string[]}>> {
  const byName = new Map<string, string[]>()
  for (const d of await listDistributionNames(view)) {
    for (const c of await listCategoryNames(view, d)) {
      const list = byName.get(c) ?? []
      list.push(d)
      byName.set(c, list)
    }
  }
  return [...byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, distributions]) => ({name, distributions}))
}
