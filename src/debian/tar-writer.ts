/**
 * Writes ustar archives in memory the way dpkg-deb lays out control.tar and data.tar:
 * `./` first, directories before their files, owner root:root (0:0) and one mtime, so
 * the output depends only on the entries (a reproducible package).
 */
import {InternalError} from '../errors.js'

const BLOCK = 512

/** One member to write; a directory when `data` is absent. */
export interface TarMember {
  /** Path inside the archive, e.g. `./usr/bin/hello`, or `./usr/` for a directory. */
  path: string
  data?: Uint8Array
  mode?: number
}

/** A NUL-terminated octal field of `width` bytes. */
function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

function header(member: TarMember, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK)
  const isDir = member.data === undefined
  let name = member.path
  let prefix = ''
  if (Buffer.byteLength(name) > 100) {
    // ustar splits a long path at a '/' into prefix (155 bytes) and name (100).
    const cut = name.lastIndexOf('/', name.length - 2)
    if (cut <= 0 || Buffer.byteLength(name.slice(0, cut)) > 155 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new InternalError(`tar path too long: ${name}`)
    prefix = name.slice(0, cut)
    name = name.slice(cut + 1)
  }
  h.write(name, 0, 100, 'utf8')
  h.write(octal(member.mode ?? (isDir ? 0o755 : 0o644), 8), 100, 'latin1')
  h.write(octal(0, 8), 108, 'latin1')
  h.write(octal(0, 8), 116, 'latin1')
  h.write(octal(isDir ? 0 : member.data!.length, 12), 124, 'latin1')
  h.write(octal(mtime, 12), 136, 'latin1')
  h.write('        ', 148, 'latin1')
  h.write(isDir ? '5' : '0', 156, 'latin1')
  h.write('ustar\0', 257, 'latin1')
  h.write('00', 263, 'latin1')
  h.write('root', 265, 'latin1')
  h.write('root', 297, 'latin1')
  h.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += h[i]
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1')
  return h
}

/**
 * A complete tar archive of `members` in the order given, every mtime `mtime` (seconds).
 *
 * @example tarArchive([{path: './'}, {path: './control', data: Buffer.from('Package: a\n')}], 0)
 */
export function tarArchive(members: readonly TarMember[], mtime: number): Buffer {
  const parts: Buffer[] = []
  for (const member of members) {
    parts.push(header(member, mtime))
    if (member.data && member.data.length) {
      parts.push(Buffer.from(member.data))
      const pad = (BLOCK - (member.data.length % BLOCK)) % BLOCK
      if (pad) parts.push(Buffer.alloc(pad))
    }
  }
  // Two zero blocks end the archive; GNU tar pads to a 10 KiB record, dpkg does not need it.
  parts.push(Buffer.alloc(BLOCK * 2))
  return Buffer.concat(parts)
}
