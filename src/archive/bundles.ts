import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {bundleDir, bundlePath, decodeVersion, linkPath, recordPath} from '../core/layout.js'
import {parseSection, validateAlias} from '../core/names.js'
import {selectVersions, type VersionChoice} from '../core/selection.js'
import type {PackagePlace, PackageRef, RaptrEvent} from '../core/events.js'
import {compareVersions, parseVersion} from '../core/version.js'
import type {Archive, ArchiveView, Transaction} from '../store/archive.js'
import {addPackages, changesVersion, linkRecords, type AddResult, type AddedPackage} from './packages.js'
import {describe, parseRecord, type PackageRecord} from './records.js'
import {json, listCategoryNames, listDistributionNames, parseJsonFile, requireDistribution} from './settings.js'

/** A bundle file of the archive (`bundles/<alias>/<ver>`). */
export const BundleFile = z.object({
  category: z.string(),
  members: z.array(z.object({name: z.string(), version: z.string(), architecture: z.string()})),
})
type BundleFile = z.infer<typeof BundleFile>

export interface BundleInfo extends BundleFile {
  alias: string
  version: string
}

/**
 * The version a bundle takes from its files when none is given: the source
 * package's, or the one version all binaries share.
 */
function versionFromRecords(records: AddedPackage[]): string {
  const src = records.find((r) => r.kind === 'dsc')
  if (src) return src.version
  const versions = [...new Set(records.map((r) => r.version))]
  if (versions.length === 1) return versions[0]
  throw new RaptrError('BAD_ARGUMENT', `the files have several versions (${versions.join(', ')}) and no source package`, 'give the bundle a version with --version V')
}

/**
 * Adds files as one bundle: the packages are added as by `package add`, and the
 * bundle records them as members under ALIAS at a version.
 *
 * @example
 *   await addBundle(archive, 'hello', ['out/'], {category: 'public'})
 */
export async function addBundle(
  archive: Archive,
  alias: string,
  inputs: string[],
  opts: {category: string; version?: string; link?: string[]; replace?: boolean; keyring?: string},
): Promise<{commit?: string; alias: string; version: string; packages: AddResult[]}> {
  validateAlias(alias)
  if (opts.version !== undefined) parseVersion(opts.version)
  let version = ''
  // An upload's bundle takes the .changes Version.
  const uploadVersion = opts.version === undefined ? await changesVersion(inputs) : undefined
  const res = await addPackages(archive, inputs, {
    ...opts,
    extra: async (tx, records) => {
      version = opts.version ?? uploadVersion ?? versionFromRecords(records)
      const file: BundleFile = {
        category: opts.category,
        members: records.map((r) => ({name: r.name, version: r.version, architecture: r.arch})),
      }
      const text = json(file)
      const p = bundlePath(alias, version)
      const existing = await tx.read(p)
      if (existing !== undefined && existing !== text && !opts.replace) {
        throw new RaptrError('CONFLICT', `bundle ${alias} ${version} exists with other members`, 'pass --replace, or give another --version')
      }
      if (existing !== text) tx.write(p, text)
      const message = `bundle added: ${alias} ${version} (${records.length} files)${opts.link?.length ? ` to ${opts.link.map((d) => (d.includes('/') ? d : `${d}/${opts.category}`)).join(', ')}` : ''}\n\n${records.map(describe).join('\n')}`
      const packages = records.map((r) => ({name: r.name, version: r.version, architecture: r.arch}))
      return {message, events: existing === text ? [] : [{v: 1, type: 'BundleAdded', alias, version, packages}]}
    },
  })
  return {commit: res.commit, alias, version, packages: res.packages}
}

async function bundleVersions(tx: Transaction, alias: string): Promise<string[]> {
  const versions = (await tx.list(bundleDir(alias))).map(decodeVersion)
  if (versions.length === 0) throw new RaptrError('UNKNOWN_BUNDLE', `no bundle named "${alias}"`, 'list bundles with: raptr bundle list')
  return versions
}

async function readBundle(tx: ArchiveView, alias: string, version: string): Promise<BundleFile> {
  const p = bundlePath(alias, version)
  return parseJsonFile(BundleFile, (await tx.read(p))!, p)
}

async function chooseBundles(tx: Transaction, alias: string, choice: VersionChoice): Promise<Array<{version: string; bundle: BundleFile}>> {
  validateAlias(alias)
  const versions = selectVersions(`bundle ${alias}`, await bundleVersions(tx, alias), choice)
  return Promise.all(versions.map(async (version) => ({version, bundle: await readBundle(tx, alias, version)})))
}

async function memberRecords(tx: Transaction, b: BundleFile): Promise<PackageRecord[]> {
  const out: PackageRecord[] = []
  for (const m of b.members) {
    const p = recordPath(m.name, m.version, m.architecture)
    const text = await tx.read(p)
    if (text !== undefined) out.push(parseRecord(text, p))
  }
  return out
}

