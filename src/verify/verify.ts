import {createHash} from 'node:crypto'
import {RaptrError, isRaptrError} from '../errors.js'
import {cidFromSha256} from '../core/cid.js'
import {PUBLIC_KEY_ASC, liveDir, pinnedDir} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {parseReleaseEntries} from '../core/release.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import type {Backend} from '../backends/interface.js'
import {renderIndexes} from '../publish/indexes.js'
import {readDistSnapshot} from '../snapshot/read.js'
import {deadRootLinks, listRootLinks, rootDistKey, writeSnapshotRoot} from '../publish/snapshot-roots.js'
import {poolRefsOfIndex, type PoolRef} from '../core/pool-refs.js'
import {loggedDistributions, readLog, type PublicationEntry} from '../remote/log.js'
import {gzipIndexText} from '../remote/index-text.js'
import {indexRefs, isGzipIndex, publishesPlain, writtenEntries} from '../remote/references.js'
import {settle} from '../remote/settle.js'
import type {SignerSource} from '../remote/pointer.js'
import type {Archive} from '../store/archive.js'
import {checkClearsigned, checkDetached, readPublicKey, type PublicKey} from './signatures.js'

export type ProblemKind = 'missing' | 'size' | 'hash' | 'pointer' | 'signature' | 'public-key' | 'log' | 'root'

/** One thing wrong on a backend. */
export interface Problem {
  kind: ProblemKind
  key: string
  expected?: string
  actual?: string
  /** Set by --repair: whether the problem is gone after repairing. */
  repaired?: boolean
}

export interface VerifyResult {
  backend: string
  healthy: boolean
  checked: {publications: number; pinned: number; indexes: number; pool: number}
  problems: Problem[]
}

export interface VerifyOptions {
  backends?: string[]
  /** Download pool files and check their SHA256, not only their size. */
  deep?: boolean
  repair?: boolean
  /** With repair: signs what a killed publisher left unsigned, publishes a missing public key. */
  signer?: SignerSource
  open: (b: NamedBackend) => Promise<Backend>
  /** Called as pool files are checked: done, total, bytes read (with deep). */
  onProgress?: (done: number, total: number, bytes: number) => void
}

/**
 * Verifies backends: every live publication and every pinned snapshot still on the
 * backend has its Release files (matching the log, signatures valid against the
 * published key), every index its Release lists under every name it is stored at with
 * the listed SHA256, and every pool file its indexes name with the right size (and
 * SHA256 with `deep`). `repair` re-uploads pool files from the blob cache or another
 * backend, re-renders indexes from the archive, rewrites the pointer from the log, and
 * checks again.
 *
 * @example
 *   const [r] = await verify(archive, {deep: true, open: openNamedBackend}); r.healthy
 */
