import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {RaptrError} from '../errors.js'
import {parseDeb822, type Stanza} from '../core/deb822.js'
import type {PackagePlace} from '../core/events.js'
import {linkPath} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {compareVersions} from '../core/version.js'
import type {FilterPackage} from '../filter/evaluate.js'
import {parseFilter} from '../filter/parse.js'
import {selectPackages} from '../filter/select.js'
import {addPackages, listPackages, type ListedPackage} from '../archive/packages.js'
import type {NamedMirror} from '../archive/mirrors.js'
import {readDistribution} from '../archive/settings.js'
import {ensureTarget, type ImportProgress} from '../import/import.js'
import {carryFromRelease} from '../import/carry.js'
import {binaryCandidate, checkCandidate, fetchPoolFile, readUpstreamIndex, readUpstreamRelease, sourceCandidate, upstreamField, type UpstreamPackage} from '../import/upstream.js'
import type {RepositorySource} from '../import/source.js'
import type {Archive, Transaction} from '../store/archive.js'

export interface MirrorUpdateResult {
  commit?: string
  mirror: string
  distribution: string
  components: string[]
  architectures: string[]
  /** Packages the upstream offers (for the components, architectures and kinds mirrored). */
  offered: number
  /** Of those, the ones the filter (and dependency following) selects. */
  selected: number
  /** Linked into the distribution by this update (with --dry-run: would be). */
  added: PackagePlace[]
  /** Unlinked from the distribution: no longer in the upstream's selection. */
  removed: PackagePlace[]
  dryRun: boolean
}

/** One upstream package: what the filter sees and what the import machinery fetches. */
interface Offered {
  candidate: UpstreamPackage
  pkg: FilterPackage
  kind: string
}

const placeKey = (p: {category: string; architecture: string; name: string; version: string; kind: string}): string => `${p.category} ${p.architecture} ${p.kind} ${p.name} ${p.version}`

/**
 * Brings the mirror's distribution to exactly the upstream's selection: reads the
 * upstream's Release (verified with the mirror's keyring) and indexes (checked against
 * it), applies the filter (and dependency following), then, in one commit, links what
 * is new (its pool files downloaded and checked by size and SHA256) and unlinks what
 * the selection no longer holds (the files stay until purge). A second run changes
 * nothing; a run stopped before its commit leaves the archive as it was (downloads go
 * to a temporary directory). With `dryRun`, nothing is downloaded or written.
 *
 * @example await updateMirror(archive, source, await requireMirror(view, 'bookworm'), {})
 */
export async function updateMirror(archive: Archive, source: RepositorySource, mirror: NamedMirror, opts: {dryRun?: boolean; onProgress?: (p: ImportProgress) => void}): Promise<MirrorUpdateResult> {
  const query = mirror.filter === undefined ? undefined : parseFilter(mirror.filter)
  const {offered, components, architectures, fields} = await readUpstream(source, mirror, opts.onProgress)
  const selection = selectPackages(
    offered.map((o) => o.pkg),
    {query, followDependencies: mirror.followDependencies, withSources: mirror.withSources, architectures},
  )
  const chosen = new Set(selection)
  const wanted = offered.filter((o) => chosen.has(o.pkg))

  // What the distribution holds now, against what it should hold.
  const view = await archive.view()
  const dist = mirror.distribution
  const current: ListedPackage[] = (await readDistribution(view, dist)) ? await listPackages(view, {distribution: dist}) : []
  const have = new Map(current.map((p) => [placeKey(p), p]))
  const wantedKeys = new Set<string>()
  const fresh: Offered[] = []
  for (const o of wanted) {
    const c = o.candidate
    const key = placeKey({category: c.component, architecture: c.arch, kind: o.kind, name: c.name, version: c.version})
    wantedKeys.add(key)
    const main = c.files.find((f) => f.name === c.main)!
    if (have.get(key)?.sha256 !== main.sha256) fresh.push(o)
  }
  const gone = current.filter((p) => !wantedKeys.has(placeKey(p)))
  const place = (p: {name: string; version: string; architecture: string; category: string}): PackagePlace => ({name: p.name, version: p.version, architecture: p.architecture, distribution: dist, category: p.category})
  const order = (a: PackagePlace, b: PackagePlace): number => a.name.localeCompare(b.name) || compareVersions(a.version, b.version) || a.architecture.localeCompare(b.architecture)
  const added = fresh.map((o) => place({...o.candidate, architecture: o.candidate.arch, category: o.candidate.component})).sort(order)
  const removed = gone.map(place).sort(order)
  const result: MirrorUpdateResult = {mirror: mirror.name, distribution: dist, components, architectures, offered: offered.length, selected: wanted.length, added, removed, dryRun: Boolean(opts.dryRun)}
  if (opts.dryRun || (added.length === 0 && removed.length === 0)) return result

  const event = {v: 1 as const, type: 'MirrorUpdated' as const, name: mirror.name, url: source.url, suite: mirror.suite, distribution: dist, added, removed}
  const message = `mirror updated: ${mirror.name} into ${dist}: ${added.length} added, ${removed.length} removed\n\n${[...added.map((p) => `+ ${p.name} ${p.version} ${p.architecture}`), ...removed.map((p) => `- ${p.name} ${p.version} ${p.architecture}`)].join('\n')}`
  const unlink = (tx: Transaction): void => {
    for (const p of gone) tx.remove(linkPath(dist, p.category, p.architecture, p.name, p.version, p.kind))
  }
  if (fresh.length === 0) {
    const {commit} = await archive.transaction((tx) => {
      unlink(tx)
      return Promise.resolve({message, events: [event], result: undefined})
    })
    return {...result, commit}
  }
  const work = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'raptr-mirror-'))
  try {
    const total = fresh.reduce((s, o) => s + o.candidate.files.length, 0)
    let done = 0
    const categoryOf = new Map<string, string>()
    await mapLimit(fresh, 4, async (o, i) => {
      const dir = path.join(work, String(i))
      await fs.promises.mkdir(dir)
      for (const f of o.candidate.files) {
        await fetchPoolFile(source, f, path.join(dir, f.name))
        opts.onProgress?.({phase: 'download', done: ++done, total, item: f.key})
      }
      categoryOf.set(path.join(dir, o.candidate.main), o.candidate.component)
    })
    opts.onProgress?.({phase: 'add', done: 0, total: fresh.length})
    const res = await addPackages(archive, [...categoryOf.keys()].sort(), {
      category: components[0],
      categoryOf: (f) => categoryOf.get(f)!,
      link: [dist],
      prepare: async (tx) => {
        await ensureTarget(tx, dist, components, architectures, carryFromRelease(fields), false)
      },
      extra: (tx) => {
        unlink(tx)
        return {message, events: [event]}
      },
    })
    return {...result, commit: res.commit}
  } finally {
    await fs.promises.rm(work, {recursive: true, force: true})
  }
}