/** Links every member of the chosen bundle versions into distributions. */
export async function linkBundle(archive: Archive, alias: string, choice: VersionChoice, opts: {to: string[]; category?: string}): Promise<{commit?: string; linked: string[]}> {
  const {commit, result} = await archive.transaction(async (tx) => {
    const done: string[] = []
    const places: PackagePlace[] = []
    const chosen = await chooseBundles(tx, alias, choice)
    for (const {bundle} of chosen) {
      const linked = await linkRecords(tx, await memberRecords(tx, bundle), opts.to, opts.category)
      done.push(...linked)
      places.push(...linked.places)
    }
    const versions = chosen.map((c) => c.version)
    const events: RaptrEvent[] = [{v: 1, type: 'BundleLinked', alias, versions, to: opts.to, packages: places}]
    return {message: `bundle linked: ${alias} ${versions.join(', ')} to ${opts.to.join(', ')}\n\n${done.join('\n')}`, events, result: done}
  })
  return {commit, linked: result}
}

/** Unlinks every member of the chosen bundle versions from distributions (`DIST` or `DIST/CAT`). */
export async function unlinkBundle(archive: Archive, alias: string, choice: VersionChoice, opts: {from: string[]}): Promise<{commit?: string; unlinked: string[]; nothing?: string}> {
  const {commit, result} = await archive.transaction<{unlinked: string[]; nothing?: string}>(async (tx) => {
    const done: string[] = []
    const places: PackagePlace[] = []
    const chosen = await chooseBundles(tx, alias, choice)
    const sections = opts.from.map((f) => parseSection(f))
    for (const {dist} of sections) await requireDistribution(tx, dist)
    for (const {bundle} of chosen) {
      for (const r of await memberRecords(tx, bundle)) {
        for (const {dist: d, cat: only} of sections) {
          for (const cat of only ? [only] : await listCategoryNames(tx, d)) {
            const lp = linkPath(d, cat, r.arch, r.name, r.version, r.kind)
            if ((await tx.read(lp)) !== undefined) {
              tx.remove(lp)
              done.push(`${describe(r)} from ${d}/${cat}`)
              places.push({name: r.name, version: r.version, architecture: r.arch, distribution: d, category: cat})
            }
          }
        }
      }
    }
    const versions = chosen.map((c) => c.version).join(', ')
    if (done.length === 0) return {message: '', events: [], result: {unlinked: done, nothing: `bundle ${alias} ${versions} is not linked in ${opts.from.join(', ')}`}}
    return {message: `bundle unlinked: ${alias} ${versions} from ${opts.from.join(', ')}\n\n${done.join('\n')}`, events: [{v: 1, type: 'BundleUnlinked', alias, versions: chosen.map((c) => c.version), from: opts.from, packages: places}], result: {unlinked: done}}
  })
  return {commit, ...result}
}

/** Removes the chosen bundle versions and their member packages (records and links). */
export async function removeBundle(archive: Archive, alias: string, choice: VersionChoice): Promise<{commit?: string; removed: string[]; nothing?: string}> {
  validateAlias(alias)
  const {commit, result} = await archive.transaction<{removed: string[]; nothing?: string}>(async (tx) => {
    const done: string[] = []
    const packages: Array<PackageRef & {unlinked: string[]}> = []
    // Removing what is already gone is done: say what is true and change nothing.
    const existing = (await tx.list(bundleDir(alias))).map(decodeVersion)
    if (existing.length === 0) return {message: '', events: [], result: {removed: [], nothing: `there is no bundle "${alias}"`}}
    if (choice.version !== undefined && !existing.some((v) => compareVersions(v, choice.version!) === 0)) {
      return {message: '', events: [], result: {removed: [], nothing: `bundle ${alias} has no version ${choice.version}`}}
    }
    const chosen = await chooseBundles(tx, alias, choice)
    const dists = await listDistributionNames(tx)
    for (const {version, bundle} of chosen) {
      for (const r of await memberRecords(tx, bundle)) {
        tx.remove(recordPath(r.name, r.version, r.arch))
        const unlinked: string[] = []
        for (const d of dists) {
          for (const cat of await listCategoryNames(tx, d)) {
            const lp = linkPath(d, cat, r.arch, r.name, r.version, r.kind)
            if ((await tx.read(lp)) !== undefined) {
              tx.remove(lp)
              unlinked.push(`${d}/${cat}`)
            }
          }
        }
        done.push(describe(r))
        packages.push({name: r.name, version: r.version, architecture: r.arch, unlinked})
      }
      tx.remove(bundlePath(alias, version))
    }
    const versions = chosen.map((c) => c.version)
    return {message: `bundle removed: ${alias} ${versions.join(', ')}\n\n${done.join('\n')}`, events: [{v: 1, type: 'BundleRemoved', alias, versions, packages}], result: {removed: done}}
  })
  return {commit, ...result}
}

export async function listBundles(view: ArchiveView): Promise<BundleInfo[]> {
  const out: BundleInfo[] = []
  for (const alias of await view.list('bundles')) {
    const versions = (await view.list(bundleDir(alias))).map(decodeVersion).sort(compareVersions)
    for (const version of versions) out.push({alias, version, ...(await readBundle(view, alias, version))})
  }
  return out
}
