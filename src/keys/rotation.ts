/**
 * The Signer of an archive in the middle of a key rotation (signing.json's `rotation`):
 * started, Releases are signed by the old and the new key and carry `Signed-By: OLD, NEW`;
 * finished, by the new key alone with `Signed-By: NEW`. Both public keys are published
 * (raptr.gpg, raptr.asc) the whole time, so a client that has either key keeps working
 * until the owner finishes the rotation. Keys are read as for one key: files as paths
 * (the old key's passphrase in RAPTR_SIGNING_PASSPHRASE, the new one's in
 * RAPTR_SIGNING_PASSPHRASE_NEW when it differs), GnuPG keys through gpg.
 */
import {readRegularFileSync} from '../regular-file.js'
import {RaptrError} from '../errors.js'
import {rotationStep, type KeyRef, type Rotation, type RotationStep} from '../archive/signing-settings.js'
import type {Archive} from '../store/archive.js'
import type {KeyringPackageOptions, KeyringPackageResult} from './keyring-package.js'
import type {Signer} from '../signing/interface.js'

export const NEW_PASSPHRASE_ENV = 'RAPTR_SIGNING_PASSPHRASE_NEW'

/** Refuses a rotation between a key file and a GnuPG key: one signature needs one signing tool. */
export function assertSameKind(old: KeyRef, next: KeyRef): void {
  if ('gpg' in old !== 'gpg' in next) {
    throw new RaptrError(
      'BAD_ARGUMENT',
      `cannot rotate from ${'gpg' in old ? 'a GnuPG key' : 'a key file'} to ${'gpg' in next ? 'a GnuPG key' : 'a key file'}: both keys must sign in one signature`,
      'use two key files, or two GnuPG keys (import the file: gpg --import FILE, then raptr key rotate --gpg FPR)',
    )
  }
}

function readKeyFile(file: string, role: string, expand: (f: string) => string): string {
  // A regular file of at most RAPTR_MAX_KEY_FILE bytes: the path comes from the archive, so a FIFO or /dev/zero is refused, not read.
  return readRegularFileSync(expand(file), 'keyFile', {
    what: `the ${role} signing key file`,
    missing: 'NO_SIGNING_KEY',
    hint: 'the archive names it (raptr key rotate); check the path, or see: raptr key status',
  }).toString('utf8')
}

/**
 * A loader for the rotation's Signer: both keys sign while `started`, the new one alone
 * once `finished`; the published public keyring always holds both.
 *
 * @example const load = rotationSigner(settings.rotation, {passphrase: process.env.RAPTR_SIGNING_PASSPHRASE}, expandHome)
 */
export function rotationSigner(rotation: Rotation, env: {passphrase?: string; newPassphrase?: string}, expand: (f: string) => string): () => Promise<Signer> {
  assertSameKind(rotation.old, rotation.new)
  const both = rotation.step === 'started'
  const newPassphrase = env.newPassphrase || env.passphrase
  let loaded: Promise<Signer> | undefined
  const load = async (): Promise<Signer> => {
    let signer: Signer
    let published: {armored: string; binary: Uint8Array} | undefined
    if ('gpg' in rotation.old && 'gpg' in rotation.new) {
      const {loadGpgSigner, gpgPublicKey} = await import('../signing/gpg-signer.js')
      signer = await loadGpgSigner(both ? [rotation.old.gpg, rotation.new.gpg] : rotation.new.gpg, {passphrase: both ? env.passphrase : newPassphrase})
      if (!both) {
        const binary = gpgPublicKey(rotation.old.gpg)
        const next = signer.publicKeyBinary()
        const pgp = await import('openpgp')
        const all = new Uint8Array(binary.length + next.length)
        all.set(binary)
        all.set(next, binary.length)
        published = {armored: pgp.armor(pgp.enums.armor.publicKey, all), binary: all}
      }
    } else if ('keyFile' in rotation.old && 'keyFile' in rotation.new) {
      const {loadSigners, publicKeysOf} = await import('../signing/openpgp-signer.js')
      const oldKey = readKeyFile(rotation.old.keyFile, 'old', expand)
      const newKey = readKeyFile(rotation.new.keyFile, 'new', expand)
      const fresh = {armoredKey: newKey, passphrase: newPassphrase, passphraseEnv: env.newPassphrase ? NEW_PASSPHRASE_ENV : undefined}
      signer = await loadSigners(both ? [{armoredKey: oldKey, passphrase: env.passphrase}, fresh] : [fresh])
      if (!both) published = await publicKeysOf([oldKey, newKey])
    } else throw new Error('unreachable: mixed rotation')
    const fingerprints = signer.signingFingerprints?.() ?? [signer.fingerprint()]
    return {
      ...signer,
      ...(published ? {publicKeyArmored: () => published.armored, publicKeyBinary: () => published.binary.slice()} : {}),
      signedBy: () => [...fingerprints],
    }
  }
  return () => (loaded ??= load())
}

/**
 * One rotation step (archive/signing-settings' rotationStep), then, when the archive has a
 * keyring package (keyring.json), that package built again with a higher version holding
 * the keys clients need from this step on: publishing it before `--finish` is how clients
 * that installed it learn the new key through apt upgrade.
 *
 * @example const {result, keyring} = await rotationStepWithKeyring(archive, 'start', {keyFile: '/keys/2027.asc'}, keyringOpts)
 */
export async function rotationStepWithKeyring(
  archive: Archive,
  step: RotationStep,
  newKey: KeyRef | undefined,
  keyringOpts: Omit<KeyringPackageOptions, 'name' | 'sections' | 'url' | 'backend'>,
): Promise<Awaited<ReturnType<typeof rotationStep>> & {keyring?: KeyringPackageResult}> {
  const res = await rotationStep(archive, step, newKey)
  const {rebuildKeyringPackage} = await import('./keyring-package.js')
  const keyring = await rebuildKeyringPackage(archive, keyringOpts)
  return {...res, ...(keyring ? {keyring} : {})}
}
