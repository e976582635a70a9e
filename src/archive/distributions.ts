import {RaptrError} from '../errors.js'
import {categoryConfigPath, categoryPath, distConfigPath, distPath} from '../core/layout.js'
import {shownValue, validateArchitecture, validateComponentName, validateReleaseField, validateSuiteName} from '../core/names.js'
import {durationMs} from '../core/release.js'
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
  mustExist = false,
): Promise<{commit?: string; distribution: DistributionSettings; created: boolean}> {
  validateSuiteName(name)
  if (name === 'snapshots') {
    throw new RaptrError('BAD_NAME', 'a distribution cannot be named "snapshots"', 'raptr publishes pinned snapshots under dists/snapshots/; choose another name')
  }
  for (const a of opts.architectures ?? []) validateArchitecture(a)
  if (opts.architectures?.some((a) => a === 'all' || a === 'source')) {
    throw new RaptrError('BAD_ARGUMENT', 'list real architectures (amd64, arm64, …); "all" and "source" are always carried', 'drop all/source from --architectures')
  }
  for (const [flag, v] of [['suite', opts.suite], ['codename', opts.codename]] as const) {
    if (v === undefined) continue
    validateSuiteName(v)
    if (v === 'snapshots') throw new RaptrError('BAD_NAME', `--${flag} cannot be "snapshots"`, 'raptr publishes pinned snapshots under dists/snapshots/; choose another name')
  }
  // Free-text Release fields are checked here, where they are set, so no value becomes a second line of a Release.
  for (const [field, v] of [['Origin', opts.origin], ['Label', opts.label], ['Description', opts.description], ['Version', opts.version]] as const) {
    if (v !== undefined && v !== '') validateReleaseField(field, v)
  }
  if (opts.validFor && durationMs(opts.validFor) === undefined) {
    throw new RaptrError('BAD_ARGUMENT', `invalid duration "${shownValue(opts.validFor)}"`, 'give a number and a unit: 90s, 30m, 12h, 7d or 2w')
  }
  const {commit, result} = await archive.transaction(async (tx) => {
    const existing = await readDistribution(tx, name)
    if (mustExist && !existing) await requireDistribution(tx, name)
    // A Suite or Codename is published as a directory of its own: it must not be another distribution.
    for (const other of [opts.suite, opts.codename]) {
      if (other !== undefined && other !== name && (await readDistribution(tx, other))) {
        throw new RaptrError('CONFLICT', `"${other}" is already a distribution; it cannot also name ${name}`, 'choose another --suite or --codename')
      }
    }
    if (!existing) {
      for (const d of await listDistributionNames(tx)) {
        const other = await readDistribution(tx, d)
        if (other?.suite === name || other?.codename === name) {
          throw new RaptrError('CONFLICT', `distribution "${d}" is published as "${name}" too (its Suite or Codename)`, `choose another name, or change it with: raptr distribution set ${d} --suite …`)
        }
      }
    }
    const next: DistributionSettings = {
      architectures: opts.architectures ? [...new Set(opts.architectures)] : (existing?.architectures ?? DEFAULT_ARCHITECTURES),
      ...pick(existing ?? {}, opts),
    }
    const text = json(next)
    if ((await tx.read(distConfigPath(name))) !== text) tx.write(distConfigPath(name), text)
    return {message: existing ? `distribution updated: ${name}` : `distribution added: ${name}`, events: [{v: 1, type: existing ? 'DistributionSet' : 'DistributionAdded', distribution: name, settings: next}], result: {distribution: next, created: !existing}}
  })
  return {commit, ...result}
}

function pick(existing: Partial<DistributionSettings>, opts: Partial<DistributionSettings>): Partial<DistributionSettings> {
  const out: Partial<DistributionSettings> = {}
  const keys = ['origin', 'label', 'description', 'suite', 'codename', 'version', 'notAutomatic', 'butAutomaticUpgrades', 'acquireByHash', 'validFor', 'contents', 'ddebs', 'poolAliases', 'plainIndexes'] as const
  for (const k of keys) {
    const v = opts[k] ?? existing[k]
    // An empty string clears a text setting (--valid-for "" turns Valid-Until off).
    if (v !== undefined && v !== '') (out as Record<string, unknown>)[k] = v
  }
  return out
}

/**
 * Changes settings of an existing distribution (as {@link addDistribution}, but refuses
 * to create one).
 *
 * @example await setDistribution(archive, 'bookworm', {suite: 'stable', validFor: '7d'})
 */
export async function setDistribution(archive: Archive, name: string, opts: Partial<DistributionSettings>): Promise<{commit?: string; distribution: DistributionSettings}> {
  const res = await addDistribution(archive, name, opts, true)
  return {commit: res.commit, distribution: res.distribution}
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
    const published = [...latest].filter(([, action]) => (action) !== 'drop').map(([backend]) => backend)
    if ((await readDistribution(tx, name)) === undefined) return {message: '', events: [], result: {nothing: `there is no distribution "${name}"`, published}}
    tx.remove(distPath(name))
    return {message: `distribution removed: ${name}`, events: [{v: 1, type: 'DistributionRemoved', distribution: name}], result: {published}}
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
    return {message: `category added: ${name} to ${added.join(', ')}`, events: [{v: 1, type: 'CategoryAdded', category: name, distributions: added}], result: added}
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
    return {message: removed.length ? `category removed: ${name} from ${removed.join(', ')}` : '', events: [{v: 1, type: 'CategoryRemoved', category: name, distributions: removed}], result: {removed, absent}}
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
