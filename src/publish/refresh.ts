import {RaptrError, asRaptrError, isRaptrError, type ErrorCode} from '../errors.js'
import {publicationDir, shortId} from '../core/layout.js'
import {durationMs, redatedRelease, reliveRelease} from '../core/release.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import {json, listDistributionNames, readDistribution} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import {goLive} from '../remote/go-live.js'
import {waitForNoLease} from '../remote/lease.js'
import {publisherName, readHead, type PublicationEntry} from '../remote/log.js'
import {signRelease, writePublicKey, type SignerSource} from '../remote/pointer.js'
import {settle} from '../remote/settle.js'
import type {Archive} from '../store/archive.js'

/** Errors that stop the whole refresh: every distribution would fail the same way. */
const SIGNING_ERRORS: ErrorCode[] = ['BAD_SIGNING_KEY', 'NO_SIGNING_KEY', 'BAD_PASSPHRASE']

export interface RefreshResult {
  backend: string
  distribution: string
  action: 'refreshed' | 'unpublished' | 'failed'
  snapshot?: string
  seq?: number
  validUntil?: string
  warning?: string
  error?: {code: ErrorCode; message: string; hint: string}
}

/**
 * Re-signs the live Release of each distribution with a fresh Date (and Valid-Until, as
 * long after it as the distribution's `validFor` says, or as the live Release had it),
 * changing nothing else: the same snapshot, the same indexes, only the Release files are
 * written (for a cron job, before Valid-Until passes). It goes live through the one step
 * every publication takes (lease, log entry, pointer, settle), recorded in the log as
 * making the live publication live again.
 *
 * @example await refreshReleases(archive, {signer, open: openNamedBackend})
 */
export async function refreshReleases(
  archive: Archive,
  opts: {backends?: string[]; distributions?: string[]; signer?: SignerSource; open: (b: NamedBackend) => Promise<Backend>},
): Promise<RefreshResult[]> {
  const view = await archive.view()
  const named = await selectBackends(view, opts.backends)
  if (named.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend to refresh', 'add one with: raptr backend add local file:///srv/apt')
  const dists = opts.distributions?.length ? opts.distributions : await listDistributionNames(view)
  const results: RefreshResult[] = []
  for (const b of named) {
    let backend: Backend
    try {
      backend = await opts.open(b)
      // The keys that check the new signatures, before any of them goes live (a key rotation changes them).
      if (opts.signer) await writePublicKey(backend, opts.signer)
    } catch (error) {
      if (isRaptrError(error) && SIGNING_ERRORS.includes(error.code)) throw error
      for (const d of dists) results.push(failed(b.name, d, error))
      continue
    }
    for (const dist of dists) {
      try {
        const settings = await readDistribution(view, dist)
        const validFor = settings?.validFor ? durationMs(settings.validFor) : undefined
        results.push(await refreshOne(archive, backend, b.name, dist, validFor, opts.signer))
      } catch (error) {
        if (isRaptrError(error) && SIGNING_ERRORS.includes(error.code)) throw error
        results.push(failed(b.name, dist, error))
      }
    }
  }
  return results
}

async function refreshOne(archive: Archive, backend: Backend, backendName: string, dist: string, validForMs: number | undefined, signer: SignerSource | undefined): Promise<RefreshResult> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await waitForNoLease(backend, backendName)
    await settle(backend, dist, {signer})
    const head = await readHead(backend, dist)
    if (!head || head.action === 'drop') return {backend: backendName, distribution: dist, action: 'unpublished'}
    const date = new Date()
    // The setting decides the period; without one, the live Release's own period is kept.
    const release = validForMs !== undefined ? redatedRelease(head.release, date, validForMs) : reliveRelease(head.release, head.release, date)
    const entry: PublicationEntry = {
      format: 1,
      seq: head.seq + 1,
      // Recorded as making the live publication live again, so rollback's steps stay where they were.
      action: 'rollback',
      distribution: dist,
      snapshot: head.snapshot,
      distTree: head.distTree,
      pinned: head.pinned,
      date: date.toISOString(),
      publisher: publisherName(),
      restores: head.action === 'publish' ? head.seq : head.restores,
      plainIndexes: head.plainIndexes,
      ...(await signRelease(release, signer)),
    }
    const res = await goLive(backend, entry, head, {signer})
    if (res.status !== 'live') continue
    await archive.transaction((tx) => {
      tx.write(`${publicationDir(backendName, dist)}/${String(entry.seq).padStart(10, '0')}.json`, json({seq: entry.seq, action: 'refresh', snapshot: entry.snapshot, pinned: entry.pinned, date: entry.date}))
      return {message: `refreshed: ${dist} on ${backendName} (${shortId(entry.snapshot)}, seq ${entry.seq})`, events: [{v: 1, type: 'Refreshed', distribution: dist, backend: backendName, snapshot: entry.snapshot, seq: entry.seq}], result: null}
    })
    const until = /^Valid-Until: (.+)$/m.exec(release)?.[1]
    return {backend: backendName, distribution: dist, action: 'refreshed', snapshot: entry.snapshot, seq: entry.seq, validUntil: until, warning: res.warning}
  }
  throw new RaptrError('CONFLICT', `${backendName}/${dist}: other publishers kept winning`, 'run the refresh again')
}

/** A refresh that threw: a backend's failure as BACKEND_ERROR, a bug as INTERNAL (never relabelled). */
function failed(backend: string, dist: string, error: unknown): RefreshResult {
  const {code, message, hint} = asRaptrError(error, 'BACKEND_ERROR')
  return {backend, distribution: dist, action: 'failed', error: {code, message, hint}}
}
