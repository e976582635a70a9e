import {isRaptrError, RaptrError} from '../errors.js'
import {byHashKey, liveDir, pinnedDir, publicationDir, shortId} from '../core/layout.js'
import {parseReleaseEntries, reliveRelease} from '../core/release.js'
import {publishesPlain, writtenEntries} from '../remote/references.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import {json} from '../archive/settings.js'
import {resolveSnapshot} from '../archive/snapshots.js'
import type {Backend} from '../backends/interface.js'
import {goLive} from '../remote/go-live.js'
import {waitForNoLease} from '../remote/lease.js'
import {publisherName, readLog, type PublicationEntry} from '../remote/log.js'
import {signRelease, type SignerSource} from '../remote/pointer.js'
import {settle} from '../remote/settle.js'
import {distContentId} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
import {restoreLinks, type LinkChange} from './rollback-links.js'

export interface RollbackResult {
  backend: string
  distribution: string
  /** `unchanged`: the target was live already (nothing written). */
  action: 'rolled-back' | 'unchanged'
  from: string
  to: string
  pinned: string
  seq: number
  reason?: string
  warning?: string
  /** What the archive's links of the distribution did to follow (absent with --pointer-only or when nothing moved). */
  links?: LinkChange
}

/** A backend the rollback could not move, and why. */
export interface RollbackFailure {
  backend: string
  error: RaptrError
}

export interface RollbackOptions {
  /** The snapshot (id or name) to make live; default one step back along the log. */
  to?: string
  /** One step forward along the log instead of back (undoes a rollback). */
  forward?: boolean
  /** Move the pointers only; the archive's links stay as they are (the behaviour before links followed). */
  pointerOnly?: boolean
  signer?: SignerSource
}

/**
 * Rolls a distribution back (or forward) on every named backend (default: all), then
 * records it as ONE archive commit, after the backends moved (bytes before the event):
 * each moved backend's publication and RolledBack event and, unless `pointerOnly`, the
 * distribution's links made those of the snapshot now live, so the next plain publish
 * does not re-release what was rolled back. A backend that fails does not stop the
 * others; it is returned in `failed`, and the archive follows the backends that moved
 * (when they moved to different snapshots, the one most of them show). When none moved,
 * the archive is not touched.
 *
 * @example
 *   await rollbackBackends(archive, 'production', {backends: ['eu'], open: openNamedBackend})
 */