export async function verify(archive: Archive, opts: VerifyOptions): Promise<VerifyResult[]> {
  const view = await archive.view()
  const named = await selectBackends(view, opts.backends)
  if (named.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend to verify', 'add one with: raptr backend add local file:///srv/apt')
  const opened = await Promise.all(named.map(async (b) => ({name: b.name, backend: await opts.open(b)})))
  const results: VerifyResult[] = []
  for (const {name, backend} of opened) {
    // Finish what an interrupted publisher started before judging what is left.
    if (opts.repair) for (const d of await loggedDistributions(backend)) await settle(backend, d, {signer: opts.signer})
    const first = await inspect(backend, Boolean(opts.deep), opts.onProgress)
    if (!opts.repair || first.problems.length === 0) {
      results.push({backend: name, healthy: first.problems.length === 0, checked: first.checked, problems: first.problems})
      continue
    }
    await repair(archive, backend, first, opened.filter((o) => o.backend !== backend).map((o) => o.backend))
    const after = await inspect(backend, Boolean(opts.deep))
    const left = new Set(after.problems.map(problemId))
    const problems = first.problems.map((p) => ({...p, repaired: !left.has(problemId(p))}))
    // Repairs can reveal what the damage hid (a restored index names more pool files).
    for (const p of after.problems) if (!first.problems.some((q) => problemId(q) === problemId(p))) problems.push({...p, repaired: false})
    results.push({backend: name, healthy: after.problems.length === 0, checked: after.checked, problems})
  }
  return results
}

const problemId = (p: Problem): string => `${p.kind} ${p.key}`

/** What one inspection found, with what repair needs to mend it. */
interface Inspection {
  problems: Problem[]
  checked: VerifyResult['checked']
  /** Bytes of each index found intact, by SHA256 (a good copy mends a bad one). */
  goodIndexes: Map<string, Uint8Array>
  /** For each damaged index key: its SHA256, path, and the publication that lists it. */
  badIndexes: Map<string, {sha256: string; path: string; entry: PublicationEntry}>
  badPool: Map<string, PoolRef>
  badPointers: PublicationEntry[]
  /** Snapshot root links (apt --snapshot) that name nothing, and live snapshots without a root. */
  deadRoots: string[]
  missingRoots: Array<{pinned: string; dist: string}>
}

async function inspect(backend: Backend, deep: boolean, onProgress?: VerifyOptions['onProgress']): Promise<Inspection> {
  const ins: Inspection = {
    problems: [],
    checked: {publications: 0, pinned: 0, indexes: 0, pool: 0},
    goodIndexes: new Map(),
    badIndexes: new Map(),
    badPool: new Map(),
    badPointers: [],
    deadRoots: [],
    missingRoots: [],
  }
  const asc = await backend.get(PUBLIC_KEY_ASC)
  const key = asc ? await readPublicKey(Buffer.from(asc).toString('utf8')) : undefined
  let keyReported = false
  const needKey = (): PublicKey | undefined => {
    if (!key && !keyReported) {
      keyReported = true
      ins.problems.push({kind: 'public-key', key: PUBLIC_KEY_ASC, expected: 'an OpenPGP public key', actual: asc ? 'unreadable' : 'missing'})
    }
    return key
  }
  const indexChecks = new Map<string, {sha256: string; size: number; path: string; entry: PublicationEntry}>()
  const heads: PublicationEntry[] = []
  for (const dist of await loggedDistributions(backend)) {
    let log: PublicationEntry[]
    try {
      log = await readLog(backend, dist)
    } catch (error) {
      // A damaged log entry is damage on the backend, not a failure to reach it: report
      // it and check the other distributions. Repair cannot rebuild it (only its writer
      // knew what it said), so it stays a problem.
      const damaged = isRaptrError(error) ? error.data.damagedKey : undefined
      if (typeof damaged !== 'string') throw error
      ins.problems.push({kind: 'log', key: damaged, expected: 'a raptr publication entry', actual: (error as Error).message.replace(/^.*?: /, '')})
      continue
    }
    const head = log.at(-1)!
    // Dropped (raptr publish drop): nothing of it is live, so nothing to check.
    if (head.action === 'drop') continue
    ins.checked.publications++
    heads.push(head)
    await checkPointer(backend, head, ins, needKey)
    const live = liveDir(dist)
    // What the publication wrote: not the plain indexes its Release lists when it left them out.
    for (const e of writtenEntries(parseReleaseEntries(head.release), publishesPlain(head))) indexChecks.set(`${live}/${e.path}`, {...e, entry: head})
    // Every pinned snapshot still on the backend (purge removes whole directories).
    const byPinned = new Map<string, PublicationEntry>()
    const signedPinned = new Set<string>()
    for (const e of log) {
      byPinned.set(e.pinned, e)
      if (e.inRelease && e.action === 'publish') signedPinned.add(e.pinned)
    }
    for (const [pinned, entry] of byPinned) {
      const dir = pinnedDir(pinned, dist)
      const release = await backend.get(`${dir}/Release`)
      const isHead = pinned === head.pinned
      if (!release) {
        if (isHead) ins.problems.push({kind: 'missing', key: `${dir}/Release`, expected: 'the live snapshot\'s pinned Release'})
        if (!isHead) continue
      } else {
        ins.checked.pinned++
        await checkPinnedSignatures(backend, dir, release, signedPinned.has(pinned), ins, needKey)
      }
      const text = release ? Buffer.from(release).toString('utf8') : entry.release
      for (const ref of indexRefs(dist, pinned, text, publishesPlain(entry))) {
        for (const k of ref.keys) indexChecks.set(k, {sha256: ref.sha256, size: ref.size, path: ref.path, entry})
      }
    }
  }
  await inspectRoots(backend, heads, ins)
  const poolRefs = new Map<string, PoolRef>()
  const gzipRead = new Set<string>()
  await mapLimit([...indexChecks.entries()], 8, async ([k, want]) => {
    ins.checked.indexes++
    const data = await backend.get(k)
    const actualSha = data && createHash('sha256').update(data).digest('hex')
    if (!data) ins.problems.push({kind: 'missing', key: k, expected: `${want.size} bytes, sha256 ${want.sha256}`})
    else if (data.length !== want.size) ins.problems.push({kind: 'size', key: k, expected: String(want.size), actual: String(data.length)})
    else if (actualSha !== want.sha256) ins.problems.push({kind: 'hash', key: k, expected: want.sha256, actual: actualSha})
    if (data && actualSha === want.sha256) {
      ins.goodIndexes.set(want.sha256, data)
      // Pool files are read from the .gz every publication wrote (the plain one may not be there).
      if (isGzipIndex(want.path) && !gzipRead.has(want.sha256)) {
        gzipRead.add(want.sha256)
        for (const p of poolRefsOfIndex(await gzipIndexText(data, k))) poolRefs.set(p.key, p)
      }
    } else {
      ins.badIndexes.set(k, {sha256: want.sha256, path: want.path, entry: want.entry})
    }
  })
  let poolDone = 0
  let poolBytes = 0
  await mapLimit([...poolRefs.values()], 16, async (p) => {
    ins.checked.pool++
    const st = await backend.stat(p.key)
    let problem: Problem | undefined
    if (!st) problem = {kind: 'missing', key: p.key, expected: `${p.size} bytes, sha256 ${p.sha256}`}
    else if (st.size !== p.size) problem = {kind: 'size', key: p.key, expected: String(p.size), actual: String(st.size)}
    else if (deep) {
      const data = await backend.get(p.key)
      const sha = data && createHash('sha256').update(data).digest('hex')
      if (sha !== p.sha256) problem = {kind: 'hash', key: p.key, expected: p.sha256, actual: sha}
    }
    if (problem) {
      ins.problems.push(problem)
      ins.badPool.set(p.key, p)
    }
    if (deep) poolBytes += p.size
    onProgress?.(++poolDone, poolRefs.size, poolBytes)
  })
  ins.problems.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.kind < b.kind ? -1 : 1))
  return ins
}

