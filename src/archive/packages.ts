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
import {describe, parseRecord, recordSha256} from './records.js'
import {listCategoryNames, listDistributionNames} from './settings.js'
import {debugHooks} from '../core/debug.js'
import {expandChanges, findPackageFiles, readPackageFile, summary, type PackageSummary} from './package-files.js'
import {checkLinkable, findLinks} from './package-queries.js'
import {BlobStager, StagedRows, type PackageHeader} from './staged-rows.js'

export * from './package-files.js'
export * from './package-queries.js'
export type {PackageHeader} from './staged-rows.js'

/** What an intake adds to its commit's message and events (a bundle, an import). */
type ExtraCommit = {message: string; events: RaptrEvent[]} | undefined

/** What an intake's `extra` learns of each package, in the order the files were given. */
export type AddedPackage = Pick<PackageHeader, 'name' | 'version' | 'arch' | 'kind'>

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
  extra?: (tx: Transaction, added: AddedPackage[]) => ExtraCommit | Promise<ExtraCommit>
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
export async function addPackages(archive: Archive, inputs: string[], opts: AddOptions): Promise<{commit?: string; packages: AddResult[]}> {
  if (opts.intake) return addWith(archive, inputs, opts, opts.intake)
  const intake = await archive.blobs.openIntake()
  try {
    return await addWith(archive, inputs, opts, intake)
  } finally {
    await intake.close()
  }
}

async function addWith(archive: Archive, inputs: string[], opts: AddOptions, intake: BlobIntake): Promise<{commit?: string; packages: AddResult[]}> {
  validateComponentName(opts.category)
  // A link is DIST (under the packages' category) or DIST/CAT.
  const sections = (opts.link ?? []).map((l) => parseSection(l))
  const files = await expandChanges(await findPackageFiles(inputs), opts.keyring)
  if (files.length === 0) throw new RaptrError('NOT_FOUND', `no package files in ${inputs.join(' ')}`, 'give .deb, .udeb, .ddeb or .dsc files, or directories holding them')
  const categoryOf = (f: string): string => opts.categoryOf?.(f) ?? opts.category
  for (const f of files) validateComponentName(categoryOf(f))
  let read = 0
  let bytes = 0
  // Each package is staged as it is read: its record, stanza and file list go into git as
  // blobs (in packfiles of STAGE_BYTES), and its row (header, blob ids, files) into a
  // temporary file, so a bulk add of 100,000 packages holds a key and a small slot per
  // package, not texts or objects; the last few MiB of blobs go into the commit. Blobs
  // of an add that fails later are unreferenced garbage, which git gc removes.
  const stager = new BlobStager(archive)
  const rows = await StagedRows.open(archive.gitDir)
  try {
    // Many binaries are read in worker threads, on every core.
    const {DebPool} = await import('../hash/deb-pool.js')
    const pool = DebPool.start(files.filter((f) => !f.endsWith('.dsc')).length)
    const readBinary = pool ? (f: string, copyTo?: string) => pool.read(f, copyTo) : (f: string, copyTo?: string) => readDeb(f, {copyTo})
    try {
      for (let i = 0; i < files.length; i += READ_CHUNK) {
        const chunk = files.slice(i, i + READ_CHUNK)
        await mapLimit(chunk, pool ? 4 * pool.size : 4, async (f, j) => {
          const inc = await readPackageFile(f, categoryOf(f), readBinary, intake)
          bytes += inc.record.blobs.reduce((n, b) => n + b.size, 0)
          await rows.add(stager.stage(inc, categoryOf(f)), i + j)
          opts.onProgress?.(++read, files.length, bytes)
        })
        await rows.flush()
        await stager.flush(STAGE_BYTES)
      }
    } finally {
      await pool?.close()
    }
    mark(`add: ${files.length} files read (${pool ? `${pool.size} worker threads` : 'main thread'})`)
    const {commit, result} = await archive.transaction(async (tx) => commitRows(archive, tx, files, rows, stager, sections, opts))
    return {commit, packages: result}
  } finally {
    await rows.close()
  }
}

