import path from 'node:path'
import {distContentId} from '../snapshot/read.js'
import {pinnedDir} from '../core/layout.js'
import {listPublications} from '../archive/publications.js'
import type {DistributionSettings} from '../archive/settings.js'
import {listNamedSnapshots} from '../archive/snapshots.js'
import type {Backend} from '../backends/interface.js'
import type {Archive} from '../store/archive.js'

/**
 * Snapshot roots: what makes `apt update --snapshot ID` (apt ≥ 2.7) work against raptr.
 * apt substitutes ID into the live Release's `Snapshots:` template and uses the result
 * as the whole base URI, suite and components unchanged; so for every ID the backend
 * serves a complete repository root:
 *
 *   snapshots/<ID>/dists/<dist>  →  ../../../dists/snapshots/<pinned>/<dist>  (the pinned copy, signed)
 *   snapshots/<ID>/pool          →  ../../pool                                (the one shared pool)
 *
 * ID is a pinned snapshot id as publish prints it (12 hex) or a snapshot name. Roots are
 * symbolic links, so they exist only on backends that have links (a directory); an S3
 * bucket has none, and copying the pool into every root would cost the whole archive
 * again per snapshot (docs/design.md), so its Release carries no `Snapshots:` field.
 */
export const ROOTS = 'snapshots'

/** What apt replaces with the id given to --snapshot. */
export const SNAPSHOT_ID_VARIABLE = '@SNAPSHOTID@'

/** The link through which root `id` serves `dist`. */
export const rootDistKey = (id: string, dist: string): string => `${ROOTS}/${id}/dists/${dist}`
/** The link through which root `id` serves the pool. */
export const rootPoolKey = (id: string): string => `${ROOTS}/${id}/pool`

/** `target` as a link at `key` names it: relative to the link's directory. */
const relativeTo = (key: string, target: string): string => path.posix.relative(path.posix.dirname(key), target)

/**
 * The `Snapshots:` field a distribution's live Release carries on `backend`, or undefined
 * when it gets none: the backend cannot serve roots (no links), or the distribution has
 * neither Origin nor Label (apt then ignores the field, so writing it would promise what
 * apt does not do). The URL is the backend's public URL: apt needs an absolute one.
 *
 * @example snapshotsField(backend, settings) // 'http://apt.example.org/snapshots/@SNAPSHOTID@/'
 */
export function snapshotsField(backend: Backend, settings: DistributionSettings): string | undefined {
  if (!backend.links || !(settings.origin || settings.label)) return undefined
  return `${backend.properties.publicUrl.replace(/\/+$/, '')}/${ROOTS}/${SNAPSHOT_ID_VARIABLE}/`
}

/** Why a backend that could serve roots gets no `Snapshots:` field for this distribution (a warning), if it does not. */
export function snapshotsFieldMissing(backend: Backend, settings: DistributionSettings, dist: string): string | undefined {
  if (!backend.links || settings.origin || settings.label) return undefined
  return `${dist} has neither Origin nor Label, so apt would ignore a Snapshots field and apt --snapshot cannot select its snapshots (set one: raptr distribution set ${dist} --origin NAME)`
}

/** Makes `id` a root serving the pinned copy `pinned` of `dist` (links; no-op where a backend has none). */
export async function writeSnapshotRoot(backend: Backend, id: string, dist: string, pinned: string): Promise<void> {
  const links = backend.links
  if (!links) return
  const distKey = rootDistKey(id, dist)
  await links.set(distKey, relativeTo(distKey, pinnedDir(pinned, dist)))
  await links.set(rootPoolKey(id), relativeTo(rootPoolKey(id), 'pool'))
}

/**
 * Roots for the archive's snapshot names on `backend` for `dist`: a name whose snapshot
 * (or a snapshot with the same content of `dist`) this archive published there serves
 * that publication's pinned copy. A name given after its snapshot was published gets its
 * root at the next publish. Reads only the archive and stats one Release per name.
 */
