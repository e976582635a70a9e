/**
 * Read a binary package (.deb, .udeb, .ddeb): one pass over the file computes its
 * digests and, from the same bytes, pulls out the control member and streams data.tar
 * through its decompressor into a tar header parser, whose file list is what Contents
 * indices are made of (read once, at add time). data.tar is never held: memory is one
 * read buffer plus the decompressor's window, whatever the package's size. Given
 * `copyTo`, the same buffers are written to that new file as they are read: the copy
 * a `package add` keeps in its blob cache costs no second read of the package.
 */
import fs from 'node:fs'
import path from 'node:path'

import {getField, parseStanza} from '../core/deb822.js'
import type {DebInfo} from '../core/interface.js'
import {parseVersion} from '../core/version.js'
import {validateArchitectureSpelling, validateFileName, validatePackageName} from '../core/names.js'
import {RaptrError, isRaptrError} from '../errors.js'
import {type ArMember, ArParser} from './ar.js'
import {checkControlMembers, controlText} from './control-text.js'
import {createDigester} from './digest.js'
import {TarHeaderParser, findTarFile} from './tar.js'
import {contentsList} from '../core/contents.js'
import {limit, tooLarge} from '../limits.js'
import {openRegularFile} from '../regular-file.js'
import {type Compression, type Decoder, createDecoder, decompressCapped, isCompression} from './decode.js'

/**
 * Read buffers, reused from file to file: a bulk add reads gigabytes, and a fresh buffer
 * per read would leave the garbage collector (and the process's memory) to catch up.
 */
const READ_BUFFER_SIZE = 1 << 20
const READ_BUFFERS: Buffer[] = []

const KINDS = {'.deb': 'deb', '.udeb': 'udeb', '.ddeb': 'ddeb'} as const

const REBUILD_HINT = 'the file is truncated or corrupt; download or build it again (dpkg-deb --info FILE shows what dpkg thinks)'

/** How to read a package file. */
export interface ReadDebOptions {
  /**
   * A file to create (it must not exist) and write the package's bytes to as they are
   * read; complete once readDeb returns, removed when it throws.
   */
  copyTo?: string
}

/**
 * Read a package file's control fields and digests.
 *
 * @example const deb = await readDeb('hello_1.0-1_amd64.deb'); getField(deb.control, 'Version') // '1.0-1'
 */
export async function readDeb(file: string, opts: ReadDebOptions = {}): Promise<DebInfo> {
  const copy = {path: opts.copyTo, created: false}
  try {
    return await readDebFile(file, copy)
  } catch (error) {
    // Only a copy this read created: a file that was there already is not ours.
    if (copy.created) await fs.promises.rm(copy.path!, {force: true})
    throw error
  }
}

