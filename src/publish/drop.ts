import {RaptrError} from '../errors.js'
import {liveDir} from '../core/layout.js'
import {parseReleaseEntries} from '../core/release.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import type {Backend} from '../backends/interface.js'
import {activeLease, waitForNoLease} from '../remote/lease.js'
import {appendEntry, publisherName, type PublicationEntry} from '../remote/log.js'
import {RELEASE_FILES} from '../remote/references.js'
import {settle} from '../remote/settle.js'
import {removeAliases} from '../remote/alias.js'
import type {Archive} from '../store/archive.js'

export interface DropResult {
  backend: string
  distribution: string
  /** `unchanged`: nothing of it was live there (nothing written). */
  action: 'dropped' | 'unchanged'
  /** The drop entry's seq in the backend's publication log. */
  seq?: number
  /** The snapshot that was live before the drop. */
  snapshot?: string
  reason?: string
}

/**
 * Takes a distribution off every named backend (default: all).
 *
 * @example
 *   await dropBackends(archive, 'staging', {backends: ['eu'], open: openNamedBackend})
 */
export async function dropBackends(archive: Archive, dist: string, opts: {backends?: string[]; open: (b: NamedBackend) => Promise<Backend>}): Promise<DropResult[]> {
  const view = await archive.view()
  const named = await selectBackends(view, opts.backends)
  if (named.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend', 'add one with: raptr backend add local file:///srv/apt')
  const out: DropResult[] = []
  for (const b of named) out.push(await drop(await opts.open(b), b.name, dist))
  return out
}

/**
 * Takes one distribution off a backend. The drop is a publication-log entry of its own
 * (claimed create-only after the purge-lease check, like publish and rollback), so settle
 * does not put the pointer back; then the pointer goes (InRelease first, as apt reads it
 * first), then the canonical index names, then its Suite/Codename aliases. By-hash indexes, pinned
 * copies and the pool are left to purge. Dropping what is not live changes nothing.
 *
 * @example
 *   const r = await drop(backend, 'local', 'staging') // {action: 'dropped', seq: 4, …}
 */
export async function drop(backend: Backend, backendName: string, dist: string): Promise<DropResult> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await waitForNoLease(backend, backendName)
    const {head, dropped} = await settle(backend, dist)
    if (!head) {
      // A drop whose removals were interrupted: finish them.
      if (dropped) await removeLive(backend, dropped)
      return {backend: backendName, distribution: dist, action: 'unchanged', reason: `${dist} is not published on ${backendName}; nothing to do`}
    }
    const entry: PublicationEntry = {
      format: 1,
      seq: head.seq + 1,
      action: 'drop',
      distribution: dist,
      snapshot: head.snapshot,
      distTree: head.distTree,
      pinned: head.pinned,
      date: new Date().toISOString(),
      publisher: publisherName(),
      release: head.release,
    }
    if (await activeLease(backend)) continue
    if (!(await appendEntry(backend, entry))) continue
    await removeLive(backend, entry)
    return {backend: backendName, distribution: dist, action: 'dropped', seq: entry.seq, snapshot: head.snapshot}
  }
  throw new RaptrError('CONFLICT', `${backendName}/${dist}: other publishers kept winning`, 'drop again')
}

/**
 * The pointer files first (InRelease, Release, Release.gpg), then the canonical index
 * names; then the same in the Suite/Codename alias directories (alias.ts).
 */
async function removeLive(backend: Backend, entry: PublicationEntry): Promise<void> {
  const live = liveDir(entry.distribution)
  await backend.remove(RELEASE_FILES.map((f) => `${live}/${f}`))
  await backend.sync()
  await backend.remove(parseReleaseEntries(entry.release).map((e) => `${live}/${e.path}`))
  await backend.sync()
  await removeAliases(backend, entry.distribution, entry.release)
}
