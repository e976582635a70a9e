import {PUBLIC_KEY_ASC, PUBLIC_KEY_GPG, liveDir} from '../core/layout.js'
import type {Backend} from '../backends/interface.js'
import type {Signer} from '../signing/interface.js'
import {readHead, type PublicationEntry} from './publication-log.js'

/** The three files that make a Release: what apt reads first and what makes it trust the rest. */
export interface ReleaseFiles {
  release: string
  inRelease?: string
  releaseGpg?: string
}

/**
 * A signer, or a function that loads one: loading the key (and the OpenPGP library)
 * then costs only the publishes that sign something.
 */
export type SignerSource = Signer | (() => Promise<Signer>)

export async function resolveSigner(source: SignerSource | undefined): Promise<Signer | undefined> {
  return typeof source === 'function' ? source() : source
}

export async function signRelease(release: string, source: SignerSource | undefined): Promise<ReleaseFiles> {
  const signer = await resolveSigner(source)
  if (!signer) return {release}
  return {release, inRelease: await signer.clearsign(release), releaseGpg: await signer.detachSign(release)}
}

/**
 * Writes Release files into `dir`: Release, then Release.gpg, then InRelease last.
 * apt reads InRelease when it exists — one object, replaced atomically — so a client
 * sees the old Release or the new one, never a mix.
 */
export async function writeReleaseFiles(backend: Backend, dir: string, files: ReleaseFiles, immutable: boolean): Promise<void> {
  // Each file appears whole and in this order; they (and any batched write before them)
  // become durable together at the end: one round of fsyncs instead of one per file.
  const text = {contentType: 'text/plain; charset=utf-8', immutable, batched: true}
  if (!files.inRelease) await backend.remove([`${dir}/InRelease`])
  await backend.put(`${dir}/Release`, Buffer.from(files.release, 'utf8'), text)
  if (files.releaseGpg) await backend.put(`${dir}/Release.gpg`, Buffer.from(files.releaseGpg, 'utf8'), {contentType: 'application/pgp-signature', immutable, batched: true})
  else await backend.remove([`${dir}/Release.gpg`])
  if (files.inRelease) await backend.put(`${dir}/InRelease`, Buffer.from(files.inRelease, 'utf8'), text)
  await backend.sync()
}

/** Whether the live pointer files are those of `entry`. */
export async function pointerMatches(backend: Backend, entry: PublicationEntry): Promise<boolean> {
  const dir = liveDir(entry.distribution)
  const key = entry.inRelease ? `${dir}/InRelease` : `${dir}/Release`
  const want = entry.inRelease ?? entry.release
  const have = await backend.get(key)
  return have !== undefined && Buffer.from(have).toString('utf8') === want
}

/**
 * Puts the live pointer where the publication log says it must be: the newest entry.
 * Run after every pointer write (a slower publisher that won an older sequence number
 * must not leave its pointer over a newer one) and before planning (a publisher killed
 * between its log entry and its pointer swap is finished by the next one).
 * Returns the newest entry.
 */
export async function settlePointer(backend: Backend, dist: string): Promise<PublicationEntry | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const head = await readHead(backend, dist)
    if (!head) return undefined
    if (await pointerMatches(backend, head)) return head
    await writeReleaseFiles(backend, liveDir(dist), head, false)
    const after = await readHead(backend, dist)
    if (after && after.seq === head.seq) return head
  }
  return readHead(backend, dist)
}

/** Publishes the public key beside the repository (raptr.asc armored, raptr.gpg binary) when it changed. */
export async function writePublicKey(backend: Backend, source: SignerSource): Promise<void> {
  const signer = (await resolveSigner(source))!
  const asc = Buffer.from(signer.publicKeyArmored(), 'utf8')
  const have = await backend.get(PUBLIC_KEY_ASC)
  if (have && Buffer.from(have).equals(asc)) return
  await backend.put(PUBLIC_KEY_GPG, signer.publicKeyBinary(), {contentType: 'application/pgp-keys'})
  await backend.put(PUBLIC_KEY_ASC, asc, {contentType: 'application/pgp-keys'})
}
