import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {cidFromSha256} from '../core/cid.js'
import {getField, renderStanza} from '../core/deb822.js'
import {packagesStanza, sourcesStanza} from '../core/index-stanza.js'
import {
  PACKAGES,
  categoryPath,
  contentsPath,
  linkPath,
  parseRecordName,
  poolDirForSource,
  poolKeyForBinary,
  recordDir,
  recordPath,
} from '../core/layout.js'
import {parseSection, validateComponentName, validatePackageName} from '../core/names.js'
import {selectVersions, type VersionChoice} from '../core/selection.js'
import type {PackagePlace, PackageRef, RaptrEvent} from '../core/events.js'
import {compareVersions} from '../core/version.js'
import {mapLimit} from '../core/map-limit.js'
import {mark} from '../core/timing.js'
import {readDeb} from '../debian/deb.js'
import {readDsc} from '../debian/dsc.js'
import type {DebInfo} from '../core/interface.js'
import type {Archive, ArchiveView, Transaction} from '../store/archive.js'
import {blobOid} from '../store/git-tree.js'
import {writeHashedBlobs} from '../store/tree-reads.js'
import {describe, formatRecord, parseRecord, recordSha256, type PackageRecord} from './records.js'
import {listCategoryNames, listDistributionNames, requireCategory, requireDistribution} from './settings.js'
import {debugHooks} from '../core/debug.js'

const BINARY_EXT = ['.deb', '.udeb', '.ddeb']

/** A package file read from disk, ready to enter the archive. */
/** What an intake adds to its commit's message and events (a bundle, an import). */
type ExtraCommit = {message: string; events: RaptrEvent[]} | undefined

export interface IncomingPackage {
  record: PackageRecord
  /** Every file to store in the blob cache: [path on disk, sha256]. */
  files: Array<[string, string]>
  /** A binary's file list, kept in the archive for Contents. */
  contents?: string
}

export interface PackageSummary {
  name: string
  version: string
  architecture: string
  kind: string
  category: string
  sha256: string
  cid: string
}

export interface AddResult extends PackageSummary {
  status: 'added' | 'unchanged' | 'replaced'
  linked: string[]
}

/** Expands files and directories into the package files they hold (.deb, .udeb, .ddeb, .dsc), sorted. */
export async function findPackageFiles(inputs: string[]): Promise<string[]> {
  const out: string[] = []
  for (const input of inputs) {
    let st: fs.Stats
    try {
      st = await fs.promises.stat(input)
    } catch {
      throw new RaptrError('NOT_FOUND', `no such file or directory: ${input}`, 'check the path')
    }
    if (st.isDirectory()) {
      const entries = await fs.promises.readdir(input, {recursive: true, withFileTypes: true})
      const found = entries
        .filter((e) => e.isFile() && isPackageFile(e.name))
        .map((e) => path.join(e.parentPath, e.name))
      out.push(...found.sort())
    } else if (!st.isFile()) {
      // A FIFO, socket or device would hang the read or never end: refused before any is read.
      throw new RaptrError('NOT_A_FILE', `${input} is not a regular file or directory`, 'give package files (or directories holding them), not a FIFO, socket or device')
    } else if (isPackageFile(input) || input.endsWith('.changes')) {
      // A .changes is named, never found in a directory: it stands for the files it lists.
      out.push(input)
    } else {
      throw new RaptrError('BAD_ARGUMENT', `not a package file: ${input}`, 'raptr adds .deb, .udeb, .ddeb, .dsc and .changes files (or directories holding packages)')
    }
  }
  return [...new Set(out.map((p) => path.resolve(p)))]
}

/**
 * Replaces each .changes by the package files it lists (.deb, .udeb, .ddeb, .dsc; a
 * .dsc brings its own files), after checking every listed file's size and hashes and,
 * with a keyring, its signature. Other files (.buildinfo) are checked, not added.
 */
async function expandChanges(files: string[], keyring: string | undefined): Promise<string[]> {
  if (keyring) {
    const unsigned = files.find((f) => !f.endsWith('.changes'))
    if (unsigned) throw new RaptrError('BAD_SIGNATURE', `${path.basename(unsigned)} is not a .changes: with --keyring only signed uploads are added`, 'add the upload\'s .changes, or leave out --keyring')
  }
  if (!files.some((f) => f.endsWith('.changes'))) return files
  const {readChanges} = await import('../debian/changes.js')
  const out: string[] = []
  for (const f of files) {
    if (!f.endsWith('.changes')) out.push(f)
    else out.push(...(await readChanges(f, {keyring})).files.filter(isPackageFile))
  }
  return [...new Set(out)]
}

