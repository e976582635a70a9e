import {RaptrError} from '../errors.js'
import {contentsPath, linkPath, recordPath} from '../core/layout.js'
import {parseSection, validateComponentName} from '../core/names.js'
import type {RaptrEvent} from '../core/events.js'
import {mapLimit} from '../core/map-limit.js'
import {mark} from '../core/timing.js'
import {readDeb} from '../debian/deb.js'
import type {Archive, Transaction} from '../store/archive.js'
import type {BlobFile} from '../store/blob-cache.js'
import type {BlobIntake} from '../store/blob-intake.js'
import {blobOid} from '../store/git-tree.js'
import {writeHashedBlobs} from '../store/tree-reads.js'
import {describe, formatRecord, parseRecord, recordSha256, type PackageRecord} from './records.js'
import {listCategoryNames, listDistributionNames} from './settings.js'
import {debugHooks} from '../core/debug.js'
import {expandChanges, findPackageFiles, readPackageFile, summary, type IncomingPackage, type PackageSummary} from './package-files.js'
import {checkLinkable, findLinks} from './package-queries.js'

export * from './package-files.js'
export * from './package-queries.js'

/** What an intake adds to its commit's message and events (a bundle, an import). */
type ExtraCommit = {message: string; events: RaptrEvent[]} | undefined

/** One package as an add left it. */
export interface AddResult extends PackageSummary {
  status: 'added' | 'unchanged' | 'replaced'
  linked: string[]
}

/** How an add is made: see {@link addPackages}. */
export interface AddOptions {
  category: string
  link?: string[]
  replace?: boolean
  /** Every input must be a .changes signed by a key of this keyring file. */
  keyring?: string
  /** The category of each file when not `category` (an import adds several components at once). */
  categoryOf?: (file: string) => string
  /** Runs first in the transaction (an import creates its distribution and categories there). */
  prepare?: (tx: Transaction) => Promise<void>
  /** Runs last in the transaction; its message replaces the package one, its events follow PackageAdded. */
  extra?: (tx: Transaction, added: PackageHeader[]) => ExtraCommit | Promise<ExtraCommit>
  /** Called as each file is read: files done, files in all, bytes read so far. */
  onProgress?: (done: number, total: number, bytes: number) => void
  /** The blob cache intake the inputs were downloaded to (an import); else the add opens its own. */
  intake?: BlobIntake
}

/**
 * Adds package files (and directories of them) to the archive in one commit,
 * optionally linking them into distributions. Adding the same bytes again changes
 * nothing; the same name/version/architecture with other bytes is refused unless
 * `replace` is set. Everything is read and validated before anything is written: each
 * binary is written into the blob cache's intake as it is read, and renamed to its
 * content name only once the whole add validated.
 *
 * @example
 *   await addPackages(archive, ['build/'], {category: 'public', link: ['staging']})
 */
export async function addPackages(archive: Archive, inputs: string[], opts: AddOptions): Promise<{commit?: string; packages: AddResult[]; records: PackageHeader[]}> {
  if (opts.intake) return addWith(archive, inputs, opts, opts.intake)
  const intake = await archive.blobs.openIntake()
  try {
    return await addWith(archive, inputs, opts, intake)
  } finally {
    await intake.close()
  }
}

