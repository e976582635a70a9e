import {RaptrError} from '../errors.js'
import {pinnedDir, pinnedSuite, shortId} from '../core/layout.js'
import {debLine, sourcesStanza} from '../core/sources-list.js'
import {validateSuiteName} from '../core/names.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import {pinPath} from '../archive/pins.js'
import {json, listCategoryNames} from '../archive/settings.js'
import {resolveSnapshot} from '../archive/snapshots.js'
import type {Backend} from '../backends/interface.js'
import {readLog, type PublicationEntry} from '../remote/log.js'
import {readPins, removePin, writePin, type PinRecord} from '../remote/pins.js'
import {distContentId} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'

export interface PinnedSource {
  backend: string
  distribution: string
  /** The published snapshot whose pinned copy clients read (the id in the suite). */
  snapshot: string
  pinned: string
  suite: string
  signed: boolean
  debLine: string
  sourcesStanza: string
}

/** The newest publication on the backend of the content `ref` has for `dist`. */
async function publicationOf(archive: Archive, backend: Backend, backendName: string, ref: string, dist: string): Promise<{commit: string; entry: PublicationEntry}> {
  validateSuiteName(dist)
  const commit = await resolveSnapshot(archive, ref)
  const tree = await distContentId(archive, commit, dist)
  if (!tree) throw new RaptrError('UNKNOWN_DISTRIBUTION', `snapshot ${shortId(commit)} has no distribution "${dist}"`, 'list them with: raptr distribution list')
  const entry = (await readLog(backend, dist)).reverse().find((e) => e.action !== 'drop' && (e.snapshot === commit || e.distTree === tree))
  if (!entry) {
    throw new RaptrError('NOTHING_PUBLISHED', `snapshot ${shortId(commit)} of ${dist} was never published to ${backendName}`, `publish it: raptr publish ${backendName} --snapshot ${shortId(commit)}`)
  }
  return {commit, entry}
}

/**
 * The apt source for a snapshot's pinned copy on a backend. A snapshot whose content
 * for `dist` equals an earlier published one shares that one's pinned path (and id).
 * A signed publication always gets `signed-by`, never `trusted=yes`; a pinned copy
 * whose signatures are missing is refused rather than offered unsigned.
 *
 * @example
 *   (await pinnedSource(archive, backend, 'local', 'release-42', 'production', KEY)).debLine
 */
export async function pinnedSource(archive: Archive, backend: Backend, backendName: string, ref: string, dist: string, keyPath: string): Promise<PinnedSource> {
  const {commit, entry} = await publicationOf(archive, backend, backendName, ref, dist)
  const dir = pinnedDir(entry.pinned, dist)
  const [release, inRelease, gpg] = await Promise.all(['Release', 'InRelease', 'Release.gpg'].map((f) => backend.stat(`${dir}/${f}`)))
  if (!release) throw new RaptrError('NOT_FOUND', `${backendName}: the pinned copy ${dir} is missing`, 'it may have been purged; publish the snapshot again: raptr publish --snapshot ID --force')
  const signed = entry.inRelease !== undefined || inRelease !== undefined || gpg !== undefined
  if (signed && (!inRelease || !gpg)) {
    throw new RaptrError('DAMAGE_FOUND', `${backendName}: the pinned copy ${dir} lacks its signatures (${inRelease ? 'Release.gpg' : 'InRelease'})`, 'finish it with: raptr verify --repair --sign-key FILE, or raptr publish (when it is the live snapshot)')
  }
  const components = await listCategoryNames(await archive.view(commit), dist)
  const spec = {url: backend.properties.publicUrl, suite: pinnedSuite(entry.pinned, dist), components, signedBy: signed ? keyPath : undefined}
  return {backend: backendName, distribution: dist, snapshot: entry.snapshot, pinned: entry.pinned, suite: spec.suite, signed, debLine: debLine(spec), sourcesStanza: sourcesStanza(spec)}
}

/**
 * Pins a snapshot: records the pin on the backend (what purge obeys, from any clone)
 * and in the archive, then returns the apt source. Pinning again changes nothing.
 *
 * @example
 *   const src = await pin(archive, backend, 'local', 'release-42', 'production', KEY)
 */
export async function pin(archive: Archive, backend: Backend, backendName: string, ref: string, dist: string, keyPath: string): Promise<PinnedSource & {commit?: string}> {
  const source = await pinnedSource(archive, backend, backendName, ref, dist, keyPath)
  const existing = (await readPins(backend, dist)).find((p) => p.pinned === source.pinned)
  const date = existing?.date ?? new Date().toISOString()
  // By whom, as the archive's log names its authors (RAPTR_AUTHOR_*, else git's user), not the machine's login.
  const who = await archive.identity()
  if (!existing) await writePin(backend, {format: 1, distribution: dist, snapshot: source.snapshot, pinned: source.pinned, date, by: `${who.name} <${who.email}>`})
  const {commit} = await archive.transaction(async (tx) => {
    const p = pinPath(backendName, dist, source.pinned)
    if ((await tx.read(p)) === undefined) tx.write(p, json({snapshot: source.snapshot, pinned: source.pinned, date}))
    return {message: `pinned: ${dist} snapshot ${source.pinned} on ${backendName}`, events: [{v: 1, type: 'Pinned', distribution: dist, backend: backendName, snapshot: source.snapshot, pinned: source.pinned}], result: null}
  })
  return {...source, commit}
}

/**
 * Removes a pin (on the backend and in the archive): purge may then delete that
 * snapshot once no other rule keeps it. Unpinning what is not pinned changes nothing.
 *
 * @example await unpin(archive, backend, 'local', 'release-42', 'production')
 */
export async function unpin(archive: Archive, backend: Backend, backendName: string, ref: string, dist: string): Promise<{backend: string; distribution: string; pinned: string; removed: boolean}> {
  const {entry} = await publicationOf(archive, backend, backendName, ref, dist)
  const removed = await removePin(backend, dist, entry.pinned)
  await archive.transaction(async (tx) => {
    const p = pinPath(backendName, dist, entry.pinned)
    if ((await tx.read(p)) !== undefined) tx.remove(p)
    return {message: `unpinned: ${dist} snapshot ${entry.pinned} on ${backendName}`, events: [{v: 1, type: 'Unpinned', distribution: dist, backend: backendName, snapshot: entry.snapshot, pinned: entry.pinned}], result: null}
  })
  return {backend: backendName, distribution: dist, pinned: entry.pinned, removed}
}

/**
 * Every pin on the named backends (default: all), read from the backends themselves.
 *
 * @example await listPins(archive, {open: openNamedBackend})
 */
export async function listPins(archive: Archive, opts: {backends?: string[]; open: (b: NamedBackend) => Promise<Backend>}): Promise<Array<PinRecord & {backend: string}>> {
  const view = await archive.view()
  const named = await selectBackends(view, opts.backends)
  const out: Array<PinRecord & {backend: string}> = []
  for (const b of named) for (const p of await readPins(await opts.open(b))) out.push({backend: b.name, ...p})
  return out
}
