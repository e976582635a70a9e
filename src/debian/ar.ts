/**
 * A push parser for the `ar` archives .deb files are: `!<arch>\n`, then members, each a
 * 60-byte header and its bytes padded to an even length. It takes the bytes in chunks so
 * the caller can hash the same chunks, and keeps only the members it is asked to keep:
 * a data.tar of gigabytes passes through without being buffered.
 */
import {RaptrError} from '../errors.js'

const MAGIC = '!<arch>\n'
const HEADER_SIZE = 60

/** One member: its name (trailing `/` removed), size, and bytes when kept. */
export interface ArMember {
  name: string
  size: number
  /** Offset of the member's bytes in the archive. */
  offset: number
  data?: Buffer
}

function badAr(message: string): RaptrError {
  return new RaptrError('BAD_DEB', message, 'the file is truncated or not a Debian package; download or build it again')
}

/**
 * Feed an ar archive with `push(chunk)`, then call `end()`; `onMember` sees every member
 * once its bytes have passed, with `data` set when `keep(name, size)` said so.
 *
 * @example
 *   const p = new ArParser((m) => members.push(m), (name) => name.startsWith('control.tar'))
 *   for await (const c of stream) p.push(c)
 *   p.end()
 */
export class ArParser {
  /** Bytes consumed so far: the archive offset of the next byte. */
  private offset = 0
  private state: 'magic' | 'header' | 'body' | 'pad' = 'magic'
  private pending: Buffer[] = []
  private pendingLength = 0
  private member: ArMember | undefined
  private remaining = 0
  private keepBody = false

  /**
   * @param onBody sees the bytes of every member that is not kept, as they pass: a view
   *   into the pushed chunk, valid only until the caller reuses that chunk.
   */
  constructor(
    private readonly onMember: (member: ArMember) => void,
    private readonly keep: (name: string, size: number) => boolean = () => true,
    private readonly onBody?: (member: ArMember, bytes: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let pos = 0
    while (pos < chunk.length) {
      switch (this.state) {
        case 'magic':
        case 'header': {
          const want = this.state === 'magic' ? MAGIC.length : HEADER_SIZE
          const take = Math.min(want - this.pendingLength, chunk.length - pos)
          this.collect(chunk.subarray(pos, pos + take))
          pos += take
          this.offset += take
          if (this.pendingLength === want) {
            const bytes = this.drain()
            if (this.state === 'magic') this.checkMagic(bytes)
            else this.startMember(bytes)
          }
          break
        }
        case 'body': {
          const take = Math.min(this.remaining, chunk.length - pos)
          if (this.keepBody) this.collect(chunk.subarray(pos, pos + take))
          else if (this.onBody && take > 0) this.onBody(this.member as ArMember, chunk.subarray(pos, pos + take))
          pos += take
          this.offset += take
          this.remaining -= take
          if (this.remaining === 0) this.finishMember()
          break
        }
        case 'pad': {
          pos += 1
          this.offset += 1
          this.state = 'header'
          break
        }
      }
    }
  }

  /** Call after the last chunk; throws BAD_DEB if the archive stops inside a member. */
  end(): void {
    if (this.state === 'magic') throw badAr(this.pendingLength === 0 ? 'empty file' : 'not an ar archive (file too short)')
    if (this.state === 'body') throw badAr(`member ${this.member?.name} is truncated (${this.remaining} bytes missing)`)
    if (this.state === 'header' && this.pendingLength > 0) throw badAr('archive ends inside a member header')
    // A missing final pad byte is tolerated, as dpkg and GNU ar do.
  }

  private collect(bytes: Buffer): void {
    if (bytes.length === 0) return
    // A copy: the caller may reuse its chunk buffer for the next read.
    this.pending.push(Buffer.from(bytes))
    this.pendingLength += bytes.length
  }

  private drain(): Buffer {
    const out = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLength)
    this.pending = []
    this.pendingLength = 0
    return out
  }

  private checkMagic(bytes: Buffer): void {
    if (bytes.toString('latin1') !== MAGIC) throw badAr('not an ar archive (bad magic)')
    this.state = 'header'
  }

  private startMember(header: Buffer): void {
    if (header.toString('latin1', 58, 60) !== '`\n') throw badAr('corrupt ar member header')
    const rawName = header.toString('latin1', 0, 16).trimEnd()
    const sizeText = header.toString('latin1', 48, 58).trim()
    if (!/^\d+$/.test(sizeText)) throw badAr(`corrupt ar member size ${JSON.stringify(sizeText)}`)
    // GNU ar ends names with '/'; BSD-style long names are not used by .deb files.
    const name = rawName.endsWith('/') ? rawName.slice(0, -1) : rawName
    const size = Number(sizeText)
    this.member = {name, size, offset: this.offset}
    this.keepBody = this.keep(name, size)
    this.remaining = size
    this.state = 'body'
    if (size === 0) this.finishMember()
  }

  private finishMember(): void {
    const member = this.member as ArMember
    if (this.keepBody) member.data = this.drain()
    else this.drain()
    this.member = undefined
    this.state = member.size % 2 === 1 ? 'pad' : 'header'
    this.onMember(member)
  }
}

/**
 * Parse a whole ar archive held in memory.
 *
 * @example parseAr(fs.readFileSync('hello_1.0_amd64.deb')).map((m) => m.name) // ['debian-binary', 'control.tar.xz', 'data.tar.xz']
 */
export function parseAr(archive: Buffer): ArMember[] {
  const members: ArMember[] = []
  const parser = new ArParser((m) => members.push(m))
  parser.push(archive)
  parser.end()
  return members
}
