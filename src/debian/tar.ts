/**
 * A minimal reader for the tar archives inside a .deb (ustar, GNU and pax), enough to
 * find `./control` in control.tar: 512-byte headers, octal or base-256 sizes, GNU long
 * names (`././@LongLink`) and pax `path`/`size` records.
 */
import {RaptrError} from '../errors.js'

const BLOCK = 512

/** One tar entry; `data` is a view into the archive buffer. */
export interface TarEntry {
  /** The path as stored (e.g. `./control`). */
  name: string
  /** The typeflag: '0' file, '5' directory, '2' symlink, ... */
  type: string
  size: number
  data: Buffer
}

function badTar(message: string, member = 'control.tar'): RaptrError {
  return new RaptrError('BAD_DEB', `${member}: ${message}`, 'the package is corrupt; rebuild it with dpkg-deb --build')
}

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length)
  const nul = field.indexOf(0)
  return field.toString('utf8', 0, nul === -1 ? field.length : nul)
}

function numeric(buf: Buffer, start: number, length: number, what: string): number {
  // GNU base-256: the high bit of the first byte is set, the rest is big-endian binary.
  if (buf[start] & 0x80) {
    let n = buf[start] & 0x7f
    for (let i = start + 1; i < start + length; i++) n = n * 256 + buf[i]
    return n
  }
  const text = cString(buf, start, length).trim()
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) throw badTar(`bad ${what} field ${JSON.stringify(text)}`)
  return parseInt(text, 8)
}

function checksumOk(header: Buffer): boolean {
  const stored = numeric(header, 148, 8, 'checksum')
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]
  return sum === stored
}

function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>()
  let pos = 0
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos)
    if (space === -1) break
    const length = Number(data.toString('latin1', pos, space))
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length) throw badTar('bad pax header record')
    const record = data.toString('utf8', space + 1, pos + length - 1)
    const eq = record.indexOf('=')
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1))
    pos += length
  }
  return records
}

/**
 * The entries of an uncompressed tar archive, in order (metadata entries folded in).
 *
 * @example [...tarEntries(controlTar)].map((e) => e.name) // ['./', './control', './md5sums']
 */
export function* tarEntries(tar: Buffer, member = 'control.tar'): Generator<TarEntry> {
  let pos = 0
  let longName: string | undefined
  let pax = new Map<string, string>()
  while (pos + BLOCK <= tar.length) {
    const header = tar.subarray(pos, pos + BLOCK)
    if (header.every((b) => b === 0)) return
    if (!checksumOk(header)) throw badTar(`header checksum mismatch at offset ${pos}`, member)
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156])
    let size = numeric(header, 124, 12, 'size')
    const paxSize = pax.get('size')
    if (paxSize !== undefined && !'LKxg'.includes(type)) size = Number(paxSize)
    const start = pos + BLOCK
    if (start + size > tar.length) throw badTar('archive is truncated', member)
    const data = tar.subarray(start, start + size)
    pos = start + Math.ceil(size / BLOCK) * BLOCK
    if (type === 'L') {
      longName = cString(data, 0, data.length)
      continue
    }
    if (type === 'x') {
      pax = paxRecords(data)
      continue
    }
    if (type === 'K' || type === 'g') continue
    let name = cString(header, 0, 100)
    // POSIX ustar ("ustar\0") splits long paths into prefix + name; GNU ("ustar  ") has no prefix.
    if (header.toString('latin1', 257, 263) === 'ustar\0') {
      const prefix = cString(header, 345, 155)
      if (prefix !== '') name = `${prefix}/${name}`
    }
    name = pax.get('path') ?? longName ?? name
    longName = undefined
    pax = new Map()
    yield {name, type, size, data}
  }
  // Running out of bytes without the end-of-archive blocks is tolerated, as GNU tar does.
}

/**
 * The bytes of the regular file at `name` (leading `./` or `/` ignored), or undefined.
 *
 * @example findTarFile(controlTar, 'control')?.toString() // 'Package: hello\n...'
 */
export function findTarFile(tar: Buffer, name: string): Buffer | undefined {
  const want = normalizeTarPath(name)
  for (const entry of tarEntries(tar)) {
    if ((entry.type === '0' || entry.type === '7') && normalizeTarPath(entry.name) === want) return entry.data
  }
  return undefined
}

function normalizeTarPath(p: string): string {
  return p.replace(/^(\.\/|\/)+/, '')
}
