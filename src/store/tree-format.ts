/** git's tree format: blob ids, parsing and ordering tree entries, refusing unsafe ones, and diffing two trees. */
import {createHash} from 'node:crypto'
import {RaptrError} from '../errors.js'
import {showPath, unsafeModeReason, unsafeNameReason} from '../core/tree-paths.js'

/** One entry of a git tree as isomorphic-git returns it. */
export interface TreeEntry {
  mode: string
  path: string
  oid: string
  type: 'blob' | 'tree' | 'commit'
}

/** Anything that reads a tree by id: GitTrees, in practice. */
export interface TreeSource {
  readTree(oid: string): Promise<TreeEntry[]>
}

export const TREE_MODE = '040000'

/** The git id of a blob of these bytes. Example: `blobOid(Buffer.from('')) === 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'` */
export function blobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

/**
 * Refuses the entries raptr would never write and must never follow — a name like `..`
 * or `.git` (any spelling, core/tree-paths), a symlink or a gitlink — so even a corrupt
 * or tampered local repository cannot lead a read (or a write built on one) outside the
 * archive. Every tree GitTrees reads passes here; the error's data names the entry for
 * store/tree-check.
 */
export function refuseUnsafeEntries(entries: TreeEntry[]): TreeEntry[] {
  for (const e of entries) {
    const why = unsafeNameReason(e.path) ?? (e.mode === '120000' || e.mode === '160000' ? unsafeModeReason(e.mode) : undefined)
    if (why) {
      throw new RaptrError('CORRUPT_ARCHIVE', `a git tree of the archive holds an unsafe entry ${showPath(e.path)}: ${why}`, 'check the repository with: git fsck; restore the archive from its remote', {
        entry: e.path,
        reason: why,
      })
    }
  }
  return entries
}

/** A tree object's entries (modes as isomorphic-git spells them: six digits), as they are. */
export function parseTree(data: Buffer): TreeEntry[] {
  const out: TreeEntry[] = []
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    const nul = space < 0 ? -1 : data.indexOf(0, space)
    if (space < 0 || nul < 0 || nul + 21 > data.length) throw new RaptrError('CORRUPT_ARCHIVE', 'a git tree of the archive is truncated', 'check the repository with: git fsck')
    const mode = data.toString('latin1', pos, space).padStart(6, '0')
    const name = data.toString('utf8', space + 1, nul)
    const oid = data.toString('hex', nul + 1, nul + 21)
    out.push({mode, path: name, oid, type: mode === TREE_MODE ? 'tree' : mode === '160000' ? 'commit' : 'blob'})
    pos = nul + 21
  }
  return out
}

/** git's tree order: names compare as bytes, a directory as if its name ended in '/'. */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const ka = Buffer.from(a.type === 'tree' ? `${a.path}/` : a.path)
  const kb = Buffer.from(b.type === 'tree' ? `${b.path}/` : b.path)
  return Buffer.compare(ka, kb)
}

/**
 * The files that differ between two trees, descending only into subtrees whose ids
 * differ. Returns [path, oldBlob | undefined, newBlob | undefined] triples.
 *
 * @example
 *   for (const [p, a, b] of await diffTrees(t, oldRoot, newRoot, 'dists/production')) …
 */
export async function diffTrees(
  t: TreeSource,
  a: string | undefined,
  b: string | undefined,
  prefix = '',
): Promise<Array<[string, string | undefined, string | undefined]>> {
  if (a === b) return []
  const out: Array<[string, string | undefined, string | undefined]> = []
  const ea = new Map((a ? await t.readTree(a) : []).map((e) => [e.path, e]))
  const eb = new Map((b ? await t.readTree(b) : []).map((e) => [e.path, e]))
  const names = new Set([...ea.keys(), ...eb.keys()])
  for (const name of [...names].sort()) {
    const x = ea.get(name)
    const y = eb.get(name)
    if (x?.oid === y?.oid) continue
    const p = prefix ? `${prefix}/${name}` : name
    const xt = x?.type === 'tree' ? x.oid : undefined
    const yt = y?.type === 'tree' ? y.oid : undefined
    if (xt || yt) out.push(...(await diffTrees(t, xt, yt, p)))
    const xb = x?.type === 'blob' ? x.oid : undefined
    const yb = y?.type === 'blob' ? y.oid : undefined
    if (xb !== yb) out.push([p, xb, yb])
  }
  return out
}

/** One file that differs between two trees, with its modes (for the work-tree sync). */
export interface FileChange {
  path: string
  old?: {oid: string; mode: string}
  new?: {oid: string; mode: string}
}

/**
 * Like {@link diffTrees}, but a change of mode alone counts and every entry that is not
 * a tree is a file (gitlinks included), with its mode: what git's index holds.
 */
export async function diffFiles(t: TreeSource, a: string | undefined, b: string | undefined, prefix = ''): Promise<FileChange[]> {
  if (a === b) return []
  const out: FileChange[] = []
  const ea = new Map((a ? await t.readTree(a) : []).map((e) => [e.path, e]))
  const eb = new Map((b ? await t.readTree(b) : []).map((e) => [e.path, e]))
  for (const name of new Set([...ea.keys(), ...eb.keys()])) {
    const x = ea.get(name)
    const y = eb.get(name)
    if (x?.oid === y?.oid && x?.mode === y?.mode) continue
    const p = prefix ? `${prefix}/${name}` : name
    const xt = x?.type === 'tree' ? x.oid : undefined
    const yt = y?.type === 'tree' ? y.oid : undefined
    if (xt || yt) out.push(...(await diffFiles(t, xt, yt, p)))
    const xf = x && x.type !== 'tree' ? {oid: x.oid, mode: x.mode} : undefined
    const yf = y && y.type !== 'tree' ? {oid: y.oid, mode: y.mode} : undefined
    if (xf || yf) out.push({path: p, old: xf, new: yf})
  }
  return out
}
