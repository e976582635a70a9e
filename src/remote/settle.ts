import {PUBLIC_KEY_ASC, PUBLIC_KEY_GPG, byHashKey, liveDir, pinnedDir, pinnedSuite} from '../core/layout.js'
import {mapLimit} from '../core/map-limit.js'
import {parseReleaseEntries, withReleaseFields, type ReleaseEntry} from '../core/release.js'
import {publishesPlain, unwrittenEntries, writtenEntries} from './references.js'
import type {Backend} from '../backends/interface.js'
import {readHead, type PublicationEntry} from './log.js'
import {releaseFilesDiffer, resolveSigner, writePublicKey, writeReleaseFiles, type SignerSource} from './pointer.js'

export interface SettleOptions {
  /**
   * Signs what a killed publisher left unsigned (a pinned Release without its
   * signatures) and publishes a missing public key. Without one, those stay as they are
   * and are reported in `unmended`.
   */
  signer?: SignerSource
}

export interface SettleResult {
  /** The log head the backend now matches, or undefined when nothing was published. */
  head?: PublicationEntry
  /** The drop entry when the newest entry took the distribution off: nothing is live, nothing settled. */
  dropped?: PublicationEntry
  /** Keys written (or removed: stale uncompressed indexes) to finish what was started. Empty when the backend was settled already. */
  wrote: string[]
  /** What could not be finished without a signing key. */
  unmended: string[]
}

const INDEX = {contentType: 'application/octet-stream'}

/**
 * Finishes what a publisher (or rollback) started on a distribution: brings the backend
 * to its log head — the head's pinned copy and its signed Release files, the public key,
 * the canonical index names, then the three pointer files — writing only what is
 * missing or wrong. Run before every publish plans (a publisher killed or failed part-way
 * is finished by the next one, even when that one has nothing new) and after every
 * pointer write (a slower publisher that won an older sequence number must not leave
 * its pointer over a newer one).
 *
 * @example
 *   const {head, wrote} = await settle(backend, 'production', {signer})
 */
export async function settle(backend: Backend, dist: string, opts: SettleOptions = {}): Promise<SettleResult> {
  const wrote: string[] = []
  const unmended: string[] = []
  for (let attempt = 0; attempt < 5; attempt++) {
    const head = await readHead(backend, dist)
    if (!head) return {head, wrote, unmended}
    if (head.action === 'drop') return {head: undefined, dropped: head, wrote, unmended}
    const listed = parseReleaseEntries(head.release)
    const entries = writtenEntries(listed, publishesPlain(head))
    await settlePinned(backend, head, entries, opts, wrote, unmended)
    if (head.inRelease) await settlePublicKey(backend, opts, wrote, unmended)
    const live = liveDir(dist)
    const differ = await releaseFilesDiffer(backend, live, head)
    await settleCanonical(backend, live, entries, differ.length > 0, wrote)
    if (differ.length > 0) {
      await writeReleaseFiles(backend, live, head, false)
      wrote.push(...differ.map((f) => `${live}/${f}`))
    }
    await removeStalePlain(backend, live, unwrittenEntries(listed, publishesPlain(head)), wrote)
    // A newer entry may have arrived meanwhile: then settle to that one.
    const after = await readHead(backend, dist)
    if (!after || after.seq === head.seq) return {head, wrote, unmended}
  }
  const last = await readHead(backend, dist)
  return last?.action === 'drop' ? {head: undefined, dropped: last, wrote, unmended} : {head: last, wrote, unmended}
}

/**
 * The head's pinned directory: every index under both its names (copied inside the
 * backend from the live by-hash files), then Release, Release.gpg and InRelease.
 */
