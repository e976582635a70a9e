/**
 * Read an upload's .changes (what dpkg-buildpackage and dput produce): every file it
 * lists must sit next to it and match the listed size and every listed hash, as for a
 * .dsc; with a keyring, its clearsigned signature must verify by one of the keyring's
 * keys.
 */
import fs from 'node:fs'
import path from 'node:path'

import {getField, parseStanza, stripSignature, valueLines} from '../core/deb822.js'
import {PACKAGE_NAME} from '../core/names.js'
import {parseVersion} from '../core/version.js'
import {RaptrError, isRaptrError} from '../errors.js'
import {digestFile} from './digest.js'

const MAX_CHANGES = 16 * 1024 * 1024

const LISTS = [
  ['Files', 'md5'],
  ['Checksums-Sha1', 'sha1'],
  ['Checksums-Sha256', 'sha256'],
  ['Checksums-Sha512', 'sha512'],
] as const

type Algorithm = (typeof LISTS)[number][1]

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
  const fileName = path.basename(changesPath)
  const dir = path.dirname(changesPath)
  let text: string
  try {
    const stat = await fs.promises.stat(changesPath)
    if (stat.size > MAX_CHANGES) throw bad(fileName, `file is ${stat.size} bytes, too large for a .changes`)
    text = await fs.promises.readFile(changesPath, 'utf8')
  } catch (error) {
    if (isRaptrError(error)) throw error
    throw new RaptrError('NOT_FOUND', `${fileName}: cannot read (${(error as NodeJS.ErrnoException).code})`, 'check the path of the .changes file')
  }
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
  if (!PACKAGE_NAME.test(source)) throw bad(fileName, `invalid source name ${JSON.stringify(source)}`)
  const version = getField(control, 'Version') as string
  try {
    parseVersion(version)
  } catch (error) {
    if (isRaptrError(error)) throw new RaptrError(error.code, `${fileName}: ${error.message}`, error.hint)
    throw error
  }

  const files: string[] = []
  for (const [name, expected] of listedFiles(fileName, control)) {
    const filePath = path.join(dir, name)
    let actual
    try {
      actual = await digestFile(filePath)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'EISDIR') {
        throw new RaptrError('DSC_FILE_MISSING', `${fileName} lists ${name}, which is not next to it`, `put ${name} in the same directory as ${fileName}`, {file: name})
      }
      throw error
    }
    if (actual.size !== expected.size) throw mismatch(fileName, name, `size is ${actual.size}, the .changes says ${expected.size}`)
    for (const [algorithm, hex] of Object.entries(expected.hashes)) {
      const key = algorithm as Algorithm
      if (actual[key] !== hex) throw mismatch(fileName, name, `${key} is ${actual[key]}, the .changes says ${hex}`)
    }
    files.push(filePath)
  }
  return {fileName, source, version, files, signedBy}
}

/** The files a .changes lists: `Files` lines are "md5 size section priority name", the Checksums-* lines "hash size name". */
function listedFiles(fileName: string, control: Array<[string, string]>): Map<string, {size: number; hashes: Partial<Record<Algorithm, string>>}> {
  const files = new Map<string, {size: number; hashes: Partial<Record<Algorithm, string>>}>()
  for (const [field, algorithm] of LISTS) {
    const value = getField(control, field)
    if (value === undefined) continue
    const seen = new Set<string>()
    for (const line of valueLines(value)) {
      const parts = line.split(/\s+/)
      const columns = field === 'Files' ? 5 : 3
      if (parts.length !== columns || !/^[0-9a-f]+$/i.test(parts[0]) || !/^\d+$/.test(parts[1])) {
        throw bad(fileName, `${field}: malformed line ${JSON.stringify(line.slice(0, 80))}`)
      }
      const [hex, sizeText] = parts
      const name = parts[columns - 1]
      if (name.includes('/') || name.includes('\\') || name.includes('..') || name.startsWith('.') || name.includes('\0')) {
        throw new RaptrError('UNSAFE_PATH', `${fileName} lists an unsafe file name ${JSON.stringify(name)}`, 'a .changes may only list plain file names in its own directory', {file: name})
      }
      const size = Number(sizeText)
      seen.add(name)
      const entry = files.get(name)
      if (field === 'Files') {
        if (entry) throw bad(fileName, `Files lists ${name} twice`)
        files.set(name, {size, hashes: {md5: hex.toLowerCase()}})
        continue
      }
      if (!entry) throw bad(fileName, `${field} lists ${name}, which Files does not`)
      if (entry.size !== size) throw bad(fileName, `${field} gives ${name} size ${size}, Files says ${entry.size}`)
      entry.hashes[algorithm] = hex.toLowerCase()
    }
    for (const name of files.keys()) if (!seen.has(name)) throw bad(fileName, `${field} does not list ${name}`)
  }
  return files
}

/**
 * Verifies a clearsigned text (a .changes, an InRelease) against the keys of a keyring
 * file (armored or binary); returns the signer's fingerprint.
 *
 * @example await verifyClearsigned('InRelease', text, 'debian-archive-keyring.gpg')
 */
export async function verifyClearsigned(fileName: string, text: string, keyringFile: string): Promise<string> {
  const pgp = await import('openpgp')
  let keyring: Uint8Array
  try {
    keyring = await fs.promises.readFile(keyringFile)
  } catch (error) {
    throw new RaptrError('NOT_FOUND', `cannot read the keyring ${keyringFile} (${(error as NodeJS.ErrnoException).code})`, 'give --keyring a file of OpenPGP public keys (gpg --export > uploaders.gpg)')
  }
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

function mismatch(fileName: string, name: string, detail: string): RaptrError {
  return new RaptrError('DSC_FILE_MISMATCH', `${name} does not match ${fileName}: ${detail}`, `the file was changed or belongs to another upload; fetch the ${name} that goes with this .changes`, {file: name})
}
