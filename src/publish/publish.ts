import fs from 'node:fs'
import path from 'node:path'
import {RaptrError, asRaptrError, isRaptrError, type ErrorCode} from '../errors.js'
import {cidFromSha256} from '../core/cid.js'
import {pinnedDir, pinnedSuite, publicationDir, shortId} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {poolRefsOfIndex} from '../core/pool-refs.js'
import {mark} from '../core/timing.js'
import {parseReleaseEntries, renderRelease} from '../core/release.js'
import {DEFAULT_KEY_PATH, debLine} from '../core/sources-list.js'
import {listBackends, requireBackend, type NamedBackend} from '../archive/backends.js'
import {json, listDistributionNames} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import type {Archive} from '../store/archive.js'
import {blobsAdded, indexFilePath, indexScratchDir, readDistSnapshot, writeIndexes, type DistSnapshot, type IndexFile, type PoolBlob} from './indexes.js'
import {planPublish, planTotals, type PlanInput, type PublishPlan} from './plan.js'
import {summarizePublish, type PublishSummary} from './summary.js'
import {goLive} from '../remote/go-live.js'
import {waitForNoLease} from '../remote/lease.js'
import {publisherName, readHead, type PublicationEntry} from '../remote/log.js'
import {resolveSigner, signRelease, writePublicKey, writeReleaseFiles, type SignerSource} from '../remote/pointer.js'
import {settle} from '../remote/settle.js'
import {releaseInputFor} from './release-fields.js'
import {snapshotRootsAfter, snapshotsField} from './snapshot-roots.js'
import {poolAliasesAfter} from './pool-aliases.js'
import type {RaptrEvent} from '../core/events.js'

export interface PublishProgress {
  backend: string
  dist: string
  phase: 'plan' | 'blobs' | 'indexes' | 'pinned' | 'pointer'
  done: number
  total: number
}

export interface PublishOptions {
  /** Backend names; default every backend of the archive. */
  backends?: string[]
  /** Distributions; default every distribution of the snapshot. */
  distributions?: string[]
  /** The snapshot to publish (a commit id); default HEAD. */
  snapshot?: string
  dryRun?: boolean
  force?: boolean
  /** List the backend's pool instead of trusting the publication record. */
  fullCheck?: boolean
  /**
   * undefined publishes unsigned (the command requires --no-sign for that). A function is
   * called on first use: a publish that changes nothing never loads the key.
   */
  signer?: SignerSource
  onProgress?: (p: PublishProgress) => void
  /** Told what went wrong but did not fail the publish (a browse page not written). */
  onWarning?: (message: string) => void
  /** Opens a backend; tests and the registry decide how. */
  open: (b: NamedBackend) => Promise<Backend>
}

export interface DistResult {
  backend: string
  distribution: string
  action: 'published' | 'unchanged' | 'refused' | 'failed' | 'planned'
  snapshot: string
  pinned?: string
  seq?: number
  reason?: string
  error?: {code: ErrorCode; message: string; hint: string}
  totals?: ReturnType<typeof planTotals>
  plan?: PublishPlan
  debLine?: string
  pinnedDebLine?: string
  /** dryRun: what apt users would see change, by package name. */
  summary?: PublishSummary
  /** What this publish wrote to finish an earlier one that was killed or failed part-way. */
  settled?: string[]
  /** Published (apt reads it), but a step after the pointer swap failed; the next publish finishes it. */
  warning?: string
}

/**
 * Publishes a snapshot to backends: for each backend and distribution, plan what is
 * missing, then upload pool files, indexes by hash, the pinned copy, append to the
 * backend's publication log, write canonical indexes, and swap the Release pointer
 * last. Backends are independent: one failing does not stop or corrupt another.
 *
 * @example
 *   await publish(archive, {signer, open: openBackendFor})
 */