export async function rollbackBackends(
  archive: Archive,
  dist: string,
  opts: RollbackOptions & {backends?: string[]; open: (b: NamedBackend) => Promise<Backend>},
): Promise<{results: RollbackResult[]; failed: RollbackFailure[]}> {
  const view = await archive.view()
  const named = await selectBackends(view, opts.backends)
  if (named.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend', 'add one with: raptr backend add local file:///srv/apt')
  const results: RollbackResult[] = []
  const moved: Array<{result: RollbackResult; entry: PublicationEntry}> = []
  const failed: RollbackFailure[] = []
  for (const b of named) {
    try {
      const {result, entry} = await rollback(archive, await opts.open(b), b.name, dist, opts)
      results.push(result)
      if (entry) moved.push({result, entry})
    } catch (e) {
      // Any failure is this backend's: the ones that moved must still be recorded.
      const error = isRaptrError(e) ? e : new RaptrError('BACKEND_ERROR', `${b.name}: ${String((e as Error)?.message ?? e).split('\n')[0]}`, 'check the backend, then run the rollback again for it')
      failed.push({backend: b.name, error})
    }
  }
  if (moved.length > 0) await recordRollback(archive, dist, moved, Boolean(opts.pointerOnly))
  return {results, failed}
}

/** The one commit of a rollback: publications, events and (unless pointer-only) the links. */
async function recordRollback(archive: Archive, dist: string, moved: Array<{result: RollbackResult; entry: PublicationEntry}>, pointerOnly: boolean): Promise<void> {
  // The snapshot most of the moved backends now serve (the first on a tie).
  const votes = new Map<string, number>()
  for (const m of moved) votes.set(m.entry.distTree, (votes.get(m.entry.distTree) ?? 0) + 1)
  const winner = moved.find((m) => votes.get(m.entry.distTree) === Math.max(...votes.values()))!.entry
  await archive.transaction(async (tx) => {
    let links: LinkChange | undefined
    let refused: string | undefined
    try {
      if (!pointerOnly) links = await restoreLinks(archive, tx, dist, winner.snapshot, winner.distTree)
    } catch (e) {
      // The backends moved already: their record is kept, the links are left and the user told.
      if (!isRaptrError(e)) throw e
      refused = `the archive's links were not changed: ${e.message} (${e.hint})`
    }
    if (refused) for (const m of moved) m.result.warning = [m.result.warning, refused].filter(Boolean).join('; ')
    for (const {entry, result} of moved) {
      tx.write(`${publicationDir(result.backend, dist)}/${String(entry.seq).padStart(10, '0')}.json`, json({seq: entry.seq, action: 'rollback', snapshot: entry.snapshot, pinned: entry.pinned, date: entry.date}))
      if (links && entry.distTree === winner.distTree) result.links = links
      else if (links) result.warning = [result.warning, `the backends moved to different snapshots; the archive's links follow ${shortId(winner.snapshot)}`].filter(Boolean).join('; ')
    }
    const linkData = (e: PublicationEntry): Record<string, unknown> =>
      links && e.distTree === winner.distTree ? {unlinked: links.unlinked, relinked: links.relinked, unlinkedCount: links.unlinkedCount, relinkedCount: links.relinkedCount, ...(links.recordsRestored ? {recordsRestored: links.recordsRestored} : {})} : {}
    const where = moved.map((m) => `${m.result.backend} (seq ${m.entry.seq})`).join(', ')
    const what = links ? `; links: ${links.unlinkedCount} unlinked, ${links.relinkedCount} relinked` : refused ? '; links NOT changed' : '; pointer only'
    return {
      message: `rolled back: ${dist} to ${shortId(winner.snapshot)} on ${where}${what}`,
      events: moved.map(({entry, result}) => ({v: 1, type: 'RolledBack', distribution: dist, backend: result.backend, snapshot: entry.snapshot, seq: entry.seq, ...linkData(entry)})),
      result: null,
    }
  })
}

/**
 * Points a distribution at another publication from its log: that snapshot's pinned
 * Release, re-dated (apt ignores a Release older than the one it has) and re-signed,
 * becomes the live pointer. No pool file and no index is uploaded: the live directory
 * kept them under their by-hash names. Goes through the same step as a publish (lease,
 * log entry, canonical names, pointer, settle). Default: one step back from the
 * publication that is live (a second rollback goes one further); `forward` goes one
 * step forward; `to` names the snapshot, and naming the live one changes nothing.
 *
 * @example
 *   await rollback(archive, backend, 'local', 'production', {signer})
 */
export async function rollback(
  archive: Archive,
  backend: Backend,
  backendName: string,
  dist: string,
  opts: RollbackOptions,
): Promise<{result: RollbackResult; entry?: PublicationEntry}> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await waitForNoLease(backend, backendName)
    await settle(backend, dist, {signer: opts.signer})
    const log = await readLog(backend, dist)
    const head = log.at(-1)
    if (!head) throw new RaptrError('NOTHING_PUBLISHED', `${backendName} has no publication of ${dist}`, `publish first: raptr publish ${backendName}`)
    if (head.action === 'drop') throw new RaptrError('NOTHING_PUBLISHED', `${dist} was dropped from ${backendName}`, `publish it again: raptr publish ${backendName} -d ${dist} --force`)
    const target = await chooseTarget(archive, log, head, opts, backendName)
    const base = {backend: backendName, distribution: dist, from: head.snapshot}
    if (target.distTree === head.distTree) {
      return {result: {...base, action: 'unchanged', to: head.snapshot, pinned: head.pinned, seq: head.seq, reason: `already live (snapshot ${shortId(head.snapshot)})`}}
    }
    const pinned = pinnedDir(target.pinned, dist)
    const pinnedRelease = await backend.get(`${pinned}/Release`)
    if (!pinnedRelease) {
      throw new RaptrError('NOT_FOUND', `${backendName}: the pinned copy of snapshot ${target.pinned} (${pinned}) is missing`, 'it may have been purged; publish that snapshot again with raptr publish --snapshot ID --force')
    }
    const releaseText = Buffer.from(pinnedRelease).toString('utf8')
    const missing: string[] = []
    for (const e of writtenEntries(parseReleaseEntries(releaseText), publishesPlain(target))) {
      if (!(await backend.stat(byHashKey(liveDir(dist), e.path, e.sha256)))) missing.push(e.path)
    }
    if (missing.length) {
      throw new RaptrError('NOT_FOUND', `${backendName}: indexes of snapshot ${target.pinned} are gone from ${liveDir(dist)} (${missing[0]}…)`, 'publish that snapshot again with raptr publish --snapshot ID --force')
    }
    const date = new Date()
    // The Suite and Valid-Until period the target had when it was live; a fresh Date.
    const release = reliveRelease(releaseText, target.release, date)
    const entry: PublicationEntry = {
      format: 1,
      seq: head.seq + 1,
      action: 'rollback',
      distribution: dist,
      snapshot: target.snapshot,
      distTree: target.distTree,
      pinned: target.pinned,
      date: date.toISOString(),
      publisher: publisherName(),
      restores: positionOf(log, target),
      plainIndexes: publishesPlain(target),
      ...(await signRelease(release, opts.signer)),
    }
    const res = await goLive(backend, entry, head, {signer: opts.signer})
    if (res.status !== 'live') continue
    return {result: {...base, action: 'rolled-back', to: entry.snapshot, pinned: entry.pinned, seq: entry.seq, warning: res.warning}, entry}
  }
  throw new RaptrError('CONFLICT', `${backendName}/${dist}: other publishers kept winning`, 'run the rollback again')
}

