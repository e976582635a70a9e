import {CONFIG_PATH} from '../core/layout.js'
import type {Archive} from './archive.js'
import type {GitTrees} from './git-tree.js'
import {UnsafeEntryError, checkTreeChange, unsafeArchiveError} from './tree-check.js'

/** What a file of a pushed commit must be, by its path: the archive layer's schemas (archive/tree-check). */
export interface IncomingRules {
  /** The most bytes the file at `p` may have: a larger one is refused unread. */
  maxBytes(p: string): number
  /** Why the file at `p` is not what raptr writes there, or undefined; `text` reads it. */
  problem(p: string, text: () => Promise<string>): Promise<string | undefined>
}

/**
 * The walk of a commit raptr is about to take from git (see archive/tree-check): every
 * entry it adds or changes since `from` is a safe path of a regular file, the archive
 * keeps its raptr.json, and every such file passes `rules`. Throws UNSAFE_ARCHIVE naming
 * `where`, the commit and the path.
 */
export async function checkIncomingTrees(trees: GitTrees, from: string | undefined, to: string, where: string, rules: IncomingRules): Promise<void> {
  const treeOf = async (commit: string): Promise<string> => {
    const o = await trees.objects.read(commit)
    const tree = o.type === 'commit' ? /^tree ([0-9a-f]{40})$/m.exec(o.data.toString('utf8'))?.[1] : undefined
    if (!tree) throw unsafeArchiveError(where, to, commit, 'it is not a commit', 'an object')
    return tree
  }
  const newTree = await treeOf(to)
  const oldTree = from ? await treeOf(from) : undefined
  let files
  try {
    files = await checkTreeChange(trees, oldTree, newTree)
  } catch (error) {
    if (error instanceof UnsafeEntryError) throw unsafeArchiveError(where, to, error.path, error.reason)
    throw error
  }
  const config = await trees.entryAt(newTree, CONFIG_PATH)
  if (config?.type !== 'blob') throw unsafeArchiveError(where, to, CONFIG_PATH, 'it is missing: the archive would be unusable', 'no')
  for (const f of files) {
    // The size first, from the object's header: a huge blob is refused unread.
    const max = rules.maxBytes(f.path)
    const size = await trees.objects.size(f.oid)
    if (size > max) throw unsafeArchiveError(where, to, f.path, `it is ${size} bytes, more than raptr writes there (${max})`, 'an invalid file')
    const why = await rules.problem(f.path, async () => Buffer.from(await trees.readBlob(f.oid)).toString('utf8'))
    if (why) throw unsafeArchiveError(where, to, f.path, why, 'an invalid file')
  }
}

/** {@link checkIncomingTrees} for the archive's own repository. */
export async function checkIncomingArchive(archive: Archive, from: string | undefined, to: string, where: string, rules: IncomingRules): Promise<void> {
  await checkIncomingTrees(archive.trees, from, to, where, rules)
}
