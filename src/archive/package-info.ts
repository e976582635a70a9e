/**
 * Reading packages for people: `package show` (everything about one) and `package
 * search` (by name glob or regex and field values), and `package move`, which relinks
 * from one distribution to another in one commit.
 */
import {RaptrError} from '../errors.js'
import {matches} from '../filter/evaluate.js'
import {parseFilter} from '../filter/parse.js'
import {cidFromSha256} from '../core/cid.js'
import {getField, parseStanza} from '../core/deb822.js'
import {linkPath, PACKAGES} from '../core/layout.js'
import {parseSection, validatePackageName} from '../core/names.js'
import {matcher} from '../core/search-pattern.js'
import {compareVersions} from '../core/version.js'
import type {VersionChoice} from '../core/selection.js'
import type {PackageRef} from '../core/events.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {choose, linkRecords, recordsOf} from './packages.js'
import {describe, type PackageRecord} from './records.js'
import {listCategoryNames, listDistributionNames, requireDistribution} from './settings.js'

export interface PackageDetails {
  name: string
  version: string
  architecture: string
  kind: string
  category: string
  /** The file name it was added as. */
  fileName: string
  /** Every field of its Packages (or Sources) stanza, in order. */
  fields: Record<string, string>
  /** Where it is linked: `DIST/CAT`. */
  linked: string[]
  /** Its files: pool path (relative to the backend root), CID, SHA256 and size. */
  files: Array<{name: string; pool: string; cid: string; sha256: string; size: number}>
}

async function linksOf(view: ArchiveView, r: PackageRecord): Promise<string[]> {
  const out: string[] = []
  for (const d of await listDistributionNames(view)) {
    for (const c of await listCategoryNames(view, d)) {
      if ((await view.read(linkPath(d, c, r.arch, r.name, r.version))) !== undefined) out.push(`${d}/${c}`)
    }
  }
  return out
}

async function details(view: ArchiveView, r: PackageRecord): Promise<PackageDetails> {
  const stanza = parseStanza(r.stanza)
  const filename = getField(stanza, 'Filename')?.trim()
  const directory = getField(stanza, 'Directory')?.trim()
  return {
    name: r.name,
    version: r.version,
    architecture: r.arch,
    kind: r.kind,
    category: r.category,
    fileName: r.fileName,
    fields: Object.fromEntries(stanza),
    linked: await linksOf(view, r),
    files: r.blobs.map((b, i) => ({
      name: b.name,
      // A binary's pool name is its Filename; a source's files sit in its Directory under their own names.
      pool: filename && i === 0 ? filename : `${directory ?? ''}/${b.name}`,
      cid: cidFromSha256(b.sha256),
      sha256: b.sha256,
      size: b.size,
    })),
  }
}

/**
 * Everything about a package: every version and architecture of NAME, or those
 * `version` and `arch` select.
 *
 * @example await showPackage(await archive.view(), 'hello', {version: '2.10-3'})
 */
export async function showPackage(view: ArchiveView, name: string, opts: {version?: string; arch?: string} = {}): Promise<PackageDetails[]> {
  validatePackageName(name)
  const records = await recordsOf(view, name)
  const chosen = choose(name, records, opts.version === undefined ? {all: true} : {version: opts.version}, opts.arch)
  chosen.sort((a, b) => compareVersions(a.version, b.version) || a.arch.localeCompare(b.arch))
  return Promise.all(chosen.map((r) => details(view, r)))
}

export interface SearchHit {
  name: string
  version: string
  architecture: string
  category: string
  linked: string[]
  description: string
}

/**
 * Packages whose name matches `query` (a glob, or /regex/; default every name), whose
 * fields match every `F=VALUE` (VALUE a glob or /regex/, case-insensitive), that
 * `filter` (aptly's filter language, as mirrors use it) selects, and (with
 * `distribution`) that are linked there.
 *
 * @example await searchPackages(view, {query: 'lib*', fields: ['Section=libs'], distribution: 'production'})
 */
