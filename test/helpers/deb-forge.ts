/**
 * Hand-made .deb files for bad-input tests: dpkg-deb refuses to build most of what a
 * hostile or broken package contains (a control member with `../` paths or symlinks,
 * CRLF or non-UTF-8 control text, duplicate fields), so these are assembled byte by
 * byte — an ar archive of debian-binary, control.tar.gz and data.tar.gz.
 *
 *   fs.writeFileSync(f, forgeDeb({entries: [{name: '../control', data: 'Package: x\n'}]}))
 */
import {gzipSync} from 'node:zlib'

export interface ForgedTarEntry {
  name: string
  data?: string | Buffer
  /** '0' file (default), '2' symlink, '5' directory. */
  type?: '0' | '2' | '5'
  linkName?: string
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`
}

/** A ustar archive of `entries`, with two zero blocks at the end. */
export function tarArchive(entries: ForgedTarEntry[]): Buffer {
  const blocks: Buffer[] = []
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8')
    const h = Buffer.alloc(512)
    h.write(e.name, 0, 100, 'utf8')
    h.write(octal(e.type === '5' ? 0o755 : 0o644, 8), 100, 'latin1')
    h.write(octal(0, 8), 108, 'latin1')
    h.write(octal(0, 8), 116, 'latin1')
    h.write(octal(e.type === '0' || e.type === undefined ? data.length : 0, 12), 124, 'latin1')
    h.write(octal(1704067200, 12), 136, 'latin1')
    h.write('        ', 148, 'latin1')
    h.write(e.type ?? '0', 156, 'latin1')
    if (e.linkName) h.write(e.linkName, 157, 100, 'utf8')
    h.write('ustar\0', 257, 'latin1')
    h.write('00', 263, 'latin1')
    let sum = 0
    for (const b of h) sum += b
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    blocks.push(h)
    if (e.type === '0' || e.type === undefined) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
    }
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

/** An ar archive (the .deb container) of `members`, in order. */
export function arArchive(members: Array<{name: string; data: Buffer}>): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')]
  for (const m of members) {
    const header = `${m.name.padEnd(16)}${'1704067200'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(m.data.length).padEnd(10)}\`\n`
    parts.push(Buffer.from(header, 'latin1'), m.data)
    if (m.data.length % 2) parts.push(Buffer.from('\n', 'latin1'))
  }
  return Buffer.concat(parts)
}

export const GOOD_CONTROL = 'Package: forged\nVersion: 1.0\nArchitecture: amd64\nMaintainer: Raptr Tests <tests@example.org>\nDescription: a forged package\n'

/**
 * A .deb whose control.tar.gz holds `entries` (default: `./control` with `control`).
 *
 * @example forgeDeb({control: 'Package: x\r\nVersion: 1\r\n'})
 */
export function forgeDeb(opts: {control?: string | Buffer; entries?: ForgedTarEntry[]; debianBinary?: string} = {}): Buffer {
  const entries = opts.entries ?? [{name: './', type: '5'}, {name: './control', data: opts.control ?? GOOD_CONTROL}]
  const data = tarArchive([{name: './', type: '5'}, {name: './usr/', type: '5'}, {name: './usr/forged', data: 'forged\n'}])
  return arArchive([
    {name: 'debian-binary', data: Buffer.from(opts.debianBinary ?? '2.0\n', 'latin1')},
    {name: 'control.tar.gz', data: gzipSync(tarArchive(entries))},
    {name: 'data.tar.gz', data: gzipSync(data)},
  ])
}

/** Where each member's data starts in an ar archive, and its size: `{'control.tar.xz': {offset, size}}`. */
export function arMembers(deb: Buffer): Record<string, {offset: number; size: number}> {
  const out: Record<string, {offset: number; size: number}> = {}
  let pos = 8
  while (pos + 60 <= deb.length) {
    const name = deb.toString('latin1', pos, pos + 16).trim().replace(/\/$/, '')
    const size = Number(deb.toString('latin1', pos + 48, pos + 58).trim())
    out[name] = {offset: pos + 60, size}
    pos += 60 + size + (size % 2)
  }
  return out
}
