import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {CONFIG_PATH} from '../core/layout.js'
import {json, readArchiveSettings} from '../archive/settings.js'
import {Archive} from '../store/archive.js'
import {cloneRepository, git, gitReason} from '../store/git-remote.js'
import {GitTrees} from '../store/git-tree.js'
import {checkIncomingCommit} from '../archive/tree-check.js'

/** The directory `git clone URL` would pick: the URL's last part without `.git`. */
export function defaultCloneDir(url: string): string {
  const last = url.replace(/[/\\]+$/, '').split(/[/\\:]/).at(-1) ?? ''
  const name = last.replace(/\.git$/, '')
  if (!name) throw new RaptrError('BAD_ARGUMENT', `cannot tell a directory name from ${url}`, 'give one: raptr clone URL DIR')
  return name
}

/**
 * Clones an archive from any remote the git CLI reaches and turns sync on for it
 * (`"sync": true` in raptr.json, one commit when it was off), so its commands fetch,
 * merge and push by default. The whole tree is checked before anything is checked out;
 * a clone that fails (bad URL, unsafe tree, not a raptr archive) leaves nothing behind.
 *
 * @example
 *   await cloneArchive('git@example.org:team/apt.git', 'apt')
 */
export async function cloneArchive(url: string, dir: string | undefined, cwd: string): Promise<{archive: Archive; commit?: string}> {
  const target = path.resolve(cwd, dir ?? defaultCloneDir(url))
  const existed = fs.existsSync(target)
  if (existed && (!fs.statSync(target).isDirectory() || fs.readdirSync(target).length > 0)) {
    throw new RaptrError('ALREADY_EXISTS', `${target} exists and is not empty`, 'choose another directory: raptr clone URL DIR')
  }
  try {
    await fetchAndCheck(url, target, cwd)
  } catch (error) {
    // Nothing half-made is left: the directory goes if the clone made it, else what the clone put in it.
    if (!existed) await fs.promises.rm(target, {recursive: true, force: true})
    else for (const name of await fs.promises.readdir(target).catch(() => [] as string[])) await fs.promises.rm(path.join(target, name), {recursive: true, force: true})
    throw error
  }
  const archive = await Archive.open(target)
  const {commit} = await archive.transaction(async (tx) => {
    const settings = await readArchiveSettings(tx)
    if (settings.sync === true) return {message: '', events: [], result: null}
    const raw = JSON.parse((await tx.read(CONFIG_PATH))!) as Record<string, unknown>
    tx.write(CONFIG_PATH, json({...raw, sync: true}))
    return {message: 'sync turned on: commands fetch, merge and push the archive\'s remote', events: [{v: 1, type: 'SyncEnabled'}], result: null}
  })
  return {archive, commit}
}

/**
 * Clones without a checkout, checks the whole tree of the commit it got (a pushed tree
 * is untrusted: archive/tree-check), and only then checks it out with git.
 */
async function fetchAndCheck(url: string, target: string, cwd: string): Promise<void> {
  await cloneRepository(url, target, cwd)
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
  const res = await git(['read-tree', '--reset', '-u', commit], target)
  if (res.code !== 0) throw new RaptrError('BACKEND_ERROR', `cannot check out the archive cloned from ${url}: ${gitReason(res)}`, 'check the disk space and permissions of the target directory')
}