/** The upstream's packages for the mirror's components, architectures and kinds, each checked as an import checks it. */
async function readUpstream(source: RepositorySource, mirror: NamedMirror, onProgress?: (p: ImportProgress) => void): Promise<{offered: Offered[]; components: string[]; architectures: string[]; fields: Stanza}> {
  const suite = mirror.suite
  const release = await readUpstreamRelease(source, suite, mirror.keyring)
  const listedComponents = release.components
  const listedArchs = release.architectures
  const components = mirror.components?.length ? mirror.components : listedComponents
  for (const c of components) {
    if (!listedComponents.includes(c)) throw new RaptrError('BAD_ARGUMENT', `${source.url} ${suite} has no component "${c}"`, `it has: ${listedComponents.join(', ') || 'none'}`)
  }
  const architectures = mirror.architectures?.length ? mirror.architectures : listedArchs
  if (architectures.length === 0) throw new RaptrError('BAD_ARGUMENT', `${source.url} ${suite} lists no architecture`, `name them: raptr mirror remove ${mirror.name}, then add it with --architectures amd64,arm64`)
  const indexPaths = components.flatMap((c) => [
    ...architectures.flatMap((a) => [`${c}/binary-${a}/Packages`, ...(mirror.withUdebs ? [`${c}/debian-installer/binary-${a}/Packages`] : [])]),
    ...(mirror.withSources ? [`${c}/source/Sources`] : []),
  ])
  const offered = new Map<string, Offered>()
  let n = 0
  for (const p of indexPaths) {
    const text = await readUpstreamIndex(source, release, p)
    onProgress?.({phase: 'indexes', done: ++n, total: indexPaths.length, item: p})
    if (text === undefined) continue
    const isSources = p.endsWith('/Sources')
    const component = p.slice(0, p.indexOf(p.includes('/debian-installer/') ? '/debian-installer/' : isSources ? '/source/' : '/binary-'))
    const where = `${source.url} dists/${suite}/${p}`
    for (const stanza of parseDeb822(text)) {
      const c = upstreamField(where, isSources ? 'Sources' : 'Packages', () => (isSources ? sourceCandidate(stanza, component) : binaryCandidate(stanza, component)))
      checkCandidate(where, c)
      const kind = isSources ? 'dsc' : c.main.endsWith('.udeb') ? 'udeb' : c.main.endsWith('.ddeb') ? 'ddeb' : 'deb'
      const key = `${c.component} ${c.main}`
      if (offered.has(key)) continue
      offered.set(key, {candidate: c, kind, pkg: {name: c.name, version: c.version, architecture: c.arch, type: isSources ? 'source' : kind === 'udeb' ? 'udeb' : 'deb', stanza}})
    }
  }
  return {offered: [...offered.values()], components, architectures, fields: release.fields}
}
