import {createHash} from 'node:crypto'
import {RaptrError, isRaptrError} from '../errors.js'
import {debugHooks} from '../core/debug.js'
import {cidFromSha256} from '../core/cid.js'
import {poolDirForSource, poolKeyForBinary} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {listBackends, type NamedBackend} from '../archive/backends.js'
import {recordSha256} from '../archive/records.js'
import {readArchiveSettings} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import type {Archive} from '../store/archive.js'
import {decodeMessage, type RaptrEvent} from '../core/events.js'
import {fetchBranch, git, mergeBase, pushBranch, remoteOf, subjectsBetween} from '../store/git-remote.js'
import {mergeRoots} from '../store/tree-reads.js'
import {recordsAdded} from '../snapshot/changes.js'
import {readLocalSettings} from '../store/local-settings.js'
import {checkIncoming} from '../archive/tree-check.js'

/** Two minutes: long enough for a burst of CI jobs to push one after another. */
export const DEFAULT_SYNC_TIMEOUT_MS = 120_000

export interface SyncOptions {
  /** Opens a backend (pool files go to every backend before a push). */
  open: (b: NamedBackend) => Promise<Backend>
  /** How long rejected pushes are retried (default two minutes). */
  timeoutMs?: number
  /** Progress for people. */
  note?: (message: string) => void
}

export interface SyncResult {
  remote: string
  branch: string
  /** The commit the archive is at afterwards. */
  head: string
  /** What came in from the remote: 'none', a fast-forward, or a merge commit. */
  integrated: 'none' | 'fast-forward' | 'merge'
  /** Subjects of the commits that came in. */
  incoming: string[]
  pushed: boolean
  /** Pool files uploaded to backends before the push. */
  uploaded: number
}

/**
 * True when commands should sync: `--sync`/`--no-sync` when given, else the clone's own
 * setting (`.git/raptr/local.json`, which `raptr clone` turns on), else raptr.json's
 * `sync` (where older raptr versions recorded it for everyone).
 *
 * @example
 *   if (await syncWanted(archive, flags.sync)) await syncArchive(archive, {open})
 */
export async function syncWanted(archive: Archive, flag: boolean | undefined): Promise<boolean> {
  if (flag !== undefined) return flag
  const local = readLocalSettings(archive.gitDir).sync
  if (local !== undefined) return local
  return (await readArchiveSettings(await archive.view())).sync === true
}

async function remoteAndBranch(archive: Archive): Promise<{remote: string; branch: string}> {
  const branch = await archive.branch()
  const remote = await remoteOf(archive.dir, branch)
  if (!remote) {
    throw new RaptrError('BAD_ARGUMENT', 'the archive has no git remote to sync with', 'add one (git remote add origin URL), start from one with raptr clone URL, or pass --no-sync')
  }
  return {remote, branch}
}

/**
 * Fetches the remote and merges it into the archive (raptr's own merge, path by path):
 * the first half of a sync, done before a change so the change applies to what the
 * team has. Pushes nothing. A conflict throws CONFLICT (exit 3), one line per item, and
 * leaves the archive as it was.
 *
 * @example
 *   await pullArchive(archive)
 */
export async function pullArchive(archive: Archive, opts: Pick<SyncOptions, 'note'> = {}): Promise<Omit<SyncResult, 'pushed' | 'uploaded'>> {
  const {remote, branch} = await remoteAndBranch(archive)
  const {r} = await fetchAndIntegrate(archive, remote, branch)
  if (r.integrated !== 'none') opts.note?.(`sync: ${r.incoming.length} change${r.incoming.length === 1 ? '' : 's'} came in from ${remote}/${branch} (${r.integrated})`)
  return {remote, branch, head: (await archive.head()) ?? '', ...r}
}

/**
 * Fetch, merge, upload the new pool files to every backend, push; a push the remote
 * rejects (someone pushed first) is fetched, merged and pushed again with jittered
 * backoff until `timeoutMs`. The pool files go first so that what the remote names is
 * always on the backends: a later job's clone, without this machine's blob cache,
 * finds every file.
 *
 * @example
 *   const r = await syncArchive(archive, {open: openNamedBackend})
 */
