import {RaptrError} from '../errors.js'
import type {Archive} from './archive.js'
import {diffTrees, type TreeEntry} from './git-tree.js'
import {mergeArchiveTrees, type TreeMerge} from './merge.js'

/**
 * The store's named entry points for the layers above it. Nothing outside src/store/
 * touches `archive.trees`: the snapshot read model (src/snapshot/) reads trees through
 * these functions, and everything else reads snapshots through it. Ids handed out here
 * are git object ids; above the read model they are opaque (equal id, equal content).
 */

/** The id of the subtree at `p` ('dists/stable') of a commit's root, or undefined when there is none (or it is a file). */
export async function subtreeAt(archive: Archive, commit: string, p: string): Promise<string | undefined> {
  const e = await archive.trees.entryAt(await archive.rootTree(commit), p)
  return e?.type === 'tree' ? e.oid : undefined
}

/** The entry at `p` below the tree `tree` (a blob or a tree), or undefined. */
export async function entryBelow(archive: Archive, tree: string, p: string): Promise<TreeEntry | undefined> {
  return archive.trees.entryAt(tree, p)
}

/** The entries of one tree, as git stores them (names sorted). */
export async function listTree(archive: Archive, tree: string): Promise<TreeEntry[]> {
  return archive.trees.readTree(tree)
}

/** Every file below a tree, as [path relative to it, blob id], in path order. */
export async function filesBelow(archive: Archive, tree: string): Promise<Array<[string, string]>> {
  return archive.trees.walkFiles(tree)
}

/** A blob's bytes through the archive's memo of small blobs (for blobs read again soon). */
export async function blobBytes(archive: Archive, blob: string): Promise<Uint8Array> {
  return archive.trees.readBlob(blob)
}

/**
 * A blob read past the archive's memo of small blobs: rendering reads each stanza and
 * file list once, and memoizing a hundred thousand of them would hold several times
 * their bytes (each keeps alive the shared buffer it was cut from).
 */
export async function blobOnce(archive: Archive, blob: string): Promise<Buffer> {
  const o = await archive.trees.objects.read(blob)
  if (o.type !== 'blob') throw new RaptrError('CORRUPT_ARCHIVE', `git object ${blob} is a ${o.type}, not a blob`, 'check the archive: git fsck')
  return o.data
}

/**
 * The files that differ between two trees (either may be absent), descending only into
 * subtrees whose ids differ: [path, old blob | undefined, new blob | undefined].
 */
export async function changedFiles(archive: Archive, a: string | undefined, b: string | undefined, prefix = ''): Promise<Array<[string, string | undefined, string | undefined]>> {
  return diffTrees(archive.trees, a, b, prefix)
}

/** The three-way merge of two archive root trees (see store/merge). */
export async function mergeRoots(archive: Archive, base: string | undefined, ours: string, theirs: string): Promise<TreeMerge> {
  return mergeArchiveTrees(archive.trees, base, ours, theirs)
}

/** Writes blobs whose ids the caller computed (a transaction's pending package records). */
export async function writeHashedBlobs(archive: Archive, blobs: ReadonlyArray<readonly [string, Uint8Array]>): Promise<void> {
  await archive.trees.writeHashedBlobs(blobs)
}
