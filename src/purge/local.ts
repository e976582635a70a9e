import fs from 'node:fs'
import {cidFromSha256} from '../core/cid.js'
import type {RaptrEvent} from '../core/events.js'
import {listPublications} from '../archive/publications.js'
import {readArchiveSettings} from '../archive/settings.js'
import {listNamedSnapshots} from '../archive/snapshots.js'
import {poolFilesOf, recordsOf, snapshotContentIds} from '../snapshot/changes.js'
import type {Archive} from '../store/archive.js'
import type {KindTotals} from './plan.js'

export interface LocalPurgeResult {
  dryRun: boolean
  /** Snapshots whose blobs stay: HEAD, named snapshots, recorded publications. */
  retainedSnapshots: number
  kept: KindTotals
  keptYoung: KindTotals
  removed: KindTotals
  /** CIDs removed (or, with dryRun, to be removed). */
  blobs: string[]
}

/**
 * Purges the local blob cache (`.git/raptr/blobs`) of package files that no retained
 * snapshot references: HEAD (its package records too, so files added but not linked
 * stay), every named snapshot and every recorded publication. Runs under the archive
 * lock, so no `package add` commits meanwhile; blobs younger than the grace period stay.
 *
 * @example
 *   await purgeLocal(archive, {graceMs: 0})
 */
export async function purgeLocal(archive: Archive, opts: {graceMs?: number; dryRun?: boolean; now?: Date}): Promise<LocalPurgeResult> {
  const {result} = await archive.transaction(async () => {
    const view = await archive.view()
    const graceMs = opts.graceMs ?? (await readArchiveSettings(view)).retention.graceHours * 3_600_000
    const now = (opts.now ?? new Date()).getTime()
    const commits = new Set<string>()
    const head = await archive.head()
    if (head) commits.add(head)
    for (const n of await listNamedSnapshots(view)) commits.add(n.commit)
    for (const p of await listPublications(view)) commits.add(p.snapshot)
    const wanted = new Set<string>()
    const seenTrees = new Set<string>()
    let retainedSnapshots = 0
    for (const c of commits) {
      const id = await archive.expandCommit(c)
      if (!id) continue
      retainedSnapshots++
      const {dists, records: packages} = await snapshotContentIds(archive, id)
      if (dists && !seenTrees.has(dists)) {
        seenTrees.add(dists)
        for (const b of (await poolFilesOf(archive, dists)).values()) wanted.add(cidFromSha256(b.sha256))
      }
      if (packages && !seenTrees.has(packages)) {
        seenTrees.add(packages)
        for await (const r of recordsOf(archive, packages)) for (const b of r.blobs) wanted.add(cidFromSha256(b.sha256))
      }
    }
    const kept: KindTotals = {objects: 0, bytes: 0}
    const keptYoung: KindTotals = {objects: 0, bytes: 0}
    const removed: KindTotals = {objects: 0, bytes: 0}
    const blobs: string[] = []
    for (const cid of (await archive.blobs.list()).sort()) {
      const st = await fs.promises.stat(archive.blobs.pathOf(cid)).catch(() => undefined)
      if (!st) continue
      if (wanted.has(cid)) {
        kept.objects++
        kept.bytes += st.size
      } else if (now - st.mtimeMs < graceMs) {
        keptYoung.objects++
        keptYoung.bytes += st.size
      } else {
        removed.objects++
        removed.bytes += st.size
        blobs.push(cid)
        if (!opts.dryRun) await archive.blobs.remove(cid)
      }
    }
    // What a killed add left in the cache's intakes (temp copies under no content name).
    if (!opts.dryRun) await archive.blobs.sweep()
    // A purge changes no file of the archive; what it deleted is kept as an event of its own commit.
    const record = !opts.dryRun && blobs.length > 0
    const message = `purged: ${removed.objects} unreferenced file${removed.objects === 1 ? '' : 's'} (${removed.bytes} bytes) from the blob cache`
    const events: RaptrEvent[] = record ? [{v: 1, type: 'Purged', objects: removed.objects, bytes: removed.bytes, blobs}] : []
    return {message: record ? message : '', events, record, result: {dryRun: Boolean(opts.dryRun), retainedSnapshots, kept, keptYoung, removed, blobs}}
  })
  return result
}
