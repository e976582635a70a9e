/**
 * Packages already in the archive: finding records by name and version choice, linking,
 * unlinking and removing them, listing a distribution's packages, keeping the latest.
 */
import {RaptrError} from '../errors.js'
import {PACKAGES, categoryPath, linkPath, parseRecordName, recordDir, recordPath} from '../core/layout.js'
import {parseSection, validateComponentName, validatePackageName} from '../core/names.js'
import {selectVersions, type VersionChoice} from '../core/selection.js'
import type {PackagePlace, PackageRef, RaptrEvent} from '../core/events.js'
import {compareVersions} from '../core/version.js'
import type {Archive, ArchiveView, Transaction} from '../store/archive.js'
import {describe, parseRecord, type PackageRecord} from './records.js'
import {listCategoryNames, listDistributionNames, requireCategory, requireDistribution} from './settings.js'
import {summary, type PackageSummary} from './package-files.js'

/** Every record for `name` (all versions and architectures). */
export async function recordsOf(tx: ArchiveView, name: string): Promise<PackageRecord[]> {
  const dir = recordDir(name)
  const out: PackageRecord[] = []
  for (const entry of await tx.list(dir)) {
    const text = await tx.read(`${dir}/${entry}`)
    if (text !== undefined) out.push(parseRecord(text, `${dir}/${entry}`))
  }
  return out
}

/** Picks records of `name` by version choice and optional architecture. */
export function choose(name: string, records: PackageRecord[], choice: VersionChoice, arch?: string): PackageRecord[] {
  const pool = arch ? records.filter((r) => r.arch === arch) : records
  if (pool.length === 0) {
    throw new RaptrError(
      'UNKNOWN_PACKAGE',
      arch ? `no package "${name}" for architecture ${arch}` : `no package named "${name}"`,
      'list packages with: raptr package list',
    )
  }
  return pickVersions(name, pool, choice)
}

/** `--latest` is the latest of each architecture (an arm64 build may lag amd64's); other choices span them all. */
function pickVersions<T extends {r: PackageRecord}>(name: string, items: T[], choice: VersionChoice): T[]
function pickVersions(name: string, items: PackageRecord[], choice: VersionChoice): PackageRecord[]
function pickVersions(name: string, items: Array<PackageRecord | {r: PackageRecord}>, choice: VersionChoice): Array<PackageRecord | {r: PackageRecord}> {
  const rec = (i: PackageRecord | {r: PackageRecord}): PackageRecord => ('r' in i ? i.r : i)
  const groups = new Map<string, typeof items>()
  for (const i of items) {
    const key = choice.latest && choice.version === undefined && !choice.all ? rec(i).arch : ''
    groups.set(key, [...(groups.get(key) ?? []), i])
  }
  return [...groups.values()].flatMap((group) => {
    const versions = selectVersions(name, group.map((i) => rec(i).version), choice)
    return group.filter((i) => versions.some((v) => compareVersions(v, rec(i).version) === 0))
  })
}

/** Removes packages from the archive: the records and every link to them. Blobs stay until purge. */
export async function removePackages(
  archive: Archive,
  name: string,
  choice: VersionChoice,
  arch?: string,
): Promise<{commit?: string; removed: PackageSummary[]; nothing?: string}> {
  validatePackageName(name)
  const {commit, result} = await archive.transaction<{removed: PackageSummary[]; nothing?: string}>(async (tx) => {
    const records = (await recordsOf(tx, name)).filter((r) => !arch || r.arch === arch)
    // Removing what is already gone is done: say what is true and change nothing.
    const what = `${name}${choice.version !== undefined ? ` ${choice.version}` : ''}${arch ? ` (${arch})` : ''}`
    if (records.length === 0 || (choice.version !== undefined && !records.some((r) => compareVersions(r.version, choice.version!) === 0))) {
      return {message: '', events: [], result: {removed: [], nothing: `${what} is not in the archive`}}
    }
    const chosen = choose(name, records, choice, arch)
    const packages = await removeRecords(tx, chosen)
    return {message: listMessage('removed', chosen), events: [{v: 1, type: 'PackageRemoved', name, choice: {...choice}, ...(arch ? {architecture: arch} : {}), packages}], result: {removed: chosen.map(summary)}}
  })
  return {commit, ...result}
}

/** Removes records and every link to them; says where each was linked, for the event. */
async function removeRecords(tx: Transaction, rs: PackageRecord[]): Promise<Array<PackageRef & {unlinked: string[]}>> {
  const out: Array<PackageRef & {unlinked: string[]}> = []
  for (const r of rs) {
    tx.remove(recordPath(r.name, r.version, r.arch))
    const unlinked: string[] = []
    for (const [d, c] of await findLinks(tx, r)) {
      tx.remove(linkPath(d, c, r.arch, r.name, r.version, r.kind))
      unlinked.push(`${d}/${c}`)
    }
    out.push({...ref(r), unlinked})
  }
  return out
}

