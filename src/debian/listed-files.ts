import path from 'node:path'
import {getField, valueLines} from '../core/deb822.js'
import type {Digests} from '../core/interface.js'
import {RaptrError} from '../errors.js'
import {shownValue, validateFileName} from '../core/names.js'
import {digestFile} from './digest.js'

/** The list fields of a .dsc or .changes and the digest each one carries. */
const LISTS = [
  ['Files', 'md5'],
  ['Checksums-Sha1', 'sha1'],
  ['Checksums-Sha256', 'sha256'],
  ['Checksums-Sha512', 'sha512'],
] as const

type Algorithm = (typeof LISTS)[number][1]

/** One listed file: its size and every hash the lists give for it. */
export interface Listed {
  size: number
  hashes: Partial<Record<Algorithm, string>>
}

/** What differs between the two kinds of file that list others. */
export interface ListingKind {
  /** `.dsc` or `.changes`, for messages. */
  kind: string
  /** Columns of a `Files` line: 3 in a .dsc ("md5 size name"), 5 in a .changes ("md5 size section priority name"). */
  filesColumns: number
  /** The error for a malformed listing. */
  bad: (message: string) => RaptrError
}

/**
 * Every file name the lists name, in `Files` order, with its size and listed hashes;
 * each list must name the same files with the same sizes, and names must stay inside
 * the listing file's directory.
 *
 * @example readListed('hello_1.0-1.dsc', control, {kind: '.dsc', filesColumns: 3, bad})
 */
export function readListed(fileName: string, control: Array<[string, string]>, k: ListingKind): Map<string, Listed> {
  const files = new Map<string, Listed>()
  for (const [field, algorithm] of LISTS) {
    const value = getField(control, field)
    if (value === undefined) continue
    const seen = new Set<string>()
    const columns = field === 'Files' ? k.filesColumns : 3
    for (const line of valueLines(value)) {
      const parts = line.split(/\s+/)
      if (parts.length !== columns || !/^[0-9a-f]+$/i.test(parts[0]) || !/^\d+$/.test(parts[1])) {
        throw k.bad(`${field}: malformed line ${JSON.stringify(line.slice(0, 80))}`)
      }
      const [hex, sizeText] = parts
      const name = parts[columns - 1]
      checkSafeName(fileName, name, k.kind)
      const size = Number(sizeText)
      seen.add(name)
      const entry = files.get(name)
      if (field === 'Files') {
        if (entry) throw k.bad(`Files lists ${name} twice`)
        files.set(name, {size, hashes: {md5: hex.toLowerCase()}})
        continue
      }
      if (!entry) throw k.bad(`${field} lists ${name}, which Files does not`)
      if (entry.size !== size) throw k.bad(`${field} gives ${name} size ${size}, Files says ${entry.size}`)
      entry.hashes[algorithm] = hex.toLowerCase()
    }
    for (const name of files.keys()) if (!seen.has(name)) throw k.bad(`${field} does not list ${name}`)
  }
  return files
}

/**
 * Reads a listed file beside the listing (one pass, four digests) and checks its size and
 * every listed hash; returns its digests.
 *
 * @example const digests = await checkListed('hello_1.0-1.dsc', dir, 'hello_1.0.orig.tar.gz', listed, '.dsc')
 */
export async function checkListed(fileName: string, dir: string, name: string, expected: Listed, kind: string): Promise<Digests> {
  let actual: Digests
  try {
    actual = await digestFile(path.join(dir, name), {what: `${name} (listed in ${fileName})`, hint: `put the ${name} of this upload, a regular file, in the same directory as ${fileName}`, missing: 'DSC_FILE_MISSING'})
  } catch (error) {
    if ((error as RaptrError).code === 'DSC_FILE_MISSING') {
      throw new RaptrError('DSC_FILE_MISSING', `${fileName} lists ${name}, which is not next to it`, `put ${name} in the same directory as ${fileName}`, {file: name})
    }
    throw error
  }
  const mismatch = (detail: string): RaptrError =>
    new RaptrError('DSC_FILE_MISMATCH', `${name} does not match ${fileName}: ${detail}`, `the file was changed or belongs to another upload; fetch the ${name} that goes with this ${kind}`, {file: name})
  if (actual.size !== expected.size) throw mismatch(`size is ${actual.size}, the ${kind} says ${expected.size}`)
  for (const [algorithm, hex] of Object.entries(expected.hashes)) {
    const key = algorithm as Algorithm
    if (actual[key] !== hex) throw mismatch(`${key} is ${actual[key]}, the ${kind} says ${hex}`)
  }
  return actual
}

// The names come from a file someone else wrote; they must not reach outside its directory.
function checkSafeName(fileName: string, name: string, kind: string): void {
  if (name.includes('/') || name.includes('\\') || name.includes('..') || name.startsWith('.') || name.includes('\0')) {
    throw new RaptrError('UNSAFE_PATH', `${fileName} lists an unsafe file name ${JSON.stringify(shownValue(name))}`, `a ${kind} may only list plain file names in its own directory`, {file: shownValue(name)})
  }
  // Listed files become pool files: the file-name grammar (length, control characters) of names.ts.
  validateFileName(name, `file name listed in ${fileName}`)
}
