import {isRaptrError} from '../errors.js'
import {shortId} from '../core/layout.js'
import {listBackends} from '../archive/backends.js'
import {readHead} from '../remote/log.js'
import {publish, type DistResult, type PublishOptions} from '../publish/publish.js'
import type {Archive} from '../store/archive.js'
import {isAncestorOf} from '../store/git-remote.js'
import {DEFAULT_SYNC_TIMEOUT_MS, jitteredBackoff, syncArchive, type SyncOptions, type SyncResult} from './sync.js'

/** Whether another publisher got there first: sync and try again rather than give up. */
function lostToAnotherPublisher(r: DistResult): boolean {
  return r.action === 'refused' || r.error?.code === 'NOT_FAST_FORWARD' || r.error?.code === 'CONFLICT'
}

const target = (r: Pick<DistResult, 'backend' | 'distribution'>): string => `${r.backend}\n${r.distribution}`

/**
 * `publish --sync`: sync the archive (so what is published is pushed first, and what
 * others pushed is included), publish its head, and push the publication record. When
 * another publisher won the log sequence or what is live no longer descends from our
 * head, the winner pushed before publishing, so syncing brings its change in: sync and
 * publish again, until the sync timeout. A distribution whose live snapshot already
 * contains `includes` (another job published our change with its own) is done. A fixed
 * `snapshot` is published once, as is.
 *
 * @example
 *   await publishSynced(archive, {open, signer}, {open}, changeCommit, true)
 */
export async function publishSynced(
  archive: Archive,
  opts: PublishOptions,
  sync: SyncOptions,
  includes?: string,
  justSynced = false,
): Promise<{results: DistResult[]; commit?: string; syncs: SyncResult[]}> {
  const deadline = Date.now() + (sync.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS)
  const syncs: SyncResult[] = []
  const remaining = (): SyncOptions => ({...sync, timeoutMs: Math.max(1000, deadline - Date.now())})
  const done = new Map<string, DistResult>()
  let commit: string | undefined
  let backends = opts.backends
  let distributions = opts.distributions
  for (let attempt = 0; ; attempt++) {
    // Right after a change's own push, a second fetch would only add contention.
    if (attempt > 0 || !justSynced) syncs.push(await syncArchive(archive, remaining()))
    const wanted = includes ?? (await archive.head())!
    const res = await publish(archive, opts.snapshot ? opts : {...opts, backends, distributions, snapshot: await archive.head()})
    // The publication record is a commit too: share it. It is informational (the
    // backend's log is the authority), so failing to push it does not undo the publish.
    if (res.commit) {
      commit = res.commit
      try {
        syncs.push(await syncArchive(archive, remaining()))
      } catch (error) {
        if (!isRaptrError(error)) throw error
        sync.note?.(`publish: the publication record was not pushed (${error.message.split('\n')[0]}); raptr sync shares it later`)
      }
    }
    const lost: DistResult[] = []
    for (const r of res.results) {
      if (opts.snapshot || opts.dryRun || !lostToAnotherPublisher(r)) done.set(target(r), r)
      else if (await liveIncludes(archive, opts, r, wanted)) done.set(target(r), {...r, action: 'unchanged', error: undefined, reason: `another publisher made ${shortId(wanted)} live already`})
      else lost.push(r)
    }
    if (lost.length === 0 || Date.now() >= deadline) {
      for (const r of lost) done.set(target(r), r)
      return {results: [...done.values()], commit, syncs}
    }
    sync.note?.(`publish: another publisher went first on ${lost.map((r) => `${r.backend}/${r.distribution}`).join(', ')}; syncing and publishing again`)
    backends = [...new Set(lost.map((r) => r.backend))]
    distributions = [...new Set(lost.map((r) => r.distribution))]
    await jitteredBackoff(attempt, deadline)
  }
}

/** Whether the backend's live snapshot of the distribution already contains `commit`. */
async function liveIncludes(archive: Archive, opts: PublishOptions, r: DistResult, commit: string): Promise<boolean> {
  const b = (await listBackends(await archive.view())).find((x) => x.name === r.backend)
  if (!b) return false
  const head = await readHead(await opts.open(b), r.distribution).catch(() => undefined)
  return head !== undefined && (await archive.expandCommit(head.snapshot)) !== undefined && (await isAncestorOf(archive.dir, commit, head.snapshot))
}