/** The Version of the first .changes among `inputs` (a bundle of an upload takes its version), or undefined. */
export async function changesVersion(inputs: string[]): Promise<string | undefined> {
  const file = inputs.find((f) => f.endsWith('.changes'))
  if (!file) return undefined
  const {readChanges} = await import('../debian/changes.js')
  return (await readChanges(file)).version
}

function isPackageFile(name: string): boolean {
  return name.endsWith('.dsc') || BINARY_EXT.some((e) => name.endsWith(e))
}

/** Reads one package file into a record for `category`, validating it completely. */
export async function readPackageFile(file: string, category: string, read: (file: string) => Promise<DebInfo> = readDeb): Promise<IncomingPackage> {
  if (file.endsWith('.dsc')) {
    const dsc = await readDsc(file)
    const sha = dsc.digests.sha256
    const stanza = renderStanza(sourcesStanza(dsc, poolDirForSource(sha)))
    const name = field(dsc.control, 'Source')
    validatePackageName(name)
    return {
      record: {
        name,
        version: field(dsc.control, 'Version'),
        arch: 'source',
        kind: 'dsc',
        category,
        fileName: dsc.fileName,
        stanza,
        blobs: [
          {name: dsc.fileName, sha256: sha, size: dsc.digests.size},
          ...dsc.files.map((f) => ({name: f.name, sha256: f.digests.sha256, size: f.digests.size})),
        ],
      },
      files: [[dsc.path, sha], ...dsc.files.map((f): [string, string] => [f.path, f.digests.sha256])],
    }
  }
  const deb = await read(file)
  const stanza = renderStanza(packagesStanza(deb, poolKeyForBinary(deb.digests.sha256, deb.kind)))
  return {
    record: {
      name: field(deb.control, 'Package'),
      version: field(deb.control, 'Version'),
      arch: field(deb.control, 'Architecture'),
      kind: deb.kind,
      category,
      fileName: deb.fileName,
      stanza,
      blobs: [{name: deb.fileName, sha256: deb.digests.sha256, size: deb.digests.size}],
    },
    files: [[path.resolve(file), deb.digests.sha256]],
    contents: deb.files,
  }
}

function field(control: Array<[string, string]>, name: string): string {
  return getField(control, name)?.trim() ?? ''
}

export function summary(r: Omit<PackageRecord, 'stanza'>): PackageSummary {
  const sha256 = recordSha256(r)
  return {name: r.name, version: r.version, architecture: r.arch, kind: r.kind, category: r.category, sha256, cid: cidFromSha256(sha256)}
}

/** Checks that a record may be linked into `dist`: the distribution carries its architecture. */
async function checkLinkable(tx: Transaction, r: Pick<PackageRecord, 'arch'>, dist: string, cat: string): Promise<void> {
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
async function findLinks(tx: Transaction, r: Pick<PackageRecord, 'name' | 'version' | 'arch' | 'kind'>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = []
  for (const dist of await listDistributionNames(tx)) {
    for (const cat of await listCategoryNames(tx, dist)) {
      if ((await tx.read(linkPath(dist, cat, r.arch, r.name, r.version, r.kind))) !== undefined) out.push([dist, cat])
    }
  }
  return out
}

/**
 * Adds package files (and directories of them) to the archive in one commit,
 * optionally linking them into distributions. Adding the same bytes again changes
 * nothing; the same name/version/architecture with other bytes is refused unless
 * `replace` is set. Everything is read and validated before anything is written.
 *
 * @example
 *   await addPackages(archive, ['build/'], {category: 'public', link: ['staging']})
 */
export async function addPackages(
  archive: Archive,
  inputs: string[],
  opts: {
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
  },
): Promise<{commit?: string; packages: AddResult[]; records: PackageHeader[]}> {
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
  const readBinary = pool ? (f: string) => pool.read(f) : readDeb
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
        const inc = await readPackageFile(f, categoryOf(f), readBinary)
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
  files: Array<[string, string]>
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
