import {createHash} from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {readRegularFileSync} from '../regular-file.js'
import type {SigningSettings} from '../archive/signing-settings.js'
import type {Signer} from '../signing/interface.js'
import {NEW_PASSPHRASE_ENV, rotationSigner} from '../keys/rotation.js'

/** The signing flags publish, update and rollback share. */
export interface SigningFlags {
  'sign-key'?: string
  gpg?: string
  sign: boolean
}

/**
 * A signing key not yet parsed: calling it loads the Signer (once). `identity` names the
 * key material without parsing it (a hash of the armored key, the GnuPG key id, or the
 * rotation's settings), so a check of the key can be remembered without loading OpenPGP.
 */
export type SignerLoader = (() => Promise<Signer>) & {readonly identity: string}

function loaderOf(identity: string, load: () => Promise<Signer>): SignerLoader {
  let loaded: Promise<Signer> | undefined
  return Object.assign(() => (loaded ??= load()), {identity})
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** `~/…` as a shell would expand it (a path stored in signing.json is not shell-expanded). */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file
}

/**
 * The signing key for a publish, first found of: `--gpg KEYID` (the user's GnuPG),
 * `--sign-key FILE`, the armored key in RAPTR_SIGNING_KEY, then the key the archive
 * names (`raptr key use`), or, during a key rotation, the two keys it names (see
 * keys/rotation.ts). The passphrase comes from RAPTR_SIGNING_PASSPHRASE. A key is
 * read for this process only and never stored in the archive. Returns a loader: the key
 * is parsed (and OpenPGP or gpg run) on first use, once.
 *
 * @example const load = signerFromFlags({sign: true, 'sign-key': 'key.asc'}); const signer = await load?.()
 */
export function signerFromFlags(flags: SigningFlags, configured?: SigningSettings): SignerLoader | undefined {
  if (!flags.sign) return undefined
  const passphrase = process.env.RAPTR_SIGNING_PASSPHRASE
  // A rotation under way signs with the keys it names, unless a key is given explicitly.
  if (configured?.rotation && !flags.gpg && !flags['sign-key'] && !process.env.RAPTR_SIGNING_KEY) {
    const rotation = configured.rotation
    return loaderOf(`rotation:${sha256(JSON.stringify(rotation))}`, rotationSigner(rotation, {passphrase, newPassphrase: process.env[NEW_PASSPHRASE_ENV]}, expandHome))
  }
  const gpg = flags.gpg ?? (!flags['sign-key'] && !process.env.RAPTR_SIGNING_KEY && configured && 'gpg' in configured ? configured.gpg : undefined)
  if (gpg) return loaderOf(`gpg:${sha256(gpg)}`, () => import('../signing/gpg-signer.js').then(({loadGpgSigner}) => loadGpgSigner(gpg, {passphrase})))
  let armored: string | undefined
  const file = flags['sign-key'] ?? (!process.env.RAPTR_SIGNING_KEY && configured && 'keyFile' in configured ? expandHome(configured.keyFile) : undefined)
  if (file) {
    // A regular file of at most RAPTR_MAX_KEY_FILE bytes: a FIFO or /dev/zero is refused, not read.
    armored = readRegularFileSync(file, 'keyFile', {
      what: 'the signing key file',
      missing: 'NO_SIGNING_KEY',
      hint: flags['sign-key'] ? 'check the path given to --sign-key (an armored private key file)' : 'the archive names it (raptr key use); check the path, or set another with: raptr key use FILE',
    }).toString('utf8')
  } else if (process.env.RAPTR_SIGNING_KEY) {
    armored = process.env.RAPTR_SIGNING_KEY
  }
  if (!armored) {
    throw new RaptrError(
      'NO_SIGNING_KEY',
      'no signing key: apt clients verify Release files with it',
      'pass --sign-key FILE or --gpg KEYID, set RAPTR_SIGNING_KEY, or name one for the archive with: raptr key use FILE | --gpg KEYID (make one with: raptr key generate); or publish unsigned with --no-sign',
    )
  }
  const key = armored
  return loaderOf(`sha256:${sha256(key)}`, () => import('../signing/openpgp-signer.js').then(({loadSigner}) => loadSigner({armoredKey: key, passphrase})))
}

/**
 * signerFromFlags with the key the archive names (signing.json) as the last resort.
 *
 * @example const load = await signerForArchive(archive, flags)
 */
export async function signerForArchive(archive: {view(): Promise<import('../store/archive.js').ArchiveView>}, flags: SigningFlags): Promise<SignerLoader | undefined> {
  if (!flags.sign) return undefined
  const {readSigningSettings} = await import('../archive/signing-settings.js')
  return signerFromFlags(flags, await readSigningSettings(await archive.view()))
}