/**
 * Where an entry stands in the history of publishes: a publish entry is its own seq; a
 * rollback entry stands where the publish it restored stood (entries written before
 * rollbacks recorded it: the newest publish with the same content before it).
 */
function positionOf(log: PublicationEntry[], e: PublicationEntry): number {
  if (e.action === 'publish') return e.seq
  if (e.restores !== undefined) return e.restores
  const same = [...log].reverse().find((x) => x.action === 'publish' && x.seq < e.seq && x.distTree === e.distTree)
  return same?.seq ?? e.seq
}

/** The publication to make live. */
async function chooseTarget(archive: Archive, log: PublicationEntry[], head: PublicationEntry, opts: RollbackOptions, backendName: string): Promise<PublicationEntry> {
  const publishes = log.filter((e) => e.action === 'publish')
  if (opts.to === undefined) {
    const at = positionOf(log, head)
    const target = opts.forward
      ? publishes.find((e) => e.seq > at && e.distTree !== head.distTree)
      : [...publishes].reverse().find((e) => e.seq < at && e.distTree !== head.distTree)
    if (target) return target
    if (opts.forward) return head // nothing newer: already at the newest publication
    throw new RaptrError('NOTHING_PUBLISHED', `${backendName}/${head.distribution} has no earlier publication to roll back to`, 'see the history with: raptr snapshot list')
  }
  const commit = await resolveSnapshot(archive, opts.to)
  const content = await distContentId(archive, commit, head.distribution)
  if (content && content === head.distTree) return head
  const match = [...log].reverse().find((e) => e.snapshot === commit || (content && e.distTree === content))
  if (!match) {
    throw new RaptrError('NOTHING_PUBLISHED', `snapshot ${shortId(commit)} of ${head.distribution} was never published to ${backendName}`, `publish it with: raptr publish ${backendName} --snapshot ${shortId(commit)} --force`)
  }
  return match
}
