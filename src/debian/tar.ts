/**
 * A minimal reader for the tar archives inside a .deb (ustar, GNU and pax), enough to
 * find `./control` in control.tar: 512-byte headers, octal or base-256 sizes, GNU long
 * names (`././@LongLink`) and pax `path`/`size` records.
 */
import {RaptrError} from '../errors.js'
import {tooLarge} from '../limits.js'

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
    const name = entryName(header, pax, longName)
    longName = undefined
    pax = new Map()
    yield {name, type, size, data}
  }
  // Running out of bytes without the end-of-archive blocks is tolerated, as GNU tar does.
}

/** An entry's path: a pax `path`, a GNU long name, or the header's (ustar prefix joined). */
function entryName(header: Buffer, pax: Map<string, string>, longName: string | undefined): string {
  let name = cString(header, 0, 100)
  // POSIX ustar ("ustar\0") splits long paths into prefix + name; GNU ("ustar  ") has no prefix.
  if (header.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = cString(header, 345, 155)
    if (prefix !== '') name = `${prefix}/${name}`
  }
  return pax.get('path') ?? longName ?? name
}

// A GNU long name or pax header larger than this is not a real package's.
const MAX_META_ENTRY = 1 << 20

/**
 * A push parser for a tar stream that keeps only the entry headers: bodies pass by
 * without being buffered (GNU long names and pax records, which name the next entry, are
 * the exception), so a data.tar of gigabytes is listed in a few kilobytes of memory.
 *
 * @example
 *   const names: string[] = []
 *   const tar = new TarHeaderParser((e) => names.push(e.name), 'data.tar')
 *   for (const chunk of chunks) tar.push(chunk)
 *   tar.end()
 */
export class TarHeaderParser {
  private readonly header = Buffer.alloc(BLOCK)
  private headerFill = 0
  /** Offset of the next byte in the tar stream, for messages. */
  private offset = 0
  /** Body (and padding) bytes still to pass by. */
  private skip = 0
  /** A metadata entry (`L` or `x`) being collected, and how many of its bytes are still to come. */
  private meta: {type: string; size: number; parts: Buffer[]; remaining: number} | undefined
  private longName: string | undefined
  private pax = new Map<string, string>()
  private done = false
  /** Bytes seen after the end-of-archive blocks. */
  private trailer = 0

  /**
   * @param maxTrailer bytes allowed after the end-of-archive blocks (tar pads to its record
   *   size): more is refused, so a stream of zeros, which reads as an empty archive, is not
   *   decoded to its end.
   */
  constructor(
    private readonly onEntry: (entry: {name: string; type: string; size: number}) => void,
    private readonly member = 'data.tar',
    private readonly maxTrailer = Infinity,
  ) {}

  push(chunk: Uint8Array): void {
    let pos = 0
    if (this.done) {
      this.trailer += chunk.length
      if (this.trailer > this.maxTrailer) throw tooLarge('tarTrailer', `${this.member} goes on after its end-of-archive blocks with`)
      return
    }
    while (pos < chunk.length && !this.done) {
      const left = chunk.length - pos
      if (this.meta && this.meta.remaining > 0) {
        const take = Math.min(this.meta.remaining, left)
        this.meta.parts.push(Buffer.from(chunk.subarray(pos, pos + take)))
        this.meta.remaining -= take
        pos += take
        this.offset += take
        if (this.meta.remaining === 0) this.finishMeta()
      } else if (this.skip > 0) {
        const take = Math.min(this.skip, left)
        this.skip -= take
        pos += take
        this.offset += take
      } else {
        const take = Math.min(BLOCK - this.headerFill, left)
        this.header.set(chunk.subarray(pos, pos + take), this.headerFill)
        this.headerFill += take
        pos += take
        this.offset += take
        if (this.headerFill === BLOCK) {
          this.headerFill = 0
          this.startEntry()
          if (this.done) this.push(chunk.subarray(pos))
        }
      }
    }
  }

  /** Call after the last chunk; a body cut short is BAD_DEB, missing end blocks are tolerated (as GNU tar does). */
  end(): void {
    if (this.done) return
    if (this.meta || this.skip > 0) throw badTar('archive is truncated', this.member)
  }

  private startEntry(): void {
    const header = this.header
    const at = this.offset - BLOCK
    if (header.every((b) => b === 0)) {
      this.done = true
      return
    }
    if (!checksumOk(header)) throw badTar(`header checksum mismatch at offset ${at}`, this.member)
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156])
    let size = numeric(header, 124, 12, 'size')
    const paxSize = this.pax.get('size')
    if (paxSize !== undefined && !'LKxg'.includes(type)) size = Number(paxSize)
    if (!Number.isSafeInteger(size) || size < 0) throw badTar(`bad size ${size}`, this.member)
    const padded = Math.ceil(size / BLOCK) * BLOCK
    if (type === 'L' || type === 'x') {
      if (size > MAX_META_ENTRY) throw badTar(`${type === 'L' ? 'long name' : 'pax header'} of ${size} bytes`, this.member)
      this.meta = {type, size, parts: [], remaining: size}
      this.skip = padded - size
      if (size === 0) this.finishMeta()
      return
    }
    this.skip = padded
    if (type === 'K' || type === 'g') return
    const name = entryName(header, this.pax, this.longName)
    this.longName = undefined
    this.pax = new Map()
    this.onEntry({name, type, size})
  }

  private finishMeta(): void {
    const meta = this.meta as NonNullable<typeof this.meta>
    this.meta = undefined
    const data = Buffer.concat(meta.parts, meta.size)
    if (meta.type === 'L') this.longName = cString(data, 0, data.length)
    else this.pax = paxRecords(data)
  }
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