/**
 * Snapshot roots, where the backend has links: every root link names a pinned copy that
 * is there, and each live snapshot has its root (what apt --snapshot reads).
 */
async function inspectRoots(backend: Backend, heads: PublicationEntry[], ins: Inspection): Promise<void> {
  if (!backend.links) return
  const links = await listRootLinks(backend)
  for (const l of await deadRootLinks(backend, {links})) {
    ins.problems.push({kind: 'root', key: l.key, expected: 'a link to a pinned copy on the backend', actual: `a link to ${l.target}`})
    ins.deadRoots.push(l.key)
  }
  const have = new Set(links.map((l) => l.key))
  for (const head of heads) {
    const key = rootDistKey(head.pinned, head.distribution)
    if (have.has(key) || !(await backend.stat(`${pinnedDir(head.pinned, head.distribution)}/Release`))) continue
    ins.problems.push({kind: 'root', key, expected: `a link to ${pinnedDir(head.pinned, head.distribution)}`, actual: 'missing'})
    ins.missingRoots.push({pinned: head.pinned, dist: head.distribution})
  }
}

/** The live Release files must be exactly those of the log's newest entry, and verify. */
async function checkPointer(backend: Backend, head: PublicationEntry, ins: Inspection, needKey: () => PublicKey | undefined): Promise<void> {
  const dir = liveDir(head.distribution)
  let bad = false
  const files: Array<[string, string | undefined]> = [
    ['Release', head.release],
    ['InRelease', head.inRelease],
    ['Release.gpg', head.releaseGpg],
  ]
  for (const [f, want] of files) {
    const have = await backend.get(`${dir}/${f}`)
    const text = have && Buffer.from(have).toString('utf8')
    if (text === want) continue
    bad = true
    ins.problems.push({
      kind: 'pointer',
      key: `${dir}/${f}`,
      expected: want === undefined ? 'absent' : `log entry ${head.seq}`,
      actual: text === undefined ? 'missing' : 'different content',
    })
  }
  if (bad) ins.badPointers.push(head)
  if (!head.inRelease && !head.releaseGpg) return
  const key = needKey()
  if (!key) return
  if (head.inRelease) {
    const why = await checkClearsigned(head.inRelease, head.release, key)
    if (why) ins.problems.push({kind: 'signature', key: `${dir}/InRelease`, expected: 'valid signature by raptr.asc', actual: why})
  }
  if (head.releaseGpg) {
    const why = await checkDetached(head.releaseGpg, Buffer.from(head.release, 'utf8'), key)
    if (why) ins.problems.push({kind: 'signature', key: `${dir}/Release.gpg`, expected: 'valid signature by raptr.asc', actual: why})
  }
}

