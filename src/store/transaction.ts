import {blobOid, type GitTrees, type TreeChanges} from './git-tree.js'

/**
 * A snapshot's tree, read-only: what every function that only reads takes, so a view
 * can never be handed something that writes (a transaction is a view too).
 */
export class ArchiveView {
  protected readonly trees: GitTrees
  readonly base: string | undefined

  constructor(trees: GitTrees, base: string | undefined) {
    this.trees = trees
    this.base = base
  }

  async read(p: string): Promise<string | undefined> {
    if (!this.base) return undefined
    return this.trees.readText(this.base, p)
  }

  /** The git blob id of file `p`, or undefined when there is none: equal ids, equal bytes, without reading them. */
  async oidAt(p: string): Promise<string | undefined> {
    if (!this.base) return undefined
    const e = await this.trees.entryAt(this.base, p)
    return e?.type === 'blob' ? e.oid : undefined
  }

  /** The names directly under directory `p`. */
  async list(p: string): Promise<string[]> {
    if (!this.base) return []
    return (await this.trees.list(this.base, p)).map((e) => e.path).sort()
  }
}

/**
 * Pending changes on top of a base tree. Reads see the pending writes, so a command
 * can make several dependent changes in one commit.
 *
 * A large transaction (a bulk add of tens of thousands of packages) does not hold every
 * change until its commit: at a `checkpoint` its pending changes are written into a tree
 * of their own (trees and blobs in one packfile), which reads see from then on as their
 * base, and only the changes after it are held. The branch still moves only at the
 * commit, to the last tree: the trees of a transaction that never commits are
 * unreferenced garbage (`git gc` removes them).
 */
export class Transaction extends ArchiveView {
  readonly changes: TreeChanges = new Map()
  /** The tree the changes apply to: the commit's at first, the last checkpoint's after. */
  private root: string | undefined
  /** What checkpoints applied: how many paths, and their top directories (for the work-tree sync). */
  private applied = 0
  private readonly appliedDirs = new Set<string>()

  constructor(trees: GitTrees, base: string | undefined) {
    super(trees, base)
    this.root = base
  }

  write(p: string, content: string | Uint8Array): void {
    this.changes.set(p, typeof content === 'string' ? Buffer.from(content, 'utf8') : content)
  }

  /** Sets file `p` to a blob already written (GitTrees.writeHashedBlobs): a bulk add stages ids, not bytes. */
  writeBlobId(p: string, oid: string): void {
    this.changes.set(p, {oid})
  }

  /**
   * Writes the pending changes into a tree now, when there are at least `atLeast` of
   * them, and lets go of them. Call it between steps, never while another read or write
   * of this transaction is under way.
   */
  async checkpoint(atLeast = 0): Promise<void> {
    if (this.changes.size === 0 || this.changes.size < atLeast) return
    this.root = await this.trees.apply(this.root, this.changes)
    this.applied += this.changes.size
    for (const d of compressPaths([...this.changes.keys()])) this.appliedDirs.add(d)
    this.changes.clear()
  }

  /** True when something was written (the tree may still come out the same). */
  get changed(): boolean {
    return this.applied > 0 || this.changes.size > 0
  }

  /** How many paths were written, checkpoints included. */
  get changedCount(): number {
    return this.applied + this.changes.size
  }

  /** The changed paths, or after a checkpoint their top directories: what a work-tree sync covers. */
  changedPaths(): string[] {
    const paths = [...this.changes.keys()]
    return this.applied === 0 ? paths : [...new Set([...this.appliedDirs, ...compressPaths(paths)])]
  }

  /** The transaction's tree: the last checkpoint's with the pending changes applied. */
  async tree(): Promise<string | undefined> {
    return this.changes.size === 0 ? this.root : this.trees.apply(this.root, this.changes)
  }

  /** Deletes a file or a whole directory. */
  remove(p: string): void {
    for (const k of [...this.changes.keys()]) if (k.startsWith(`${p}/`)) this.changes.delete(k)
    this.changes.set(p, null)
  }

  private deletedAbove(p: string): boolean {
    const parts = p.split('/')
    for (let i = 1; i < parts.length; i++) {
      if (this.changes.get(parts.slice(0, i).join('/')) === null) return true
    }
    return false
  }

  override async read(p: string): Promise<string | undefined> {
    if (this.changes.has(p)) {
      const c = this.changes.get(p)
      if (!c) return undefined
      if (c instanceof Uint8Array) return Buffer.from(c).toString('utf8')
      // Staged by id: read back, not cached (a bulk add reads each of its files once).
      const o = await this.trees.objects.read(c.oid)
      return o.data.toString('utf8')
    }
    if (this.deletedAbove(p) || !this.root) return undefined
    return this.trees.readText(this.root, p)
  }

  override async oidAt(p: string): Promise<string | undefined> {
    if (this.changes.has(p)) {
      const c = this.changes.get(p)
      if (!c) return undefined
      return c instanceof Uint8Array ? blobOid(c) : c.oid
    }
    if (this.deletedAbove(p) || !this.root) return undefined
    const e = await this.trees.entryAt(this.root, p)
    return e?.type === 'blob' ? e.oid : undefined
  }

  /** The names directly under directory `p`, including pending writes. */
  override async list(p: string): Promise<string[]> {
    const names = new Set<string>()
    if (this.changes.get(p) !== null && !this.deletedAbove(p) && this.root) {
      for (const e of await this.trees.list(this.root, p)) names.add(e.path)
    }
    const prefix = p === '' ? '' : `${p}/`
    for (const [k, v] of this.changes) {
      if (!k.startsWith(prefix)) continue
      const rest = k.slice(prefix.length)
      const [head, ...tail] = rest.split('/')
      if (v === null && tail.length === 0) names.delete(head)
      else if (v !== null) names.add(head)
    }
    return [...names].sort()
  }
}

/**
 * Many changed paths collapse to their top directories so the work-tree sync stays a
 * few prefix matches instead of thousands.
 */
export function compressPaths(paths: string[]): string[] {
  if (paths.length <= 64) return paths
  const tops = new Set(paths.map((p) => p.split('/').slice(0, 2).join('/')))
  if (tops.size <= 64) return [...tops]
  return [...new Set(paths.map((p) => p.split('/')[0]))]
}
