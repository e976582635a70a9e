import {classifyPath, decidePath, linkDependencies, reconcileLink, type MergeConflict} from '../core/merge-decision.js'
import {diffTrees, type GitTrees} from './git-tree.js'

/** The result of merging their tree into ours: the merged root, or the conflicts that stop it. */
export interface TreeMerge {
  /** The merged root tree (written), undefined when there are conflicts. */
  tree?: string
  conflicts: MergeConflict[]
  /** Paths that came in from their side. */
  incoming: string[]
  /** Links removed or rewritten because the other side removed or replaced what they show. */
  reconciled: string[]
}

/**
 * Three-way merge of archive trees: the files each side changed since the merge base
 * (found by walking only the subtrees whose ids differ, so the cost follows the change,
 * not the archive), decided path by path by core/merge-decision, then links checked
 * against the merged records. Nothing is merged as text and no conflict markers are ever
 * written: on any conflict no tree is returned.
 *
 * @example
 *   const m = await mergeArchiveTrees(archive.trees, baseTree, oursTree, theirsTree)
 *   if (m.conflicts.length === 0) … m.tree …
 */
export async function mergeArchiveTrees(trees: GitTrees, base: string | undefined, ours: string, theirs: string): Promise<TreeMerge> {
  const ourDiff = new Map((await diffTrees(trees, base, ours)).map(([p, , b]) => [p, b]))
  const theirDiff = await diffTrees(trees, base, theirs)
  const read = async (oid: string | undefined): Promise<Uint8Array | undefined> => (oid ? trees.readBlob(oid) : undefined)
  const changes = new Map<string, Uint8Array | null>()
  const conflicts: MergeConflict[] = []
  const incoming: string[] = []
  for (const [p, baseOid, theirOid] of theirDiff) {
    if (!ourDiff.has(p)) {
      changes.set(p, (await read(theirOid)) ?? null)
      incoming.push(p)
      continue
    }
    const ourOid = ourDiff.get(p)
    if (ourOid === theirOid) continue
    const d = decidePath(p, await read(baseOid), await read(ourOid), await read(theirOid))
    if ('conflict' in d) {
      conflicts.push(d.conflict)
      continue
    }
    const current = await read(ourOid)
    const unchanged = d.content === undefined ? current === undefined : current !== undefined && Buffer.from(d.content).equals(Buffer.from(current))
    if (!unchanged) {
      changes.set(p, d.content ?? null)
      incoming.push(p)
    }
  }
  if (conflicts.length > 0) return {conflicts, incoming, reconciled: []}

  // The merged content of a path: what the merge decided, else ours.
  const merged = async (p: string): Promise<Uint8Array | undefined> => {
    if (changes.has(p)) return changes.get(p) ?? undefined
    const e = await trees.entryAt(ours, p)
    return e?.type === 'blob' ? trees.readBlob(e.oid) : undefined
  }
  const reconciled: string[] = []
  const links = new Set([...ourDiff.keys(), ...theirDiff.map(([p]) => p)].filter((p) => classifyPath(p) === 'link'))
  for (const p of [...links].sort()) {
    const deps = linkDependencies(p)
    const r = reconcileLink(await merged(p), await merged(deps.record), (await merged(deps.category)) !== undefined, (await merged(deps.distribution)) !== undefined)
    if (r.changed) {
      changes.set(p, r.content ?? null)
      reconciled.push(p)
    }
  }
  const tree = changes.size === 0 ? ours : await trees.apply(ours, changes)
  return {tree, conflicts, incoming, reconciled}
}
