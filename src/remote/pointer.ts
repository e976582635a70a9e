import {PUBLIC_KEY_ASC, PUBLIC_KEY_GPG, liveDir} from '../core/layout.js'
import {withSignedBy} from '../core/release.js'
import type {Backend} from '../backends/interface.js'
import type {Signer} from '../signing/interface.js'
import type {PublicationEntry} from './log.js'

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

/**
 * The Release files for `release`, signed by `source` (none: unsigned). Its `Signed-By`
 * field is set to the signer's current list (a key rotation) or removed, whatever the
 * text carried: a refreshed or rolled-back Release names the keys that sign now.
 */
export async function signRelease(release: string, source: SignerSource | undefined): Promise<ReleaseFiles> {
  const signer = await resolveSigner(source)
  if (!signer) return {release}
  const fingerprints = signer.signedBy?.()
  const text = fingerprints?.length || /^Signed-By:/m.test(release) ? withSignedBy(release, fingerprints) : release
  return {release: text, inRelease: await signer.clearsign(text), releaseGpg: await signer.detachSign(text)}
}

/**
 * Writes Release files into `dir`, in the order that keeps what a client may read
 * consistent: `Release`, then `Release.gpg`, then `InRelease` last. apt asks for
 * InRelease first — one object, replaced atomically — and only when it is absent falls
 * back to Release + Release.gpg; so while the swap runs, an InRelease reader sees the
 * old snapshot or the new one, and once InRelease is new, the other two already are.
 * Where no Release is there yet (a first publish, a pinned copy, a distribution after a
 * drop) the signatures go first instead: a publisher killed part-way must not leave an
 * unsigned Release that apt would read as the whole answer. Going unsigned removes
 * InRelease first (readers fall back to the Release pair) and Release.gpg before
 * Release changes, so no reader pairs a new Release with an old signature.
 */
export async function writeReleaseFiles(backend: Backend, dir: string, files: ReleaseFiles, immutable: boolean): Promise<void> {
  // Each file appears whole and in this order; they (and any batched write before them)
  // become durable together at the end: one round of fsyncs instead of one per file.
  const text = {contentType: 'text/plain; charset=utf-8', immutable, batched: true}
  const release = (): Promise<void> => backend.put(`${dir}/Release`, Buffer.from(files.release, 'utf8'), text)
  const releaseGpg = async (): Promise<void> => {
    if (files.releaseGpg) await backend.put(`${dir}/Release.gpg`, Buffer.from(files.releaseGpg, 'utf8'), {contentType: 'application/pgp-signature', immutable, batched: true})
  }
  const inRelease = async (): Promise<void> => {
    if (files.inRelease) await backend.put(`${dir}/InRelease`, Buffer.from(files.inRelease, 'utf8'), text)
  }
  if (!files.inRelease) await backend.remove([`${dir}/InRelease`])
  if (!files.releaseGpg) await backend.remove([`${dir}/Release.gpg`])
  // Nothing to replace: the signatures first, so no unsigned Release is ever readable alone.
  const order = files.inRelease && !(await backend.stat(`${dir}/Release`)) ? [inRelease, releaseGpg, release] : [release, releaseGpg, inRelease]
  for (const write of order) await write()
  await backend.sync()
}

/** The pointer files in `dir` that differ from `files` (absent where `files` has none). */
export async function releaseFilesDiffer(backend: Backend, dir: string, files: ReleaseFiles): Promise<string[]> {
  const want: Array<[string, string | undefined]> = [
    ['Release', files.release],
    ['Release.gpg', files.releaseGpg],
    ['InRelease', files.inRelease],
  ]
  const have = await Promise.all(want.map(([f]) => backend.get(`${dir}/${f}`)))
  return want.filter(([, w], i) => (have[i] === undefined ? undefined : Buffer.from(have[i]).toString('utf8')) !== w).map(([f]) => f)
}

/** Whether all three live pointer files are exactly those of `entry`. */
export async function pointerMatches(backend: Backend, entry: PublicationEntry): Promise<boolean> {
  return (await releaseFilesDiffer(backend, liveDir(entry.distribution), entry)).length === 0
}

/** Publishes the public key beside the repository (raptr.asc armored, raptr.gpg binary) when it is missing or changed. */
export async function writePublicKey(backend: Backend, source: SignerSource): Promise<boolean> {
  const signer = (await resolveSigner(source))!
  const asc = Buffer.from(signer.publicKeyArmored(), 'utf8')
  const gpg = signer.publicKeyBinary()
  const [haveAsc, haveGpg] = await Promise.all([backend.get(PUBLIC_KEY_ASC), backend.stat(PUBLIC_KEY_GPG)])
  if (haveAsc && Buffer.from(haveAsc).equals(asc) && haveGpg?.size === gpg.length) return false
  // raptr.gpg first: signed-by clients need it; raptr.asc is what raptr compares against.
  await backend.put(PUBLIC_KEY_GPG, gpg, {contentType: 'application/pgp-keys'})
  await backend.put(PUBLIC_KEY_ASC, asc, {contentType: 'application/pgp-keys'})
  return true
}
