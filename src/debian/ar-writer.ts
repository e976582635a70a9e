/**
 * Writes the common `ar` format dpkg uses for .deb files: the `!<arch>` magic, 60-byte
 * member headers (owner 0:0, mode 100644, one mtime), even-byte alignment. In memory:
 * raptr builds only small packages itself (a keyring package).
 */
import {InternalError} from '../errors.js'

/** One member of an ar archive. */
export interface ArMemberData {
  name: string
  data: Uint8Array
}

function field(value: string, width: number): string {
  if (value.length > width) throw new InternalError(`ar field too long: ${value}`)
  return value.padEnd(width, ' ')
}

/**
 * An ar archive of `members`, every timestamp `mtime` (seconds): same input, same bytes.
 *
 * @example arArchive([{name: 'debian-binary', data: Buffer.from('2.0\n')}], 0)
 */
export function arArchive(members: readonly ArMemberData[], mtime: number): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')]
  for (const {name, data} of members) {
    // GNU ar ends a short name with '/'; dpkg reads both, and writes names plain.
    if (!/^[!-~]{1,16}$/.test(name) || name.includes('/')) throw new InternalError(`not an ar member name: ${name}`)
    const header = field(name, 16) + field(String(mtime), 12) + field('0', 6) + field('0', 6) + field('100644', 8) + field(String(data.length), 10) + '`\n'
    parts.push(Buffer.from(header, 'latin1'), Buffer.from(data))
    if (data.length % 2) parts.push(Buffer.from('\n', 'latin1'))
  }
  return Buffer.concat(parts)
}
