import {isRaptrError} from '../errors.js'
import {byHashKey, liveDir} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {parseReleaseEntries} from '../core/release.js'
import type {Backend} from '../backends/interface.js'
import {activeLease} from './lease.js'
import {appendEntry, type PublicationEntry} from './log.js'
import {writeReleaseFiles} from './pointer.js'
import {settle, type SettleOptions} from './settle.js'
import {publishAliases} from './alias.js'
import {publishesPlain, writtenEntries} from './references.js'

export type GoLiveResult =
  /** The pointer is the entry's: apt reads it now. `warning` says what failed after that. */
  | {status: 'live'; entry: PublicationEntry; warning?: string}
  /** Another publisher took the sequence number first; nothing live was touched. */
  | {status: 'lost'}
  /** A purge holds the lease; nothing was written. */
  | {status: 'leased'}

/**
 * The one step that makes a publication live, shared by publish and rollback (and
 * finished by settle in publish, verify --repair and purge): check the purge lease →
 * claim the log entry (create-only) → canonical index names (copied inside the
 * backend from the by-hash files already there) → the pointer → settle. Everything the
 * entry names (pool files, by-hash indexes, the pinned copy, the public key) must be on
 * the backend before it is called.
 *
 * A failure after the pointer went live does not fail the publication (apt reads it);
 * it comes back as a warning and the next publish settles it. A failure before that
 * is followed by one attempt to settle (leaving the three pointer files matching the
 * log); it throws unless that attempt made this entry live.
 *
 * @example
 *   const r = await goLive(backend, entry, head, {signer}); if (r.status === 'lost') replan()
 */
export async function goLive(backend: Backend, entry: PublicationEntry, previous: PublicationEntry | undefined, opts: SettleOptions = {}): Promise<GoLiveResult> {
  if (await activeLease(backend)) return {status: 'leased'}
  if (!(await appendEntry(backend, entry))) return {status: 'lost'}
  const live = liveDir(entry.distribution)
  try {
    // What the previous publication wrote: a plain index it only listed is copied when this one writes it.
    const current = new Map((previous ? writtenEntries(parseReleaseEntries(previous.release), publishesPlain(previous)) : []).map((e) => [e.path, e.sha256]))
    const changed = writtenEntries(parseReleaseEntries(entry.release), publishesPlain(entry)).filter((e) => current.get(e.path) !== e.sha256)
    // Durable with the pointer: writeReleaseFiles syncs every batched write before it returns.
    await mapLimit(changed, 8, (e) => backend.copy(byHashKey(live, e.path, e.sha256), `${live}/${e.path}`, {contentType: 'application/octet-stream', batched: true}))
    await writeReleaseFiles(backend, live, entry, false)
  } catch (error) {
    // Leave the three pointer files agreeing with the log (ours or a newer entry) if the
    // backend lets us; if that made ours live, apt reads it: a success after all.
    const after = await settle(backend, entry.distribution, opts).catch(() => undefined)
    if (after?.head?.seq !== entry.seq) throw error
    const why = isRaptrError(error) ? error.message : String(error)
    return {status: 'live', entry, warning: `live after a second attempt at the pointer (${why})`}
  }
  try {
    await settle(backend, entry.distribution, opts)
    // The Suite or Codename, when not the name, is a directory of its own (alias.ts).
    await publishAliases(backend, entry.distribution, entry)
    return {status: 'live', entry}
  } catch (error) {
    const why = isRaptrError(error) ? error.message : String(error)
    return {status: 'live', entry, warning: `live, but settling afterwards failed (${why}); the next publish finishes it`}
  }
}
