import {byHashKey, liveDir} from '../core/layout.js'
import {parseReleaseEntries, releaseAliases, type ReleaseEntry} from '../core/release.js'
import type {Backend} from '../backends/interface.js'
import {mapLimit} from '../core/map-limit.js'
import {writeReleaseFiles, type ReleaseFiles} from './pointer.js'
import {RELEASE_FILES, publishesPlain, unwrittenEntries, writtenEntries} from './references.js'

/**
 * Publishes a live Release under the distribution's other names too (its Suite and
 * Codename when they differ from its name: `dists/stable` beside `dists/bookworm`): the
 * indexes are copied inside the backend from the live by-hash names (no bytes sent
 * again), by hash first and canonical names next, then the alias's Release files last,
 * as for the live directory itself. Idempotent.
 *
 * @example await publishAliases(backend, 'bookworm', files)
 */
export async function publishAliases(backend: Backend, dist: string, files: ReleaseFiles & {plainIndexes?: boolean}): Promise<string[]> {
  const aliases = releaseAliases(dist, files.release)
  const listed = parseReleaseEntries(files.release)
  const entries = writtenEntries(listed, publishesPlain(files))
  const unwritten = unwrittenEntries(listed, publishesPlain(files))
  // The alias's Release does not say whether its plain indexes were written: those are checked on the backend.
  const plainPaths = new Set(unwrittenEntries(listed, false).map((e) => e.path))
  for (const alias of aliases) {
    const dir = liveDir(alias)
    await mapLimit(entries, 8, async (e: ReleaseEntry) => {
      const to = byHashKey(dir, e.path, e.sha256)
      if ((await backend.stat(to))?.size !== e.size) await backend.copy(byHashKey(liveDir(dist), e.path, e.sha256), to, {immutable: true, contentType: 'application/octet-stream', batched: true})
    })
    const had = await backend.get(`${dir}/Release`)
    const current = new Map((had ? parseReleaseEntries(Buffer.from(had).toString('utf8')) : []).map((e) => [e.path, e.sha256]))
    await backend.sync()
    const plainStats = await mapLimit(
      entries.filter((e) => plainPaths.has(e.path)),
      8,
      async (e) => [e.path, (await backend.stat(`${dir}/${e.path}`))?.size === e.size] as const,
    )
    const plainThere = new Map(plainStats)
    for (const e of entries) {
      const there = plainPaths.has(e.path) ? plainThere.get(e.path) === true && current.get(e.path) === e.sha256 : current.get(e.path) === e.sha256
      if (!there) await backend.copy(byHashKey(dir, e.path, e.sha256), `${dir}/${e.path}`, {contentType: 'application/octet-stream', batched: true})
    }
    await writeReleaseFiles(backend, dir, files, false)
    // Uncompressed names an earlier publication wrote and this one does not (see settle's removeStalePlain).
    const stale = unwritten.filter((e) => current.has(e.path)).map((e) => `${dir}/${e.path}`)
    if (stale.length) await backend.remove(stale)
  }
  return aliases
}

/**
 * Takes a dropped distribution's aliases off the backend: in each alias directory whose
 * Release is the dropped one's (or already gone: a drop interrupted part-way), the
 * pointer files (InRelease first), then the canonical index names. An alias whose
 * Release is another's (a distribution of that name published since) is left alone.
 * By-hash files stay for purge. Idempotent.
 *
 * @example await removeAliases(backend, 'bookworm', entry.release) // ['stable']
 */
export async function removeAliases(backend: Backend, dist: string, release: string): Promise<string[]> {
  const removed: string[] = []
  for (const alias of releaseAliases(dist, release)) {
    const dir = liveDir(alias)
    const had = await backend.get(`${dir}/Release`)
    if (had && Buffer.from(had).toString('utf8') !== release) continue
    await backend.remove(RELEASE_FILES.map((f) => `${dir}/${f}`))
    await backend.sync()
    await backend.remove(parseReleaseEntries(release).map((e) => `${dir}/${e.path}`))
    await backend.sync()
    removed.push(alias)
  }
  return removed
}
