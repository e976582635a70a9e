import {CATEGORY_CONFIG, DISTS, PACKAGES, contentsPath, decodeCategory, decodeVersion, encodeCategory, recordPath} from '../core/layout.js'
import {RaptrError} from '../errors.js'
import {parseStanza} from '../core/deb822.js'
import {shownValue} from '../core/names.js'
import * as z from '../core/zod.js'
import {poolRefsOfStanza, type PoolRef} from '../core/pool-refs.js'
import {parseRecord, type PackageRecord} from '../archive/records.js'
import type {Archive} from '../store/archive.js'
import {blobBytes, changedFiles, entryBelow, filesBelow, listTree, subtreeAt} from '../store/tree-reads.js'
import {allDistsContentId} from './read.js'

/** A pool file a distribution references, by its key on a backend. */
export type PoolBlob = PoolRef

/** Where a link lies: `<category>/<arch>[.<kind>]/<shard>/<name>/<version>` of a distribution. */
export interface LinkPlace {
  /** The link's path below the distribution's directory, as stored. */
  path: string
  category: string
  /** The link directory: `amd64`, `all`, `source`, `amd64.udeb`… */
  linkDir: string
  /** The architecture the directory is for (`amd64` of `amd64.udeb`). */
  architecture: string
  name: string
  version: string
}

/**
 * One link that differs between two contents of a distribution: `before` and `after`
 * are opaque link ids (absent: no such link on that side; equal ids: equal stanzas),
 * to read with {@link linkStanza} or to link again (rollback).
 */
export interface LinkDelta extends LinkPlace {
  before?: string
  after?: string
}

/** The link a path below a distribution names, or undefined (distribution.json, category.json). */
function placeOf(parts: string[]): LinkPlace | undefined {
  if (parts.length !== 5) return undefined
  const [cat, linkDir, , name, version] = parts
  return {path: parts.join('/'), category: decodeCategory(cat), linkDir, architecture: linkDir.split('.')[0], name, version: decodeVersion(version)}
}

/**
 * The links that differ between two contents of a distribution (ids from the read
 * model; either side may be absent), reading only subtrees whose ids differ: O(change).
 * With `categories`, only those categories are compared, and a category's settings never.
 */
export async function linkDeltas(archive: Archive, before: string | undefined, after: string | undefined, categories?: string[]): Promise<LinkDelta[]> {
  const out: LinkDelta[] = []
  const add = (changes: Array<[string, string | undefined, string | undefined]>): void => {
    for (const [p, a, b] of changes) {
      const place = placeOf(p.split('/'))
      if (place) out.push({...place, ...(a ? {before: a} : {}), ...(b ? {after: b} : {})})
    }
  }
  if (!categories) {
    add(await changedFiles(archive, before, after))
    return out
  }
  for (const cat of categories) {
    const sub = async (tree: string | undefined): Promise<string | undefined> => {
      const e = tree ? await entryBelow(archive, tree, encodeCategory(cat)) : undefined
      return e?.type === 'tree' ? e.oid : undefined
    }
    const changes = await changedFiles(archive, await sub(before), await sub(after), encodeCategory(cat))
    add(changes.filter(([p]) => p !== `${encodeCategory(cat)}/${CATEGORY_CONFIG}`))
  }
  return out
}

/** Per distribution, the links that differ between two snapshots (commits). */
export async function snapshotLinkDeltas(archive: Archive, a: string, b: string): Promise<Array<LinkDelta & {distribution: string}>> {
  const [ta, tb] = await Promise.all([allDistsContentId(archive, a), allDistsContentId(archive, b)])
  const out: Array<LinkDelta & {distribution: string}> = []
  for (const [p, before, after] of await changedFiles(archive, ta, tb)) {
    const [distribution, ...rest] = p.split('/')
    const place = placeOf(rest)
    if (place) out.push({distribution, ...place, ...(before ? {before} : {}), ...(after ? {after} : {})})
  }
  return out
}

/** The text of a link (its index stanza), by its id. */
export async function linkStanza(archive: Archive, link: string): Promise<string> {
  return Buffer.from(await blobBytes(archive, link)).toString('utf8')
}

/**
 * A pool file as a link names it: a key under pool/ with no `.` or `..` segment, a
 * SHA-256 and a size. Links are read from the archive, so each row is checked before
 * publish uploads by it or purge keeps by it.
 */
