import fs from 'node:fs'
import path from 'node:path'

import {RaptrError} from '../errors.js'
import {categoryConfigPath, distConfigPath, linkPath, recordPath} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {validateSuiteName} from '../core/names.js'
import {addPackages, type AddResult} from '../archive/packages.js'
import {parseRecord, recordSha256} from '../archive/records.js'
import {json, readDistribution, DEFAULT_ARCHITECTURES} from '../archive/settings.js'
import type {Archive, ArchiveView, Transaction} from '../store/archive.js'
import {carryFromRelease, carryInto, type CarryReport} from './carry.js'
import type {RepositorySource} from './source.js'
import {chooseParts, fetchPoolFile, readUpstreamRelease, upstreamPackages, type UpstreamPackage} from './upstream.js'

/** Pool files fetched at once unless --jobs says otherwise. */
export const DEFAULT_IMPORT_JOBS = 4

export interface ImportOptions {
  /** The raptr distribution to import into (created when missing). */
  to: string
  /** Components to import; default every one the Release lists. */
  components?: string[]
  /** Architectures to import; default every one the Release lists. */
  architectures?: string[]
  /** Require InRelease signed by a key of this keyring file. */
  keyring?: string
  /** Pool files fetched at once (default 4). */
  jobs?: number
  /** Overwrite an existing distribution's Release fields with the upstream's (--carry-fields). */
  carryFields?: boolean
  onProgress?: (p: ImportProgress) => void
}

export interface ImportProgress {
  phase: 'indexes' | 'download' | 'add'
  done: number
  total: number
  /** What was just read or downloaded. */
  item?: string
}

export interface ImportResult extends CarryReport {
  commit?: string
  distribution: string
  /** Whether the import created the distribution. */
  created: boolean
  components: string[]
  architectures: string[]
  /** Pool files downloaded (what was new). */
  downloaded: number
  /** Packages already in the distribution, left alone. */
  skipped: number
  packages: AddResult[]
}

/**
 * Imports a published APT repository (aptly, reprepro, deb-s3, Debian itself) into a
 * distribution: its InRelease (verified with a keyring when given) or Release, the
 * Packages and Sources of the chosen components and architectures (each checked against
 * the Release's SHA256), then each pool file not yet there (streamed to disk, a few at a
 * time, checked by size and SHA256), added in one commit; each component becomes the
 * category of the same name, linked to the distribution. The Release's Origin, Label,
 * Suite, Codename, Version, Description, NotAutomatic, ButAutomaticUpgrades and
 * Acquire-By-Hash become the distribution's settings (carry.ts), so the old URL can be
 * republished without apt refusing it. Running it again adds only what is new.
 *
 * @example
 *   await importRepository(archive, await repositorySource('https://deb.example.org', {}), 'stable', {to: 'production'})
 */