export async function syncArchive(archive: Archive, opts: SyncOptions): Promise<SyncResult> {
  const {remote, branch} = await remoteAndBranch(archive)
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS)
  const incoming: string[] = []
  let integrated: SyncResult['integrated'] = 'none'
  let uploaded = 0
  for (let attempt = 0; ; attempt++) {
    const {theirs, r} = await fetchAndIntegrate(archive, remote, branch)
    incoming.push(...r.incoming)
    if (r.integrated === 'merge' || (r.integrated === 'fast-forward' && integrated === 'none')) integrated = r.integrated
    const head = await archive.head()
    if (!head) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has no commit', 'run raptr init')
    if (head === theirs) return {remote, branch, head, integrated, incoming, pushed: false, uploaded}
    uploaded += await uploadNewPoolFiles(archive, theirs, head, opts)
    if (await pushBranch(archive.dir, remote, branch, head)) {
      opts.note?.(`sync: pushed ${head.slice(0, 12)} to ${remote}/${branch}`)
      if (debugHooks().killAfterPush) process.kill(process.pid, 'SIGKILL')
      return {remote, branch, head, integrated, incoming, pushed: true, uploaded}
    }
    if (Date.now() >= deadline) {
      throw new RaptrError('CONFLICT', `the push to ${remote}/${branch} was rejected for ${Math.round((opts.timeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS) / 1000)} s: others kept pushing first`, 'run raptr sync again (your change is committed locally), or raise --sync-timeout')
    }
    await jitteredBackoff(attempt, deadline)
  }
}

/** Waits 0.5–1.5 × min(100 ms · 2^attempt, 3 s), never past the deadline, so pushers that collided spread out. */
export async function jitteredBackoff(attempt: number, deadline: number): Promise<void> {
  const base = Math.min(100 * 2 ** attempt, 3000)
  const wait = Math.min(base * (0.5 + Math.random()), Math.max(0, deadline - Date.now()))
  await new Promise((r) => setTimeout(r, wait))
}

/**
 * Fetches the remote's branch and integrates it. A commit refused as unsafe
 * (archive/tree-check) leaves the remote-tracking ref where it was too, so the refused
 * commit is not shown as the remote's state and the repository is as before the sync.
 */
async function fetchAndIntegrate(archive: Archive, remote: string, branch: string): Promise<{theirs: string | undefined; r: Awaited<ReturnType<typeof integrate>>}> {
  const tracking = `refs/remotes/${remote}/${branch}`
  const before = await git(['rev-parse', '--verify', '--quiet', tracking], archive.dir)
  const theirs = await fetchBranch(archive.dir, remote, branch)
  try {
    return {theirs, r: await integrate(archive, remote, branch, theirs)}
  } catch (error) {
    if (isRaptrError(error) && error.code === 'UNSAFE_ARCHIVE') {
      await git(before.code === 0 ? ['update-ref', '-m', 'raptr: refused unsafe commit', tracking, before.stdout.trim()] : ['update-ref', '-d', tracking], archive.dir)
    }
    throw error
  }
}

/**
 * Brings `theirs` into the archive: nothing when the archive already has it, a
 * fast-forward when the archive has nothing of its own, else a merge commit with both
 * parents whose message lists what came in.
 */
async function integrate(archive: Archive, remote: string, branch: string, theirs: string | undefined): Promise<{integrated: SyncResult['integrated']; incoming: string[]}> {
  const ours = await archive.head()
  if (!theirs || theirs === ours) return {integrated: 'none', incoming: []}
  const where = `${remote}/${branch}`
  if (!ours) {
    await checkIncoming(archive, undefined, theirs, where)
    await archive.advance(theirs, ours, where)
    return {integrated: 'fast-forward', incoming: []}
  }
  const base = await mergeBase(archive.dir, ours, theirs)
  if (base === theirs) return {integrated: 'none', incoming: []}
  // What came in is untrusted until checked: before anything is merged or moved.
  await checkIncoming(archive, ours, theirs, where)
  const incoming = await subjectsBetween(archive.dir, ours, theirs)
  if (base === ours) {
    await archive.advance(theirs, ours, where)
    return {integrated: 'fast-forward', incoming}
  }
  const [baseTree, ourTree, theirTree] = await Promise.all([base ? archive.rootTree(base) : undefined, archive.rootTree(ours), archive.rootTree(theirs)])
  const m = await mergeRoots(archive, baseTree, ourTree, theirTree)
  if (m.conflicts.length > 0) {
    const lines = m.conflicts.map((c) => `  ${c.message}`)
    throw new RaptrError(
      'CONFLICT',
      `the archive conflicts with ${remote}/${branch} (${m.conflicts.length} item${m.conflicts.length === 1 ? '' : 's'}); nothing was pushed:\n${lines.join('\n')}`,
      'the local archive is as it was: undo or change your side (e.g. raptr package remove NAME --version V, or bump the version), then run raptr sync',
      {conflicts: m.conflicts},
    )
  }
  const what = incoming.length ? incoming : [`${m.incoming.length} paths`]
  const notes = m.reconciled.length ? [``, `links dropped or refreshed to match what the other side removed or replaced:`, ...m.reconciled] : []
  const message = [`merged ${remote}/${branch}: ${incoming.length || m.incoming.length} change${(incoming.length || m.incoming.length) === 1 ? '' : 's'} came in`, '', ...what, ...notes].join('\n')
  const merged: RaptrEvent = {v: 1, type: 'Merged', remote, branch, theirs, commits: await commitsBroughtIn(archive, ours, theirs), reconciled: m.reconciled}
  await archive.advance({tree: m.tree!, parents: [ours, theirs], message, events: [merged]}, ours, where)
  return {integrated: 'merge', incoming}
}