async function checkPinnedSignatures(backend: Backend, dir: string, release: Uint8Array, signed: boolean, ins: Inspection, needKey: () => PublicKey | undefined): Promise<void> {
  const inRelease = await backend.get(`${dir}/InRelease`)
  const gpg = await backend.get(`${dir}/Release.gpg`)
  // Unsigned only when the log says it was published unsigned: a signed publication
  // killed before its pinned signatures left a copy that signed-by clients refuse.
  if (!inRelease && !gpg && !signed) return
  const key = needKey()
  if (!key) return
  if (!inRelease) ins.problems.push({kind: 'missing', key: `${dir}/InRelease`, expected: 'signed InRelease beside Release.gpg'})
  else {
    const why = await checkClearsigned(Buffer.from(inRelease).toString('utf8'), Buffer.from(release).toString('utf8'), key)
    if (why) ins.problems.push({kind: 'signature', key: `${dir}/InRelease`, expected: 'valid signature by raptr.asc', actual: why})
  }
  if (!gpg) ins.problems.push({kind: 'missing', key: `${dir}/Release.gpg`, expected: 'detached signature beside InRelease'})
  else {
    const why = await checkDetached(Buffer.from(gpg).toString('utf8'), release, key)
    if (why) ins.problems.push({kind: 'signature', key: `${dir}/Release.gpg`, expected: 'valid signature by raptr.asc', actual: why})
  }
}

/** Mends what can be mended; what cannot (a pinned Release, a bad signature in the log) stays reported. */
async function repair(archive: Archive, backend: Backend, ins: Inspection, others: Backend[]): Promise<void> {
  const rendered = new Map<string, Promise<Map<string, Uint8Array>>>()
  const renderedFor = (entry: PublicationEntry): Promise<Map<string, Uint8Array>> => {
    const id = `${entry.snapshot} ${entry.distribution}`
    let p = rendered.get(id)
    if (!p) {
      p = (async () => {
        const out = new Map<string, Uint8Array>()
        if (!(await archive.expandCommit(entry.snapshot))) return out
        const snap = await readDistSnapshot(archive, entry.snapshot, entry.distribution)
        // The plain indexes when that publication wrote them (and only then: repair never adds one).
        for (const f of await renderIndexes(archive, {...snap, settings: {...snap.settings, plainIndexes: publishesPlain(entry)}})) out.set(f.sha256, f.data)
        return out
      })()
      rendered.set(id, p)
    }
    return p
  }
  for (const [k, bad] of ins.badIndexes) {
    const data = ins.goodIndexes.get(bad.sha256) ?? (await renderedFor(bad.entry)).get(bad.sha256)
    if (data) await backend.put(k, data, {contentType: 'application/octet-stream', immutable: k.includes('/by-hash/') || k.startsWith('dists/snapshots/')})
  }
  await mapLimit([...ins.badPool.values()], 8, async (p) => {
    const cid = cidFromSha256(p.sha256)
    if (archive.blobs.has(cid)) {
      await backend.putFile(p.key, archive.blobs.pathOf(cid), {immutable: true})
      return
    }
    for (const o of others) {
      const data = await o.get(p.key).catch(() => undefined)
      if (data && createHash('sha256').update(data).digest('hex') === p.sha256) {
        await backend.put(p.key, data, {immutable: true})
        return
      }
    }
  })
  for (const head of ins.badPointers) await settle(backend, head.distribution)
  if (ins.deadRoots.length) await backend.remove(ins.deadRoots)
  for (const r of ins.missingRoots) await writeSnapshotRoot(backend, r.pinned, r.dist, r.pinned)
}
