import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {mark} from '../core/timing.js'
import {CONFIG_PATH} from '../core/layout.js'
import {BlobCache} from './blob-cache.js'
import {fsyncDir, writeFileAtomic} from './atomic-file.js'
import {commitStep} from './kill-point.js'
import {GitTrees, blobOid, diffFiles, diffTrees, type TreeChanges} from './git-tree.js'
import {acquireLock} from './lock.js'
import {gitArgs, gitEnv} from './git-remote.js'
import {UnsafeEntryError, checkTreeChange, unsafeArchiveError} from './tree-check.js'
import {WorkTreeWriter} from './work-tree-writer.js'
import {contextFromEnv, encodeMessage, type RaptrEvent} from '../core/events.js'

const FILE_MODE = '100644'
// Above this many changed files a commit's work-tree sync is left to git read-tree.
const MAX_FILES_SYNCED = 2000


/** What a transaction's body returns: the commit's message and events, and the caller's result. */
export interface TransactionResult<T> {
  message: string
  events?: RaptrEvent[]
  result: T
  /** Commit even when no file changed (an event worth keeping, e.g. a purge of the blob cache). */
  record?: boolean
}

export interface CommitInfo {
  id: string
  tree: string
  parents: string[]
  message: string
  author: string
  /** Seconds since the epoch. */
  timestamp: number
}

/**
 * A raptr archive: a git repository whose commits are snapshots. Reads go through
 * memoized trees; every change goes through `transaction`, which holds the archive
 * lock, writes objects, then moves the branch ref last (atomically), so a crash
 * leaves the archive at its last commit.
 *
 * @example
 *   const a = await Archive.open('.')
 *   await a.transaction(async (tx) => { tx.write('x', 'y'); return {message: 'x set', events: [], result: null} })
 */
export class Archive {
  readonly dir: string
  readonly gitDir: string
  readonly trees: GitTrees
  readonly blobs: BlobCache

  private constructor(dir: string) {
    this.dir = dir
    this.gitDir = path.join(dir, '.git')
    this.trees = new GitTrees(dir)
    this.blobs = new BlobCache(path.join(this.gitDir, 'raptr', 'blobs'))
  }

  /** Creates an archive in `dir` (created when missing). Idempotent: an existing archive is returned as it is. */
  static async init(dir: string, initialFiles: Record<string, string>): Promise<{archive: Archive; created: boolean}> {
    const abs = path.resolve(dir)
    const existing = findArchiveRoot(abs)
    if (existing === abs) {
      const archive = await Archive.open(abs)
      return {archive, created: false}
    }
    await fs.promises.mkdir(abs, {recursive: true})
    if (fs.existsSync(path.join(abs, '.git'))) {
      throw new RaptrError('ALREADY_EXISTS', `${dir} is a git repository but not a raptr archive`, 'choose an empty directory for the archive')
    }
    const git = await isomorphicGit()
    await git.init({fs, dir: abs, defaultBranch: 'main'})
    const archive = new Archive(abs)
    await fs.promises.writeFile(path.join(archive.gitDir, 'info', 'exclude'), '# raptr keeps its blob cache inside .git\n', {flag: 'a'})
    await archive.transaction((tx) => {
      for (const [p, content] of Object.entries(initialFiles)) tx.write(p, content)
      return {message: 'archive created', events: [{v: 1, type: 'ArchiveCreated'}], result: null}
    })
    return {archive, created: true}
  }

  /** Opens the archive that contains `dir` (searching upwards, as git does). */
  static async open(dir: string): Promise<Archive> {
    const root = findArchiveRoot(path.resolve(dir))
    if (!root) {
      throw new RaptrError('NOT_AN_ARCHIVE', `${dir} is not inside a raptr archive`, 'create one with: raptr init DIR (or pass --archive DIR)')
    }
    const archive = new Archive(root)
    await archive.finishPendingSync()
    return archive
  }

  /** The branch the archive's HEAD points to (main for archives raptr created). */
  async branch(): Promise<string> {
    const head = (await fs.promises.readFile(path.join(this.gitDir, 'HEAD'), 'utf8')).trim()
    if (!head.startsWith('ref: refs/heads/')) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has a detached HEAD', 'check out its branch with: git checkout main')
    return head.slice('ref: refs/heads/'.length)
  }

