import {pinnedDir, shortId} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {poolRefsOfIndex} from '../core/pool-refs.js'
import {parseReleaseEntries} from '../core/release.js'
import type {Backend} from '../backends/interface.js'
import type {PublicationEntry} from '../remote/log.js'
import {publishesPlain, writtenEntries} from '../remote/references.js'
import {poolFilesAdded, type PoolBlob} from '../snapshot/changes.js'
import type {DistSnapshot} from '../snapshot/read.js'
import type {Archive} from '../store/archive.js'
import type {PlanInput} from './plan.js'
import type {PublishOptions, RenderedIndexes} from './publish-types.js'
import {indexTextStream} from './scratch.js'

/**
 * What the plan of one distribution's publish to one backend needs: the live head, the
 * pool files the snapshot may need there (O(change) when the live snapshot is known,
 * else every file its indexes name) and which the backend has, and the pinned copy.
 */
export async function gather(
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
    // What the live publication wrote (not the plain indexes it only listed): a plain index
    // it left out is uploaded when this one writes it, whatever its hash.
    head: head && {seq: head.seq, snapshot: head.snapshot, distTree: head.distTree, releaseEntries: writtenEntries(parseReleaseEntries(head.release), publishesPlain(head))},
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
    candidates = [...(await poolFilesAdded(archive, head.distTree, snap.distTree)).values()]
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
      for await (const r of poolRefsOfText(indexTextStream(rendered.dir, index))) refs.set(r.key, r)
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

/**
 * The pool files a Packages or Sources file names, read a run of whole stanzas at a
 * time (a stanza ends at a blank line): never the whole index in memory.
 */
async function* poolRefsOfText(text: AsyncIterable<unknown>): AsyncGenerator<PoolBlob> {
  let rest: Buffer = Buffer.alloc(0)
  for await (const chunk of text) {
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

