/**
 * Read a source package: the .dsc (clearsigned or not) and every file it lists, which
 * must sit next to it and match the listed size and every listed hash.
 */
import fs from 'node:fs'
import path from 'node:path'

import {getField, parseStanza, stripSignature, valueLines} from '../core/deb822.js'
import type {Digests, DscFile, DscInfo} from '../core/interface.js'
import {parseVersion} from '../core/version.js'
import {RaptrError, isRaptrError} from '../errors.js'
import {PACKAGE_NAME} from '../core/names.js'
import {checkSignatureArmor} from './control-text.js'
import {digestBuffer, digestFile} from './digest.js'

// A .dsc is a few KB; refuse to slurp something that is clearly not one.
const MAX_DSC = 16 * 1024 * 1024

/** The list fields of a .dsc and the digest each one carries. */
const LISTS = [
  ['Files', 'md5'],
  ['Checksums-Sha1', 'sha1'],
  ['Checksums-Sha256', 'sha256'],
  ['Checksums-Sha512', 'sha512'],
] as const

interface Listed {
  size: number
  hashes: Partial<Record<'md5' | 'sha1' | 'sha256' | 'sha512', string>>
}

/**
 * Read and verify a source package.
 *
 * @example const dsc = await readDsc('hello_1.0-1.dsc'); dsc.files.map((f) => f.name) // ['hello_1.0.orig.tar.gz', 'hello_1.0-1.debian.tar.xz']
 */
export async function readDsc(file: string): Promise<DscInfo> {
  const dscPath = path.resolve(file)
  const fileName = path.basename(dscPath)
  const dir = path.dirname(dscPath)

  let bytes: Buffer
  try {
    const stat = await fs.promises.stat(dscPath)
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), {code: 'EISDIR'})
    if (stat.size > MAX_DSC) throw badDsc(fileName, `file is ${stat.size} bytes, too large for a .dsc`)
    bytes = await fs.promises.readFile(dscPath)
  } catch (error) {
    if (isRaptrError(error)) throw error
    throw new RaptrError('NOT_FOUND', `${fileName}: cannot read (${(error as NodeJS.ErrnoException).code})`, 'check the path of the .dsc file')
  }
  const digests = digestBuffer(bytes)

  let control
  try {
    const text = bytes.toString('utf8')
    checkSignatureArmor(text)
    control = parseStanza(stripSignature(text))
  } catch (error) {
    if (isRaptrError(error)) throw new RaptrError(error.code, `${fileName}: ${error.message}`, error.hint)
    throw error
  }

  for (const field of ['Source', 'Version', 'Files']) {
    if (!getField(control, field)) {
      throw new RaptrError('MISSING_FIELD', `${fileName}: no ${field} field`, 'regenerate the .dsc with dpkg-source --build')
    }
  }
  const source = getField(control, 'Source') as string
  if (!PACKAGE_NAME.test(source)) {
    throw new RaptrError('BAD_NAME', `${fileName}: invalid source package name ${JSON.stringify(source)}`, 'source names use lowercase letters, digits and + - . (at least two characters)')
  }
  try {
    parseVersion(getField(control, 'Version') as string)
  } catch (error) {
    if (isRaptrError(error)) throw new RaptrError(error.code, `${fileName}: ${error.message}`, error.hint)
    throw error
  }

  const listed = listedFiles(fileName, control)
  const files: DscFile[] = []
  for (const [name, expected] of listed) {
    const filePath = path.join(dir, name)
    let actual: Digests
    try {
      actual = await digestFile(filePath)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'EISDIR') {
        throw new RaptrError('DSC_FILE_MISSING', `${fileName} lists ${name}, which is not next to it`, `put ${name} in the same directory as ${fileName}`, {file: name})
      }
      throw error
    }
    if (actual.size !== expected.size) {
      throw mismatch(fileName, name, `size is ${actual.size}, the .dsc says ${expected.size}`)
    }
    for (const [algorithm, hex] of Object.entries(expected.hashes)) {
      const key = algorithm as keyof Listed['hashes']
      if (actual[key] !== hex) throw mismatch(fileName, name, `${key} is ${actual[key]}, the .dsc says ${hex}`)
    }
    files.push({name, path: filePath, digests: actual})
  }

  return {fileName, path: dscPath, control, digests, files}
}

/** Every file name the .dsc lists, in `Files` order, with its size and listed hashes. */
function listedFiles(fileName: string, control: Array<[string, string]>): Map<string, Listed> {
  const files = new Map<string, Listed>()
  for (const [field, algorithm] of LISTS) {
    const value = getField(control, field)
    if (value === undefined) continue
    const seen = new Set<string>()
    for (const line of valueLines(value)) {
      const parts = line.split(/\s+/)
      if (parts.length !== 3 || !/^[0-9a-f]+$/i.test(parts[0]) || !/^\d+$/.test(parts[1])) {
        throw badDsc(fileName, `${field}: malformed line ${JSON.stringify(line.slice(0, 80))}`)
      }
      const [hex, sizeText, name] = parts
      checkSafeName(fileName, name)
      const size = Number(sizeText)
      seen.add(name)
      const entry = files.get(name)
      if (field === 'Files') {
        if (entry) throw badDsc(fileName, `Files lists ${name} twice`)
        files.set(name, {size, hashes: {md5: hex.toLowerCase()}})
        continue
      }
      if (!entry) throw badDsc(fileName, `${field} lists ${name}, which Files does not`)
      if (entry.size !== size) throw badDsc(fileName, `${field} gives ${name} size ${size}, Files says ${entry.size}`)
      entry.hashes[algorithm] = hex.toLowerCase()
    }
    for (const name of files.keys()) {
      if (!seen.has(name)) throw badDsc(fileName, `${field} does not list ${name}`)
    }
  }
  return files
}

// The names come from a file someone else wrote; they must not reach outside its directory.
function checkSafeName(fileName: string, name: string): void {
  if (name.includes('/') || name.includes('\\') || name.includes('..') || name.startsWith('.') || name.includes('\0')) {
    throw new RaptrError('UNSAFE_PATH', `${fileName} lists an unsafe file name ${JSON.stringify(name)}`, 'a .dsc may only list plain file names in its own directory', {file: name})
  }
}

function badDsc(fileName: string, message: string): RaptrError {
  return new RaptrError('BAD_DSC', `${fileName}: ${message}`, 'regenerate the .dsc with dpkg-source --build')
}

function mismatch(fileName: string, name: string, detail: string): RaptrError {
  return new RaptrError('DSC_FILE_MISMATCH', `${name} does not match ${fileName}: ${detail}`, `the file was changed or belongs to another upload; fetch the ${name} that goes with this .dsc`, {file: name})
}
