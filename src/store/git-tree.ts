import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import {ObjectReader} from './object-reader.js'
import {fsyncDir} from './atomic-file.js'
import {compareTreeEntries, parseTree, refuseUnsafeEntries, TREE_MODE, type TreeEntry} from './tree-format.js'
import {writeDurable, writePack} from './pack-writer.js'

export {blobOid, diffFiles, diffTrees, parseTree, refuseUnsafeEntries, type FileChange, type TreeEntry} from './tree-format.js'

/** A file's content already written as a git blob: only its id is held. */
export interface WrittenBlob {
  oid: string
}

/** A pending change: new content for a file (its bytes, or a blob already written), or null to delete it. */
export type TreeChanges = Map<string, Uint8Array | WrittenBlob | null>

// A change of this many objects or more is a bulk one (see writeTree).
const BULK_OBJECTS = 5000
const FILE_MODE = '100644'
// Tree entries memoized at most (about 150 bytes each).
const MAX_MEMO_ENTRIES = 100_000

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
  readonly objects: ObjectReader
  private readonly trees = new Map<string, TreeEntry[]>()
  private memoEntries = 0

  constructor(dir: string) {
    this.dir = dir
    this.objects = new ObjectReader(path.join(dir, '.git'))
  }

  async readTree(oid: string): Promise<TreeEntry[]> {
    let entries = this.trees.get(oid)
    if (!entries) {
      entries = refuseUnsafeEntries(parseTree(await this.readTyped(oid, 'tree')))
      // A bulk change reads the trees of each of its checkpoints: the memo starts over
      // rather than hold them all.
      if (this.memoEntries >= MAX_MEMO_ENTRIES) {
        this.trees.clear()
        this.memoEntries = 0
      }
      this.trees.set(oid, entries)
      this.memoEntries += entries.length
    }
    return entries
  }

  async readBlob(oid: string): Promise<Uint8Array> {
    const hit = this.blobs.get(oid)
    if (hit) return hit
    const blob = await this.readTyped(oid, 'blob')
    // Settings and category markers are read once per package in a bulk add: keep the small
    // ones, each in its own memory (a view into a shared buffer would keep all of that alive).
    if (blob.length < 4096 && this.blobs.size < 100_000) {
      const own = new Uint8Array(blob.length)
      own.set(blob)
      this.blobs.set(oid, own)
    }
    return blob
  }

  private async readTyped(oid: string, type: 'tree' | 'blob'): Promise<Buffer> {
    const o = await this.objects.read(oid)
    if (o.type !== type) throw new Error(`git object ${oid} is a ${o.type}, not a ${type}`)
    return o.data
  }

  private readonly blobs = new Map<string, Uint8Array>()

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
    return this.writeObject('blob', data)
  }

  async writeTree(entries: TreeEntry[]): Promise<string> {
    const sorted = [...entries].sort(compareTreeEntries)
    const parts: Buffer[] = []
    for (const e of sorted) {
      parts.push(Buffer.from(`${e.mode === TREE_MODE ? '40000' : e.mode} ${e.path}\0`, 'utf8'), Buffer.from(e.oid, 'hex'))
    }
    const oid = await this.writeObject('tree', Buffer.concat(parts))
    // A bulk change writes tens of thousands of trees that nothing reads again in this
    // process; memoizing them all is most of its memory. They are read from the pack if needed.
    if (!this.batch || this.batch.size < BULK_OBJECTS) {
      this.trees.set(oid, sorted)
      this.memoEntries += sorted.length
    }
    return oid
  }

  /** Writes a commit object (loose, never batched): the text as git writes it. */
  async writeCommit(text: string): Promise<string> {
    return this.writeObject('commit', Buffer.from(text, 'utf8'))
  }

  /**
   * Writes a loose object the way git does (zlib of "type size\0content", named by its
   * SHA-1). Done here rather than through isomorphic-git because a bulk add writes
   * thousands of objects and isomorphic-git's generic path (async hashing, existence
   * checks through its fs wrapper) is several times slower. An existing object is
   * never rewritten; a new one appears by rename, complete or not at all.
   */
  private async writeObject(type: 'blob' | 'tree' | 'commit', content: Uint8Array): Promise<string> {
    const header = Buffer.from(`${type} ${content.length}\0`, 'utf8')
    const oid = createHash('sha1').update(header).update(content).digest('hex')
    if (this.batch && type !== 'commit') {
      this.batch.set(oid, {type, content})
      return oid
    }
    await this.writeLoose(oid, header, content)
    return oid
  }

  private async writeLoose(oid: string, header: Uint8Array, content: Uint8Array): Promise<void> {
    await this.writeLooseMany([{oid, header, content}])
  }

  /**
   * Loose objects made durable together: every temp file written, then fsynced (side by
   * side, so the disk can coalesce them), then renamed into place, then each object
   * directory fsynced once. Objects must be on disk before a ref can name them: the
   * caller moves the branch only after this returns.
   */
  private async writeLooseMany(objects: Array<{oid: string; header: Uint8Array; content: Uint8Array}>): Promise<void> {
    const todo = objects
      .map((o) => ({...o, file: path.join(this.dir, '.git', 'objects', o.oid.slice(0, 2), o.oid.slice(2))}))
      .filter((o) => !fs.existsSync(o.file))
    if (todo.length === 0) return
    const dirs = new Set(todo.map((o) => path.dirname(o.file)))
    for (const d of dirs) await fs.promises.mkdir(d, {recursive: true})
    const written = await Promise.all(
      todo.map(async (o) => {
        const tmp = `${o.file}.${process.pid}.tmp`
        await writeDurable(tmp, zlib.deflateSync(Buffer.concat([o.header, o.content]), {level: 1}))
        return {tmp, file: o.file}
      }),
    )
    for (const w of written) await fs.promises.rename(w.tmp, w.file)
    await Promise.all([...dirs].map((d) => fsyncDir(d)))
  }

  private batch: Map<string, {type: 'blob' | 'tree'; content: Uint8Array}> | undefined

  /**
   * Writes [id, content] pairs (ids from {@link blobOid}) as blobs now, outside of any
   * tree (a few as loose objects, many as one packfile): what lets a bulk add keep ids
   * instead of bytes. Until a commit names them they are unreferenced garbage, which
   * `git gc` removes.
   */
  async writeHashedBlobs(blobs: ReadonlyArray<readonly [string, Uint8Array]>): Promise<void> {
    const objects = new Map<string, {type: 'blob'; content: Uint8Array}>()
    for (const [oid, content] of blobs) objects.set(oid, {type: 'blob', content})
    if (objects.size === 0) return
    if (objects.size < 64) {
      await this.writeLooseMany([...objects].map(([oid, o]) => ({oid, header: Buffer.from(`blob ${o.content.length}\0`, 'utf8'), content: o.content})))
    } else {
      await writePack(path.join(this.dir, '.git', 'objects', 'pack'), objects)
    }
  }

  /**
   * Collects the objects written until `flush`, then stores them: a few as loose
   * objects, many as one packfile with its index — one file instead of thousands, which
   * is what makes adding 10,000 packages take seconds.
   */
  private async flush(): Promise<void> {
    const objects = this.batch
    this.batch = undefined
    if (!objects || objects.size === 0) return
    if (objects.size < 64) {
      await this.writeLooseMany([...objects].map(([oid, o]) => ({oid, header: Buffer.from(`${o.type} ${o.content.length}\0`, 'utf8'), content: o.content})))
      return
    }
    await writePack(path.join(this.dir, '.git', 'objects', 'pack'), objects)
  }

  /**
   * Applies `changes` to the tree `root` (undefined for an empty tree) and returns the
   * new root. Only the trees on the changed paths are rewritten, so every untouched
   * subtree keeps its id: that is what makes snapshots a Merkle tree that diffs and
   * publishes in O(change). Directories left empty disappear, as git wants.
   */
  async apply(root: string | undefined, changes: TreeChanges): Promise<string> {
    this.batch = new Map()
    try {
      const oid = (await this.applyAt(root, [...changes.entries()].map(([p, c]) => [p.split('/'), c]))) ?? (await this.writeTree([]))
      await this.flush()
      return oid
    } finally {
      this.batch = undefined
    }
  }

  private async applyAt(
    oid: string | undefined,
    changes: Array<[string[], Uint8Array | WrittenBlob | null]>,
  ): Promise<string | undefined> {
    const entries = new Map<string, TreeEntry>()
    if (oid) for (const e of await this.readTree(oid)) entries.set(e.path, e)
    const byChild = new Map<string, Array<[string[], Uint8Array | WrittenBlob | null]>>()
    for (const [parts, content] of changes) {
      const [head, ...rest] = parts
      if (rest.length === 0) {
        if (content === null) entries.delete(head)
        else {
          const blob = content instanceof Uint8Array ? await this.writeBlob(content) : content.oid
          entries.set(head, {mode: FILE_MODE, path: head, oid: blob, type: 'blob'})
        }
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