async function readDebFile(file: string, copy: {path?: string; created: boolean}): Promise<DebInfo> {
  // The name is kept in the record: one segment, no control character (names.ts).
  const fileName = validateFileName(path.basename(file), 'package file name', {hidden: true})
  const ext = path.extname(fileName) as keyof typeof KINDS
  const kind = KINDS[ext]
  if (!kind) throw new RaptrError('BAD_DEB', `${fileName}: not a .deb, .udeb or .ddeb file name`, 'binary packages end in .deb, .udeb or .ddeb; source packages are added by their .dsc')

  // control.tar holds a few small files; a member past the control.tar cap (compressed) is
  // not kept, and refused below.
  const maxControl = limit('controlTar')
  const members: ArMember[] = []
  const digester = createDigester()
  // data.tar's bytes as they pass, consumed before the read buffer is reused.
  const dataChunks: {member: ArMember; bytes: Buffer}[] = []
  // Only debian-binary and the control member are kept; their order is checked below.
  const parser = new ArParser(
    (m) => members.push(m),
    (name, size) => (name === 'debian-binary' || name.startsWith('control.tar')) && size <= maxControl,
    (member, bytes) => {
      if (member.name.startsWith('data.tar')) dataChunks.push({member, bytes})
    },
  )
  let dataMember: ArMember | undefined
  let sink: Decoder | undefined
  const names: {name: string; type: string}[] = []
  // A data.tar of millions of (long) names is a bomb of its own: the listing is capped.
  const maxEntries = limit('contentsEntries')
  const maxNameBytes = limit('contentsNameBytes')
  let nameBytes = 0
  const listEntry = (e: {name: string; type: string}, member: string): void => {
    nameBytes += e.name.length
    if (names.length >= maxEntries) throw tooLarge('contentsEntries', `${fileName}: ${member} lists`)
    if (nameBytes > maxNameBytes) throw tooLarge('contentsNameBytes', `${fileName}: the paths in ${member} add up to`)
    names.push({name: e.name, type: e.type})
  }
  const buf = READ_BUFFERS.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_SIZE)
  let out: fs.promises.FileHandle | undefined
  try {
    const fh = await openRegularFile(file, {what: fileName, hint: 'give the path of a package file'})
    try {
      if (copy.path) {
        out = await fs.promises.open(copy.path, 'wx', 0o644)
        copy.created = true
      }
      for (;;) {
        const {bytesRead} = await fh.read(buf, 0, buf.length, null)
        if (bytesRead === 0) break
        const chunk = buf.subarray(0, bytesRead)
        // The copy is written while the bytes are hashed and listed, and done before the buffer is read into again.
        const written = out ? writeAll(out, chunk) : undefined
        try {
          digester.update(chunk)
          parser.push(chunk)
          for (const {member, bytes} of dataChunks) {
            // The first data.tar is the package's files; data.tar.bz2 and .lzma (old dpkg)
            // are valid packages whose files are just not listed.
            if (!dataMember) {
              dataMember = member
              sink = await dataSink(member.name, new TarHeaderParser((e) => listEntry(e, member.name), member.name, limit('tarTrailer')))
            }
            if (member === dataMember && sink) await sink.write(bytes)
          }
          dataChunks.length = 0
        } finally {
          // Even when the listing failed, the write is over before the buffer is reused.
          await written?.catch(() => {})
        }
        await written
      }
    } finally {
      await fh.close()
    }
    parser.end()
    await sink?.end()
    await out?.close()
    out = undefined
  } catch (error) {
    sink?.abort()
    await out?.close().catch(() => {})
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
  if (!control.data) throw tooLarge('controlTar', `${fileName}: ${control.name} is`)
  const data = members.slice(2).find((m) => m.name.startsWith('data.tar'))
  if (!data) throw badDeb(fileName, 'no data.tar member')

  let controlFields
  try {
    const tar = await decompressControl(fileName, control.name, control.data)
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
  // Name, version and architecture become archive paths: the one grammar (names.ts) with its length limits.
  try {
    validatePackageName(name)
    parseVersion(getField(controlFields, 'Version') as string)
    validateArchitectureSpelling(getField(controlFields, 'Architecture') as string)
  } catch (error) {
    throw inFile(fileName, error)
  }

  const files = sink ? contentsList(names) : undefined
  return {kind, fileName, control: controlFields, digests, files}
}

/** Writes all of `bytes` (a write may take fewer than asked). */
async function writeAll(out: fs.promises.FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; ) at += (await out.write(bytes, at, bytes.length - at)).bytesWritten
}

/** The compression of a member from its name (`control.tar.xz` → `.xz`). */
function compressionOf(member: string, prefix: string): Compression | undefined {
  const c = member.slice(prefix.length)
  return isCompression(c) ? c : undefined
}

/**
 * A whole (small) control.tar, decoded as a stream that stops once it passes its cap: a
 * control member that decompresses to gigabytes is refused after the first 64 MiB.
 */
async function decompressControl(fileName: string, member: string, bytes: Buffer): Promise<Buffer> {
  const compression = compressionOf(member, 'control.tar')
  if (compression === undefined) throw new RaptrError('BAD_DEB', `unsupported member compression ${member}`, 'rebuild the package with dpkg-deb -Zxz, -Zgzip or -Zzstd')
  try {
    return await decompressCapped(compression, bytes, limit('controlTar'), () => tooLarge('controlTar', `${fileName}: ${member} decompresses to`))
  } catch (error) {
    throw corrupt(member, error)
  }
}

/**
 * Where data.tar's bytes go as they are read: its decoder, feeding a tar header parser;
 * undefined when its files are not listed (data.tar.bz2, .lzma). Every failure is the
 * package's, named by its member.
 */
async function dataSink(member: string, tar: TarHeaderParser): Promise<Decoder | undefined> {
  const compression = compressionOf(member, 'data.tar')
  if (compression === undefined) return undefined
  const decoder = await createDecoder(compression, (out) => tar.push(out))
  const guard = async (step: () => Promise<void> | void): Promise<void> => {
    try {
      await step()
    } catch (error) {
      throw corrupt(member, error)
    }
  }
  return {
    write: (b) => guard(() => decoder.write(b)),
    end: () =>
      guard(async () => {
        await decoder.end()
        tar.end()
      }),
    abort: () => decoder.abort(),
  }
}

function corrupt(member: string, error: unknown): RaptrError {
  if (isRaptrError(error)) return error
  return new RaptrError('BAD_DEB', `${member} is corrupt (${(error as Error).message})`, REBUILD_HINT)
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
