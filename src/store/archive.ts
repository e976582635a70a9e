import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {mark} from '../core/timing.js'
import {BlobCache} from './blob-cache.js'
import {fsyncDir, writeFileAtomic} from './atomic-file.js'
import {commitStep} from './kill-point.js'
import {GitTrees, diffTrees} from './git-tree.js'
import {acquireLock} from './lock.js'
import {UnsafeEntryError, checkTreeChange, unsafeArchiveError} from './tree-check.js'
import {ArchiveView, Transaction, compressPaths} from './transaction.js'
import {findArchiveRoot, gitConfigSection, parseCommit, type CommitInfo} from './repo-files.js'
import {WorkTreeSync, checkOut, hasWorkTree, setBare} from './work-tree.js'
import {contextFromEnv, encodeMessage, type RaptrEvent} from '../core/events.js'

export {ArchiveView, Transaction} from './transaction.js'
export type {CommitInfo} from './repo-files.js'

/** What a transaction's body returns: the commit's message and events, and the caller's result. */
export interface TransactionResult<T> {
  message: string
  events?: RaptrEvent[]
  result: T
  /** Commit even when no file changed (an event worth keeping, e.g. a purge of the blob cache). */
  record?: boolean
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
    const git = (await import('isomorphic-git')).default
    await git.init({fs, dir: abs, defaultBranch: 'main'})
    const archive = new Archive(abs)
    // No work tree: commits write objects and the ref only (raptr checkout writes one).
    setBare(archive.gitDir, true)
    await fs.promises.mkdir(path.join(archive.gitDir, 'raptr'), {recursive: true})
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
   * Moves the branch to `commit` (temp file + rename: the one atomic step of a commit).
   * An archive without a work tree (the default: {@link hasWorkTree}) is done then. One
   * with a work tree (`raptr checkout`) has it and git's index brought up to date for
   * the changed paths, so `git status` stays clean and `git pull` can merge; those paths
   * are noted first, so a crash between the two steps is finished by the next open.
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
    const keep = hasWorkTree(this.gitDir)
    const pending = path.join(this.gitDir, 'raptr', 'sync-pending')
    const paths = keep ? compressPaths(changed) : []
    commitStep(3)
    if (keep) await writeFileAtomic(pending, JSON.stringify(paths))
    const refFile = path.join(this.gitDir, 'refs', 'heads', branch)
    commitStep(4)
    await writeFileAtomic(refFile, `${commit}\n`)
    commitStep(5)
    if (keep) await new WorkTreeSync(this.dir, this.gitDir, this.trees).sync(branch, oldTree, newTree, paths, changedCount, written)
    commitStep(6)
    if (!keep) return
    await fs.promises.rm(pending, {force: true})
    await fsyncDir(path.dirname(pending))
  }

  /**
   * Writes the work tree of the branch's commit and makes git's index match
   * (`raptr checkout`), under the archive lock; commits keep it in step from then on.
   * Returns the commit written.
   */
  async checkout(): Promise<string> {
    const release = acquireLock(this.gitDir)
    try {
      const head = await this.head()
      if (!head) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has no commit', 'run: raptr init')
      await checkOut(this.dir, this.gitDir, await this.branch(), head)
      await fs.promises.rm(path.join(this.gitDir, 'raptr', 'sync-pending'), {force: true})
      return head
    } finally {
      release()
    }
  }

  /** Finishes the work-tree sync a crash interrupted (only an archive with a work tree has one to finish). */
  private async finishPendingSync(): Promise<void> {
    const pending = path.join(this.gitDir, 'raptr', 'sync-pending')
    if (!fs.existsSync(pending)) return
    const release = acquireLock(this.gitDir)
    try {
      if (!fs.existsSync(pending)) return
      if (hasWorkTree(this.gitDir)) {
        const paths = JSON.parse(fs.readFileSync(pending, 'utf8')) as string[]
        await new WorkTreeSync(this.dir, this.gitDir, this.trees).checkoutPaths(await this.branch(), paths)
      }
      await fs.promises.rm(pending, {force: true})
    } finally {
      release()
    }
  }
}
