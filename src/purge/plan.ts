import type {ObjectInfo} from '../backends/interface.js'
import {RELEASE_FILES} from '../remote/references.js'

/** What purge plans from: gathered by I/O, planned purely. */
export interface PurgeInput {
  /** Every object the backend holds, with sizes and modification times. */
  listing: ObjectInfo[]
  /** Keys the retained publications reference (pool files, by-hash indexes). */
  referenced: ReadonlySet<string>
  /** Pinned directories (`dists/snapshots/<id>/<dist>`) of retained publications. */
  retainedPinned: ReadonlySet<string>
  now: Date
  /** Objects younger than this are kept: a publish elsewhere may have just uploaded them. */
  graceMs: number
}

/** A pinned snapshot directory removed as a whole: Release files first, then the rest. */
export interface PinnedRemoval {
  dir: string
  releaseFiles: string[]
  indexes: string[]
  bytes: number
}

export interface KindTotals {
  objects: number
  bytes: number
}

export interface PurgePlan {
  pinned: PinnedRemoval[]
  byHash: ObjectInfo[]
  pool: ObjectInfo[]
  /** Unreferenced objects kept because they are younger than the grace period. */
  keptYoung: KindTotals
  totals: {pinned: KindTotals & {dirs: number}; byHash: KindTotals; pool: KindTotals; all: KindTotals}
}

const PINNED = /^(dists\/snapshots\/[^/]+\/[^/]+)\/(.+)$/
const LIVE_BY_HASH = /^dists\/([^/]+)\/.+\/by-hash\/SHA256\/[0-9a-f]{64}$/

/**
 * Plans a purge: pool files and live by-hash indexes no retained publication
 * references, and whole pinned directories of publications no longer retained, minus
 * anything younger than the grace period. The live pointer, canonical index names, the
 * publication log, the lease and the public key are never candidates. Pure: `--dry-run`
 * prints this and stops.
 *
 * @example
 *   const plan = planPurge({listing, referenced, retainedPinned, now: new Date(), graceMs: 6 * 3_600_000})
 */
export function planPurge(input: PurgeInput): PurgePlan {
  const young = (o: ObjectInfo): boolean => o.modified === undefined || input.now.getTime() - o.modified.getTime() < input.graceMs
  const keptYoung: KindTotals = {objects: 0, bytes: 0}
  const byHash: ObjectInfo[] = []
  const pool: ObjectInfo[] = []
  const pinnedDirs = new Map<string, ObjectInfo[]>()
  // A publish copies indexes into its pinned directory before it writes the pinned
  // Release; on a file backend the copies are hard links that keep the old mtime. A
  // pinned directory without Release files is therefore left alone while its
  // distribution has fresh by-hash files (a publish of it may be running).
  const freshDists = new Set<string>()
  for (const o of input.listing) {
    const pm = PINNED.exec(o.key)
    if (pm) {
      const list = pinnedDirs.get(pm[1]) ?? []
      list.push(o)
      pinnedDirs.set(pm[1], list)
      continue
    }
    const bm = LIVE_BY_HASH.exec(o.key)
    if (bm && bm[1] !== 'snapshots') {
      if (young(o)) freshDists.add(bm[1])
      if (input.referenced.has(o.key)) continue
      if (young(o)) add(keptYoung, o)
      else byHash.push(o)
      continue
    }
    if (o.key.startsWith('pool/')) {
      if (input.referenced.has(o.key)) continue
      if (young(o)) add(keptYoung, o)
      else pool.push(o)
    }
  }
  const pinned: PinnedRemoval[] = []
  for (const [dir, objects] of [...pinnedDirs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (input.retainedPinned.has(dir)) continue
    const dist = dir.split('/')[3]
    const releaseFiles = RELEASE_FILES.map((f) => `${dir}/${f}`).filter((k) => objects.some((o) => o.key === k))
    if (objects.some(young) || (releaseFiles.length === 0 && freshDists.has(dist))) {
      for (const o of objects) add(keptYoung, o)
      continue
    }
    pinned.push({
      dir,
      releaseFiles,
      indexes: objects.map((o) => o.key).filter((k) => !releaseFiles.includes(k)).sort(),
      bytes: objects.reduce((n, o) => n + o.size, 0),
    })
  }
  const sum = (xs: ObjectInfo[]): KindTotals => ({objects: xs.length, bytes: xs.reduce((n, o) => n + o.size, 0)})
  const totals = {
    pinned: {dirs: pinned.length, objects: pinned.reduce((n, p) => n + p.releaseFiles.length + p.indexes.length, 0), bytes: pinned.reduce((n, p) => n + p.bytes, 0)},
    byHash: sum(byHash),
    pool: sum(pool),
    all: {objects: 0, bytes: 0},
  }
  totals.all = {objects: totals.pinned.objects + totals.byHash.objects + totals.pool.objects, bytes: totals.pinned.bytes + totals.byHash.bytes + totals.pool.bytes}
  const byKey = (a: ObjectInfo, b: ObjectInfo): number => (a.key < b.key ? -1 : 1)
  return {pinned, byHash: byHash.sort(byKey), pool: pool.sort(byKey), keptYoung, totals}
}

/** The keys of a plan in the order they must be deleted: pinned Release files, pinned indexes, by-hash indexes, pool files. */
export function deletionOrder(plan: PurgePlan): string[][] {
  return [plan.pinned.flatMap((p) => p.releaseFiles), plan.pinned.flatMap((p) => p.indexes), plan.byHash.map((o) => o.key), plan.pool.map((o) => o.key)]
}

function add(t: KindTotals, o: ObjectInfo): void {
  t.objects++
  t.bytes += o.size
}
