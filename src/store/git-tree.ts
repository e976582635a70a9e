import fs from 'node:fs'
import git from 'isomorphic-git'

/** One entry of a git tree as isomorphic-git returns it. */
export interface TreeEntry {
  mode: string
  path: string
  oid: string
  type: 'blob' | 'tree' | 'commit'
}

/** A pending change: new content for a file, or null to delete it. */
export type TreeChanges = Map<string, Uint8Array | null>

const TREE_MODE = '040000'
const FILE_MODE = '100644'

/**
 * Reads and writes git objects of one repository with memoized tree reads, so a
 * command that looks at many paths under the same trees reads each tree once.
 * Trees are immutable, so the memo never goes stale.
 *
 * @example
 *   const t = new GitTrees(dir); const text = await t.readText(treeOid, 'raptr.json')
 */
export class GitTrees {
  readonly dir: string
  private readonly trees = new Map<string, TreeEntry[]>()
  /** isomorphic-git's own cache for packfile reads. */
  private readonly cache = {}

  constructor(dir: string) {
    this.dir = dir
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    let entries = this.trees.get(oid)
    if (!entries) {
      const res = await git.readTree({fs, dir: this.dir, oid, cache: this.cache})
      entries = res.tree as TreeEntry[]
      this.trees.set(oid, entries)
    }
    return entries
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const res = await git.readBlob({fs, dir: this.dir, oid, cache: this.cache})
    return res.blob
  }

  /** The entry at `path` under the tree `root`, or undefined. */
  async entryAt(root: string, path: string): Promise<TreeEntry | undefined> {
    if (path === '') return {mode: TREE_MODE, path: '', oid: root, type: 'tree'}
    let oid = root
    const parts = path.split('/')
    for (let i = 0; i < parts.length; i++) {
      const entries = await this.readTree(oid)
      const e = entries.find((x) => x.path === parts[i])
      if (!e) return undefined
      if (i === parts.length - 1) return e
      if (e.type !== 'tree') return undefined
      oid = e.oid
    }
    return undefined
  }

  /** The text of the file at `path`, or undefined when there is none. */
  async readText(root: string, path: string): Promise<string | undefined> {
    const e = await this.entryAt(root, path)
    if (!e || e.type !== 'blob') return undefined
    return Buffer.from(await this.readBlob(e.oid)).toString('utf8')
  }

  /** The entries directly under `path` (empty when the path does not exist). */
  async list(root: string, path: string): Promise<TreeEntry[]> {
    const e = await this.entryAt(root, path)
    if (!e || e.type !== 'tree') return []
    return this.readTree(e.oid)
  }

  /**
   * Every file below the tree `oid`, as [path relative to it, blob oid], in git's
   * order. Used for index rendering and listings.
   */
  async walkFiles(oid: string, prefix = ''): Promise<Array<[string, string]>> {
    const out: Array<[string, string]> = []
    for (const e of await this.readTree(oid)) {
      const p = prefix ? `${prefix}/${e.path}` : e.path
      if (e.type === 'tree') out.push(...(await this.walkFiles(e.oid, p)))
      else if (e.type === 'blob') out.push([p, e.oid])
    }
    return out
  }

  async writeBlob(data: Uint8Array): Promise<string> {
    return git.writeBlob({fs, dir: this.dir, blob: data})
  }

  async writeTree(entries: TreeEntry[]): Promise<string> {
    const oid = await git.writeTree({fs, dir: this.dir, tree: entries})
    this.trees.set(oid, entries)
    return oid
  }

  /**
   * Applies `changes` to the tree `root` (undefined for an empty tree) and returns the
   * new root. Only the trees on the changed paths are rewritten, so every untouched
   * subtree keeps its id: that is what makes snapshots a Merkle tree that diffs and
   * publishes in O(change). Directories left empty disappear, as git wants.
   */
  async apply(root: string | undefined, changes: TreeChanges): Promise<string> {
    const oid = await this.applyAt(root, [...changes.entries()].map(([p, c]) => [p.split('/'), c]))
    return oid ?? (await this.writeTree([]))
  }

  private async applyAt(
    oid: string | undefined,
    changes: Array<[string[], Uint8Array | null]>,
  ): Promise<string | undefined> {
    const entries = new Map<string, TreeEntry>()
    if (oid) for (const e of await this.readTree(oid)) entries.set(e.path, e)
    const byChild = new Map<string, Array<[string[], Uint8Array | null]>>()
    for (const [parts, content] of changes) {
      const [head, ...rest] = parts
      if (rest.length === 0) {
        if (content === null) entries.delete(head)
        else entries.set(head, {mode: FILE_MODE, path: head, oid: await this.writeBlob(content), type: 'blob'})
      } else {
        let list = byChild.get(head)
        if (!list) byChild.set(head, (list = []))
        list.push([rest, content])
      }
    }
    for (const [name, sub] of byChild) {
      const cur = entries.get(name)
      const child = await this.applyAt(cur?.type === 'tree' ? cur.oid : undefined, sub)
      if (child === undefined) entries.delete(name)
      else entries.set(name, {mode: TREE_MODE, path: name, oid: child, type: 'tree'})
    }
    if (entries.size === 0) return undefined
    return this.writeTree([...entries.values()])
  }
}

/**
 * The files that differ between two trees, descending only into subtrees whose ids
 * differ. Returns [path, oldBlob | undefined, newBlob | undefined] triples.
 *
 * @example
 *   for (const [p, a, b] of await diffTrees(t, oldRoot, newRoot, 'dists/production')) …
 */
export async function diffTrees(
  t: GitTrees,
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