/**
 * The commits a merge brings in (on their side, not ours; merges left out, as their own
 * events are on the commits they merged), oldest first, each with its event types. The
 * Merged event lists them by id: `raptr log` finds their events on those commits, once.
 */
async function commitsBroughtIn(archive: Archive, ours: string, theirs: string): Promise<Array<{id: string; types: string[]}>> {
  const res = await git(['rev-list', '--no-merges', '--reverse', `${ours}..${theirs}`], archive.dir)
  const ids = res.code === 0 ? res.stdout.split('\n').filter(Boolean) : []
  return mapLimit(ids, 8, async (id) => {
    const d = decodeMessage((await archive.readCommit(id)).message)
    return {id, types: d.unknown ? ['unknown'] : d.events.map((e) => e.type)}
  })
}

/**
 * Uploads to every backend the pool files of the package records that `head` has and
 * `remote` lacks (new or replaced), skipping those a backend already holds. Pool names
 * are content addresses, so this is safe at any time and from any number of jobs; a
 * purge's grace period covers them until a publish references them.
 */
async function uploadNewPoolFiles(archive: Archive, remote: string | undefined, head: string, opts: SyncOptions): Promise<number> {
  const changed = await recordsAdded(archive, remote, head)
  if (changed.length === 0) return 0
  const files = new Map<string, {sha256: string; size: number}>()
  for (const r of changed) {
    if (r.kind === 'dsc') {
      const dir = poolDirForSource(recordSha256(r))
      for (const b of r.blobs) files.set(`${dir}/${b.name}`, b)
    } else {
      files.set(poolKeyForBinary(r.blobs[0].sha256, r.kind), r.blobs[0])
    }
  }
  const backends = await Promise.all((await listBackends(await archive.view(head))).map(async (b) => ({name: b.name, backend: await opts.open(b)})))
  if (backends.length === 0) return 0
  let uploaded = 0
  for (const {name, backend} of backends) {
    await mapLimit([...files], 8, async ([key, f]) => {
      if ((await backend.stat(key))?.size === f.size) return
      const cid = cidFromSha256(f.sha256)
      if (archive.blobs.has(cid)) {
        await backend.putFile(key, archive.blobs.pathOf(cid), {contentType: contentTypeOf(key), immutable: true, batched: true, immutableSource: true})
      } else {
        const data = await fromAnotherBackend(backends.filter((x) => x.name !== name).map((x) => x.backend), key, f)
        if (!data) {
          throw new RaptrError('NOT_FOUND', `pool file ${key} is neither in the local blob cache nor on a backend`, 'add the package file again (raptr package add FILE) before pushing')
        }
        await backend.put(key, data, {contentType: contentTypeOf(key), immutable: true, batched: true})
      }
      uploaded++
    })
    await backend.sync()
  }
  if (uploaded > 0) opts.note?.(`sync: ${uploaded} pool file${uploaded === 1 ? '' : 's'} uploaded before the push`)
  return uploaded
}

/**
 * A pool file's bytes from another backend, checked against the SHA256 the archive's record
 * names: a damaged or tampered copy on one backend is never spread to the others.
 */
async function fromAnotherBackend(others: Backend[], key: string, want: {sha256: string; size: number}): Promise<Uint8Array | undefined> {
  for (const b of others) {
    const data = await b.get(key).catch(() => undefined)
    if (data?.length === want.size && createHash('sha256').update(data).digest('hex') === want.sha256) return data
  }
  return undefined
}

/** The Content-Type publish gives pool files, so an object is served alike whoever uploaded it. */
function contentTypeOf(key: string): string {
  if (/\.(deb|udeb|ddeb)$/.test(key)) return 'application/vnd.debian.binary-package'
  if (key.endsWith('.dsc')) return 'text/plain; charset=utf-8'
  return 'application/octet-stream'
}
