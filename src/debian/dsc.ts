/**
 * Read a source package: the .dsc (clearsigned or not) and every file it lists, which
 * must sit next to it and match the listed size and every listed hash.
 */
import path from 'node:path'

import {getField, parseStanza, stripSignature} from '../core/deb822.js'
import type {DscFile, DscInfo} from '../core/interface.js'
import {parseVersion} from '../core/version.js'
import {RaptrError, isRaptrError} from '../errors.js'
import {validateFileName, validatePackageName} from '../core/names.js'
import {checkSignatureArmor} from './control-text.js'
import {checkListed, readListed} from './listed-files.js'
import {digestBuffer} from './digest.js'
import {readRegularFile} from '../regular-file.js'

/**
 * Read and verify a source package.
 *
 * @example const dsc = await readDsc('hello_1.0-1.dsc'); dsc.files.map((f) => f.name) // ['hello_1.0.orig.tar.gz', 'hello_1.0-1.debian.tar.xz']
 */
export async function readDsc(file: string): Promise<DscInfo> {
  const dscPath = path.resolve(file)
  // A .dsc's name is listed in Sources and is a pool file name: the file-name grammar (names.ts).
  const fileName = validateFileName(path.basename(dscPath), 'package file name')
  const dir = path.dirname(dscPath)

  const bytes = await readRegularFile(dscPath, 'listing', {what: fileName, hint: 'give the path of a .dsc file'})
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
  try {
    validatePackageName(source, 'source package name')
    parseVersion(getField(control, 'Version') as string)
  } catch (error) {
    if (isRaptrError(error)) throw new RaptrError(error.code, `${fileName}: ${error.message}`, error.hint)
    throw error
  }

  const listed = readListed(fileName, control, {kind: '.dsc', filesColumns: 3, bad: (m) => badDsc(fileName, m)})
  const files: DscFile[] = []
  for (const [name, expected] of listed) {
    const filePath = path.join(dir, name)
    const actual = await checkListed(fileName, dir, name, expected, '.dsc')
    files.push({name, path: filePath, digests: actual})
  }

  return {fileName, path: dscPath, control, digests, files}
}

function badDsc(fileName: string, message: string): RaptrError {
  return new RaptrError('BAD_DSC', `${fileName}: ${message}`, 'regenerate the .dsc with dpkg-source --build')
}