export async function publish(archive: Archive, opts: PublishOptions): Promise<{results: DistResult[]; commit?: string}> {
  const commit = opts.snapshot ?? (await archive.head())
  if (!commit) throw new RaptrError('CORRUPT_ARCHIVE', 'the archive has no snapshot', 'run raptr init')
  const view = await archive.view(commit)
  const backends = opts.backends?.length
    ? await Promise.all(opts.backends.map((n) => requireBackend(view, n)))
    : await listBackends(await archive.view())
  if (backends.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend to publish to', 'add one with: raptr backend add local file:///srv/apt')
  const dists = opts.distributions?.length ? opts.distributions : await listDistributionNames(view)
  if (dists.length === 0) throw new RaptrError('UNKNOWN_DISTRIBUTION', 'the snapshot has no distribution to publish', 'add one with: raptr distribution add NAME')

  mark('publish: start')
  const snaps = new Map<string, DistSnapshot>()
  for (const d of dists) snaps.set(d, await readDistSnapshot(archive, commit, d))
  // Index files are written to disk as they are made and uploaded from there: a large
  // distribution's indexes are never all in memory at once.
  let scratch: Promise<string> | undefined
  const rendered = new Map<string, Promise<RenderedIndexes>>()
  const indexesOf = (d: string): Promise<RenderedIndexes> => {
    let p = rendered.get(d)
    if (!p) {
      scratch ??= indexScratchDir(archive)
      const dir = scratch.then((s) => path.join(s, String(dists.indexOf(d))))
      rendered.set(d, (p = dir.then(async (at) => ({files: await writeIndexes(archive, snaps.get(d)!, at), dir: at}))))
    }
    return p
  }
  try {
    return await publishTo(archive, opts, commit, backends, dists, snaps, indexesOf)
  } finally {
    if (scratch) await fs.promises.rm(await scratch, {recursive: true, force: true})
  }
}

/** Index files on disk: `dir` holds each at its path (see writeIndexes). */
interface RenderedIndexes {
  files: IndexFile[]
  dir: string
}

async function publishTo(
  archive: Archive,
  opts: PublishOptions,
  commit: string,
  backends: NamedBackend[],
  dists: string[],
  snaps: Map<string, DistSnapshot>,
  indexesOf: (d: string) => Promise<RenderedIndexes>,
): Promise<{results: DistResult[]; commit?: string}> {
  const opened = new Map<string, Promise<Backend>>()
  const openNamed = (b: NamedBackend): Promise<Backend> => {
    let p = opened.get(b.name)
    if (!p) opened.set(b.name, (p = opts.open(b)))
    return p
  }

  // Any backend of the archive can supply a pool file the local cache lacks (a clone has
  // the archive but not the blob cache), not only those being published to.
  const everyBackend = await listBackends(await archive.view())
  const perBackend = await Promise.all(
    backends.map(async (b) => {
      const out: DistResult[] = []
      let backend: Backend
      try {
        backend = await openNamed(b)
      } catch (error) {
        return dists.map((d) => failed(b.name, d, commit, error))
      }
      for (const d of dists) {
        try {
          out.push(await publishOne(archive, backend, b.name, snaps.get(d)!, indexesOf, opts, everyBackend.filter((x) => x.name !== b.name).map(openNamed)))
        } catch (error) {
          // A key that cannot sign fails every backend alike, before any write: say it once.
          if (isRaptrError(error) && ['BAD_SIGNING_KEY', 'NO_SIGNING_KEY', 'BAD_PASSPHRASE'].includes(error.code)) throw error
          out.push(failed(b.name, d, commit, error))
        }
      }
      return out
    }),
  )
  const results = perBackend.flat()
  const done = results.filter((r) => r.action === 'published')
  // The pages change only where something was published: a publish with no change loads
  // neither them nor the signing key.
  if (!opts.dryRun && done.length > 0) await (await import('./browse-pages.js')).writeBrowsePages(archive, results, opts.signer, (name) => openNamed(backends.find((b) => b.name === name)!), opts.onWarning)
  mark('publish: browse pages written')
  let recorded: string | undefined
  if (done.length > 0) {
    const res = await archive.transaction((tx) => {
      for (const r of done) {
        tx.write(`${publicationDir(r.backend, r.distribution)}/${String(r.seq).padStart(10, '0')}.json`, json({seq: r.seq, action: 'publish', snapshot: r.snapshot, pinned: r.pinned, date: new Date().toISOString()}))
      }
      const lines = done.map((r) => `${r.distribution} ${shortId(r.snapshot)} to ${r.backend} (seq ${r.seq})`)
      // One event per distribution and snapshot, naming every backend it went to.
      const events = new Map<string, RaptrEvent & {type: 'Published'}>()
      for (const r of done) {
        const key = `${r.distribution} ${r.snapshot}`
        const e = events.get(key) ?? {v: 1, type: 'Published', distribution: r.distribution, snapshot: r.snapshot, backends: []}
        e.backends.push({backend: r.backend, seq: r.seq!})
        events.set(key, e)
      }
      return {message: lines.length === 1 ? `published: ${lines[0]}` : `published: ${lines.length} distributions\n\n${lines.join('\n')}`, events: [...events.values()], result: null}
    })
    recorded = res.commit
  }
  mark('publish: recorded in the archive')
  return {results, commit: recorded}
}

/** A distribution's publish that threw: a backend's failure as BACKEND_ERROR, a bug as INTERNAL (never relabelled). */
function failed(backend: string, dist: string, snapshot: string, error: unknown): DistResult {
  const {code, message, hint} = asRaptrError(error, 'BACKEND_ERROR')
  return {backend, distribution: dist, action: 'failed', snapshot, error: {code, message, hint}}
}

async function publishOne(
  archive: Archive,
  backend: Backend,
  backendName: string,
  snap: DistSnapshot,
  indexesOf: (d: string) => Promise<RenderedIndexes>,
  opts: PublishOptions,
  others: Array<Promise<Backend>>,
): Promise<DistResult> {
  const progress = (phase: PublishProgress['phase'], done: number, total: number): void =>
    opts.onProgress?.({backend: backendName, dist: snap.dist, phase, done, total})
  const settled: string[] = []
  for (let attempt = 0; ; attempt++) {
    progress('plan', 0, 1)
    if (!opts.dryRun) await waitForNoLease(backend, backendName)
    let head: PublicationEntry | undefined
    if (opts.dryRun) head = await readHead(backend, snap.dist)
    else {
      // Finish whatever an earlier publisher left half-done, even if this one has nothing new.
      const s = await settle(backend, snap.dist, {signer: opts.signer})
      head = s.head ?? s.dropped
      settled.push(...s.wrote)
    }
    // A dropped distribution stays off until its content changes (or --force); then it
    // starts afresh after the drop entry, not as a fast-forward of what was live before.
    const dropped = head?.action === 'drop' ? head : undefined
    if (dropped) {
      if (dropped.distTree === snap.distTree && !opts.force) {
        return {backend: backendName, distribution: snap.dist, action: 'unchanged', snapshot: snap.commit, seq: dropped.seq, reason: `dropped (raptr publish drop); it comes back when it changes, or with --force`}
      }
      head = undefined
    }
    const input = {...(await gather(archive, backend, snap, head, indexesOf, opts)), afterSeq: dropped?.seq}
    mark(`publish ${backendName}/${snap.dist}: gathered`)
    const plan = planPublish(input)
    const result: DistResult = {
      backend: backendName,
      distribution: snap.dist,
      action: plan.action === 'publish' ? 'published' : plan.action,
      snapshot: snap.commit,
      pinned: plan.pinnedId,
      seq: plan.action === 'publish' ? plan.seq : head?.seq,
      reason: plan.reason,
      totals: planTotals(plan),
      plan: opts.dryRun ? plan : undefined,
      debLine: debLine({url: backend.properties.publicUrl, suite: snap.dist, components: snap.categories, signedBy: opts.signer ? DEFAULT_KEY_PATH : undefined}),
      settled: settled.length ? [...new Set(settled)].sort() : undefined,
    }
    if (plan.action === 'refused') {
      result.error = {code: 'NOT_FAST_FORWARD', message: `${backendName}/${snap.dist}: ${plan.reason}`, hint: await refusalHint(archive, head!, snap)}
      return result
    }
    if (plan.action === 'unchanged') {
      if (!opts.dryRun) await snapshotRootsAfter(archive, backend, backendName, snap, head?.pinned, false, opts.onWarning)
      return {...result, pinned: head?.pinned}
    }
    if (opts.dryRun) return {...result, action: 'planned', summary: await summarizePublish(archive, head?.distTree, snap.distTree)}
    // A key that cannot sign (a wrong passphrase) stops the publish before its first write.
    await resolveSigner(opts.signer)
    const live = await execute(archive, backend, snap, plan, input, head, opts, others, progress, indexesOf)
    if (live.status === 'live') {
      result.pinnedDebLine = debLine({url: backend.properties.publicUrl, suite: pinnedSuite(plan.pinnedId, snap.dist), components: snap.categories, signedBy: opts.signer ? DEFAULT_KEY_PATH : undefined})
      if (live.warning) result.warning = live.warning
      await snapshotRootsAfter(archive, backend, backendName, snap, plan.pinnedId, plan.seq === 1, opts.onWarning)
      if (snap.settings.poolAliases) await poolAliasesAfter(backend, `${backendName}/${snap.dist}`, await indexesOf(snap.dist), opts.onWarning)
      return result
    }
    // Another publisher took this sequence number, or a purge started: plan again
    // against the new head; if we are no longer a fast-forward, the next plan refuses.
    if (attempt >= 9) throw new RaptrError('CONFLICT', `${backendName}/${snap.dist}: other publishers kept winning`, 'publish again')
    // Losers that retry in step keep colliding: spread them out a little.
    if (live.status === 'lost') await new Promise((r) => setTimeout(r, Math.random() * 100 * (attempt + 1)))
  }
}

/** What is true about a refused publish, and what to do about it. */
async function refusalHint(archive: Archive, head: PublicationEntry, snap: DistSnapshot): Promise<string> {
  const live = shortId(head.snapshot)
  if (!(await archive.expandCommit(head.snapshot))) {
    return `pull and merge the archive (git pull), then publish again: the live snapshot ${live} was published from a clone you have not pulled; --force overrides`
  }
  if (await archive.isAncestor(snap.commit, head.snapshot)) {
    return `${shortId(snap.commit)} is older than the live snapshot ${live}: to go back, use raptr rollback ${snap.dist} --to ${shortId(snap.commit)}; --force publishes it anyway`
  }
  return `pull and merge the archive (git pull), then publish again: it and the live snapshot ${live} have diverged; --force overrides`
}

async function gather(
  archive: Archive,
  backend: Backend,
  snap: DistSnapshot,
  head: PublicationEntry | undefined,
  indexesOf: (d: string) => Promise<RenderedIndexes>,
  opts: PublishOptions,
): Promise<PlanInput> {
  const base = {
    dist: snap.dist,
    snapshot: snap.commit,
    distTree: snap.distTree,
    head: head && {seq: head.seq, snapshot: head.snapshot, distTree: head.distTree, releaseEntries: parseReleaseEntries(head.release)},
    force: Boolean(opts.force),
  }
  // Already live: the plan says "unchanged" from this alone, so read and render nothing
  // (this is the whole cost of a publish with no change).
  if (head && head.distTree === snap.distTree && !opts.force) {
    return {...base, pinnedId: head.pinned, fastForward: true, indexes: [], candidateBlobs: [], presentBlobs: new Set(), pinnedExists: true}
  }
  const headKnown = head ? (await archive.expandCommit(head.snapshot)) !== undefined : false
  const fastForward = !head || (headKnown && (await archive.isAncestor(head.snapshot, snap.commit)))
  let candidates: PoolBlob[]
  const present = new Set<string>()
  if (head && headKnown && !opts.fullCheck) {
    // O(change): what the snapshot adds over the live one, each checked with one stat
    // (another distribution may have brought it already).
    candidates = [...(await blobsAdded(archive, head.distTree, snap.distTree)).values()]
    const stats = await mapLimit(candidates, 16, (b) => backend.stat(b.key))
    candidates.forEach((b, i) => {
      if (stats[i]?.size === b.size) present.add(b.key)
    })
  } else {
    // Every pool file the indexes name (what apt can ask for), read from their text:
    // read back from the index files this publish wrote, a run of stanzas at a time.
    const refs = new Map<string, PoolBlob>()
    const rendered = await indexesOf(snap.dist)
    for (const index of rendered.files) {
      if (!/(^|\/)(Packages|Sources)$/.test(index.path)) continue
      for await (const r of poolRefsOfFile(indexFilePath(rendered.dir, index))) refs.set(r.key, r)
    }
    candidates = [...refs.values()]
    const sizes = new Map<string, number>()
    for await (const o of backend.list('pool/')) sizes.set(o.key, o.size)
    for (const b of candidates) if (sizes.get(b.key) === b.size) present.add(b.key)
  }
  const pinnedId = head && head.distTree === snap.distTree ? head.pinned : shortId(snap.commit)
  // Complete only with its signatures: a publisher killed between the pinned Release
  // and its signatures left a copy that signed-by clients refuse.
  const pinnedFiles = opts.signer ? ['Release', 'Release.gpg', 'InRelease'] : ['Release']
  const pinnedStats = await Promise.all(pinnedFiles.map((f) => backend.stat(`${pinnedDir(pinnedId, snap.dist)}/${f}`)))
  const pinnedExists = pinnedStats.every((st) => st !== undefined)
  return {
    ...base,
    pinnedId,
    fastForward,
    indexes: (await indexesOf(snap.dist)).files,
    candidateBlobs: candidates,
    presentBlobs: present,
    pinnedExists,
  }
}

function contentTypeOf(key: string): string {
  if (key.endsWith('.deb') || key.endsWith('.udeb') || key.endsWith('.ddeb')) return 'application/vnd.debian.binary-package'
  if (key.endsWith('.dsc')) return 'text/plain; charset=utf-8'
  return 'application/octet-stream'
}

/**
 * Carries out a plan in the order that keeps every client consistent: pool files,
 * indexes by hash, the pinned copy with its Release files, the public key, then the
 * one step that makes it live (goLive: lease, log entry, canonical names, pointer,
 * settle).
 */
async function execute(
  archive: Archive,
  backend: Backend,
  snap: DistSnapshot,
  plan: PublishPlan,
  input: PlanInput,
  head: PublicationEntry | undefined,
  opts: PublishOptions,
  others: Array<Promise<Backend>>,
  progress: (phase: PublishProgress['phase'], done: number, total: number) => void,
  indexesOf: (d: string) => Promise<RenderedIndexes>,
): Promise<Awaited<ReturnType<typeof goLive>>> {
  const indexes = input.indexes
  // 1. pool files
  let done = 0
  await mapLimit(plan.blobs, 16, async (b) => {
    const cid = cidFromSha256(b.sha256)
    if (archive.blobs.has(cid)) {
      await backend.putFile(b.key, archive.blobs.pathOf(cid), {contentType: contentTypeOf(b.key), immutable: true, batched: true, immutableSource: true})
    } else {
      await backend.put(b.key, await fetchElsewhere(b, others), {contentType: contentTypeOf(b.key), immutable: true, batched: true})
    }
    progress('blobs', ++done, plan.blobs.length)
  })
  mark(`publish ${snap.dist}: pool files written`)
  // 2. indexes under their by-hash names (immutable), streamed from where they were written
  done = 0
  const {dir} = plan.byHash.length ? await indexesOf(snap.dist) : {dir: ''}
  await mapLimit(plan.byHash, 8, async ({key, index}) => {
    await backend.putFile(key, indexFilePath(dir, index), {contentType: 'application/octet-stream', immutable: true, batched: true})
    progress('indexes', ++done, plan.byHash.length)
  })
  // 3. the pinned copy: indexes copied inside the backend, then its own Release
  const date = new Date()
  const snapshots = snapshotsField(backend, snap.settings)
  const releaseFor = (pinned?: string): string =>
    renderRelease(releaseInputFor(snap.settings, snap.dist, {date, pinnedSuite: pinned, snapshots, categories: snap.categories, entries: indexes.map((i) => ({path: i.path, size: i.size, sha256: i.sha256}))}))
  if (plan.writePinnedRelease) {
    done = 0
    await mapLimit(plan.pinnedCopies, 8, async ({from, to}) => {
      await backend.copy(from, to, {immutable: true, contentType: 'application/octet-stream', batched: true})
      progress('pinned', ++done, plan.pinnedCopies.length)
    })
  }
  await backend.sync()
  if (plan.writePinnedRelease) {
    await writeReleaseFiles(backend, pinnedDir(plan.pinnedId, snap.dist), await signRelease(releaseFor(pinnedSuite(plan.pinnedId, snap.dist)), opts.signer), true)
  }
  // 4. the key that checks the signatures, before any Release that needs it goes live
  if (opts.signer) await writePublicKey(backend, opts.signer)
  // 5. live: lease → log entry → canonical names → pointer → settle
  const live = await signRelease(releaseFor(), opts.signer)
  const entry: PublicationEntry = {
    format: 1,
    seq: plan.seq,
    action: 'publish',
    distribution: snap.dist,
    snapshot: snap.commit,
    distTree: snap.distTree,
    pinned: plan.pinnedId,
    date: date.toISOString(),
    publisher: publisherName(),
    ...live,
  }
  progress('pointer', 0, 1)
  const res = await goLive(backend, entry, head, {signer: opts.signer})
  progress('pointer', 1, 1)
  mark(`publish ${snap.dist}: pointer swapped`)
  return res
}

/**
 * The pool files a Packages or Sources file names, read a run of whole stanzas at a
 * time (a stanza ends at a blank line): never the whole index in memory.
 */
async function* poolRefsOfFile(file: string): AsyncGenerator<PoolBlob> {
  let rest: Buffer = Buffer.alloc(0)
  for await (const chunk of fs.createReadStream(file, {highWaterMark: 1 << 20})) {
    const buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
    const end = buf.lastIndexOf('\n\n')
    if (end === -1) {
      rest = buf
      continue
    }
    yield* ownRefs(buf.toString('utf8', 0, end + 2))
    rest = Buffer.from(buf.subarray(end + 2))
  }
  if (rest.length) yield* ownRefs(rest.toString('utf8'))
}

/**
 * The refs of a text, their strings copied: a substring keeps the whole text it was cut
 * from alive, and the refs of an index outlive its text.
 */
function ownRefs(text: string): PoolBlob[] {
  const own = (s: string): string => Buffer.from(s, 'utf8').toString('utf8')
  return poolRefsOfIndex(text).map((r) => ({key: own(r.key), sha256: own(r.sha256), size: r.size}))
}

async function fetchElsewhere(b: PoolBlob, others: Array<Promise<Backend>>): Promise<Uint8Array> {
  for (const p of others) {
    try {
      const data = await (await p).get(b.key)
      if (data && data.length === b.size) return data
    } catch {
      // try the next one
    }
  }
  throw new RaptrError(
    'NOT_FOUND',
    `pool file ${b.key} is neither in the local blob cache nor on another backend`,
    'add the package file again (raptr package add FILE) or publish from the clone that added it',
  )
}
