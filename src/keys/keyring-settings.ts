/**
 * `keyring.json` in the archive: the keyring package raptr builds (`raptr key package`),
 * recorded so that every key rotation step can rebuild it the same way, from any clone.
 * Also the archive's public keyring as clients must hold it: every key that signs or is
 * about to sign (both keys during a rotation, until --drop-old), as binary OpenPGP.
 */
import * as z from '../core/zod.js'
import {RaptrError} from '../errors.js'
import {parseSection, validateBackendName, validatePackageName} from '../core/names.js'
import {readRegularFileSync} from '../regular-file.js'
import {json, parseJsonFile} from '../archive/settings.js'
import {describeKey, keyRefOf, readSigningSettings, type KeyRef} from '../archive/signing-settings.js'
import type {ArchiveView, Transaction} from '../store/archive.js'

export const KEYRING_PATH = 'keyring.json'

/** Where a client keeps the keyring the package installs. */
export const keyringFile = (name: string): string => `/usr/share/keyrings/${name}.pgp`
/** Where the package puts the archive's apt source. */
export const sourcesFile = (name: string): string => `/etc/apt/sources.list.d/${name}.sources`

export const KeyringSettings = z.strictObject({
  /** The package name (Debian grammar). */
  name: z.string(),
  /** DIST/CAT the package is linked into; its .sources has a stanza for each DIST. */
  sections: z.array(z.string()).check(z.minLength(1)),
  /** The URL clients fetch the archive from, when given with --url; else the backend's public URL. */
  url: z.optional(z.string()),
  /** The backend whose public URL the .sources names. */
  backend: z.optional(z.string()),
  /** The package's Maintainer field, fixed at the first build so rebuilds by others give the same bytes. */
  maintainer: z.string(),
})
export type KeyringSettings = z.infer<typeof KeyringSettings>

/** The recorded keyring package, checked as anything a pusher wrote (names follow their grammars), if any. */
export async function readKeyringSettings(view: ArchiveView): Promise<KeyringSettings | undefined> {
  const text = await view.read(KEYRING_PATH)
  if (text === undefined) return undefined
  const s = parseJsonFile(KeyringSettings, text, KEYRING_PATH)
  try {
    validatePackageName(s.name)
    for (const sec of s.sections) parseSection(sec, {requireCategory: true})
    if (s.backend !== undefined) validateBackendName(s.backend)
    if (/[\n\r]/.test(s.maintainer) || s.maintainer.length > 200) throw new RaptrError('BAD_ARGUMENT', 'the maintainer is not one short line', '')
  } catch (error) {
    throw new RaptrError('CORRUPT_ARCHIVE', `${KEYRING_PATH} in the archive is invalid: ${(error as Error).message}`, 'fix or restore it with git (git log -- keyring.json), or build the package again: raptr key package --section DIST/CAT')
  }
  return s
}

/** Records the keyring package's settings in a transaction (nothing when unchanged). */
export async function writeKeyringSettings(tx: Transaction, s: KeyringSettings): Promise<void> {
  const text = json(s)
  if ((await tx.read(KEYRING_PATH)) !== text) tx.write(KEYRING_PATH, text)
}

/** The public keys one key reference names, binary (private parts are never read into the result). */
async function publicKeyOf(ref: KeyRef, expand: (f: string) => string): Promise<Uint8Array> {
  if ('gpg' in ref) {
    const {gpgPublicKey} = await import('../signing/gpg-signer.js')
    return gpgPublicKey(ref.gpg)
  }
  // A regular file under the key cap: the path comes from the archive.
  const armored = readRegularFileSync(expand(ref.keyFile), 'keyFile', {
    what: `the signing key file ${describeKey(ref)}`,
    missing: 'NO_SIGNING_KEY',
    hint: 'the archive names it (raptr key use / key rotate); check the path on this machine, or see: raptr key status',
  }).toString('utf8')
  const {publicKeysOf} = await import('../signing/openpgp-signer.js')
  return (await publicKeysOf([armored])).binary
}

/**
 * The public keyring clients need: the archive's key, or both keys while a rotation is
 * under way (started or finished, until --drop-old), old first; with no key named in the
 * archive, the one in RAPTR_SIGNING_KEY. Binary OpenPGP, as apt's Signed-By reads it.
 *
 * @example const {binary, keys} = await archivePublicKeyring(view, expandHome, process.env.RAPTR_SIGNING_KEY)
 */
export async function archivePublicKeyring(view: ArchiveView, expand: (f: string) => string, envKey?: string): Promise<{binary: Uint8Array; fingerprints: string[]; newest: Date}> {
  const settings = await readSigningSettings(view)
  const parts: Uint8Array[] = []
  if (settings?.rotation) parts.push(await publicKeyOf(settings.rotation.old, expand), await publicKeyOf(settings.rotation.new, expand))
  else if (settings) parts.push(await publicKeyOf(keyRefOf(settings), expand))
  else if (envKey) {
    const {publicKeysOf} = await import('../signing/openpgp-signer.js')
    parts.push((await publicKeysOf([envKey])).binary)
  } else {
    throw new RaptrError('NO_SIGNING_KEY', 'the archive names no signing key, so there is no keyring to package', 'name it first: raptr key use FILE | --gpg KEYID (or make one: raptr key generate)')
  }
  const binary = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    binary.set(p, at)
    at += p.length
  }
  const {readKeyring} = await import('../signing/key-check.js')
  const keys = await readKeyring(binary, 'the archive\'s public keys')
  const fingerprints = keys.map((k) => k.getFingerprint().toUpperCase())
  // The newest key's creation time dates the package's files: a fact of the input, not of the clock.
  const newest = new Date(Math.max(...keys.map((k) => k.getCreationTime().getTime())))
  return {binary, fingerprints, newest}
}
