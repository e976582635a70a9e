import {cidFromSha256} from '../core/cid.js'
import {RaptrError} from '../errors.js'
import {pinnedDir, pinnedSuite} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {mark} from '../core/timing.js'
import {renderRelease} from '../core/release.js'
import type {Backend} from '../backends/interface.js'
import {goLive} from '../remote/go-live.js'
import {publisherName, type PublicationEntry} from '../remote/log.js'
import {signRelease, writePublicKey, writeReleaseFiles} from '../remote/pointer.js'
import type {PoolBlob} from '../snapshot/changes.js'
import type {DistSnapshot} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
import type {PlanInput, PublishPlan} from './plan.js'
import type {PublishOptions, PublishProgress, RenderedIndexes} from './publish-types.js'
import {releaseInputFor} from './release-fields.js'
import {snapshotsField} from './snapshot-roots.js'
import {indexFilePath} from './scratch.js'

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
export async function execute(
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
    plainIndexes: snap.settings.plainIndexes === true,
    ...live,
  }
  progress('pointer', 0, 1)
  const res = await goLive(backend, entry, head, {signer: opts.signer})
  progress('pointer', 1, 1)
  mark(`publish ${snap.dist}: pointer swapped`)
  return res
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
