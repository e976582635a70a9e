import {spawn} from 'node:child_process'
import {RaptrError} from '../errors.js'

/**
 * The archive's git remote, through the git CLI: it reaches every remote people use (a
 * path, file://, ssh, https with the user's own credential helper) and speaks the
 * transfer protocols isomorphic-git does not. Only transfers and ancestry questions go
 * through it; trees, merges and commits are raptr's own.
 */

export interface GitResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Settings every git command raptr runs gets on its command line, where they beat any
 * configuration file: nothing in a repository's own config (which a tree once planted
 * as `.git/config`, or a hand edit, could have set) runs a program. No fsmonitor
 * daemon, no hooks (a pre-push or reference-transaction hook is a program), no `ext::`
 * transport (a program named in a URL), no submodules; fetch, push and clone name the
 * remote's programs (`git-upload-pack`, `git-receive-pack`) themselves rather than take a
 * remote's `uploadpack`/`receivepack` setting. The user's global config stays in force
 * (credential helpers, ssh command, proxies): that is the user's own, and so is the
 * clone's own .git/config, which no pushed tree can write (archive tree checks). git
 * passes `-c` settings on to the git processes it starts.
 */
const HARDENING = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.untrackedCache=false',
  'protocol.ext.allow=never',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'push.recurseSubmodules=no',
]

/** `args` with raptr's hardening settings in front: what every git raptr runs is given. */
export function gitArgs(args: string[]): string[] {
  return [...HARDENING.flatMap((c) => ['-c', c]), ...args]
}

/**
 * The environment for git run on the archive: none of the caller's repository overrides
 * (raptr always means the archive), no pager and no external diff program; a CI job
 * fails rather than wait for a password nobody types, people at a terminal may be asked.
 */
export function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, GIT_PAGER: 'cat'}
  if (!process.stdin.isTTY) env.GIT_TERMINAL_PROMPT = '0'
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_EXTERNAL_DIFF']) delete env[k]
  return env
}

/** Runs git in `cwd`, hardened ({@link gitArgs}, {@link gitEnv}). */
export function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    let child
    try {
      child = spawn('git', gitArgs(args), {cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)))
      return
    }
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new RaptrError('NOT_FOUND', 'the git command is not installed', 'install git: raptr uses it to fetch and push the archive') : error)
    })
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
  })
}

/** The last line git wrote to stderr: the reason, for a one-line message. */
export function gitReason(res: GitResult): string {
  const lines = res.stderr.split('\n').map((l) => l.trim()).filter(Boolean)
  return (lines.findLast((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? `git exited ${res.code}`).replace(/^(fatal|error):\s*/, '')
}

/** The remote the archive syncs with: the branch's configured remote, else origin (when it exists). */
export async function remoteOf(dir: string, branch: string): Promise<string | undefined> {
  const configured = (await git(['config', '--get', `branch.${branch}.remote`], dir)).stdout.trim()
  const remotes = (await git(['remote'], dir)).stdout.split('\n').map((l) => l.trim()).filter(Boolean)
  if (configured && remotes.includes(configured)) return configured
  return remotes.includes('origin') ? 'origin' : remotes[0]
}

/**
 * Fetches `branch` from `remote` and returns the commit it is at there (undefined when
 * the remote has no such branch yet: an empty remote).
 */
export async function fetchBranch(dir: string, remote: string, branch: string): Promise<string | undefined> {
  // No automatic gc/repack during the fetch: this process may be reading the packs it would remove.
  const res = await git(['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', 'fetch', '--quiet', '--no-tags', '--upload-pack=git-upload-pack', remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`], dir)
  if (res.code !== 0) {
    if (/couldn't find remote ref|no such ref/i.test(res.stderr)) return undefined
    throw new RaptrError('BACKEND_ERROR', `cannot fetch the archive from ${remote}: ${gitReason(res)}`, `check that the remote is reachable: git -C ${dir} fetch ${remote}`)
  }
  const rev = await git(['rev-parse', '--verify', '--quiet', `refs/remotes/${remote}/${branch}^{commit}`], dir)
  return rev.code === 0 ? rev.stdout.trim() : undefined
}

/**
 * Pushes `commit` to `branch` on `remote` as a fast-forward only. Returns false when the
 * remote refused it because it moved on (someone else pushed first): fetch, merge and
 * push again. Other failures (no access, no network) throw.
 */
export async function pushBranch(dir: string, remote: string, branch: string, commit: string): Promise<boolean> {
  const res = await git(['push', '--quiet', '--porcelain', '--receive-pack=git-receive-pack', remote, `${commit}:refs/heads/${branch}`], dir)
  if (res.code === 0) return true
  const text = `${res.stdout}\n${res.stderr}`
  // Rejected (not a fast-forward), or the ref was locked by a push running at the same time.
  if (/\[rejected\]|non-fast-forward|fetch first|\(stale info\)|cannot lock ref|failed to update ref|incorrect old value|remote rejected.*lock/i.test(text)) return false
  throw new RaptrError('BACKEND_ERROR', `cannot push the archive to ${remote}: ${gitReason(res)}`, `check your access to the remote: git -C ${dir} push ${remote} ${branch}`)
}

/** The merge base of two commits (the first, for criss-cross histories), or undefined when they share no history. */
export async function mergeBase(dir: string, a: string, b: string): Promise<string | undefined> {
  const res = await git(['merge-base', a, b], dir)
  return res.code === 0 ? res.stdout.trim() || undefined : undefined
}

/** The subject lines of the commits in `to` that `from` lacks, oldest first. */
export async function subjectsBetween(dir: string, from: string, to: string): Promise<string[]> {
  const res = await git(['log', '--reverse', '--no-merges', '--format=%s', `${from}..${to}`], dir)
  return res.code === 0 ? res.stdout.split('\n').filter(Boolean) : []
}

/**
 * Clones `url` into `dir` (which must not exist or be empty) without checking anything
 * out: the caller checks the tree first (archive/tree-check), then checks it out.
 */
export async function cloneRepository(url: string, dir: string, cwd: string): Promise<void> {
  const res = await git(['clone', '--quiet', '--no-checkout', '--upload-pack=git-upload-pack', '--', url, dir], cwd)
  if (res.code !== 0) throw new RaptrError('BACKEND_ERROR', `cannot clone ${url}: ${gitReason(res)}`, 'check the URL and your access to it (git clone URL works the same way)')
}

/** True when `ancestor` is `descendant` or one of its ancestors (git merge-base --is-ancestor: fast on long histories). */
export async function isAncestorOf(dir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await git(['merge-base', '--is-ancestor', ancestor, descendant], dir)).code === 0
}