async function settlePinned(backend: Backend, head: PublicationEntry, entries: ReleaseEntry[], opts: SettleOptions, wrote: string[], unmended: string[]): Promise<void> {
  const dist = head.distribution
  const dir = pinnedDir(head.pinned, dist)
  const live = liveDir(dist)
  const copies = entries.flatMap((e) => [
    {from: byHashKey(live, e.path, e.sha256), to: byHashKey(dir, e.path, e.sha256), size: e.size},
    {from: byHashKey(live, e.path, e.sha256), to: `${dir}/${e.path}`, size: e.size},
  ])
  const stats = await mapLimit(copies, 16, (c) => backend.stat(c.to))
  const missing = copies.filter((c, i) => stats[i]?.size !== c.size)
  await mapLimit(missing, 8, async (c) => {
    await backend.copy(c.from, c.to, {...INDEX, immutable: true, batched: true})
    wrote.push(c.to)
  })
  if (missing.length) await backend.sync()
  const signed = head.inRelease !== undefined
  const [release, gpg, inRelease] = await Promise.all(['Release', 'Release.gpg', 'InRelease'].map((f) => backend.stat(`${dir}/${f}`)))
  if (release && (!signed || (gpg && inRelease))) return
  const signer = await resolveSigner(opts.signer)
  if (signed && !signer) {
    unmended.push(`${dir}/InRelease`)
    if (release) return
  }
  // The pinned Release is immutable once complete; an incomplete one was never usable
  // by a client that checks signatures, so it is finished with the text already there.
  const existing = release ? await backend.get(`${dir}/Release`) : undefined
  const text = existing ? Buffer.from(existing).toString('utf8') : withReleaseFields(head.release, {Suite: pinnedSuite(head.pinned, dist)})
  const files = signer && signed ? {release: text, inRelease: await signer.clearsign(text), releaseGpg: await signer.detachSign(text)} : {release: text}
  await writeReleaseFiles(backend, dir, files, true)
  wrote.push(`${dir}/Release`, ...(files.inRelease ? [`${dir}/Release.gpg`, `${dir}/InRelease`] : []))
}

/** A missing public key (a publish that failed right after its pointer went live). A present one is not compared: that needs the key, and a publish that signs compares it. */
async function settlePublicKey(backend: Backend, opts: SettleOptions, wrote: string[], unmended: string[]): Promise<void> {
  const [asc, gpg] = await Promise.all([backend.stat(PUBLIC_KEY_ASC), backend.stat(PUBLIC_KEY_GPG)])
  if (asc && gpg) return
  if (opts.signer && (await writePublicKey(backend, opts.signer))) wrote.push(PUBLIC_KEY_GPG, PUBLIC_KEY_ASC)
  else if (!opts.signer) unmended.push(PUBLIC_KEY_GPG)
}

/**
 * Uncompressed canonical names a publication lists but did not write, left by an earlier
 * one that wrote them: their bytes no longer match the live Release, so they go (after the
 * pointer, so clients of the old Release had them until it changed). Their by-hash
 * copies stay while a kept publication references them (purge).
 */
async function removeStalePlain(backend: Backend, dir: string, unwritten: ReleaseEntry[], wrote: string[]): Promise<void> {
  if (unwritten.length === 0) return
  const keys = unwritten.map((e) => `${dir}/${e.path}`)
  const stats = await mapLimit(keys, 16, (k) => backend.stat(k))
  const stale = keys.filter((_, i) => stats[i] !== undefined)
  if (stale.length === 0) return
  await backend.remove(stale)
  wrote.push(...stale)
}

/**
 * Canonical index names, for clients that do not fetch by hash: copied from the by-hash
 * files. When the pointer is not the head's yet, a publisher stopped between its log
 * entry and its pointer swap may have written only some of them, with sizes that can
 * match by chance: every name is copied again. Otherwise only missing or wrongly sized
 * ones are.
 */
async function settleCanonical(backend: Backend, live: string, entries: ReleaseEntry[], all: boolean, wrote: string[]): Promise<void> {
  let todo = entries
  if (!all) {
    const stats = await mapLimit(entries, 16, (e) => backend.stat(`${live}/${e.path}`))
    todo = entries.filter((e, i) => stats[i]?.size !== e.size)
  }
  await mapLimit(todo, 8, async (e) => {
    await backend.copy(byHashKey(live, e.path, e.sha256), `${live}/${e.path}`, {...INDEX, batched: true})
    wrote.push(`${live}/${e.path}`)
  })
}
