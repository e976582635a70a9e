import fs from 'node:fs'
import path from 'node:path'
import {RaptrError, asRaptrError, isRaptrError} from '../errors.js'
import {pinnedSuite, publicationDir, shortId} from '../core/layout.js'
import {mark} from '../core/timing.js'
import {debLine} from '../core/sources-list.js'
import {clientKeyPath} from '../archive/keyring-settings.js'
import {listBackends, requireBackend, type NamedBackend} from '../archive/backends.js'
import {json, listDistributionNames} from '../archive/settings.js'
import type {Backend} from '../backends/interface.js'
import {readDistSnapshot, type DistSnapshot} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
import {indexScratchDir, writeIndexes} from './indexes.js'
import {planPublish, planTotals} from './plan.js'
import {summarizePublish} from './summary.js'
import {waitForNoLease} from '../remote/lease.js'
import {readHead, type PublicationEntry} from '../remote/log.js'
import {resolveSigner} from '../remote/pointer.js'
import {settle} from '../remote/settle.js'
import type {RaptrEvent} from '../core/events.js'
import {gather} from './gather.js'
import {snapshotRootsAfter} from './snapshot-roots.js'
import {poolAliasesAfter} from './pool-aliases.js'
import {execute} from './publish-execute.js'
import type {DistResult, PublishOptions, PublishProgress, RenderedIndexes} from './publish-types.js'

export type {DistResult, PublishOptions, PublishProgress} from './publish-types.js'

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
  // The keyring file clients hold (the keyring package's when the archive builds one):
  // read once per snapshot, not once per backend and distribution.
  const keyPaths = new Map<string, Promise<string>>()
  const keyPathOf = (snapshot: string): Promise<string> => {
    let p = keyPaths.get(snapshot)
    if (!p) keyPaths.set(snapshot, (p = archive.view(snapshot).then(clientKeyPath)))
    return p
  }
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
          out.push(await publishOne(archive, backend, b.name, snaps.get(d)!, indexesOf, opts, everyBackend.filter((x) => x.name !== b.name).map(openNamed), keyPathOf))
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
  keyPathOf: (snapshot: string) => Promise<string>,
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
    const signedBy = opts.signer ? await keyPathOf(snap.commit) : undefined
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
      debLine: debLine({url: backend.properties.publicUrl, suite: snap.dist, components: snap.categories, signedBy}),
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
      result.pinnedDebLine = debLine({url: backend.properties.publicUrl, suite: pinnedSuite(plan.pinnedId, snap.dist), components: snap.categories, signedBy})
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
