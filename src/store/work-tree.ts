import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {diffFiles, type GitTrees} from './git-tree.js'
import {gitArgs, gitEnv} from './git-remote.js'
import {gitConfigSection} from './repo-files.js'
import {WorkTreeWriter} from './work-tree-writer.js'

const FILE_MODE = '100644'
// Above this many changed files a commit's work-tree sync is left to git read-tree.
const MAX_FILES_SYNCED = 2000

/**
 * True when the archive has a work tree raptr keeps in step with its branch: git's
 * config does not say `core.bare = true` and git's index exists. Archives raptr makes
 * (init, clone) are bare: no commit writes a file outside `.git`, which was a quarter of
 * a bulk add. A work tree exists only where someone asked for one (`raptr checkout`,
 * or a plain `git clone`); there each commit keeps it and git's index current as
 * before, since a stale index would make `git commit -a` undo raptr's changes.
 */
export function hasWorkTree(gitDir: string): boolean {
  const config = readText(path.join(gitDir, 'config'))
  if (gitConfigSection(config, 'core').bare === 'true') return false
  return fs.existsSync(path.join(gitDir, 'index'))
}

/**
 * Sets `core.bare` in the archive's git config: `true` for an archive without a work
 * tree (git then refuses status, commit and pull, rather than show every file as
 * deleted), `false` once `raptr checkout` has written one.
 */
export function setBare(gitDir: string, bare: boolean): void {
  const file = path.join(gitDir, 'config')
  const text = readText(file)
  const line = /^(\s*bare\s*=\s*)(\w+)\s*$/m
  const next = line.test(text) ? text.replace(line, `$1${bare}`) : `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}[core]\n\tbare = ${bare}\n`
  if (next !== text) fs.writeFileSync(file, next)
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/**
 * Writes the whole tree of `commit` into the archive's directory and makes git's index
 * match it (`raptr checkout`): files changed by hand are overwritten, files of the old
 * index the commit lacks are removed, anything untracked is left. The archive has a
 * work tree from then on (core.bare = false), which commits keep in step.
 */
export async function checkOut(dir: string, gitDir: string, branch: string, commit: string): Promise<void> {
  setBare(gitDir, false)
  const res = spawnSync('git', gitArgs(['read-tree', '--reset', '-u', commit]), {cwd: dir, env: gitEnv(), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  if (res.error && (res.error as NodeJS.ErrnoException).code !== 'ENOENT') throw res.error
  if (res.error) {
    // No git CLI: isomorphic-git writes every file of the branch.
    const git = (await import('isomorphic-git')).default
    await git.checkout({fs, dir, ref: branch, force: true, cache: {}})
    return
  }
  if (res.status !== 0) {
    const reason = res.stderr.trim().split('\n').at(-1)?.replace(/^(fatal|error):\s*/, '') ?? `git exited ${res.status}`
    throw new RaptrError('BACKEND_ERROR', `cannot write the archive's work tree: ${reason}`, 'check the disk space and permissions of the archive directory')
  }
}

/**
 * Keeps an archive's work tree and git's index in step with its branch, for archives
 * that have one ({@link hasWorkTree}).
 */
export class WorkTreeSync {
  constructor(
    private readonly dir: string,
    private readonly gitDir: string,
    private readonly trees: GitTrees,
  ) {}

  /**
   * Brings the work tree from `oldTree` to `newTree`: the changed files only when they
   * are few, else git read-tree, else isomorphic-git's checkout of `paths` on `branch`.
   */
  async sync(branch: string, oldTree: string | undefined, newTree: string, paths: string[], changedCount: number, written?: (p: string) => Uint8Array | undefined): Promise<void> {
    // Thousands of files are checked out faster by git itself, in C.
    const synced = oldTree !== undefined && changedCount <= MAX_FILES_SYNCED && (await this.syncChangedFiles(oldTree, newTree, written))
    if (!synced && !readTreeWithGit(this.dir, oldTree, newTree)) await this.checkoutPaths(branch, paths)
  }

  /** isomorphic-git's checkout of `paths` (the fallback without the git CLI, and the finish of an interrupted sync). */
  async checkoutPaths(branch: string, paths: string[]): Promise<void> {
    const git = (await import('isomorphic-git')).default
    await git.checkout({fs, dir: this.dir, ref: branch, filepaths: paths, force: true, cache: {}})
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