function ref(r: PackageRecord): PackageRef {
  return {name: r.name, version: r.version, architecture: r.arch}
}

function listMessage(verb: string, rs: PackageRecord[], where = ''): string {
  if (rs.length === 1) return `package ${verb}: ${describe(rs[0])}${where}`
  return `packages ${verb}: ${rs.length}${where}\n\n${rs.map(describe).join('\n')}`
}

/** Links packages into distributions (under their own category unless one is given); `places` says what was linked where, for the event. */
export async function linkRecords(tx: Transaction, chosen: PackageRecord[], to: string[], category?: string): Promise<string[] & {places: PackagePlace[]}> {
  const done: string[] & {places: PackagePlace[]} = Object.assign([], {places: []})
  const sections = to.map((t) => parseSection(t))
  for (const r of chosen) {
    for (const {dist: d, cat: given} of sections) {
      const cat = given ?? category ?? r.category
      await checkLinkable(tx, r, d, cat)
      const lp = linkPath(d, cat, r.arch, r.name, r.version, r.kind)
      if ((await tx.read(lp)) !== r.stanza) {
        tx.write(lp, r.stanza)
        done.push(`${describe(r)} to ${d}/${cat}`)
        done.places.push({...ref(r), distribution: d, category: cat})
      }
    }
  }
  return done
}

export async function linkPackages(
  archive: Archive,
  name: string,
  choice: VersionChoice,
  opts: {to: string[]; category?: string; arch?: string},
): Promise<{commit?: string; linked: string[]}> {
  validatePackageName(name)
  if (opts.category) validateComponentName(opts.category)
  const {commit, result} = await archive.transaction(async (tx) => {
    const chosen = choose(name, await recordsOf(tx, name), choice, opts.arch)
    const done = await linkRecords(tx, chosen, opts.to, opts.category)
    return {message: done.length === 1 ? `package linked: ${done[0]}` : `packages linked: ${done.length}\n\n${done.join('\n')}`, events: [{v: 1, type: 'PackageLinked', packages: done.places}], result: [...done]}
  })
  return {commit, linked: result}
}

/**
 * Unlinks from distributions (`DIST` or `DIST/CAT`): versions are chosen among those
 * linked there. What is not linked there is no error: `nothing` says so.
 */
export async function unlinkRecords(tx: Transaction, name: string, choice: VersionChoice, from: string[], arch?: string): Promise<string[] & {nothing?: string; places: PackagePlace[]}> {
  const done: string[] & {nothing?: string; places: PackagePlace[]} = Object.assign([], {places: []})
  const linked: Array<{r: PackageRecord; dist: string; cat: string}> = []
  const sections = from.map((f) => parseSection(f))
  for (const {dist} of sections) await requireDistribution(tx, dist)
  for (const r of await recordsOf(tx, name)) {
    if (arch && r.arch !== arch) continue
    for (const {dist: d, cat: only} of sections) {
      for (const cat of only ? [only] : await listCategoryNames(tx, d)) {
        if ((await tx.read(linkPath(d, cat, r.arch, r.name, r.version, r.kind))) !== undefined) linked.push({r, dist: d, cat})
      }
    }
  }
  const what = `${name}${choice.version !== undefined ? ` ${choice.version}` : ''}${arch ? ` (${arch})` : ''}`
  const matching = choice.version === undefined ? linked : linked.filter((l) => compareVersions(l.r.version, choice.version!) === 0)
  if (matching.length === 0) {
    done.nothing = `${what} is not linked in ${from.join(', ')}`
    return done
  }
  for (const l of pickVersions(name, matching, choice)) {
    tx.remove(linkPath(l.dist, l.cat, l.r.arch, l.r.name, l.r.version, l.r.kind))
    done.push(`${describe(l.r)} from ${l.dist}/${l.cat}`)
    done.places.push({...ref(l.r), distribution: l.dist, category: l.cat})
  }
  return done
}

export async function unlinkPackages(
  archive: Archive,
  name: string,
  choice: VersionChoice,
  opts: {from: string[]; arch?: string},
): Promise<{commit?: string; unlinked: string[]; nothing?: string}> {
  validatePackageName(name)
  const {commit, result} = await archive.transaction<{unlinked: string[]; nothing?: string}>(async (tx) => {
    const done = await unlinkRecords(tx, name, choice, opts.from, opts.arch)
    if (done.length === 0) return {message: '', events: [], result: {unlinked: [], nothing: done.nothing}}
    return {message: done.length === 1 ? `package unlinked: ${done[0]}` : `packages unlinked: ${done.length}\n\n${done.join('\n')}`, events: [{v: 1, type: 'PackageUnlinked', name, choice: {...choice}, packages: done.places}], result: {unlinked: [...done]}}
  })
  return {commit, ...result}
}

export interface ListedPackage extends PackageSummary {
  distribution?: string
}

/**
 * Lists packages: every record in the archive, or what is linked in one distribution
 * (and category). Sorted by name, then Debian version order, then architecture.
 */
