import {publish, type DistResult, type PublishOptions} from '../publish/publish.js'
import type {Archive} from '../store/archive.js'
import {DEFAULT_SYNC_TIMEOUT_MS, jitteredBackoff, syncArchive, type SyncOptions, type SyncResult} from './sync.js'

/** Whether another publisher got there first: sync and try again rather than give up. */
function lostToAnotherPublisher(r: DistResult): boolean {
  return r.action === 'refused' || r.error?.code === 'NOT_FAST_FORWARD' || r.error?.code === 'CONFLICT'
}

/**
 * `publish --sync`: sync the archive (so what is published is pushed first, and what
 * others pushed is included), publish its head, and push the publication record. When
 * another publisher won the log sequence or what is live no longer descends from our
 * head, the winner has pushed before publishing, so syncing brings its change in: sync
 * and publish again, until `timeoutMs`. A fixed `snapshot` is published once, as is.
 *
 * @example
 *   await publishSynced(archive, {open, signer}, {open})
 */
export async function publishSynced(
  archive: Archive,
  opts: PublishOptions,
  sync: SyncOptions,
): Promise<{results: DistResult[]; commit?: string; syncs: SyncResult[]}> {
  const deadline = Date.now() + (sync.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS)
  const syncs: SyncResult[] = []
  const remaining = (): SyncOptions => ({...sync, timeoutMs: Math.max(1000, deadline - Date.now())})
  for (let attempt = 0; ; attempt++) {
    syncs.push(await syncArchive(archive, remaining()))
    const res = await publish(archive, opts.snapshot ? opts : {...opts, snapshot: await archive.head()})
    // The publication record is a commit too: share it.
    if (res.commit) syncs.push(await syncArchive(archive, remaining()))
    const retry = !opts.snapshot && !opts.dryRun && res.results.some(lostToAnotherPublisher)
    if (!retry || Date.now() >= deadline) return {...res, syncs}
    sync.note?.(`publish: another publisher went first on ${res.results.filter(lostToAnotherPublisher).map((r) => `${r.backend}/${r.distribution}`).join(', ')}; syncing and publishing again`)
    await jitteredBackoff(attempt, deadline)
  }
}
