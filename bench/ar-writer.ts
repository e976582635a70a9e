/**
 * Writes the common `ar` format dpkg uses for .deb files: the `!<arch>` magic, 60-byte
 * member headers, even-byte alignment.
 */

/** One member of an ar archive. */
export interface ArMember {
  name: string
  data: Buffer
}

function field(value: string, width: number): string {
  if (value.length > width) throw new Error(`ar field too long: ${value}`)
  return value.padEnd(width, ' ')
}

/** An ar archive. Example: `arArchive([{name: 'debian-binary', data: Buffer.from('2.0\n')}], 0)` */
export function arArchive(members: readonly ArMember[], mtime: number): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')]
  for (const {name, data} of members) {
    const header =
      field(name, 16) + field(String(mtime), 12) + field('0', 6) + field('0', 6) + field('100644', 8) +
      field(String(data.length), 10) + '`\n'
    parts.push(Buffer.from(header, 'latin1'), data)
    if (data.length % 2) parts.push(Buffer.from('\n', 'latin1'))
  }
  return Buffer.concat(parts)
}