export async function writeNameRoots(archive: Archive, backend: Backend, backendName: string, dist: string): Promise<string[]> {
  if (!backend.links) return []
  const view = await archive.view()
  const names = await listNamedSnapshots(view)
  if (names.length === 0) return []
  const records = (await listPublications(view)).filter((p) => p.backend === backendName && p.distribution === dist && p.pinned).reverse()
  const treeOf = async (commit: string): Promise<string | undefined> => ((await archive.expandCommit(commit)) ? distContentId(archive, commit, dist) : undefined)
  const written: string[] = []
  for (const n of names) {
    let record = records.find((r) => r.snapshot === n.commit)
    if (!record) {
      const tree = await treeOf(n.commit)
      if (tree === undefined) continue
      for (const r of records) {
        if ((await treeOf(r.snapshot)) === tree) {
          record = r
          break
        }
      }
    }
    if (!record?.pinned || !(await backend.stat(`${pinnedDir(record.pinned, dist)}/Release`))) continue
    await writeSnapshotRoot(backend, n.name, dist, record.pinned)
    written.push(n.name)
  }
  return written
}

/** One link of a snapshot root, as found on a backend. */
export interface RootLink {
  key: string
  target: string
  /** The root's id and, for a `dists/` link, the distribution. */
  id: string
  dist?: string
}

/** Every link under `snapshots/` that is part of a root (others are not raptr's: left alone). */
export async function listRootLinks(backend: Backend): Promise<RootLink[]> {
  const out: RootLink[] = []
  if (!backend.links) return out
  for await (const l of backend.links.list(`${ROOTS}/`)) {
    const m = /^snapshots\/([^/]+)\/(?:pool|dists\/([^/]+))$/.exec(l.key)
    if (m) out.push({...l, id: m[1], dist: m[2]})
  }
  return out
}

/**
 * The root links that no longer serve anything: a `dists/` link whose pinned copy has no
 * Release (purged) or that points anywhere but a pinned copy, and a `pool` link of a
 * root with no `dists/` link left. What purge removes and verify reports. `gone`: pinned
 * directories (`dists/snapshots/<id>/<dist>`) to count as purged already (purge's plan).
 * `names`: the archive's snapshot names; given, the root of a name no longer there is dead.
 */
export async function deadRootLinks(backend: Backend, opts: {links?: RootLink[]; gone?: ReadonlySet<string>; names?: ReadonlySet<string>} = {}): Promise<RootLink[]> {
  const all = opts.links ?? (await listRootLinks(backend))
  const dead: RootLink[] = []
  const live = new Set<string>()
  for (const l of all) {
    if (l.dist === undefined) continue
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(l.key), l.target))
    const m = /^dists\/snapshots\/([^/]+)\/([^/]+)$/.exec(target)
    const named = !opts.names || /^[0-9a-f]{12}$/.test(l.id) || opts.names.has(l.id)
    if (named && m && m[2] === l.dist && !opts.gone?.has(target) && (await backend.stat(`${target}/Release`))) live.add(l.id)
    else dead.push(l)
  }
  for (const l of all) if (l.dist === undefined && (!live.has(l.id) || l.target !== relativeTo(l.key, 'pool'))) dead.push(l)
  return dead
}

/**
 * After a publish of `snap.dist` to `backend` (or one that found it live already): the
 * root of its pinned copy `pinned` and the roots of the archive's snapshot names. A
 * failure here does not undo the publish (it is live): it is told as a warning, and the
 * next publish writes the roots again. `first` (the distribution's first publication
 * there) also tells when the distribution cannot get apt's `Snapshots:` field.
 */
export async function snapshotRootsAfter(
  archive: Archive,
  backend: Backend,
  backendName: string,
  snap: {dist: string; settings: DistributionSettings},
  pinned: string | undefined,
  first: boolean,
  warn?: (message: string) => void,
): Promise<void> {
  if (!backend.links) return
  if (first) {
    const why = snapshotsFieldMissing(backend, snap.settings, snap.dist)
    if (why) warn?.(`${backendName}: ${why}`)
  }
  try {
    if (pinned && (await backend.stat(`${pinnedDir(pinned, snap.dist)}/Release`))) await writeSnapshotRoot(backend, pinned, snap.dist, pinned)
    await writeNameRoots(archive, backend, backendName, snap.dist)
  } catch (error) {
    warn?.(`${backendName}/${snap.dist}: snapshot roots not written (${error instanceof Error ? error.message : String(error)}); the next publish writes them`)
  }
}
