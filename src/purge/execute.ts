import {createHash} from 'node:crypto'
import {RaptrError} from '../errors.js'
import {pinnedDir} from '../core/layout.js'
import {selectBackends, type NamedBackend} from '../archive/backends.js'
import {readArchiveSettings} from '../archive/settings.js'
import {listNamedSnapshots} from '../archive/snapshots.js'
import type {Backend, ObjectInfo} from '../backends/interface.js'
import {deadRootLinks} from '../publish/snapshot-roots.js'
import {aliasesOfPackages, categoryOfPackagesIndex} from '../publish/pool-aliases.js'
import {poolFilesOf} from '../snapshot/changes.js'
import {distContentIds} from '../snapshot/read.js'
import {acquireLease} from '../remote/lease.js'
import {loggedDistributions, readHead, readLog} from '../remote/log.js'
import {readPins} from '../remote/pins.js'
import {gzipIndexText} from '../remote/index-text.js'
import {indexRefs, isGzipIndex} from '../remote/references.js'
import type {Archive} from '../store/archive.js'
import {deletionOrder, planPurge, type KindTotals, type PurgePlan} from './plan.js'
import {poolRefsOfIndex} from '../core/pool-refs.js'
import {chooseRetained, type NamedRef, type RetainedPublication} from './retention.js'

export interface PurgeOptions {
  /** Backend names; default every backend of the archive. */
  backends?: string[]
  /** Default: raptr.json retention.keepLast. */
  keepLast?: number
  keepDays?: number
  /** Default: raptr.json retention.graceHours. */
  graceMs?: number
  dryRun?: boolean
  now?: Date
  /** How long the purge lease lasts if this process dies holding it. */
  leaseMs?: number
  open: (b: NamedBackend) => Promise<Backend>
  /** Called as objects are deleted: done, total. */
  onProgress?: (done: number, total: number) => void
}

export interface PurgeResult {
  backend: string
  dryRun: boolean
  retained: Array<Pick<RetainedPublication, 'distribution' | 'seq' | 'snapshot' | 'pinned' | 'reasons'>>
  totals: PurgePlan['totals']
  keptYoung: KindTotals
  /** Deleted (or, with dryRun, to be deleted) keys by kind; pinned directories by their directory. */
  deleted: {pinned: string[]; byHash: string[]; pool: string[]; roots: string[]}
  leaseTakenOver?: boolean
}

const REMOVE_BATCH = 1000

/**
 * Purges backends: for each, under its exclusive lease, lists what it holds, keeps
 * every live, pinned, named, last-N and recent publication with everything it references
 * (read from the backend's own log and indexes, so it works without the commits), plans
 * the rest purely, and deletes pinned Release files, pinned indexes, by-hash indexes,
 * then pool files, in that order. `dryRun` plans and writes nothing.
 *
 * @example
 *   await purge(archive, {keepLast: 3, graceMs: 0, open: openNamedBackend})
 */
export async function purge(archive: Archive, opts: PurgeOptions): Promise<PurgeResult[]> {
  const view = await archive.view()
  const settings = await readArchiveSettings(view)
  const keepLast = opts.keepLast ?? settings.retention.keepLast
  const graceMs = opts.graceMs ?? settings.retention.graceHours * 3_600_000
  const backends = await selectBackends(view, opts.backends)
  if (backends.length === 0) throw new RaptrError('UNKNOWN_BACKEND', 'the archive has no backend to purge', 'add one with: raptr backend add local file:///srv/apt')
  const named = await listNamedSnapshots(view)
  const results: PurgeResult[] = []
  for (const b of backends) {
    const backend = await opts.open(b)
    const lease = opts.dryRun ? undefined : await acquireLease(backend, {ttlMs: opts.leaseMs ?? 3_600_000})
    try {
      const now = opts.now ?? new Date()
      // A publisher that checked the lease just before we took it may still claim a log
      // entry: plan, then read the log heads again, and plan anew if one moved.
      let planned: Awaited<ReturnType<typeof planOnce>> | undefined
      for (let attempt = 0; attempt < 5; attempt++) {
        planned = await planOnce(archive, backend, named, {keepLast, keepDays: opts.keepDays, now, graceMs})
        if ((await logHeads(backend)) === planned.heads) break
      }
      const {retained, plan} = planned!
      // Snapshot roots (apt --snapshot) of the pinned copies that go, of names removed
      // since, and any already dead: removed first, so no root ever names a copy that is half gone.
      const roots = (await deadRootLinks(backend, {gone: new Set(plan.pinned.map((p) => p.dir)), names: new Set(named.map((n) => n.name))})).map((l) => l.key)
      if (!opts.dryRun && roots.length) await backend.remove(roots)
      if (!opts.dryRun) {
        const order = deletionOrder(plan)
        const total = order.reduce((n, keys) => n + keys.length, 0)
        let done = 0
        for (const keys of order) {
          for (let i = 0; i < keys.length; i += REMOVE_BATCH) {
            await backend.remove(keys.slice(i, i + REMOVE_BATCH))
            done += Math.min(REMOVE_BATCH, keys.length - i)
            opts.onProgress?.(done, total)
          }
        }
      }
      results.push({
        backend: b.name,
        dryRun: Boolean(opts.dryRun),
        retained: retained.map(({distribution, seq, snapshot, pinned, reasons}) => ({distribution, seq, snapshot, pinned, reasons})),
        totals: plan.totals,
        keptYoung: plan.keptYoung,
        deleted: {pinned: plan.pinned.map((p) => p.dir), byHash: plan.byHash.map((o) => o.key), pool: plan.pool.map((o) => o.key), roots},
        leaseTakenOver: lease?.tookOver,
      })
    } finally {
      await lease?.release()
    }
  }
  return results
}