async function addWith(archive: Archive, inputs: string[], opts: AddOptions, intake: BlobIntake): Promise<{commit?: string; packages: AddResult[]; records: PackageHeader[]}> {
  validateComponentName(opts.category)
  // A link is DIST (under the packages' category) or DIST/CAT.
  const sections = (opts.link ?? []).map((l) => parseSection(l))
  const files = await expandChanges(await findPackageFiles(inputs), opts.keyring)
  if (files.length === 0) throw new RaptrError('NOT_FOUND', `no package files in ${inputs.join(' ')}`, 'give .deb, .udeb, .ddeb or .dsc files, or directories holding them')
  const categoryOf = (f: string): string => opts.categoryOf?.(f) ?? opts.category
  for (const f of files) validateComponentName(categoryOf(f))
  let read = 0
  let bytes = 0
  // Many binaries are read in worker threads, on every core.
  const {DebPool} = await import('../hash/deb-pool.js')
  const pool = DebPool.start(files.filter((f) => !f.endsWith('.dsc')).length)
  const readBinary = pool ? (f: string, copyTo?: string) => pool.read(f, copyTo) : (f: string, copyTo?: string) => readDeb(f, {copyTo})
  // Each package is staged as it is read: its record, stanza and file list go into git as
  // blobs (in packfiles of STAGE_BYTES), and only their ids stay in memory, so a bulk add
  // of 100,000 packages holds ids, not texts; the last few MiB go into the commit. Blobs
  // of an add that fails later are unreferenced garbage, which git gc removes.
  const staged = new Map<string, StagedPackage>()
  const stager = new BlobStager(archive)
  try {
    for (let i = 0; i < files.length; i += READ_CHUNK) {
      const chunk = files.slice(i, i + READ_CHUNK)
      await mapLimit(chunk, pool ? 4 * pool.size : 4, async (f, j) => {
        const inc = await readPackageFile(f, categoryOf(f), readBinary, intake)
        const pkg = stager.stage(inc, categoryOf(f), i + j)
        const key = describe(pkg.record)
        const prev = staged.get(key)
        if (prev && prev.stanzaOid !== pkg.stanzaOid) {
          throw new RaptrError('CONFLICT', `two different files are ${key}: ${prev.record.fileName} and ${pkg.record.fileName}`, 'add only one of them')
        }
        // Reads finish in any order: the same file given twice counts once, at its first
        // place among the inputs, as the last one given.
        if (!prev || pkg.input > prev.input) {
          if (prev) pkg.order = Math.min(prev.order, pkg.order)
          staged.set(key, pkg)
        } else prev.order = Math.min(prev.order, pkg.order)
        bytes += pkg.record.blobs.reduce((n, b) => n + b.size, 0)
        opts.onProgress?.(++read, files.length, bytes)
      })
      await stager.flush(STAGE_BYTES)
    }
  } finally {
    await pool?.close()
  }
  mark(`add: ${files.length} files read (${pool ? `${pool.size} worker threads` : 'main thread'})`)
  // In the order the files were given, whichever read finished first.
  const unique = [...staged.values()].sort((a, b) => a.order - b.order)

  const {commit, result} = await archive.transaction(async (tx) => {
    if (opts.prepare) await opts.prepare(tx)
    const links = sections.map((x) => `${x.dist}/${x.cat ?? opts.category}`)
    if (links.length === 0) {
      const dists = await listDistributionNames(tx)
      for (const cat of new Set(unique.map((u) => u.linkCategory))) {
        let found = false
        for (const d of dists) if ((await listCategoryNames(tx, d)).includes(cat)) found = true
        if (!found) throw new RaptrError('UNKNOWN_CATEGORY', `no distribution has a category "${cat}"`, `add it with: raptr category add ${cat} --to DIST`)
      }
    }
    const results: AddResult[] = []
    // What is still pending goes into the commit itself: a small add writes nothing before it.
    const put = (p: string, oid: string): void => {
      const bytes = stager.pendingBytes(oid)
      if (bytes) tx.write(p, bytes)
      else tx.writeBlobId(p, oid)
    }
    for (const inc of unique) {
      const r = inc.record
      const cat = inc.linkCategory
      const where = sections.map((x) => ({dist: x.dist, cat: x.cat ?? cat}))
      for (const {dist, cat: c} of where) await checkLinkable(tx, r, dist, c)
      const rp = recordPath(r.name, r.version, r.arch)
      const existingOid = await tx.oidAt(rp)
      let status: AddResult['status'] = 'added'
      if (existingOid !== undefined) {
        // The same record bytes: unchanged without reading it; else compare the stanzas.
        const existing = existingOid === inc.recordOid ? undefined : parseRecord((await tx.read(rp))!, rp)
        if (!existing || blobOid(Buffer.from(existing.stanza, 'utf8')) === inc.stanzaOid) status = 'unchanged'
        else if (!opts.replace) {
          throw new RaptrError('CONFLICT', `${describe(r)} is already in the archive with different contents`, 'pass --replace to replace it, or bump the version')
        } else status = 'replaced'
        if (status === 'unchanged' && existing) r.category = existing.category
      }
      if (status !== 'unchanged') put(rp, inc.recordOid)
      if (inc.contentsOid !== undefined) {
        const cp = contentsPath(recordSha256(r))
        if ((await tx.oidAt(cp)) === undefined) put(cp, inc.contentsOid)
      }
      if (status === 'replaced') {
        for (const [d, c] of await findLinks(tx, r)) put(linkPath(d, c, r.arch, r.name, r.version, r.kind), inc.stanzaOid)
      }
      const linked: string[] = []
      for (const {dist, cat: c} of where) {
        const lp = linkPath(dist, c, r.arch, r.name, r.version, r.kind)
        if ((await tx.oidAt(lp)) !== inc.stanzaOid) put(lp, inc.stanzaOid)
        linked.push(`${dist}/${c}`)
      }
      results.push({...summary(r), status, linked})
      // Flat memory: every few thousand packages their changes become a tree.
      await tx.checkpoint(CHECKPOINT_CHANGES)
    }
    const extra = opts.extra ? await opts.extra(tx, unique.map((u) => u.record)) : undefined
    // Blobs go into the cache only once everything validated, and before the commit
    // that references them. Also when nothing changed: a clone has the records but not
    // the files, and adding them again is how it gets them.
    mark('add: records and links staged')
    await archive.blobs.putMany(unique.flatMap((inc) => inc.files))
    mark('add: blob cache written')
    return {message: extra?.message ?? addMessage(results, links, opts.category), events: [...addEvents(results), ...(extra?.events ?? [])], result: results}
  })
  return {commit, packages: result, records: unique.map((u) => u.record)}
}

