/**
 * The archive's public keyring as clients must hold it (what the keyring package
 * installs): every key that signs or is about to sign — both keys during a rotation,
 * until --drop-old — as binary OpenPGP, read without any passphrase.
 */
import {RaptrError} from '../errors.js'
import {readRegularFileSync} from '../regular-file.js'
import {describeKey, keyRefOf, readSigningSettings, type KeyRef} from '../archive/signing-settings.js'
import type {ArchiveView} from '../store/archive.js'

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
 * archive, the one given (--sign-key / --gpg, as publish would sign with), else the one
 * in RAPTR_SIGNING_KEY. Binary OpenPGP, as apt's Signed-By reads it.
 *
 * @example const {binary, keys} = await archivePublicKeyring(view, expandHome, process.env.RAPTR_SIGNING_KEY)
 */
export async function archivePublicKeyring(view: ArchiveView, expand: (f: string) => string, envKey?: string, given?: KeyRef): Promise<{binary: Uint8Array; fingerprints: string[]; newest: Date}> {
  const settings = await readSigningSettings(view)
  const parts: Uint8Array[] = []
  if (settings?.rotation) parts.push(await publicKeyOf(settings.rotation.old, expand), await publicKeyOf(settings.rotation.new, expand))
  else if (settings) parts.push(await publicKeyOf(keyRefOf(settings), expand))
  else if (given) parts.push(await publicKeyOf(given, expand))
  else if (envKey) {
    const {publicKeysOf} = await import('../signing/openpgp-signer.js')
    parts.push((await publicKeysOf([envKey])).binary)
  } else {
    throw new RaptrError('NO_SIGNING_KEY', 'the archive names no signing key, so there is no keyring to package', 'name it: raptr key use FILE | --gpg KEYID (make one: raptr key generate), or give it: --sign-key FILE | --gpg KEYID')
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