/** Writes the staged packages' records and links, in the order the files were given. */
async function commitRows(
  archive: Archive,
  tx: Transaction,
  inputs: string[],
  rows: StagedRows,
  stager: BlobStager,
  sections: Array<{dist: string; cat?: string}>,
  opts: AddOptions,
): Promise<{message: string; events: RaptrEvent[]; result: AddResult[]}> {
  if (opts.prepare) await opts.prepare(tx)
  const links = sections.map((x) => `${x.dist}/${x.cat ?? opts.category}`)
  if (links.length === 0) {
    const dists = await listDistributionNames(tx)
    for (const cat of rows.linkCategories()) {
      let found = false
      for (const d of dists) if ((await listCategoryNames(tx, d)).includes(cat)) found = true
      if (!found) throw new RaptrError('UNKNOWN_CATEGORY', `no distribution has a category "${cat}"`, `add it with: raptr category add ${cat} --to DIST`)
    }
  }
  const results: AddResult[] = []
  // Where a package of each link category goes; its `linked` list is shared by every result of that category.
  const byCategory = new Map<string, {where: Array<{dist: string; cat: string}>; linked: string[]}>()
  const linksOf = (cat: string): {where: Array<{dist: string; cat: string}>; linked: string[]} => {
    let got = byCategory.get(cat)
    if (!got) {
      const where = sections.map((x) => ({dist: x.dist, cat: x.cat ?? cat}))
      got = {where, linked: where.map((w) => `${w.dist}/${w.cat}`)}
      byCategory.set(cat, got)
    }
    return got
  }
  const added: AddedPackage[] = []
  const blobFiles: BlobFile[] = []
  // What is still pending goes into the commit itself: a small add writes nothing before it.
  const put = (p: string, oid: string): void => {
    const bytes = stager.pendingBytes(oid)
    if (bytes) tx.write(p, bytes)
    else tx.writeBlobId(p, oid)
  }
  for await (const inc of rows.inOrder()) {
    const r = inc.record
    const {where, linked} = linksOf(inc.linkCategory)
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
    for (const {dist, cat: c} of where) {
      const lp = linkPath(dist, c, r.arch, r.name, r.version, r.kind)
      if ((await tx.oidAt(lp)) !== inc.stanzaOid) put(lp, inc.stanzaOid)
    }
    // A literal, not a spread of summary(): a spread gives each of 100,000 results a hidden
    // class of its own (~300 bytes each).
    const sum = summary(r)
    results.push({name: sum.name, version: sum.version, architecture: sum.architecture, kind: sum.kind, category: sum.category, sha256: sum.sha256, cid: sum.cid, status, linked})
    if (opts.extra) added.push({name: r.name, version: r.version, arch: r.arch, kind: r.kind})
    // The strings the input list and the result hold already, not a third copy of each.
    const given = inputs[inc.input]
    for (const [p, sha, temp] of inc.files) blobFiles.push(temp === undefined ? [p === given ? given : p, sha === sum.sha256 ? sum.sha256 : sha] : [p === given ? given : p, sha === sum.sha256 ? sum.sha256 : sha, temp])
    // Flat memory: every few thousand packages their changes become a tree.
    await tx.checkpoint(CHECKPOINT_CHANGES)
  }
  const extra = opts.extra ? await opts.extra(tx, added) : undefined
  // Blobs go into the cache only once everything validated, and before the commit
  // that references them. Also when nothing changed: a clone has the records but not
  // the files, and adding them again is how it gets them.
  mark('add: records and links staged')
  await archive.blobs.putMany(blobFiles)
  mark('add: blob cache written')
  return {message: extra?.message ?? addMessage(results, links, opts.category), events: [...addEvents(results), ...(extra?.events ?? [])], result: results}
}

/** Files read between two writes of staged blobs (and the pool's queue at a time). */
const READ_CHUNK = 2000
/** Staged blob bytes written as one packfile. */
const STAGE_BYTES = debugHooks().stageBytes
/** Changed paths a transaction holds before writing them into a tree (Transaction.checkpoint). */
const CHECKPOINT_CHANGES = debugHooks().checkpointChanges

/** One PackageAdded for the whole add: every package that was added, replaced or newly linked. */
function addEvents(results: AddResult[]): RaptrEvent[] {
  const changed = results.filter((r) => r.status !== 'unchanged' || r.linked.length > 0)
  if (changed.length === 0) return []
  // Literals, not a spread: one hidden class for all, not one per package.
  const packages = changed.map((r) =>
    r.status === 'replaced'
      ? {name: r.name, version: r.version, architecture: r.architecture, category: r.category, replaced: true, linked: r.linked}
      : {name: r.name, version: r.version, architecture: r.architecture, category: r.category, linked: r.linked},
  )
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
