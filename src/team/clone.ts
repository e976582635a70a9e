import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {CONFIG_PATH} from '../core/layout.js'
import {initialArchiveFiles} from '../archive/settings.js'
import {Archive} from '../store/archive.js'
import {cloneRepository, git, gitReason} from '../store/git-remote.js'
import {GitTrees} from '../store/git-tree.js'
import {writeLocalSettings} from '../store/local-settings.js'
import {setBare} from '../store/work-tree.js'
import {checkIncomingCommit} from '../archive/tree-check.js'

/** The directory `git clone URL` would pick: the URL's last part without `.git`. */
export function defaultCloneDir(url: string): string {
  const last = url.replace(/[/\\]+$/, '').split(/[/\\:]/).at(-1) ?? ''
  const name = last.replace(/\.git$/, '')
  if (!name) throw new RaptrError('BAD_ARGUMENT', `cannot tell a directory name from ${url}`, 'give one: raptr clone URL DIR')
  return name
}

/**
 * Clones an archive from any remote the git CLI reaches and turns sync on for this clone
 * (`.git/raptr/local.json`, never the shared raptr.json: one person's choice must not
 * change everyone's next pull), so its commands fetch, merge and push by default. The
 * branch is the one the remote's HEAD names, else the remote's only branch (`main`, then
 * `master`, when it has several); an empty remote (`git init --bare`, nothing pushed)
 * gives a new archive whose first push creates the branch. The whole tree is checked
 * before the clone is kept; a clone that fails (bad URL, unsafe tree, not a raptr
 * archive) leaves nothing behind.
 *
 * @example
 *   await cloneArchive('git@example.org:team/apt.git', 'apt')
 */
export async function cloneArchive(url: string, dir: string | undefined, cwd: string): Promise<{archive: Archive; empty: boolean}> {
  const target = path.resolve(cwd, dir ?? defaultCloneDir(url))
  const existed = fs.existsSync(target)
  if (existed && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new RaptrError('ALREADY_EXISTS', `${target} exists and is not empty`, 'choose another directory: raptr clone URL DIR')
  }
  const clear = async (): Promise<void> => {
    // Nothing half-made is left: the directory goes if the clone made it, else what the clone put in it.
    if (!existed) await fs.promises.rm(target, {recursive: true, force: true})
    else for (const name of await fs.promises.readdir(target).catch(() => [] as string[])) await fs.promises.rm(path.join(target, name), {recursive: true, force: true})
  }
  let empty: boolean
  try {
    empty = await fetchAndCheck(url, target, cwd)
    if (empty) {
      // Nothing to clone: a new archive that pushes to the remote (its first push creates the branch).
      await clear()
      await Archive.init(target, initialArchiveFiles())
      for (const args of [['remote', 'add', 'origin', url], ['config', 'branch.main.remote', 'origin'], ['config', 'branch.main.merge', 'refs/heads/main']]) {
        const res = await git(args, target)
        if (res.code !== 0) throw new RaptrError('BACKEND_ERROR', `cannot set the remote of ${target}: ${gitReason(res)}`, 'check the disk space and permissions of the target directory')
      }
    }
  } catch (error) {
    await clear()
    throw error
  }
  const archive = await Archive.open(target)
  await writeLocalSettings(archive.gitDir, {sync: true})
  return {archive, empty}
}

/**
 * The branch to take from a fresh clone: the one its HEAD names when that exists, else
 * the remote's only branch (main, then master, of several); undefined for an empty remote.
 */
async function chooseBranch(target: string, url: string): Promise<string | undefined> {
  const head = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], target)
  const named = head.code === 0 ? head.stdout.trim() : undefined
  const refs = await git(['for-each-ref', '--format=%(refname:lstrip=3)', 'refs/remotes/origin/'], target)
  const branches = refs.stdout.split('\n').map((l) => l.trim()).filter((b) => b && b !== 'HEAD')
  if (named && branches.includes(named)) return named
  if (branches.length === 0) return undefined
  const chosen = branches.length === 1 ? branches[0] : ['main', 'master'].find((b) => branches.includes(b))
  if (!chosen) {
    throw new RaptrError('AMBIGUOUS', `${url} has ${branches.length} branches and its HEAD names none of them`, `point the remote's HEAD at the archive's branch (git symbolic-ref HEAD refs/heads/NAME in the bare repository); it has: ${branches.slice(0, 5).join(', ')}`)
  }
  for (const args of [['update-ref', `refs/heads/${chosen}`, `refs/remotes/origin/${chosen}`], ['symbolic-ref', 'HEAD', `refs/heads/${chosen}`], ['config', `branch.${chosen}.remote`, 'origin'], ['config', `branch.${chosen}.merge`, `refs/heads/${chosen}`]]) {
    const res = await git(args, target)
    if (res.code !== 0) throw new RaptrError('BACKEND_ERROR', `cannot take branch ${chosen} of ${url}: ${gitReason(res)}`, 'check the disk space and permissions of the target directory')
  }
  return chosen
}

/**
 * Clones without a checkout, picks the branch, checks the whole tree of its commit (a
 * pushed tree is untrusted: archive/tree-check), and leaves it without a work tree
 * (raptr checkout writes one). True when the remote is empty (nothing to check out).
 */
async function fetchAndCheck(url: string, target: string, cwd: string): Promise<boolean> {
  await cloneRepository(url, target, cwd)
  if ((await chooseBranch(target, url)) === undefined) return true
  const notArchive = (): RaptrError =>
    new RaptrError('NOT_AN_ARCHIVE', `${url} is not a raptr archive (it has no ${CONFIG_PATH})`, 'clone the git repository raptr init created, or one pushed from it')
  const head = await git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], target)
  if (head.code !== 0) throw notArchive()
  const commit = head.stdout.trim()
  const trees = new GitTrees(target)
  const tree = /^tree ([0-9a-f]{40})$/m.exec((await trees.objects.read(commit)).data.toString('utf8'))?.[1]
  if (!tree) throw notArchive()
  // A root tree that cannot even be read for its raptr.json (an unsafe entry) is left to
  // the check below, which names the entry; one that reads without a raptr.json is no archive.
  const config = await trees.entryAt(tree, CONFIG_PATH).catch((error: unknown) => ((error as RaptrError).data?.entry === undefined ? undefined : 'unsafe'))
  if (config !== 'unsafe' && config?.type !== 'blob') throw notArchive()
  await checkIncomingCommit(trees, undefined, commit, url)
  // No work tree, as for an archive raptr init made: raptr reads and writes git objects only (raptr checkout writes one).
  setBare(path.join(target, '.git'), true)
  await fs.promises.mkdir(path.join(target, '.git', 'raptr'), {recursive: true})
  return false
}