export async function searchPackages(view: ArchiveView, opts: {query?: string; fields?: string[]; distribution?: string; filter?: string}): Promise<SearchHit[]> {
  const nameMatches = matcher(opts.query ?? '*')
  // aptly's filter language (the one mirrors use), checked before anything is read.
  const query = opts.filter === undefined ? undefined : parseFilter(opts.filter)
  const fieldTests = (opts.fields ?? []).map((f) => {
    const eq = f.indexOf('=')
    if (eq < 1) throw new RaptrError('BAD_ARGUMENT', `--field ${f} is not FIELD=VALUE`, 'e.g. --field Maintainer=*acme* or --field Section=/^lib/')
    const field = f.slice(0, eq).toLowerCase()
    const test = matcher(f.slice(eq + 1), {ignoreCase: true})
    return (stanza: Array<[string, string]>): boolean => stanza.some(([k, v]) => k.toLowerCase() === field && test(v.trim()))
  })
  const dist = opts.distribution ? parseSection(opts.distribution) : undefined
  if (dist) await requireDistribution(view, dist.dist)
  const hits: SearchHit[] = []
  for (const shard of await view.list(PACKAGES)) {
    for (const name of await view.list(`${PACKAGES}/${shard}`)) {
      if (!nameMatches(name)) continue
      for (const r of await recordsOf(view, name)) {
        const stanza = parseStanza(r.stanza)
        if (!fieldTests.every((t) => t(stanza))) continue
        if (query && !matches(query, {name: r.name, version: r.version, architecture: r.arch, type: r.kind === 'dsc' ? 'source' : r.kind === 'udeb' ? 'udeb' : 'deb', stanza})) continue
        const linked = await linksOf(view, r)
        if (dist && !linked.some((l) => l === `${dist.dist}/${dist.cat}` || (!dist.cat && l.startsWith(`${dist.dist}/`)))) continue
        const description = (getField(stanza, 'Description') ?? '').split('\n')[0].trim()
        hits.push({name: r.name, version: r.version, architecture: r.arch, category: r.category, linked, description})
      }
    }
  }
  return hits.sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version) || a.architecture.localeCompare(b.architecture))
}

/**
 * Moves packages from one distribution to another in one commit: each chosen version
 * linked in `from` is linked in `to` (same category unless `to` is DIST/CAT) and
 * unlinked from `from`. Without a version choice, every version linked in `from` moves.
 *
 * @example await movePackages(archive, ['hello', 'hello-doc'], {latest: true}, {from: 'staging', to: 'production'})
 */
export async function movePackages(
  archive: Archive,
  names: string[],
  choice: VersionChoice,
  opts: {from: string; to: string; arch?: string},
): Promise<{commit?: string; moved: string[]; nothing: string[]}> {
  for (const n of names) validatePackageName(n)
  const from = parseSection(opts.from)
  const to = parseSection(opts.to)
  if (from.dist === to.dist && (from.cat ?? '') === (to.cat ?? '')) throw new RaptrError('BAD_ARGUMENT', 'moving to where it already is', 'give another --to')
  const {commit, result} = await archive.transaction(async (tx) => {
    await requireDistribution(tx, from.dist)
    await requireDistribution(tx, to.dist)
    const moved: string[] = []
    const places: Array<PackageRef & {from: string; to: string}> = []
    const nothing: string[] = []
    for (const name of names) {
      const linked: Array<{r: PackageRecord; cat: string}> = []
      for (const r of await recordsOf(tx, name)) {
        if (opts.arch && r.arch !== opts.arch) continue
        for (const cat of from.cat ? [from.cat] : await listCategoryNames(tx, from.dist)) {
          if ((await tx.read(linkPath(from.dist, cat, r.arch, r.name, r.version))) !== undefined) linked.push({r, cat})
        }
      }
      const any = choice.version !== undefined || choice.latest || choice.all
      const pool = choice.version === undefined ? linked : linked.filter((l) => compareVersions(l.r.version, choice.version!) === 0)
      const pick = pool.length === 0 ? [] : any ? choose(name, pool.map((l) => l.r), choice) : pool.map((l) => l.r)
      const chosen = linked.filter((l) => pick.includes(l.r))
      if (chosen.length === 0) {
        nothing.push(`${name}${choice.version ? ` ${choice.version}` : ''} is not linked in ${opts.from}`)
        continue
      }
      for (const {r, cat} of chosen) {
        await linkRecords(tx, [r], [`${to.dist}/${to.cat ?? cat}`])
        tx.remove(linkPath(from.dist, cat, r.arch, r.name, r.version))
        moved.push(`${describe(r)} from ${from.dist}/${cat} to ${to.dist}/${to.cat ?? cat}`)
        places.push({name: r.name, version: r.version, architecture: r.arch, from: `${from.dist}/${cat}`, to: `${to.dist}/${to.cat ?? cat}`})
      }
    }
    const message = moved.length === 1 ? `package moved: ${moved[0]}` : `packages moved: ${moved.length} from ${opts.from} to ${opts.to}\n\n${moved.join('\n')}`
    return {message: moved.length ? message : '', events: moved.length ? [{v: 1, type: 'PackageMoved', packages: places}] : [], result: {moved, nothing}}
  })
  return {commit, ...result}
}