export async function importRepository(archive: Archive, source: RepositorySource, suite: string, opts: ImportOptions): Promise<ImportResult> {
  validateSuiteName(opts.to)
  if (opts.to === 'snapshots') throw new RaptrError('BAD_NAME', 'a distribution cannot be named "snapshots"', 'raptr publishes pinned snapshots under dists/snapshots/; choose another --to')
  const jobs = opts.jobs ?? DEFAULT_IMPORT_JOBS
  if (!Number.isSafeInteger(jobs) || jobs < 1 || jobs > 64) throw new RaptrError('BAD_ARGUMENT', `--jobs ${jobs} is not a number from 1 to 64`, 'give --jobs N, e.g. --jobs 8')
  const release = await readUpstreamRelease(source, suite, opts.keyring)
  const {components, architectures} = chooseParts(source, release, opts)
  const carry = carryFromRelease(release.fields)

  // Indexes first: everything the repository offers, checked, before anything is fetched.
  const candidates: UpstreamPackage[] = []
  for await (const c of upstreamPackages(source, release, {components, architectures}, (done, total, item) => opts.onProgress?.({phase: 'indexes', done, total, item}))) candidates.push(c)

  // What the distribution has already (same name, version, architecture and bytes, linked there) is left alone.
  const view = await archive.view()
  const fresh: UpstreamPackage[] = []
  let skipped = 0
  for (const c of candidates) {
    if (await alreadyThere(view, opts.to, c)) skipped++
    else fresh.push(c)
  }
  const existing = await readDistribution(view, opts.to)
  const base = {distribution: opts.to, created: !existing, components, architectures}
  if (fresh.length === 0) {
    // Nothing to add: the Release fields are written only when asked to overwrite ones that differ.
    const {report} = await carryInto(view, opts.to, existing, carry, false)
    if (!existing || !opts.carryFields || report.differing.length === 0) return {...base, ...report, downloaded: 0, skipped, packages: []}
    const {commit, result} = await archive.transaction(async (tx) => {
      const carried = await ensureTarget(tx, opts.to, components, architectures, carry, true)
      const settings = (await readDistribution(tx, opts.to))!
      return {message: `distribution updated: ${opts.to} (Release fields of ${source.url} ${suite})`, events: [{v: 1, type: 'DistributionSet', distribution: opts.to, settings}], result: carried}
    })
    return {...base, ...result, commit, downloaded: 0, skipped, packages: []}
  }

  // Pool files are downloaded into the blob cache's intake: the add reads each once (its
  // file list) and renames it to its content name, with no copy.
  const intake = await archive.blobs.openIntake()
  const work = intake.dir
  try {
    const total = fresh.reduce((s, c) => s + c.files.length, 0)
    let done = 0
    const inputs: string[] = []
    const categoryOf = new Map<string, string>()
    await mapLimit(fresh, jobs, async (c, i) => {
      const dir = path.join(work, String(i))
      await fs.promises.mkdir(dir)
      for (const f of c.files) {
        await fetchPoolFile(source, f, path.join(dir, f.name))
        opts.onProgress?.({phase: 'download', done: ++done, total, item: f.key})
      }
      const main = path.join(dir, c.main)
      inputs.push(main)
      categoryOf.set(main, c.component)
    })
    opts.onProgress?.({phase: 'add', done: 0, total: inputs.length})
    let report: CarryReport = {carried: [], notCarried: [], differing: []}
    const res = await addPackages(archive, inputs.sort(), {
      category: components[0],
      categoryOf: (f) => categoryOf.get(f)!,
      link: [opts.to],
      intake,
      prepare: async (tx) => {
        report = await ensureTarget(tx, opts.to, components, architectures, carry, Boolean(opts.carryFields))
      },
      extra: (_tx, records) => ({
        message: `imported: ${records.length} packages from ${source.url} ${suite} to ${opts.to}\n\n${records.map((r) => `${r.name} ${r.version} ${r.arch}`).join('\n')}`,
        events: [{v: 1, type: 'Imported', url: source.url, suite, distribution: opts.to, components, count: records.length}],
      }),
    })
    opts.onProgress?.({phase: 'add', done: inputs.length, total: inputs.length})
    return {...base, ...report, commit: res.commit, downloaded: total, skipped, packages: res.packages}
  } finally {
    await intake.close()
  }
}

/** Whether the distribution links this package already, with the same bytes. */
async function alreadyThere(view: ArchiveView, dist: string, c: UpstreamPackage): Promise<boolean> {
  const main = c.files.find((f) => f.name === c.main)!
  const rp = recordPath(c.name, c.version, c.arch)
  const text = await view.read(rp)
  if (text === undefined) return false
  const r = parseRecord(text, rp)
  if (recordSha256(r) !== main.sha256) return false
  return (await view.read(linkPath(dist, c.component, r.arch, r.name, r.version, r.kind))) !== undefined
}


/**
 * Creates the distribution (with the architectures imported and the upstream's Release
 * fields) and its categories when missing; an existing one gains the architectures and
 * categories, and the Release fields only with `overwrite`.
 */
export async function ensureTarget(tx: Transaction, dist: string, components: string[], architectures: string[], carry: ReturnType<typeof carryFromRelease>, overwrite: boolean): Promise<CarryReport> {
  const existing = await readDistribution(tx, dist)
  const {settings, report} = await carryInto(tx, dist, existing, carry, overwrite)
  const archs = [...new Set([...(existing?.architectures ?? (architectures.length ? [] : DEFAULT_ARCHITECTURES)), ...architectures])]
  const next = json({...existing, ...settings, architectures: archs})
  if ((await tx.read(distConfigPath(dist))) !== next) tx.write(distConfigPath(dist), next)
  for (const c of components) if ((await tx.read(categoryConfigPath(dist, c))) === undefined) tx.write(categoryConfigPath(dist, c), json({}))
  return report
}