const PoolRow = z.object({
  key: z.string().check(z.regex(/^pool\/(?:(?!\.\.?(?:\/|$))[^/\n]+\/)*(?!\.\.?$)[^/\n]+$/)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  size: z.int().check(z.gte(0)),
})

/** The pool files one link (an index stanza as text, at `where`) references, each checked. */
function blobsOfLink(text: string, where: string): PoolBlob[] {
  return poolRefsOfStanza(parseStanza(text)).map((r) => {
    const res = PoolRow.safeParse(r)
    if (!res.success) throw new RaptrError('CORRUPT_ARCHIVE', `the link ${shownValue(where)} names a pool file raptr would not write (${shownValue(r.key)})`, 'check the archive with: raptr verify, or restore the link with git')
    return res.data
  })
}

/** Every pool file a distribution's content (or every distribution's: {@link allDistsContentId}) references: O(packages). */
export async function poolFilesOf(archive: Archive, distTree: string): Promise<Map<string, PoolBlob>> {
  const out = new Map<string, PoolBlob>()
  for (const [p, oid] of await filesBelow(archive, distTree)) {
    if (p.split('/').length < 5) continue // distribution.json, category.json
    for (const b of blobsOfLink(await linkStanza(archive, oid), p)) out.set(b.key, b)
  }
  return out
}

/**
 * The pool files the content `after` references that `before` did not, found by
 * descending only into subtrees whose ids differ: O(change), not O(archive).
 */
export async function poolFilesAdded(archive: Archive, before: string, after: string): Promise<Map<string, PoolBlob>> {
  const out = new Map<string, PoolBlob>()
  const removed = new Set<string>()
  for (const [p, a, b] of await changedFiles(archive, before, after)) {
    if (p.split('/').length < 5) continue
    if (a) for (const x of blobsOfLink(await linkStanza(archive, a), p)) removed.add(x.key)
    if (b) for (const x of blobsOfLink(await linkStanza(archive, b), p)) out.set(x.key, x)
  }
  // A file that moved between categories was referenced before: the backend has it.
  for (const k of removed) out.delete(k)
  return out
}

/** The content id of a snapshot's package records (all of them), or undefined. */
export async function recordsContentId(archive: Archive, commit: string): Promise<string | undefined> {
  return subtreeAt(archive, commit, PACKAGES)
}

/** The content ids of a snapshot's distributions (all together) and of its package records, its commit read once. */
export async function snapshotContentIds(archive: Archive, commit: string): Promise<{dists?: string; records?: string}> {
  const root = await archive.rootTree(commit)
  const tree = async (p: string): Promise<string | undefined> => {
    const e = await entryBelow(archive, root, p)
    return e?.type === 'tree' ? e.oid : undefined
  }
  const [dists, records] = [await tree(DISTS), await tree(PACKAGES)]
  return {...(dists ? {dists} : {}), ...(records ? {records} : {})}
}

/** Every package record of a records content ({@link recordsContentId}), parsed and checked, one at a time. */
export async function* recordsOf(archive: Archive, records: string): AsyncIterable<PackageRecord> {
  for (const [p, oid] of await filesBelow(archive, records)) yield parseRecord(await linkStanza(archive, oid), `${PACKAGES}/${p}`)
}

/** The package records `to` has that `from` lacks or holds otherwise (new or replaced), parsed and checked. */
export async function recordsAdded(archive: Archive, from: string | undefined, to: string): Promise<PackageRecord[]> {
  const [a, b] = await Promise.all([from ? recordsContentId(archive, from) : undefined, recordsContentId(archive, to)])
  const out: PackageRecord[] = []
  for (const [p, , oid] of await changedFiles(archive, a, b, PACKAGES)) if (oid) out.push(parseRecord(await linkStanza(archive, oid), p))
  return out
}

/** Where a snapshot keeps a package's record and file list, by opaque id (to link them again: rollback). */
export interface SnapshotRecords {
  /** The id of a package's record, or undefined. */
  recordId(place: {name: string; version: string; architecture: string}): Promise<string | undefined>
  /** The id of the file list of the package file with this SHA256, or undefined. */
  fileListId(sha256: string): Promise<string | undefined>
}

/** The records and file lists of a snapshot (its commit read once). */
export async function snapshotRecords(archive: Archive, commit: string): Promise<SnapshotRecords> {
  const root = await archive.rootTree(commit)
  const blobAt = async (p: string): Promise<string | undefined> => {
    const e = await entryBelow(archive, root, p)
    return e?.type === 'blob' ? e.oid : undefined
  }
  return {recordId: async (place) => blobAt(recordPath(place.name, place.version, place.architecture)), fileListId: async (sha256) => blobAt(contentsPath(sha256))}
}

/** The SHA256 of the package file a link names, or undefined. */
export async function linkFileSha256(archive: Archive, link: string): Promise<string | undefined> {
  return /^SHA256: *([0-9a-f]{64})$/m.exec(await linkStanza(archive, link))?.[1]
}

/** Whether the archive holds this content (a snapshot it has not synced lacks it). */
export async function hasContent(archive: Archive, id: string): Promise<boolean> {
  try {
    await listTree(archive, id)
    return true
  } catch {
    return false
  }
}
