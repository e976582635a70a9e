/**
 * Read a binary package (.deb, .udeb, .ddeb): one pass over the file computes its
 * digests and, from the same bytes, pulls out the control member and data.tar, whose
 * file list is what Contents indices are made of (read once, at add time).
 */
import fs from 'node:fs'
import path from 'node:path'
import {gunzipSync} from 'node:zlib'

import {decompressSync as xzDecompress} from '@napi-rs/lzma/xz'
import {decompress as zstdDecompress} from 'fzstd'

import {getField, parseStanza} from '../core/deb822.js'
import type {DebInfo} from '../core/interface.js'
import {parseVersion} from '../core/version.js'
import {PACKAGE_NAME} from '../core/names.js'
import {RaptrError, isRaptrError} from '../errors.js'
import {type ArMember, ArParser} from './ar.js'
import {checkControlMembers, controlText} from './control-text.js'
import {createDigester} from './digest.js'
import {findTarFile, tarEntries} from './tar.js'
import {contentsList} from '../core/contents.js'

// control.tar holds a few small files; anything this large is not a real package.
const MAX_CONTROL_MEMBER = 64 * 1024 * 1024
// data.tar is read once, for the Contents file list; beyond this the list is left out rather than held in memory.
const MAX_DATA_MEMBER = 512 * 1024 * 1024

/**
 * Read buffers, reused from file to file: a bulk add reads gigabytes, and a fresh buffer
 * per read would leave the garbage collector (and the process's memory) to catch up.
 */
const READ_BUFFER_SIZE = 1 << 20
const READ_BUFFERS: Buffer[] = []

const KINDS = {'.deb': 'deb', '.udeb': 'udeb', '.ddeb': 'ddeb'} as const

const REBUILD_HINT = 'the file is truncated or corrupt; download or build it again (dpkg-deb --info FILE shows what dpkg thinks)'

/**
 * Read a package file's control fields and digests.
 *
 * @example const deb = await readDeb('hello_1.0-1_amd64.deb'); getField(deb.control, 'Version') // '1.0-1'
 */
export async function readDeb(file: string): Promise<DebInfo> {
  const fileName = path.basename(file)
  const ext = path.extname(fileName) as keyof typeof KINDS
  const kind = KINDS[ext]
  if (!kind) throw new RaptrError('BAD_DEB', `${fileName}: not a .deb, .udeb or .ddeb file name`, 'binary packages end in .deb, .udeb or .ddeb; source packages are added by their .dsc')

  const members: ArMember[] = []
  const digester = createDigester()
  // Only debian-binary and the control member are kept; their order is checked below.
  const parser = new ArParser(
    (m) => members.push(m),
    (name, size) =>
      ((name === 'debian-binary' || name.startsWith('control.tar')) && size <= MAX_CONTROL_MEMBER) || (name.startsWith('data.tar') && size <= MAX_DATA_MEMBER),
  )
  const buf = READ_BUFFERS.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_SIZE)
  try {
    const fh = await fs.promises.open(file, 'r')
    try {
      for (;;) {
        const {bytesRead} = await fh.read(buf, 0, buf.length, null)
        if (bytesRead === 0) break
        const chunk = buf.subarray(0, bytesRead)
        digester.update(chunk)
        parser.push(chunk)
      }
    } finally {
      await fh.close()
    }
    parser.end()
  } catch (error) {
    throw inFile(fileName, error)
  } finally {
    READ_BUFFERS.push(buf)
  }
  const digests = digester.digest()

  const [binary, control] = members
  if (binary?.name !== 'debian-binary') throw badDeb(fileName, 'first member is not debian-binary')
  const formatVersion = binary.data?.toString('latin1').trim() ?? ''
  // dpkg accepts any 2.x and refuses everything else.
  if (!/^2\.\d+$/.test(formatVersion)) throw badDeb(fileName, `unsupported package format ${JSON.stringify(formatVersion.slice(0, 20))}`)
  if (!control?.name.startsWith('control.tar')) throw badDeb(fileName, 'second member is not control.tar')
  if (!control.data) throw badDeb(fileName, `${control.name} is larger than ${MAX_CONTROL_MEMBER} bytes`)
  const data = members.slice(2).find((m) => m.name.startsWith('data.tar'))
  if (!data) throw badDeb(fileName, 'no data.tar member')

  let controlFields
  try {
    const tar = decompress(control.name, control.data)
    checkControlMembers(tar)
    const text = findTarFile(tar, 'control')
    if (!text) throw badDeb(fileName, `${control.name} has no control file`)
    controlFields = parseStanza(controlText(text))
  } catch (error) {
    throw inFile(fileName, error)
  }

  for (const field of ['Package', 'Version', 'Architecture']) {
    if (!getField(controlFields, field)) {
      throw new RaptrError('MISSING_FIELD', `${fileName}: control file has no ${field} field`, `add "${field}:" to DEBIAN/control and rebuild the package`)
    }
  }
  const name = getField(controlFields, 'Package') as string
  if (!PACKAGE_NAME.test(name)) {
    throw new RaptrError('BAD_NAME', `${fileName}: invalid package name ${JSON.stringify(name)}`, 'package names use lowercase letters, digits and + - . (at least two characters, starting with a letter or digit)')
  }
  try {
    parseVersion(getField(controlFields, 'Version') as string)
  } catch (error) {
    throw inFile(fileName, error)
  }
  const architecture = getField(controlFields, 'Architecture') as string
  if (!/^[a-z0-9][a-z0-9-]*$/.test(architecture)) {
    throw new RaptrError('BAD_CONTROL', `${fileName}: invalid Architecture ${JSON.stringify(architecture)}`, 'a binary package has one architecture, such as amd64 or all')
  }

  let files: string | undefined
  // data.tar.bz2 and .lzma (old dpkg) are valid packages; their files are just not listed.
  if (data.data && /^data\.tar(\.gz|\.xz|\.zst)?$/.test(data.name)) {
    try {
      files = contentsList(tarEntries(decompress(data.name, data.data), data.name))
    } catch (error) {
      throw inFile(fileName, error)
    }
  }
  return {kind, fileName, control: controlFields, digests, files}
}

function decompress(member: string, bytes: Buffer): Buffer {
  const compression = member.slice(member.indexOf('.tar') + '.tar'.length)
  try {
    switch (compression) {
      case '':
        return bytes
      case '.gz':
        return gunzipSync(bytes)
      case '.xz':
        return xzDecompress(bytes)
      case '.zst':
        return Buffer.from(zstdDecompress(bytes))
    }
  } catch (error) {
    throw new RaptrError('BAD_DEB', `${member} is corrupt (${(error as Error).message})`, REBUILD_HINT)
  }
  throw new RaptrError('BAD_DEB', `unsupported member compression ${member}`, 'rebuild the package with dpkg-deb -Zxz, -Zgzip or -Zzstd')
}

function badDeb(fileName: string, message: string): RaptrError {
  return new RaptrError('BAD_DEB', `${fileName}: ${message}`, REBUILD_HINT)
}

function inFile(fileName: string, error: unknown): Error {
  if (isRaptrError(error)) {
    if (error.message.startsWith(`${fileName}:`)) return error
    return new RaptrError(error.code, `${fileName}: ${error.message}`, error.hint, error.data)
  }
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
    return new RaptrError('NOT_FOUND', `${fileName}: cannot read (${code})`, 'check the path and permissions of the package file')
  }
  return error as Error
}