/** Every distribution's newest log seq and every pin, as one comparable string. */
async function logHeads(backend: Backend): Promise<string> {
  const heads: string[] = []
  for (const d of await loggedDistributions(backend)) heads.push(`${d}:${(await readHead(backend, d))?.seq}`)
  for (const p of await readPins(backend)) heads.push(`pin:${p.distribution}/${p.pinned}`)
  return heads.join(' ')
}

/** Reads what the backend holds and what its log, pins and the archive keep, and plans the deletions. */
async function planOnce(
  archive: Archive,
  backend: Backend,
  named: Array<{name: string; commit: string}>,
  policy: {keepLast: number; keepDays?: number; now: Date; graceMs: number},
): Promise<{heads: string; retained: ReturnType<typeof chooseRetained>; plan: PurgePlan}> {
  const dists = await loggedDistributions(backend)
  // Drop entries stay in: a distribution dropped last has no live publication (retention.ts).
  const logs = await Promise.all(dists.map((d) => readLog(backend, d)))
  const namedRefs = await namedWithTrees(archive, named, dists)
  // Pins are read from the backend: they bind every clone, not only this one.
  const pins = await readPins(backend)
  const heads = [...dists.map((d, i) => `${d}:${logs[i].at(-1)?.seq}`), ...pins.map((p) => `pin:${p.distribution}/${p.pinned}`)].join(' ')
  const retained = chooseRetained(logs, {keepLast: policy.keepLast, keepDays: policy.keepDays, now: policy.now, named: namedRefs, pins})
  const {referenced, retainedPinned} = await gatherReferences(archive, backend, retained)
  const listing: ObjectInfo[] = []
  for await (const o of backend.list('')) listing.push(o)
  return {heads, retained, plan: planPurge({listing, referenced, retainedPinned, now: policy.now, graceMs: policy.graceMs})}
}

async function namedWithTrees(archive: Archive, named: Array<{name: string; commit: string}>, dists: string[]): Promise<NamedRef[]> {
  const out: NamedRef[] = []
  for (const n of named) {
    const distTrees = (await archive.expandCommit(n.commit)) ? await distContentIds(archive, n.commit, dists) : {}
    out.push({name: n.name, commit: n.commit, distTrees})
  }
  return out
}

/**
 * Everything the retained publications reference: their indexes (by hash, live and
 * pinned) and the pool files their Packages and Sources name, read from the backend.
 */
async function gatherReferences(archive: Archive, backend: Backend, retained: RetainedPublication[]): Promise<{referenced: Set<string>; retainedPinned: Set<string>}> {
  const referenced = new Set<string>()
  const retainedPinned = new Set<string>()
  const parsed = new Set<string>()
  for (const r of retained) {
    retainedPinned.add(pinnedDir(r.pinned, r.distribution))
    let fromArchive = false
    // Plain indexes are referenced whether or not this publication wrote them: one an
    // older publication wrote stays while a kept publication lists it and goes with the
    // last of them, as before; the name of one never written matches nothing.
    for (const idx of indexRefs(r.distribution, r.pinned, r.release, true)) {
      for (const k of idx.keys) referenced.add(k)
      // Pool files are read from the .gz every publication wrote (the plain one may not be there).
      if (!isGzipIndex(idx.path) || parsed.has(idx.sha256)) continue
      const text = await fetchIndex(backend, idx.keys, idx.sha256)
      if (text !== undefined) {
        for (const p of poolRefsOfIndex(text)) referenced.add(p.key)
        // A retained package keeps its conventional path too (--pool-aliases); the
        // alias of a purged one goes with it.
        const category = categoryOfPackagesIndex(idx.path.slice(0, -'.gz'.length))
        if (category) for (const [alias] of aliasesOfPackages(category, text)) referenced.add(alias)
        parsed.add(idx.sha256)
      } else if (!fromArchive) {
        // The backend lost the index; the archive may still know what it listed.
        const blobs = await poolFilesOf(archive, r.distTree).catch(() => undefined)
        if (!blobs) {
          throw new RaptrError(
            'DAMAGE_FOUND',
            `${backend.properties.name}: index ${idx.path} of ${r.distribution} (snapshot ${r.pinned}) is missing, so purge cannot tell which pool files it needs`,
            'run raptr verify --repair first, then purge again',
          )
        }
        for (const b of blobs.values()) referenced.add(b.key)
        fromArchive = true
      }
    }
  }
  return {referenced, retainedPinned}
}

async function fetchIndex(backend: Backend, keys: string[], sha256: string): Promise<string | undefined> {
  for (const k of keys) {
    const data = await backend.get(k)
    if (data && createHash('sha256').update(data).digest('hex') === sha256) return gzipIndexText(data, k)
  }
  return undefined
}
