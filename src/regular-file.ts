/**
 * Opening a file someone named (a package, a .dsc, a key, a keyring): only a regular file
 * is read. The file is opened with O_NONBLOCK, so opening a FIFO returns at once instead of
 * waiting for a writer, and then fstat-ed, so what is checked is what is read (no race
 * between a stat and the open). A FIFO, socket, device or directory is refused with one
 * line; a whole-file read stops one byte past its cap, so /dev/zero renamed or a file that
 * grows while read cannot make raptr read gigabytes.
 */
import fs from 'node:fs'
import path from 'node:path'

import {RaptrError} from './errors.js'
import {type CapName, limit, tooLarge} from './limits.js'

const FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY
const READ_CHUNK = 1 << 20

/** What a file argument is, for messages and hints. */
export interface FileRole {
  /** e.g. 'the signing key', 'hello_1.0_amd64.deb'. */
  what: string
  /** What to do when it cannot be read. */
  hint: string
  /** The code for a missing or unreadable file (default NOT_FOUND). */
  missing?: 'NOT_FOUND' | 'NO_SIGNING_KEY' | 'DSC_FILE_MISSING'
}

function kindOf(st: fs.Stats): string | undefined {
  if (st.isFile()) return undefined
  if (st.isDirectory()) return 'a directory'
  if (st.isFIFO()) return 'a FIFO'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}

function notAFile(file: string, role: FileRole, kind: string): RaptrError {
  return new RaptrError('NOT_A_FILE', `${role.what} (${file}) is ${kind}, not a regular file`, role.hint, {file})
}

function cannotRead(file: string, role: FileRole, error: unknown): RaptrError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error'
  return new RaptrError(role.missing ?? 'NOT_FOUND', `cannot read ${role.what} (${file}: ${code})`, role.hint, {file})
}

/**
 * Opens a regular file for reading; anything else is refused at once.
 *
 * @example const fh = await openRegularFile('hello.deb', {what: 'hello.deb', hint: 'check the path'})
 */
export async function openRegularFile(file: string, role: FileRole): Promise<fs.promises.FileHandle> {
  let fh: fs.promises.FileHandle
  try {
    fh = await fs.promises.open(file, FLAGS)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw notAFile(file, role, 'a socket')
    throw cannotRead(file, role, error)
  }
  try {
    const kind = kindOf(await fh.stat())
    if (kind) throw notAFile(file, role, kind)
    return fh
  } catch (error) {
    await fh.close()
    throw error
  }
}

/**
 * A whole regular file, refused when larger than the named cap (or `max`, when given).
 *
 * @example const key = await readRegularFile('key.asc', 'keyFile', {what: 'the signing key', hint: 'check --sign-key'})
 */
export async function readRegularFile(file: string, cap: CapName, role: FileRole, max = limit(cap)): Promise<Buffer> {
  const fh = await openRegularFile(file, role)
  try {
    const chunks: Buffer[] = []
    let total = 0
    // Read on past the fstat size (a file may grow), but never more than one byte past the cap.
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, max + 1 - total))
      const {bytesRead} = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) return Buffer.concat(chunks, total)
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > max) throw tooLarge(cap, `${role.what} (${path.basename(file)}) is`, max)
    }
  } finally {
    await fh.close()
  }
}

/**
 * readRegularFile for synchronous callers (flag handling that is not async).
 *
 * @example const key = readRegularFileSync('key.asc', 'keyFile', {what: 'the signing key', hint: 'check --sign-key'})
 */
export function readRegularFileSync(file: string, cap: CapName, role: FileRole, max = limit(cap)): Buffer {
  let fd: number
  try {
    fd = fs.openSync(file, FLAGS)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw notAFile(file, role, 'a socket')
    throw cannotRead(file, role, error)
  }
  try {
    const kind = kindOf(fs.fstatSync(fd))
    if (kind) throw notAFile(file, role, kind)
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, max + 1 - total))
      const n = fs.readSync(fd, buf, 0, buf.length, null)
      if (n === 0) return Buffer.concat(chunks, total)
      chunks.push(buf.subarray(0, n))
      total += n
      if (total > max) throw tooLarge(cap, `${role.what} (${path.basename(file)}) is`, max)
    }
  } finally {
    fs.closeSync(fd)
  }
}
