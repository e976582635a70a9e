import {byHashKey, liveDir, pinnedDir} from '../core/layout.js'
import type {ReleaseEntry} from '../core/release.js'
import type {IndexFile, PoolBlob} from './indexes.js'

/** What publishing one distribution to one backend needs to know; gathered by I/O, planned purely. */
export interface PlanInput {
  dist: string
  snapshot: string
  pinnedId: string
  distTree: string
  /** The live publication, from the backend's log; `releaseEntries`: the files it wrote. */
  head?: {seq: number; snapshot: string; distTree: string; releaseEntries: ReleaseEntry[]}
  /** The seq of a drop entry when the distribution was dropped: the next publication follows it. */
  afterSeq?: number
  /** Whether `snapshot` descends from the live one (true when nothing is live). */
  fastForward: boolean
  force: boolean
  indexes: IndexFile[]
  /** Pool files the snapshot may lack on the backend, and which of those it has. */
  candidateBlobs: PoolBlob[]
  presentBlobs: ReadonlySet<string>
  /** Whether the pinned Release of this snapshot already exists (it never changes once written). */
  pinnedExists: boolean
}

export interface PublishPlan {
  dist: string
  snapshot: string
  pinnedId: string
  action: 'publish' | 'unchanged' | 'refused'
  reason?: string
  /** The log sequence number this publication takes. */
  seq: number
  blobs: PoolBlob[]
  byHash: Array<{key: string; index: IndexFile}>
  pinnedCopies: Array<{from: string; to: string}>
  writePinnedRelease: boolean
  canonical: Array<{key: string; index: IndexFile}>
}

/**
 * Plans a publication: the pool files the backend lacks, the index files whose
 * by-hash names it lacks, the pinned copy, and the canonical names that change. A
 * pure function: `--dry-run` prints it and stops.
 *
 * @example
 *   const plan = planPublish(input); if (plan.action === 'publish') await executePlan(…)
 */
export function planPublish(input: PlanInput): PublishPlan {
  const base: PublishPlan = {
    dist: input.dist,
    snapshot: input.snapshot,
    pinnedId: input.pinnedId,
    action: 'publish',
    seq: (input.head?.seq ?? input.afterSeq ?? 0) + 1,
    blobs: [],
    byHash: [],
    pinnedCopies: [],
    writePinnedRelease: false,
    canonical: [],
  }
  if (input.head && input.head.distTree === input.distTree && !input.force) {
    return {...base, action: 'unchanged', reason: `already live (snapshot ${input.head.snapshot.slice(0, 12)})`}
  }
  if (input.head && !input.fastForward && !input.force) {
    return {
      ...base,
      action: 'refused',
      reason: `the live snapshot ${input.head.snapshot.slice(0, 12)} is not an ancestor of ${input.snapshot.slice(0, 12)}`,
    }
  }
  const live = liveDir(input.dist)
  const pinned = pinnedDir(input.pinnedId, input.dist)
  const liveByHash = new Set((input.head?.releaseEntries ?? []).map((e) => byHashKey(live, e.path, e.sha256)))
  const liveCanonical = new Map((input.head?.releaseEntries ?? []).map((e) => [e.path, e.sha256]))
  const blobs = input.candidateBlobs.filter((b) => !input.presentBlobs.has(b.key))
  const byHash: PublishPlan['byHash'] = []
  const seen = new Set<string>()
  // Only what was written goes up; Release lists the unwritten plain indexes too.
  const written = input.indexes.filter((i) => !i.unwritten)
  for (const index of written) {
    const key = byHashKey(live, index.path, index.sha256)
    if (liveByHash.has(key) || seen.has(key)) continue
    seen.add(key)
    byHash.push({key, index})
  }
  const canonical = written
    .filter((i) => liveCanonical.get(i.path) !== i.sha256)
    .map((index) => ({key: `${live}/${index.path}`, index}))
  const pinnedCopies = input.pinnedExists
    ? []
    : written.flatMap((i) => {
        const from = byHashKey(live, i.path, i.sha256)
        return [
          {from, to: byHashKey(pinned, i.path, i.sha256)},
          {from, to: `${pinned}/${i.path}`},
        ]
      })
  return {...base, blobs: blobs.sort((a, b) => (a.key < b.key ? -1 : 1)), byHash, pinnedCopies, writePinnedRelease: !input.pinnedExists, canonical}
}

/** Totals of a plan, for summaries and --dry-run. */
export function planTotals(p: PublishPlan): {blobs: number; blobBytes: number; indexes: number; copies: number; canonical: number} {
  return {
    blobs: p.blobs.length,
    blobBytes: p.blobs.reduce((n, b) => n + b.size, 0),
    indexes: p.byHash.length,
    copies: p.pinnedCopies.length,
    canonical: p.canonical.length,
  }
}