  /** The current snapshot (HEAD commit id), or undefined for a repository with no commit yet. */
  async head(): Promise<string | undefined> {
    const head = (await fs.promises.readFile(path.join(this.gitDir, 'HEAD'), 'utf8')).trim()
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40}$/.test(head) ? head : undefined
    const ref = head.slice('ref: '.length)
    try {
      return (await fs.promises.readFile(path.join(this.gitDir, ref), 'utf8')).trim()
    } catch {
      // not a loose ref: git pack-refs may have moved it to packed-refs
    }
    const packed = await fs.promises.readFile(path.join(this.gitDir, 'packed-refs'), 'utf8').catch(() => '')
    for (const line of packed.split('\n')) {
      const [oid, name] = line.split(' ')
      if (name === ref && /^[0-9a-f]{40}$/.test(oid)) return oid
    }
    return undefined
  }

  async readCommit(oid: string): Promise<CommitInfo> {
    const o = await this.trees.objects.read(oid)
    if (o.type !== 'commit') throw new Error(`git object ${oid} is a ${o.type}, not a commit`)
    return parseCommit(oid, o.data.toString('utf8'))
  }

  /** The root tree of `commit` (default HEAD). */
  async rootTree(commit?: string): Promise<string> {
    const id = commit ?? (await this.head())
    if (!id) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has no commit', 'run: raptr init')
    return (await this.readCommit(id)).tree
  }

  /** Expands a full or abbreviated commit id (at least 4 hex digits) to the full id. */
  async expandCommit(ref: string): Promise<string | undefined> {
    if (!/^[0-9a-f]{4,40}$/.test(ref)) return undefined
    const ids = ref.length === 40 ? [ref] : await this.trees.objects.expand(ref)
    if (ids.length > 1) throw new RaptrError('AMBIGUOUS', `snapshot id ${ref} is ambiguous`, 'give more digits of the id')
    if (ids.length === 0) return undefined
    try {
      return (await this.readCommit(ids[0])).id
    } catch {
      return undefined
    }
  }

  /**
   * Commits from `from` (default HEAD) back to the first, newest first, first-parent and
   * merged; with `since` (seconds since the epoch), the walk stops at the first commit
   * older than that, as `git log --since` does.
   */
  async log(from?: string, depth?: number, since?: number): Promise<CommitInfo[]> {
    const ref = from ?? (await this.head())
    if (!ref) return []
    // Newest first by commit time, each commit once, as git log shows them.
    const out: CommitInfo[] = []
    const seen = new Set([ref])
    const queue = [await this.readCommit(ref)]
    while (queue.length > 0 && (depth === undefined || out.length < depth)) {
      queue.sort((a, b) => b.timestamp - a.timestamp)
      const c = queue.shift()!
      if (since !== undefined && c.timestamp < since) break
      out.push(c)
      for (const p of c.parents) {
        if (seen.has(p)) continue
        seen.add(p)
        queue.push(await this.readCommit(p))
      }
    }
    return out
  }

  /** True when `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const seen = new Set([descendant])
    const queue = [descendant]
    while (queue.length > 0) {
      const id = queue.pop()!
      if (id === ancestor) return true
      for (const p of (await this.readCommit(id)).parents) {
        if (!seen.has(p)) {
          seen.add(p)
          queue.push(p)
        }
      }
    }
    return false
  }

  /** A read-only view of a snapshot (default HEAD), with the same read API as a transaction. */
  async view(commit?: string): Promise<ArchiveView> {
    const id = commit ?? (await this.head())
    return new ArchiveView(this.trees, id ? await this.rootTree(id) : undefined)
  }

  /**
   * Runs `fn` under the archive lock against the current tree and commits what it
   * changed as one commit named by the returned message and carrying the returned
   * events (src/core/events.ts). When nothing changed, no commit is made (commands are
   * idempotent) unless `record` asks for one: an event worth keeping that changes no
   * file (a purge of the blob cache). A thrown error leaves the archive as it was:
   * nothing reaches the branch until every object is written.
   */
  async transaction<T>(fn: (tx: Transaction) => TransactionResult<T> | Promise<TransactionResult<T>>): Promise<{commit?: string; result: T}> {
    const release = acquireLock(this.gitDir)
    try {
      const parent = await this.head()
      const base = parent ? await this.rootTree(parent) : undefined
      const tx = new Transaction(this.trees, base)
      const {message, events = [], result, record} = await fn(tx)
      const empty = record === true && events.length > 0 && base !== undefined
      if (!tx.changed && !empty) return {result}
      commitStep(1)
      const tree = (await tx.tree()) ?? (await this.trees.apply(undefined, new Map()))
      mark('commit: trees written')
      if (tree === base && !empty) return {result}
      commitStep(2)
      const commit = await this.writeCommit(tree, parent ? [parent] : [], encodeMessage(message, events, contextFromEnv()))
      await this.moveBranch(commit, base, tree, tx.changedPaths(), tx.changedCount, (p) => {
        const c = tx.changes.get(p)
        return c instanceof Uint8Array ? c : undefined
      })
      mark('commit: branch moved, work tree synced')
      return {commit, result}
    } finally {
      release()
    }
  }

  /**
   * Moves the branch to `target` — a commit already in the repository, or a new commit of
   * `tree` with `parents` (a merge has two) — if it is still at `expected`; the work tree
   * follows as after any commit. Returns the commit the branch is at. The target's tree
   * came from elsewhere: its paths and modes are checked (store/tree-check) before
   * anything moves, and a refusal names `where` it came from (UNSAFE_ARCHIVE).
   *
   * @example
   *   await archive.advance({tree, parents: [ours, theirs], message: 'merged …', events: [merged]}, ours)
   */
  async advance(target: string | {tree: string; parents: string[]; message: string; events: RaptrEvent[]}, expected: string | undefined, where = 'its remote'): Promise<string> {
    const release = acquireLock(this.gitDir)
    try {
      const head = await this.head()
      if (head !== expected) throw new RaptrError('ARCHIVE_LOCKED', 'the archive changed while it was being synced', 'run the command again')
      const oldTree = head ? await this.rootTree(head) : undefined
      // The tree came from elsewhere (archive/tree-check has read its files already):
      // its paths and modes are checked once more here, before anything moves.
      const incomingTree = typeof target === 'string' ? await this.rootTree(target) : target.tree
      try {
        await checkTreeChange(this.trees, oldTree, incomingTree)
      } catch (error) {
        if (error instanceof UnsafeEntryError) throw unsafeArchiveError(where, typeof target === 'string' ? target : target.parents.at(-1) ?? incomingTree, error.path, error.reason)
        throw error
      }
      const commit = typeof target === 'string' ? target : await this.writeCommit(target.tree, target.parents, encodeMessage(target.message, target.events, contextFromEnv()))
      const newTree = await this.rootTree(commit)
      const changed = (await diffTrees(this.trees, oldTree, newTree)).map(([p]) => p)
      if (commit !== head) await this.moveBranch(commit, oldTree, newTree, changed, changed.length)
      return commit
    } finally {
      release()
    }
  }

  private async writeCommit(tree: string, parents: string[], message: string): Promise<string> {
    const who = await this.identity()
    const now = Math.floor(Date.now() / 1000)
    const sig = `${who.name} <${who.email}> ${now} +0000`
    const text = [`tree ${tree}`, ...parents.map((p) => `parent ${p}`), `author ${sig}`, `committer ${sig}`, '', `${message}\n`].join('\n')
    return this.trees.writeCommit(text)
  }

  /**
   * Who commits: RAPTR_AUTHOR_NAME/EMAIL (as GIT_AUTHOR_NAME overrides git's config),
   * else git's own lookup: the archive's config, then the user's global config
   * (GIT_CONFIG_GLOBAL, or ~/.gitconfig over $XDG_CONFIG_HOME/git/config).
   */
  async identity(): Promise<{name: string; email: string}> {
    const read = (file: string): Promise<string> => fs.promises.readFile(file, 'utf8').catch(() => '')
    const home = process.env.HOME ?? ''
    const globals = process.env.GIT_CONFIG_GLOBAL
      ? [process.env.GIT_CONFIG_GLOBAL]
      : [path.join(process.env.XDG_CONFIG_HOME || path.join(home, '.config'), 'git', 'config'), path.join(home, '.gitconfig')]
    // Later files win, as in git: XDG, then ~/.gitconfig, then the repository.
    const texts = await Promise.all([...(home || process.env.GIT_CONFIG_GLOBAL ? globals : []), path.join(this.gitDir, 'config')].map(read))
    const user = Object.assign({}, ...texts.map((t) => gitConfigSection(t, 'user'))) as Record<string, string>
    // Names and emails must not break the commit header.
    const clean = (s: string): string => s.replace(/[<>\n]/g, '').trim()
    return {
      name: clean(process.env.RAPTR_AUTHOR_NAME ?? user.name ?? 'raptr') || 'raptr',
      email: clean(process.env.RAPTR_AUTHOR_EMAIL ?? user.email ?? 'raptr@localhost'),
    }
  }

  /**
   * Moves the branch to `commit` (temp file + rename: the one atomic step of a
   * commit), then brings the work tree and git's index up to date for the changed
   * paths, so `git status` stays clean and `git pull` can merge. The paths are noted
   * first, so a crash between the two steps is finished by the next open.
   *
   * Durability (a power loss, not only a crash): every object, pack and the commit
   * were fsynced with their directories when written (GitTrees), so they are on disk
   * before the ref names them; the ref file is fsynced before its rename and its
   * directory after (writeFileAtomic), so the move itself survives too.
   */
  private async moveBranch(
    commit: string,
    oldTree: string | undefined,
    newTree: string,
    changed: string[],
    changedCount: number,
    written?: (p: string) => Uint8Array | undefined,
  ): Promise<void> {
    const branch = await this.branch()
    const pending = path.join(this.gitDir, 'raptr', 'sync-pending')
    const paths = compressPaths(changed)
    commitStep(3)
    await writeFileAtomic(pending, JSON.stringify(paths))
    const refFile = path.join(this.gitDir, 'refs', 'heads', branch)
    commitStep(4)
    await writeFileAtomic(refFile, `${commit}\n`)
    commitStep(5)
    // Thousands of files are checked out faster by git itself, in C.
    const synced = oldTree !== undefined && changedCount <= MAX_FILES_SYNCED && (await this.syncChangedFiles(oldTree, newTree, written))
    if (!synced && !readTreeWithGit(this.dir, oldTree, newTree)) await this.syncWorkTree(paths)
    commitStep(6)
    await fs.promises.rm(pending, {force: true})
    await fsyncDir(path.dirname(pending))
  }

  /**
   * Brings the work tree and git's index from `oldTree` to `newTree` touching only the
   * files that differ: they are written (or removed) here, then `git update-index` records
   * just those paths. `git read-tree -m -u` reads both whole trees and merges them with
   * the whole index, about a second at 200,000 files however small the change. `written`
   * gives the bytes of a path the caller has at hand. False when git is missing or
   * refuses, or a changed file is not a plain one (executable, symlink): the caller then
   * syncs the slower way.
   */
  private async syncChangedFiles(oldTree: string, newTree: string, written?: (p: string) => Uint8Array | undefined): Promise<boolean> {
    if (!fs.existsSync(path.join(this.gitDir, 'index'))) return false
    const changes = await diffFiles(this.trees, oldTree, newTree)
    if (changes.length === 0) return true
    if (changes.length > MAX_FILES_SYNCED) return false
    if (changes.some((c) => (c.new && c.new.mode !== FILE_MODE) || (c.old && c.old.mode !== FILE_MODE))) return false
    // Only inside the archive, never through a symlink found on disk.
    const out = new WorkTreeWriter(this.dir)
    const abs = (p: string): string => out.abs(p)
    // Removals first: a file may give way to a directory of the same name, or the reverse.
    const emptied = new Set<string>()
    for (const c of changes) {
      if (c.new) continue
      await out.remove(c.path)
      emptied.add(path.posix.dirname(c.path))
    }
    // Directories left empty go, deepest first, as git removes them.
    for (const dir of [...emptied].sort((a, b) => b.length - a.length)) {
      for (let d = dir; d !== '.'; d = path.posix.dirname(d)) {
        try {
          await fs.promises.rmdir(abs(d))
        } catch {
          break // not empty (or already gone)
        }
      }
    }
    const writes = changes.filter((c) => c.new)
    for (let i = 0; i < writes.length; i += 64) {
      await Promise.all(
        writes.slice(i, i + 64).map(async (c) => {
          const oid = c.new!.oid
          let data = written?.(c.path)
          if (!data) {
            const o = await this.trees.objects.read(oid)
            if (o.type !== 'blob') throw new Error(`git object ${oid} is a ${o.type}, not a blob`)
            data = o.data
          }
          await out.write(c.path, data)
        }),
      )
    }
    const res = spawnSync('git', gitArgs(['update-index', '--add', '--remove', '--replace', '-z', '--stdin']), {
      cwd: this.dir,
      env: gitEnv(),
      // Removed paths first: a path that was a file and is now a directory leaves the
      // index before the files under it enter (the other order is a conflict to git).
      input: [...changes.filter((c) => !c.new), ...writes].map((c) => `${c.path}\0`).join(''),
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    if (!res.error && res.status === 0) return true
    // The work tree has already moved on: make the index the new tree, whole.
    if (res.error) return false
    const reset = spawnSync('git', gitArgs(['read-tree', '--reset', '-u', newTree]), {cwd: this.dir, env: gitEnv(), stdio: 'ignore'})
    return !reset.error && reset.status === 0
  }

  private async syncWorkTree(paths: string[]): Promise<void> {
    const branch = await this.branch()
    const git = await isomorphicGit()
    await git.checkout({fs, dir: this.dir, ref: branch, filepaths: paths, force: true, cache: {}})
  }

  private async finishPendingSync(): Promise<void> {
    const pending = path.join(this.gitDir, 'raptr', 'sync-pending')
    if (!fs.existsSync(pending)) return
    const release = acquireLock(this.gitDir)
    try {
      if (!fs.existsSync(pending)) return
      const paths = JSON.parse(fs.readFileSync(pending, 'utf8')) as string[]
      await this.syncWorkTree(paths)
      await fs.promises.rm(pending, {force: true})
    } finally {
      release()
    }
  }
}

/** isomorphic-git, loaded only by the commands that write: reading needs none of it. */
async function isomorphicGit(): Promise<typeof import('isomorphic-git').default> {
  return (await import('isomorphic-git')).default
}

/** The keys of one `[section]` of a git config file (the simple `key = value` form). */
function gitConfigSection(text: string, section: string): Record<string, string> {
  const out: Record<string, string> = {}
  let inside = false
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim()
    const header = /^\[([^\]\s"]+)(?:\s+"[^"]*")?\]$/.exec(line)
    if (header) {
      inside = header[1].toLowerCase() === section && !line.includes('"')
      continue
    }
    const kv = /^([A-Za-z][\w-]*)\s*=\s*(.*)$/.exec(line)
    if (inside && kv) out[kv[1].toLowerCase()] = kv[2].replace(/^"(.*)"$/, '$1')
  }
  return out
}

/** A commit object's text as raptr uses it. */
function parseCommit(id: string, text: string): CommitInfo {
  const end = text.indexOf('\n\n')
  const headers = (end < 0 ? text : text.slice(0, end)).split('\n')
  let tree = ''
  const parents: string[] = []
  let author = ''
  let timestamp = 0
  for (const line of headers) {
    if (line.startsWith('tree ')) tree = line.slice(5)
    else if (line.startsWith('parent ')) parents.push(line.slice(7))
    else if (line.startsWith('author ')) author = line.slice(7).replace(/ \d+ [+-]\d{4}$/, '')
    else if (line.startsWith('committer ')) timestamp = Number(/ (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0)
  }
  return {id, tree, parents, message: end < 0 ? '' : text.slice(end + 2).trimEnd(), author, timestamp}
}

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
 * Updates the work tree and index from one tree to the next with the git CLI when it is
 * there (`git read-tree -m -u`: a fast-forward of the index, in C, thousands of files in
 * milliseconds). False when git is missing or refuses (say, a file edited by hand), and
 * the caller falls back to isomorphic-git's slower checkout of the changed paths.
 */
function readTreeWithGit(dir: string, oldTree: string | undefined, newTree: string): boolean {
  const args = oldTree ? ['read-tree', '-m', '-u', oldTree, newTree] : ['read-tree', '--reset', '-u', newTree]
  const res = spawnSync('git', gitArgs(args), {cwd: dir, env: gitEnv(), stdio: 'ignore'})
  return !res.error && res.status === 0
}

/**
 * Many changed paths collapse to their top directories so the work-tree sync stays a
 * few prefix matches instead of thousands.
 */
function compressPaths(paths: string[]): string[] {
  if (paths.length <= 64) return paths
  const tops = new Set(paths.map((p) => p.split('/').slice(0, 2).join('/')))
  if (tops.size <= 64) return [...tops]
  return [...new Set(paths.map((p) => p.split('/')[0]))]
}

function findArchiveRoot(start: string): string | undefined {
  let dir = start
  for (;;) {
    if (fs.existsSync(path.join(dir, '.git')) && fs.existsSync(path.join(dir, CONFIG_PATH))) return dir
    const parent = path.dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}
