import {RaptrError} from '../errors.js'
import {ARCHIVE_TOP_LEVEL} from '../core/layout.js'
import {showPath, unsafeModeReason, unsafePathReason} from '../core/tree-paths.js'
import type {GitTrees, TreeEntry} from './git-tree.js'

/** One file a checked tree adds or changes. */
export interface CheckedFile {
  path: string
  oid: string
}

/** A tree entry refused by {@link checkTreeChange}: where, and why. */
export class UnsafeEntryError extends Error {
  readonly path: string
  readonly reason: string

  constructor(p: string, reason: string) {
    super(`unsafe path ${showPath(p)}: ${reason}`)
    this.path = p
    this.reason = reason
  }
}

/**
 * Checks every entry that `newTree` adds or changes against `oldTree` (undefined: the
 * whole tree, as for a clone) before anything moves: each path is safe
 * (core/tree-paths), each mode is a regular file or a tree, each top-level name is one
 * raptr writes. Only subtrees whose ids differ are read, so the cost follows the
 * change, not the archive. Returns the files added or changed, for the caller to
 * check their contents; throws {@link UnsafeEntryError} at the first bad entry.
 *
 * @example
 *   for (const f of await checkTreeChange(trees, oursTree, theirsTree)) …
 */
export async function checkTreeChange(trees: GitTrees, oldTree: string | undefined, newTree: string): Promise<CheckedFile[]> {
  const out: CheckedFile[] = []
  await walk(trees, oldTree, newTree, '', out)
  return out
}

async function walk(trees: GitTrees, a: string | undefined, b: string, prefix: string, out: CheckedFile[]): Promise<void> {
  if (a === b) return
  const read = async (oid: string): Promise<TreeEntry[]> => {
    try {
      return await trees.readTree(oid)
    } catch (error) {
      // GitTrees.readTree (refuseUnsafeEntries) names the refused entry; anything else (a missing object, a blob where a tree should be) is the directory's fault.
      const entry = (error as RaptrError).data?.entry
      if (typeof entry === 'string') throw new UnsafeEntryError(prefix ? `${prefix}/${entry}` : entry, String((error as RaptrError).data.reason))
      throw new UnsafeEntryError(prefix || '(root)', `its tree cannot be read (${(error as Error).message})`)
    }
  }
  const before = new Map((a ? await read(a).catch(() => [] as TreeEntry[]) : []).map((e) => [e.path, e]))
  for (const e of await read(b)) {
    const x = before.get(e.path)
    if (x && x.oid === e.oid && x.mode === e.mode) continue
    const p = prefix ? `${prefix}/${e.path}` : e.path
    const why = unsafePathReason(p) ?? unsafeModeReason(e.mode) ?? (prefix === '' && !ARCHIVE_TOP_LEVEL.has(e.path) ? 'raptr writes no such name at the top of an archive' : undefined)
    if (why) throw new UnsafeEntryError(p, why)
    if (e.type === 'tree') await walk(trees, x?.type === 'tree' ? x.oid : undefined, e.oid, p, out)
    else out.push({path: p, oid: e.oid})
  }
}

/**
 * The error for a tree that fails its check: one line naming where it came from, the
 * commit and the path. Exit 3: the archive is left exactly as it was.
 */
export function unsafeArchiveError(where: string, commit: string, p: string, reason: string, what = 'an unsafe path'): RaptrError {
  return new RaptrError(
    'UNSAFE_ARCHIVE',
    `the archive at ${where} (${commit.slice(0, 12)}) holds ${what} ${showPath(p)}: ${reason}; nothing was changed`,
    'the local archive is as it was; whoever pushed that commit must replace it with one raptr made (git log the remote branch to find it)',
    {commit, path: p, reason},
  )
}