/** Files read between two writes of staged blobs (and the pool's queue at a time). */
const READ_CHUNK = 2000
/** Staged blob bytes written as one packfile. */
const STAGE_BYTES = debugHooks().stageBytes
/** Changed paths a transaction holds before writing them into a tree (Transaction.checkpoint). */
const CHECKPOINT_CHANGES = debugHooks().checkpointChanges

/** A package read and staged: its texts are git blobs, held by id. */
interface StagedPackage {
  record: PackageHeader
  /** The record file, as written for this add's category. */
  recordOid: string
  /** The index stanza: what each link holds. */
  stanzaOid: string
  /** The binary's file list, for Contents. */
  contentsOid?: string
  files: BlobFile[]
  linkCategory: string
  /** The place among the input files of the file staged, and of the first that was this package. */
  input: number
  order: number
}

/** A package record without its stanza: what an add keeps of each package once staged. */
export type PackageHeader = Omit<PackageRecord, 'stanza'>

/** Turns read packages into blob ids, writing the blobs in packfiles of a few MiB. */
class BlobStager {
  private pending = new Map<string, Uint8Array>()
  private bytes = 0
  private readonly archive: Archive

  constructor(archive: Archive) {
    this.archive = archive
  }

  stage(inc: IncomingPackage, linkCategory: string, input: number): StagedPackage {
    const {stanza, ...record} = inc.record
    return {
      record,
      recordOid: this.put(formatRecord(inc.record)),
      stanzaOid: this.put(stanza),
      contentsOid: inc.contents === undefined ? undefined : this.put(inc.contents),
      files: inc.files,
      linkCategory,
      input,
      order: input,
    }
  }

  /** The bytes of a blob not written yet, or undefined. */
  pendingBytes(oid: string): Uint8Array | undefined {
    return this.pending.get(oid)
  }

  /** Writes what is pending once it is at least `atLeast` bytes. */
  async flush(atLeast: number): Promise<void> {
    if (this.pending.size === 0 || this.bytes < atLeast) return
    const blobs = [...this.pending]
    this.pending = new Map()
    this.bytes = 0
    await writeHashedBlobs(this.archive, blobs)
  }

  private put(text: string): string {
    const content = Buffer.from(text, 'utf8')
    const oid = blobOid(content)
    if (!this.pending.has(oid)) {
      this.pending.set(oid, content)
      this.bytes += content.length
    }
    return oid
  }
}

/** One PackageAdded for the whole add: every package that was added, replaced or newly linked. */
function addEvents(results: AddResult[]): RaptrEvent[] {
  const changed = results.filter((r) => r.status !== 'unchanged' || r.linked.length > 0)
  if (changed.length === 0) return []
  const packages = changed.map((r) => ({name: r.name, version: r.version, architecture: r.architecture, category: r.category, ...(r.status === 'replaced' ? {replaced: true} : {}), linked: r.linked}))
  return [{v: 1, type: 'PackageAdded', packages}]
}

function addMessage(results: AddResult[], links: string[], category: string): string {
  const changed = results.filter((r) => r.status !== 'unchanged' || r.linked.length > 0)
  const where = links.length ? ` to ${links.join(', ')}` : ` (category ${category})`
  if (changed.length === 1) {
    const r = changed[0]
    const verb = r.status === 'replaced' ? 'replaced' : 'added'
    return `package ${verb}: ${r.name} ${r.version} ${r.architecture}${where}`
  }
  return `packages added: ${changed.length}${where}\n\n${changed.map((r) => `${r.status} ${r.name} ${r.version} ${r.architecture}`).join('\n')}`
}
