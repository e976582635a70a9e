import {RaptrError} from '../errors.js'
import {DISTS, contentsPath, decodeCategory, distPath, encodeCategory} from '../core/layout.js'
import {validateSuiteName} from '../core/names.js'
import {listCategoryNames, readDistribution, type DistributionSettings} from '../archive/settings.js'
import type {Archive, ArchiveView} from '../store/archive.js'
import {blobOnce, entryBelow, filesBelow, listTree, subtreeAt} from '../store/tree-reads.js'

/**
 * The snapshot read model: what a distribution (of a commit, a pin, a named snapshot)
 * holds, read as typed rows, streaming where it can be large. The layers above (publish,
 * purge, verify, diff, pin, rollback, the pages, team) read snapshots here and never see
 * git trees; the ids it hands out are opaque: equal ids, equal content.
 */

/** One distribution as one snapshot has it. */
export interface DistSnapshot {
  commit: string
  dist: string
  /** The content id of the distribution in that snapshot (the publication log's `distTree`): equal ids mean equal published content. */
  distTree: string
  settings: DistributionSettings
  categories: string[]
}

/**
 * A distribution of a snapshot, with its settings and categories. Throws
 * UNKNOWN_DISTRIBUTION when the snapshot lacks it.
 *
 * @example const snap = await readDistSnapshot(archive, commit, 'stable')
 */
export async function readDistSnapshot(archive: Archive, commit: string, dist: string): Promise<DistSnapshot> {
  validateSuiteName(dist)
  const view = await archive.view(commit)
  const settings = await readDistribution(view, dist)
  if (!settings) {
    throw new RaptrError('UNKNOWN_DISTRIBUTION', `snapshot ${commit.slice(0, 12)} has no distribution "${dist}"`, 'list them with: raptr distribution list')
  }
  const distTree = await subtreeAt(archive, commit, distPath(dist))
  if (!distTree) throw new RaptrError('CORRUPT_ARCHIVE', `snapshot ${commit.slice(0, 12)} has settings for "${dist}" but no directory for it`, 'check the archive with: raptr verify')
  return {commit, dist, distTree, settings, categories: await listCategoryNames(view, dist)}
}

/** The content id of `dist` in a snapshot (see {@link DistSnapshot.distTree}), or undefined when it has none. */
export async function distContentId(archive: Archive, commit: string, dist: string): Promise<string | undefined> {
  return subtreeAt(archive, commit, distPath(dist))
}

/** The content ids of several distributions of one snapshot (its commit read once); those it lacks are left out. */
export async function distContentIds(archive: Archive, commit: string, dists: string[]): Promise<Record<string, string>> {
  const root = await archive.rootTree(commit)
  const out: Record<string, string> = {}
  for (const d of dists) {
    const e = await entryBelow(archive, root, distPath(d))
    if (e?.type === 'tree') out[d] = e.oid
  }
  return out
}

/** The content id of `dist` as a view (a transaction before its first write) sees it. */
export async function distContentIdIn(archive: Archive, view: ArchiveView, dist: string): Promise<string | undefined> {
  if (!view.base) return undefined
  const e = await entryBelow(archive, view.base, distPath(dist))
  return e?.type === 'tree' ? e.oid : undefined
}

/** The content id of every distribution of a snapshot together, or undefined. */
export async function allDistsContentId(archive: Archive, commit: string): Promise<string | undefined> {
  return subtreeAt(archive, commit, DISTS)
}

/** The distributions whose content differs between two commits (either may be absent), sorted as stored. */
export async function changedDistributions(archive: Archive, from: string | undefined, to: string | undefined): Promise<string[]> {
  if (!to || from === to) return []
  const [a, b] = await Promise.all([from ? allDistsContentId(archive, from) : undefined, allDistsContentId(archive, to)])
  if (a === b) return []
  const ea = new Map((a ? await listTree(archive, a) : []).map((e) => [e.path, e.oid]))
  const eb = new Map((b ? await listTree(archive, b) : []).map((e) => [e.path, e.oid]))
  // A distribution removed by the change has nothing left to publish.
  return [...eb.keys()].filter((d) => ea.get(d) !== eb.get(d))
}

/**
 * The link directories of one category of a distribution: `amd64`, `all`, `source`,
 * `amd64.udeb`, `all.ddeb`… each a list of shards (opaque ids) of links. Listing a
 * directory's shards reads one tree, on demand.
 */
export interface CategoryLinks {
  /** The link directories present, in stored order. */
  dirs: string[]
  /** The shards of one link directory, in order (each shard: the links of a few package names). */
  shardsOf: (dir: string) => Promise<string[]>
}

/** The link directories of `category` in a distribution's content (empty when it has none). */
export async function categoryLinks(archive: Archive, distTree: string, category: string): Promise<CategoryLinks> {
  const catEntry = await entryBelow(archive, distTree, encodeCategory(category))
  const dirs = catEntry?.type === 'tree' ? (await listTree(archive, catEntry.oid)).filter((e) => e.type === 'tree') : []
  const oidOf = new Map(dirs.map((e) => [e.path, e.oid]))
  return {
    dirs: [...oidOf.keys()],
    shardsOf: async (dir) => (await listTree(archive, oidOf.get(dir)!)).filter((s) => s.type === 'tree').map((s) => s.oid),
  }
}

/** The categories a distribution's content has link directories for (decoded names), or none when it is absent. */
export async function linkedCategories(archive: Archive, distTree: string | undefined): Promise<string[]> {
  if (!distTree) return []
  return (await listTree(archive, distTree)).filter((e) => e.type === 'tree').map((e) => decodeCategory(e.path))
}

/**
 * The link stanzas of one shard, each as stored (UTF-8, as raptr wrote it), in order,
 * each read once and let go (never memoized: a render reads a hundred thousand).
 */
export async function* shardStanzas(archive: Archive, shard: string): AsyncIterable<Buffer> {
  for (const [, blob] of await filesBelow(archive, shard)) yield await blobOnce(archive, blob)
}

/** The (name, encoded version) of every link of one shard, from the paths alone (no stanza read). */
export async function shardLinkNames(archive: Archive, shard: string): Promise<Array<[string, string]>> {
  return (await filesBelow(archive, shard)).map(([p]) => p.split('/') as [string, string])
}

/**
 * A reader of the file lists (Contents) a snapshot keeps beside its package records,
 * by the package file's SHA256: undefined for a package without one.
 */
export async function fileLists(archive: Archive, commit: string): Promise<(sha256: string) => Promise<Buffer | undefined>> {
  const root = await archive.rootTree(commit)
  return async (sha256) => {
    const list = await entryBelow(archive, root, contentsPath(sha256))
    return list?.type === 'blob' ? blobOnce(archive, list.oid) : undefined
  }
}