export async function listPackages(view: ArchiveView, opts: {distribution?: string; category?: string}): Promise<ListedPackage[]> {
  const out: ListedPackage[] = []
  if (opts.distribution) {
    await requireDistribution(view, opts.distribution)
    const cats = opts.category ? [opts.category] : await listCategoryNames(view, opts.distribution)
    if (opts.category) await requireCategory(view, opts.distribution, opts.category)
    for (const cat of cats) {
      for (const dir of await view.list(categoryPath(opts.distribution, cat))) {
        const archDir = `${categoryPath(opts.distribution, cat)}/${dir}`
        // amd64.udeb / amd64.ddeb hold the installer and debug packages of amd64
        const arch = dir.split('.')[0]
        for (const shard of await view.list(archDir)) {
          for (const name of await view.list(`${archDir}/${shard}`)) {
            for (const v of await view.list(`${archDir}/${shard}/${name}`)) {
              const rp = recordPath(name, parseRecordName(`${v}_${arch}`).version, arch)
              const text = await view.read(rp)
              if (text === undefined) continue
              const r = parseRecord(text, rp)
              out.push({...summary(r), category: cat, distribution: opts.distribution})
            }
          }
        }
      }
    }
  } else {
    for (const shard of await view.list(PACKAGES)) {
      for (const name of await view.list(`${PACKAGES}/${shard}`)) {
        for (const r of await recordsOf(view, name)) {
          if (!opts.category || r.category === opts.category) out.push(summary(r))
        }
      }
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || compareVersions(a.version, b.version) || a.architecture.localeCompare(b.architecture))
}

/**
 * Retention per package: of each architecture of `name`, keeps the `keepLast` latest
 * versions by Debian version order and removes the rest (records and every link).
 * Blobs stay until purge.
 *
 * @example
 *   await keepLatestPackages(archive, 'hello', 2) // hello 1.0 and 1.1 go, 1.2 and 2.0 stay
 */
export async function keepLatestPackages(archive: Archive, name: string, keepLast: number, arch?: string): Promise<{commit?: string; removed: PackageSummary[]; kept: PackageSummary[]}> {
  validatePackageName(name)
  if (!Number.isInteger(keepLast) || keepLast < 1) throw new RaptrError('BAD_ARGUMENT', `--keep-last must be at least 1 (got ${keepLast})`, 'to remove every version use --all')
  const {commit, result} = await archive.transaction(async (tx) => {
    const records = (await recordsOf(tx, name)).filter((r) => !arch || r.arch === arch)
    if (records.length === 0) {
      throw new RaptrError('UNKNOWN_PACKAGE', arch ? `no package "${name}" for architecture ${arch}` : `no package named "${name}"`, 'list packages with: raptr package list')
    }
    const byArch = new Map<string, PackageRecord[]>()
    for (const r of records) byArch.set(r.arch, [...(byArch.get(r.arch) ?? []), r])
    const removed: PackageRecord[] = []
    const kept: PackageRecord[] = []
    for (const rs of byArch.values()) {
      rs.sort((a, b) => compareVersions(b.version, a.version))
      kept.push(...rs.slice(0, keepLast))
      removed.push(...rs.slice(keepLast))
    }
    const packages = await removeRecords(tx, removed)
    const events: RaptrEvent[] = removed.length ? [{v: 1, type: 'PackageRemoved', name, choice: {}, ...(arch ? {architecture: arch} : {}), keepLast, packages}] : []
    return {message: removed.length ? listMessage('removed', removed, ` (keeping the last ${keepLast})`) : '', events, result: {removed: removed.map(summary), kept: kept.map(summary)}}
  })
  return {commit, ...result}
}

/** Checks that a record may be linked into `dist`: the distribution carries its architecture. */
export async function checkLinkable(tx: Transaction, r: Pick<PackageRecord, 'arch'>, dist: string, cat: string): Promise<void> {
  const d = await requireDistribution(tx, dist)
  await requireCategory(tx, dist, cat)
  if (r.arch !== 'all' && r.arch !== 'source' && !d.architectures.includes(r.arch)) {
    throw new RaptrError(
      'BAD_ARGUMENT',
      `distribution "${dist}" does not carry architecture ${r.arch} (it has ${d.architectures.join(', ')})`,
      `add it with: raptr distribution add ${dist} --architectures ${[...d.architectures, r.arch].join(',')}`,
    )
  }
}

/** Every (dist, category) where a link to this name/version/arch exists. */
export async function findLinks(tx: Transaction, r: Pick<PackageRecord, 'name' | 'version' | 'arch' | 'kind'>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for (const dist of await listDistributionNames(tx)) {
    for (const cat of await listCategoryNames(tx, dist)) {
      if ((await tx.read(linkPath(dist, cat, r.arch, r.name, r.version, r.kind))) !== undefined) out.push([dist, cat])
    }
  }
  return out
}
