import fs from 'node:fs'
import {RaptrError} from '../errors.js'
import type {Signer} from '../signing/interface.js'

/**
 * The signing key for a publish: `--sign-key FILE`, or the armored key in
 * RAPTR_SIGNING_KEY; the passphrase from RAPTR_SIGNING_PASSPHRASE. The key is read
 * for this process only and never stored in the archive. Returns a loader: the key is
 * parsed (and the OpenPGP library loaded) on first use, once.
 */
export function signerFromFlags(flags: {'sign-key'?: string; sign: boolean}): (() => Promise<Signer>) | undefined {
  if (!flags.sign) return undefined
  let armored: string | undefined
  if (flags['sign-key']) {
    try {
      armored = fs.readFileSync(flags['sign-key'], 'utf8')
    } catch {
      throw new RaptrError('NO_SIGNING_KEY', `cannot read the signing key file ${flags['sign-key']}`, 'check the path given to --sign-key')
    }
  } else if (process.env.RAPTR_SIGNING_KEY) {
    armored = process.env.RAPTR_SIGNING_KEY
  }
  if (!armored) {
    throw new RaptrError(
      'NO_SIGNING_KEY',
      'no signing key: apt clients verify Release files with it',
      'pass --sign-key FILE or set RAPTR_SIGNING_KEY (make one with: raptr key generate), or publish unsigned with --no-sign',
    )
  }
  const key = armored
  let loaded: Promise<Signer> | undefined
  return () =>
    (loaded ??= import('../signing/openpgp-signer.js').then(({loadSigner}) => loadSigner({armoredKey: key, passphrase: process.env.RAPTR_SIGNING_PASSPHRASE})))
}
