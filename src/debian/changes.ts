/**
 * Read an upload's .changes (what dpkg-buildpackage and dput produce): every file it
 * lists must sit next to it and match the listed size and every listed hash, as for a
 * .dsc; with a keyring, its clearsigned signature must verify by one of the keyring's
 * keys.
 */
import path from 'node:path'

import {getField, parseStanza, stripSignature} from '../core/deb822.js'
import {validateFileName, validatePackageName} from '../core/names.js'
import {parseVersion} from '../core/version.js'
import {RaptrError, isRaptrError} from '../errors.js'
import {checkListed, readListed} from './listed-files.js'
import {readRegularFile} from '../regular-file.js'

/** A verified .changes: its source, version, and the absolute paths of the files it lists. */
export interface ChangesInfo {
  fileName: string
  source: string
  version: string
  files: string[]
  /** The fingerprint of the key that signed it, when a keyring was given. */
  signedBy?: string
}

/**
 * Read and verify a .changes.
 *
 * @example const c = await readChanges('hello_1.0-1_amd64.changes', {keyring: 'uploaders.gpg'}); c.files // ['/…/hello_1.0-1.dsc', …]
 */
export async function readChanges(file: string, opts: {keyring?: string} = {}): Promise<ChangesInfo> {
  const changesPath = path.resolve(file)
  const fileName = validateFileName(path.basename(changesPath), 'package file name', {hidden: true})
  const dir = path.dirname(changesPath)
  const text = (await readRegularFile(changesPath, 'listing', {what: fileName, hint: 'give the path of a .changes file'})).toString('utf8')
  const signedBy = opts.keyring ? await verifyClearsigned(fileName, text, opts.keyring) : undefined

  let control
  try {
    control = parseStanza(stripSignature(text))
  } catch (error) {
    if (isRaptrError(error)) throw new RaptrError('BAD_CHANGES', `${fileName}: ${error.message}`, error.hint)
    throw error
  }
  for (const f of ['Source', 'Version', 'Files']) {
    if (!getField(control, f)) throw new RaptrError('MISSING_FIELD', `${fileName}: no ${f} field`, 'regenerate it with dpkg-genchanges')
  }
  // "Source: hello (1.0-1)" names the source version when it differs from the upload's.
  const source = (getField(control, 'Source') as string).split(/\s+/)[0]
  const version = getField(control, 'Version') as string
  try {
    validatePackageName(source, 'source name')
    parseVersion(version)
  } catch (error) {
    if (isRaptrError(error)) throw new RaptrError(error.code, `${fileName}: ${error.message}`, error.hint)
    throw error
  }

  const files: string[] = []
  for (const [name, expected] of readListed(fileName, control, {kind: '.changes', filesColumns: 5, bad: (m) => bad(fileName, m)})) {
    await checkListed(fileName, dir, name, expected, '.changes')
    const filePath = path.join(dir, name)
    files.push(filePath)
  }
  return {fileName, source, version, files, signedBy}
}

/**
 * Verifies a clearsigned text (a .changes, an InRelease) against the keys of a keyring
 * file (armored or binary); returns the signer's fingerprint.
 *
 * @example await verifyClearsigned('InRelease', text, 'debian-archive-keyring.gpg')
 */
export async function verifyClearsigned(fileName: string, text: string, keyringFile: string): Promise<string> {
  const pgp = await import('openpgp')
  const keyring: Uint8Array = await readRegularFile(keyringFile, 'keyring', {what: 'the keyring', hint: 'give --keyring a file of OpenPGP public keys (gpg --export > uploaders.gpg)'})
  let keys
  try {
    const armored = Buffer.from(keyring).toString('latin1').includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')
    keys = armored ? await pgp.readKeys({armoredKeys: Buffer.from(keyring).toString('utf8')}) : await pgp.readKeys({binaryKeys: keyring})
  } catch (error) {
    throw new RaptrError('BAD_SIGNATURE', `${keyringFile} holds no readable OpenPGP key (${(error as Error).message})`, 'export the uploaders\' public keys with: gpg --export KEYID > uploaders.gpg')
  }
  if (!text.replace(/^\s+/, '').startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) {
    throw new RaptrError('BAD_SIGNATURE', `${fileName} is not signed`, 'sign it with debsign (or gpg --clearsign), or leave out --keyring')
  }
  try {
    const message = await pgp.readCleartextMessage({cleartextMessage: text})
    const result = await pgp.verify({message, verificationKeys: keys, expectSigned: true})
    const sig = result.signatures[0]
    await sig.verified
    const key = keys.find((k) => k.getKeys(sig.keyID).length > 0)
    return key?.getFingerprint() ?? sig.keyID.toHex()
  } catch (error) {
    throw new RaptrError('BAD_SIGNATURE', `${fileName}: no valid signature by a key of ${path.basename(keyringFile)} (${(error as Error).message.split('\n')[0]})`, 'sign it with a key in the keyring, or add the uploader\'s key to it')
  }
}

function bad(fileName: string, message: string): RaptrError {
  return new RaptrError('BAD_CHANGES', `${fileName}: ${message}`, 'regenerate it with dpkg-genchanges')
}
