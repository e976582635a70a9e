import {RaptrError} from '../errors.js'
import {byHashKey, distPath, liveDir, pinnedDir, publicationDir, shortId} from '../core/layout.js'
import {formatReleaseDate, parseReleaseEntries, withReleaseFields} from '../core/release.js'
import {json} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import type {Signer} from '../signing/interface.js'
import type {Archive} from '../store/archive.js'
import {appendEntry, publisherName, readLog, type PublicationEntry} from './publication-log.js'
import {settlePointer, signRelease, writeReleaseFiles} from './pointer.js'

export interface RollbackResult {
  backend: string
  distribution: string
  from: string
  to: string
  pinned: string
  seq: number
}

/**
 * Points a distribution back at an earlier publication: that snapshot's pinned
 * Release, re-dated (apt ignores a Release older than the one it has) and re-signed,
 * becomes the live pointer. No pool file and no index is uploaded: the live directory
 * kept them under their by-hash names. Goes through the publication log like a publish.
 *
 * @example
 *   await rollback(archive, backend, 'local', 'production', {signer})
 */
export async function rollback(
  archive: Archive,
  backend: Backend,
  backendName: string,
  dist: string,
  opts: {to?: string; signer?: Signer},
): Promise<RollbackResult> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const log = await readLog(backend, dist)
    const head = log.at(-1)
    if (!head) throw new RaptrError('NOTHING_PUBLISHED', `${backendName} has no publication of ${dist}`, `publish first: raptr publish ${backendName}`)
    await settlePointer(backend, dist)
    const target = await chooseTarget(archive, log, head, opts.to, backendName)
    const pinned = pinnedDir(target.pinned, dist)
    const pinnedRelease = await backend.get(`${pinned}/Release`)
    if (!pinnedRelease) {
      throw new RaptrError('NOT_FOUND', `${backendName}: the pinned copy of snapshot ${target.pinned} (${pinned}) is missing`, 'it may have been purged; publish that snapshot again with raptr publish --snapshot ID')
    }
    const releaseText = Buffer.from(pinnedRelease).toString('utf8')
    const missing: string[] = []
    for (const e of parseReleaseEntries(releaseText)) {
      if (!(await backend.stat(byHashKey(liveDir(dist), e.path, e.sha256)))) missing.push(e.path)
    }
    if (missing.length) {
      throw new RaptrError('NOT_FOUND', `${backendName}: indexes of snapshot ${target.pinned} are gone from ${liveDir(dist)} (${missing[0]}…)`, 'publish that snapshot again with raptr publish --snapshot ID --force')
    }
    const date = new Date()
    const release = withReleaseFields(releaseText, {Suite: dist, Date: formatReleaseDate(date)})
    const files = await signRelease(release, opts.signer)
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
      ...files,
    }
    if (!(await appendEntry(backend, entry))) continue
    // Canonical index names follow the pointer, for clients that do not fetch by hash:
    // copied inside the backend from the by-hash files, so no index is sent again.
    const current = new Map(parseReleaseEntries(head.release).map((e) => [e.path, e.sha256]))
    for (const e of parseReleaseEntries(releaseText)) {
      if (current.get(e.path) !== e.sha256) {
        await backend.copy(byHashKey(liveDir(dist), e.path, e.sha256), `${liveDir(dist)}/${e.path}`, {contentType: 'application/octet-stream'})
      }
    }
    await writeReleaseFiles(backend, liveDir(dist), files, false)
    await settlePointer(backend, dist)
    await archive.transaction(async (tx) => {
      tx.write(`${publicationDir(backendName, dist)}/${String(entry.seq).padStart(10, '0')}.json`, json({seq: entry.seq, action: 'rollback', snapshot: entry.snapshot, pinned: entry.pinned, date: entry.date}))
      return {message: `rolled back: ${dist} on ${backendName} to ${shortId(entry.snapshot)} (seq ${entry.seq})`, result: null}
    })
    return {backend: backendName, distribution: dist, from: head.snapshot, to: entry.snapshot, pinned: entry.pinned, seq: entry.seq}
  }
  throw new RaptrError('CONFLICT', `${backendName}/${dist}: other publishers kept winning`, 'run the rollback again')
}

/**
 * The publication to go back to: the one named (a snapshot whose content for `dist`
 * was published there), or by default the newest one whose content differs from the
 * live one.
 */
async function chooseTarget(archive: Archive, log: PublicationEntry[], head: PublicationEntry, to: string | undefined, backendName: string): Promise<PublicationEntry> {
  if (to === undefined) {
    const earlier = [...log].reverse().find((e) => e.distTree !== head.distTree)
    if (!earlier) throw new RaptrError('NOTHING_PUBLISHED', `${backendName}/${head.distribution} has no earlier publication to roll back to`, 'see the history with: raptr snapshot list')
    return earlier
  }
  const {resolveSnapshot} = await import('../archive/snapshots.js')
  const commit = await resolveSnapshot(archive, to)
  const entry = await archive.trees.entryAt(await archive.rootTree(commit), distPath(head.distribution))
  const match = [...log].reverse().find((e) => e.snapshot === commit || (entry && e.distTree === entry.oid))
  if (!match) {
    throw new RaptrError('NOTHING_PUBLISHED', `snapshot ${shortId(commit)} of ${head.distribution} was never published to ${backendName}`, `publish it with: raptr publish ${backendName} --snapshot ${shortId(commit)} --force`)
  }
  return match
}
