import {RaptrError} from '../errors.js'
import {distPath, pinnedDir, pinnedSuite, shortId} from '../core/layout.js'
import {debLine, sourcesStanza} from '../core/sources-list.js'
import {listCategoryNames} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import type {Archive} from '../store/archive.js'
import {readLog} from './publication-log.js'

/**
 * The apt source for a snapshot's pinned copy on a backend. A snapshot whose content
 * for `dist` equals an earlier published one shares that one's pinned path.
 *
 * @example
 *   (await pinnedSource(archive, backend, 'local', 'release-42', 'production', KEY)).debLine
 */
export async function pinnedSource(
  archive: Archive,
  backend: Backend,
  backendName: string,
  ref: string,
  dist: string,
  keyPath: string,
): Promise<{snapshot: string; pinned: string; suite: string; debLine: string; sourcesStanza: string}> {
  const {resolveSnapshot} = await import('../archive/snapshots.js')
  const commit = await resolveSnapshot(archive, ref)
  const tree = await archive.trees.entryAt(await archive.rootTree(commit), distPath(dist))
  if (!tree) throw new RaptrError('UNKNOWN_DISTRIBUTION', `snapshot ${shortId(commit)} has no distribution "${dist}"`, 'list them with: raptr distribution list')
  const entry = (await readLog(backend, dist)).reverse().find((e) => e.snapshot === commit || e.distTree === tree.oid)
  if (!entry) {
    throw new RaptrError('NOTHING_PUBLISHED', `snapshot ${shortId(commit)} of ${dist} was never published to ${backendName}`, `publish it: raptr publish ${backendName} --snapshot ${shortId(commit)}`)
  }
  const signed = (await backend.stat(`${pinnedDir(entry.pinned, dist)}/InRelease`)) !== undefined
  if (!signed && !(await backend.stat(`${pinnedDir(entry.pinned, dist)}/Release`))) {
    throw new RaptrError('NOT_FOUND', `${backendName}: the pinned copy ${pinnedDir(entry.pinned, dist)} is missing`, 'it may have been purged; publish the snapshot again')
  }
  const components = await listCategoryNames(await archive.view(commit), dist)
  const spec = {url: backend.properties.publicUrl, suite: pinnedSuite(entry.pinned, dist), components, signedBy: signed ? keyPath : undefined}
  return {snapshot: commit, pinned: entry.pinned, suite: spec.suite, debLine: debLine(spec), sourcesStanza: sourcesStanza(spec)}
}
