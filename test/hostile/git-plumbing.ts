/**
 * Crafting git trees porcelain refuses to make (`..`, `.git`, absolute names, symlinks,
 * gitlinks), with git's own plumbing: tree objects are written byte for byte with
 * `git hash-object -t tree --literally`, so whatever a hostile pusher could push, a
 * test can push too.
 */
import {spawnSync} from 'node:child_process'

export interface RawEntry {
  mode: string
  name: string
  oid: string
}

/** Runs git against the repository at `gitDir`; throws with its stderr on failure. */
export function gitIn(gitDir: string, args: string[], input?: Buffer | string): string {
  const res = spawnSync('git', ['--git-dir', gitDir, ...args], {
    input,
    env: {...process.env, GIT_AUTHOR_NAME: 'mallory', GIT_AUTHOR_EMAIL: 'm@example.org', GIT_COMMITTER_NAME: 'mallory', GIT_COMMITTER_EMAIL: 'm@example.org'},
  })
  if (res.error) throw res.error
  if (res.status !== 0) throw new Error(`git ${args.join(' ')} exited ${res.status}: ${res.stderr.toString()}`)
  return res.stdout.toString('utf8').trim()
}

/** Writes a blob and returns its id. */
export function blob(gitDir: string, content: string | Buffer): string {
  return gitIn(gitDir, ['hash-object', '-w', '--stdin'], content)
}

/** Writes a tree object of exactly these entries (sorted as git sorts them), unchecked. */
export function rawTree(gitDir: string, entries: RawEntry[]): string {
  const key = (e: RawEntry): Buffer => Buffer.from(e.mode === '40000' ? `${e.name}/` : e.name, 'utf8')
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)))
  const bytes = Buffer.concat(sorted.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')]))
  return gitIn(gitDir, ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], bytes)
}

/** The entries of an (honest) tree. */
export function lsTree(gitDir: string, tree: string): RawEntry[] {
  const out = gitIn(gitDir, ['ls-tree', '-z', tree])
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, name] = line.split('\t')
      const [mode, , oid] = meta.split(' ')
      return {mode: mode === '040000' ? '40000' : mode, name, oid}
    })
}

/** A nested chain of directories `names` ending in `leaf`: the tree id of the outermost. */
export function nest(gitDir: string, names: string[], leaf: RawEntry): RawEntry {
  let entry = leaf
  for (const name of [...names].reverse()) entry = {mode: '40000', name, oid: rawTree(gitDir, [entry])}
  return entry
}

/**
 * The tree `root` with `entry` placed in its directory `dir` (a list of names under the
 * root, created when missing), replacing an entry of the same name.
 */
export function withEntry(gitDir: string, root: string, dir: string[], entry: RawEntry): string {
  const entries = lsTree(gitDir, root)
  if (dir.length === 0) return rawTree(gitDir, [...entries.filter((e) => e.name !== entry.name), entry])
  const [head, ...rest] = dir
  const sub = entries.find((e) => e.name === head && e.mode === '40000')
  const subTree = sub ? withEntry(gitDir, sub.oid, rest, entry) : rawTree(gitDir, [nest(gitDir, rest, entry)])
  return rawTree(gitDir, [...entries.filter((e) => e.name !== head), {mode: '40000', name: head, oid: subTree}])
}

/** Makes a commit of `tree` on `parent` and moves `refs/heads/main` of the bare repository to it. */
export function pushTree(gitDir: string, tree: string, parent: string, message = 'innocent change'): string {
  const commit = gitIn(gitDir, ['commit-tree', tree, '-p', parent, '-m', message])
  gitIn(gitDir, ['update-ref', 'refs/heads/main', commit])
  return commit
}
