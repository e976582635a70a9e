import {publish, type DistResult, type PublishOptions} from '../publish/publish.js'
import {changedDistributions} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
import {publishSynced} from './publish-synced.js'
import {pullArchive, syncArchive, syncWanted, type SyncOptions, type SyncResult} from './sync.js'

export interface ChangeOptions extends SyncOptions {
  /** `--sync`/`--no-sync`; undefined: raptr.json decides. */
  sync?: boolean
  /** `--publish`: publish the distributions the change touched, with these options. */
  publish?: Omit<PublishOptions, 'distributions' | 'snapshot'>
  /** Distributions the command names (its --link/--to/--from): published even when the change was already made, so a re-run job still publishes. */
  distributions?: string[]
}

export interface ChangeOutcome<T> {
  result: T
  sync: SyncResult[]
  /** The distributions the change touched (what --publish publishes). */
  touched: string[]
  published?: {results: DistResult[]; commit?: string}
}

/**
 * Runs one archive change the way a team needs it: with sync on, fetch and merge
 * first, make the change, then push it (pool files first); with `publish`, publish the
 * distributions it touched, retrying when another publisher went first. One process,
 * one call: this is the CI step.
 *
 * @example
 *   await runChange(archive, {open, sync: true, publish: {open, signer}}, () => addPackages(archive, files, {category: 'main', link: ['staging']}))
 */
export async function runChange<T>(archive: Archive, opts: ChangeOptions, change: () => Promise<T>): Promise<ChangeOutcome<T>> {
  const on = await syncWanted(archive, opts.sync)
  const syncs: SyncResult[] = []
  if (on) syncs.push({...(await pullArchive(archive, opts)), pushed: false, uploaded: 0})
  const before = await archive.head()
  const result = await change()
  const after = await archive.head()
  const touched = [...new Set([...(await touchedDistributions(archive, before, after)), ...(opts.distributions ?? [])])].sort()
  if (on) syncs.push(await syncArchive(archive, opts))
  if (!opts.publish || touched.length === 0) return {result, sync: syncs, touched}
  const publishOpts: PublishOptions = {...opts.publish, distributions: touched}
  if (on) {
    const res = await publishSynced(archive, publishOpts, opts, after ?? before, true)
    return {result, sync: [...syncs, ...res.syncs], touched, published: res}
  }
  return {result, sync: syncs, touched, published: await publish(archive, {...publishOpts, snapshot: await archive.head()})}
}

/** The distributions whose content differs between two commits (see the snapshot read model). */
export async function touchedDistributions(archive: Archive, from: string | undefined, to: string | undefined): Promise<string[]> {
  return changedDistributions(archive, from, to)
}
