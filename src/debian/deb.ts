/**
 * Read a binary package (.deb, .udeb, .ddeb): one pass over the file computes its
 * digests and, from the same bytes, pulls out the control member and streams data.tar
 * through its decompressor into a tar header parser, whose file list is what Contents
 * indices are made of (read once, at add time). data.tar is never held: memory is one
 * read buffer plus the decompressor's window, whatever the package's size.
 */
import fs from 'node:fs'
import path from 'node:path'
import {createGunzip, gunzipSync} from 'node:zlib'

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

// control.tar holds a few small files; anything this large is not a real package.
const MAX_CONTROL_MEMBER = 64 * 1024 * 1024

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
  // The name is kept in the record: one segment, no control character (names.ts).
  const fileName = validateFileName(path.basename(file), 'package file name', {hidden: true})
  const ext = path.extname(fileName) as keyof typeof KINDS
  const kind = KINDS[ext]
  if (!kind) throw new RaptrError('BAD_DEB', `${fileName}: not a .deb, .udeb or .ddeb file name`, 'binary packages end in .deb, .udeb or .ddeb; source packages are added by their .dsc')

  const members: ArMember[] = []
  const digester = createDigester()
  // data.tar's bytes as they pass, consumed before the read buffer is reused.
  const dataChunks: {member: ArMember; bytes: Buffer}[] = []
  // Only debian-binary and the control member are kept; their order is checked below.
  const parser = new ArParser(
    (m) => members.push(m),
    (name, size) => (name === 'debian-binary' || name.startsWith('control.tar')) && size <= MAX_CONTROL_MEMBER,
    (member, bytes) => {
      if (member.name.startsWith('data.tar')) dataChunks.push({member, bytes})
    },
  )
  let dataMember: ArMember | undefined
  let sink: DataSink | undefined
  const names: {name: string; type: string}[] = []
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
        for (const {member, bytes} of dataChunks) {
          // The first data.tar is the package's files; data.tar.bz2 and .lzma (old dpkg)
          // are valid packages whose files are just not listed.
          if (!dataMember) {
            dataMember = member
            sink = await dataSink(member.name, new TarHeaderParser((e) => names.push(e), member.name))
          }
          if (member === dataMember && sink) await sink.write(bytes)
        }
        dataChunks.length = 0
      }
    } finally {
      await fh.close()
    }
    parser.end()
    await sink?.end()
  } catch (error) {
    sink?.abort()
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
    const tar = await decompress(control.name, control.data)
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

/** A whole (small) control.tar; the decompressors are loaded on first use, as most commands never read a package. */
async function decompress(member: string, bytes: Buffer): Promise<Buffer> {
  const compression = member.slice(member.indexOf('.tar') + '.tar'.length)
  try {
    switch (compression) {
      case '':
        return bytes
      case '.gz':
        return gunzipSync(bytes)
      case '.xz':
        return (await import('@napi-rs/lzma/xz')).decompressSync(bytes)
      case '.zst':
        return Buffer.from((await import('fzstd')).decompress(bytes))
    }
  } catch (error) {
    throw corrupt(member, error)
  }
  throw new RaptrError('BAD_DEB', `unsupported member compression ${member}`, 'rebuild the package with dpkg-deb -Zxz, -Zgzip or -Zzstd')
}

/**
 * Where data.tar's bytes go as they are read: its decompressor, feeding a tar header
 * parser. `write` resolves once the bytes are consumed (the caller reuses its buffer);
 * `end` checks that the archive was complete; `abort` lets go after a failed read.
 */
interface DataSink {
  write(bytes: Buffer): Promise<void> | void
  end(): Promise<void> | void
  abort(): void
}

/** A sink for data.tar of this compression, or undefined when its files are not listed. */
/** The end of a data.tar: a tar cut short is the package's fault, named by its member. */
function endTar(member: string, tar: TarHeaderParser): void {
  try {
    tar.end()
  } catch (error) {
    throw corrupt(member, error)
  }
}

async function dataSink(member: string, tar: TarHeaderParser): Promise<DataSink | undefined> {
  const compression = member.slice('data.tar'.length)
  const guard = <A extends unknown[]>(step: (...a: A) => void) => (...a: A) => {
    try {
      step(...a)
    } catch (error) {
      throw corrupt(member, error)
    }
  }
  switch (compression) {
    case '':
      return {write: guard((b: Buffer) => tar.push(b)), end: guard(() => tar.end()), abort() {}}
    case '.gz':
      return gzipSink(member, tar)
    case '.xz':
      return xzSink(member, tar)
    case '.zst': {
      // Loaded on first use: most commands never read a package.
      const {Decompress} = await import('fzstd')
      const zstd = new Decompress((out) => tar.push(out))
      return {
        // A copy: fzstd keeps the tail of a chunk until the rest of its block arrives.
        write: guard((b: Buffer) => zstd.push(new Uint8Array(b))),
        end: guard(() => {
          zstd.push(new Uint8Array(0), true)
          tar.end()
        }),
        abort() {},
      }
    }
  }
  return undefined
}

function gzipSink(member: string, tar: TarHeaderParser): DataSink {
  const gunzip = createGunzip()
  let failure: unknown
  gunzip.on('data', (out: Buffer) => {
    if (failure) return
    try {
      tar.push(out)
    } catch (error) {
      failure = error
      gunzip.destroy()
    }
  })
  gunzip.on('error', (error) => {
    failure ??= error
  })
  const check = () => {
    if (failure) throw corrupt(member, failure)
  }
  return {
    async write(bytes) {
      check()
      // The callback runs once zlib has taken all of the bytes.
      await new Promise<void>((resolve) => gunzip.write(bytes, () => resolve()))
      check()
    },
    async end() {
      check()
      await new Promise<void>((resolve) => {
        gunzip.once('end', resolve)
        gunzip.once('close', resolve)
        gunzip.end()
      })
      check()
      endTar(member, tar)
    },
    abort() {
      gunzip.destroy()
    },
  }
}

/**
 * xz through xz-decompress (xz-embedded compiled to WebAssembly: no native code and no
 * `xz` program needed), whose interface is a web stream: the bytes written are offered as
 * its input stream, and `write` waits until it asks for more, so they have been used.
 */
async function xzSink(member: string, tar: TarHeaderParser): Promise<DataSink> {
  const {XzReadableStream} = (await import('xz-decompress')).default
  let input!: ReadableStreamDefaultController<Uint8Array>
  let wants = 0
  let finished = false
  let failure: unknown
  let wake: (() => void) | undefined
  const source = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        input = controller
      },
      pull() {
        wants++
        wake?.()
      },
    },
    {highWaterMark: 0},
  )
  const waitForWant = async () => {
    while (wants === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve))
  }
  const done = (async () => {
    try {
      for await (const out of new XzReadableStream(source)) tar.push(out)
    } catch (error) {
      failure = error
    } finally {
      finished = true
      wake?.()
    }
  })()
  const check = () => {
    if (failure) throw corrupt(member, failure)
  }
  return {
    async write(bytes) {
      await waitForWant()
      check()
      // Bytes after the end of the xz stream are ignored, as xz --single-stream does.
      if (finished) return
      wants--
      input.enqueue(bytes)
      await waitForWant()
      check()
    },
    async end() {
      await waitForWant()
      // The decoder may still hold output; the end of its input lets it finish (or, when
      // the xz stream is cut short, fail).
      if (!finished) input.close()
      await done
      check()
      endTar(member, tar)
    },
    abort() {
      // Ends the decoder (and frees its context) if it is still waiting for input.
      if (!finished) input.error(new Error('read failed'))
    },
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
