import {RaptrError} from '../errors.js'
import {CATEGORY_CONFIG, contentsPath, decodeCategory, decodeVersion, distPath, recordPath, shortId} from '../core/layout.js'
import type {PackagePlace} from '../core/events.js'
import {diffTrees} from '../store/git-tree.js'
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
  const t = archive.trees
  const now = tx.base ? await t.entryAt(tx.base, distPath(dist)) : undefined
  if (now?.type !== 'tree') return out // the distribution was removed since: nothing to relink into
  let snapRoot: string
  try {
    await t.readTree(distTree)
    snapRoot = await archive.rootTree(snapshot)
  } catch {
    throw new RaptrError('UNKNOWN_SNAPSHOT', `snapshot ${shortId(snapshot)} is not in this archive, so its links cannot be restored`, `sync the archive (raptr sync), then run: raptr rollback ${dist} --to ${shortId(snapshot)}`)
  }
  const then = new Map((await t.readTree(distTree)).map((e) => [e.path, e]))
  // Every change is decided before the first is staged: a refusal leaves the transaction untouched.
  const writes = new Map<string, string | null>()
  for (const cat of await t.readTree(now.oid)) {
    if (cat.type !== 'tree') continue
    const old = then.get(cat.path)
    const prefix = `${distPath(dist)}/${cat.path}`
    for (const [p, , b] of await diffTrees(t, cat.oid, old?.type === 'tree' ? old.oid : undefined, prefix)) {
      if (p === `${prefix}/${CATEGORY_CONFIG}`) continue // settings stay current
      const place = placeOf(p)
      if (!place) continue
      if (!b) {
        writes.set(p, null)
        if (out.unlinkedCount++ < LISTED_LINKS) out.unlinked.push(place)
        continue
      }
      writes.set(p, b)
      if (out.relinkedCount++ < LISTED_LINKS) out.relinked.push(place)
      out.recordsRestored += await restoreRecord(archive, tx, snapRoot, place, b, writes)
    }
  }
  for (const [p, oid] of writes) {
    if (oid === null) tx.remove(p)
    else tx.writeBlobId(p, oid)
  }
  return out
}

/** Brings back the record (and the file list) a relinked package needs when HEAD no longer has it; 1 when it did. */
async function restoreRecord(archive: Archive, tx: Transaction, snapRoot: string, place: PackagePlace, link: string, writes: Map<string, string | null>): Promise<number> {
  const rp = recordPath(place.name, place.version, place.architecture)
  let restored = 0
  if ((await tx.oidAt(rp)) === undefined && !writes.has(rp)) {
    const rec = await archive.trees.entryAt(snapRoot, rp)
    if (rec?.type !== 'blob') throw new RaptrError('CORRUPT_ARCHIVE', `the restored snapshot links ${place.name} ${place.version} ${place.architecture} but has no record of it (${rp})`, 'check the archive with: raptr verify')
    writes.set(rp, rec.oid)
    restored = 1
  }
  const sha256 = /^SHA256: *([0-9a-f]{64})$/m.exec(Buffer.from(await archive.trees.readBlob(link)).toString('utf8'))?.[1]
  if (sha256 && (await tx.oidAt(contentsPath(sha256))) === undefined) {
    const list = await archive.trees.entryAt(snapRoot, contentsPath(sha256))
    if (list?.type === 'blob') writes.set(contentsPath(sha256), list.oid)
  }
  return restored
}

/** The package a link path names: dists/<dist>/<cat>/<arch>[.<kind>]/<xx>/<name>/<version>. */
function placeOf(p: string): PackagePlace | undefined {
  const parts = p.split('/')
  if (parts.length !== 7) return undefined
  const [, distribution, cat, archDir, , name, version] = parts
  return {name, version: decodeVersion(version), architecture: archDir.split('.')[0], distribution, category: decodeCategory(cat)}
}
