import {RaptrError} from '../errors.js'
import {contentsPath, distPath, recordPath, shortId} from '../core/layout.js'
import type {PackagePlace} from '../core/events.js'
import {hasContent, linkDeltas, linkFileSha256, snapshotRecords, type SnapshotRecords} from '../snapshot/changes.js'
import {distContentIdIn, linkedCategories} from '../snapshot/read.js'
import type {Archive, Transaction} from '../store/archive.js'

/** How many unlinked and relinked packages an event lists by name; beyond that, counts only. */
export const LISTED_LINKS = 20

/** What a rollback changed in the archive's links of one distribution. */
export interface LinkChange {
  /** Links HEAD had that the restored snapshot did not (the first LISTED_LINKS). */
  unlinked: PackagePlace[]
  /** Links the restored snapshot had that HEAD did not, or held with another stanza (the first LISTED_LINKS). */
  relinked: PackagePlace[]
  unlinkedCount: number
  relinkedCount: number
  /** Package records (and file lists) removed since, brought back from the snapshot so its links have them. */
  recordsRestored: number
}

/**
 * Makes the links of `dist` in the transaction equal to those of the distribution tree
 * `distTree` (the dists/<dist> tree of the snapshot a rollback made live), so the archive
 * agrees with what the backends serve and the next plain publish finds nothing to do.
 * Links only: distribution.json and category.json stay as they are now (a settings change
 * made since is a change of its own and publishes as one), a category added since loses
 * its links, and one removed since stays removed. A link whose package record (or file
 * list) was removed since gets it back from the snapshot's tree. Must run before the
 * transaction writes anything under dists/<dist> (it diffs against the transaction's base).
 *
 * @example
 *   await archive.transaction(async (tx) => ({message: '…', events: [], result: await restoreLinks(archive, tx, 'production', commit, distTree)}))
 */
export async function restoreLinks(archive: Archive, tx: Transaction, dist: string, snapshot: string, distTree: string): Promise<LinkChange> {
  const out: LinkChange = {unlinked: [], relinked: [], unlinkedCount: 0, relinkedCount: 0, recordsRestored: 0}
  const now = await distContentIdIn(archive, tx, dist)
  if (!now) return out // the distribution was removed since: nothing to relink into
  const then = await snapshotRecords(archive, snapshot).then(
    async (r) => ((await hasContent(archive, distTree)) ? r : undefined),
    () => undefined,
  )
  if (!then) {
    throw new RaptrError('UNKNOWN_SNAPSHOT', `snapshot ${shortId(snapshot)} is not in this archive, so its links cannot be restored`, `sync the archive (raptr sync), then run: raptr rollback ${dist} --to ${shortId(snapshot)}`)
  }
  // Every change is decided before the first is staged: a refusal leaves the transaction untouched.
  const writes = new Map<string, string | null>()
  for (const d of await linkDeltas(archive, now, distTree, await linkedCategories(archive, now))) {
    const p = `${distPath(dist)}/${d.path}`
    const place: PackagePlace = {name: d.name, version: d.version, architecture: d.architecture, distribution: dist, category: d.category}
    if (!d.after) {
      writes.set(p, null)
      if (out.unlinkedCount++ < LISTED_LINKS) out.unlinked.push(place)
      continue
    }
    writes.set(p, d.after)
    if (out.relinkedCount++ < LISTED_LINKS) out.relinked.push(place)
    out.recordsRestored += await restoreRecord(archive, tx, then, place, d.after, writes)
  }
  for (const [p, oid] of writes) {
    if (oid === null) tx.remove(p)
    else tx.writeBlobId(p, oid)
  }
  return out
}

/** Brings back the record (and the file list) a relinked package needs when HEAD no longer has it; 1 when it did. */
async function restoreRecord(archive: Archive, tx: Transaction, then: SnapshotRecords, place: PackagePlace, link: string, writes: Map<string, string | null>): Promise<number> {
  const rp = recordPath(place.name, place.version, place.architecture)
  let restored = 0
  if ((await tx.oidAt(rp)) === undefined && !writes.has(rp)) {
    const rec = await then.recordId(place)
    if (!rec) throw new RaptrError('CORRUPT_ARCHIVE', `the restored snapshot links ${place.name} ${place.version} ${place.architecture} but has no record of it (${rp})`, 'check the archive with: raptr verify')
    writes.set(rp, rec)
    restored = 1
  }
  const sha256 = await linkFileSha256(archive, link)
  if (sha256 && (await tx.oidAt(contentsPath(sha256))) === undefined) {
    const list = await then.fileListId(sha256)
    if (list) writes.set(contentsPath(sha256), list)
  }
  return restored
}
