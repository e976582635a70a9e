/**
 * Builds a binary .deb in memory: `debian-binary`, `control.tar.*` (control, md5sums)
 * and `data.tar.*` in an ar archive, as dpkg-deb --build lays them out. Reproducible:
 * every timestamp is the given mtime, owners are root, entries sorted, so the same
 * spec gives the same bytes. For the small packages raptr makes itself (a keyring
 * package); no maintainer scripts and no conffiles.
 */
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {InternalError} from '../errors.js'
import {arArchive} from './ar-writer.js'
import {type TarMember, tarArchive} from './tar-writer.js'

/** How a member tarball is compressed. */
export type DebCompression = 'gz' | 'xz'

/** One regular file in the package's data.tar. */
export interface DebFile {
  /** Path without the leading `./`, e.g. `usr/share/keyrings/acme-archive-keyring.pgp`. */
  path: string
  data: Uint8Array
  mode?: number
}

/** What to put in a .deb. */
export interface DebSpec {
  /** The control file text (one deb822 stanza, ending in a newline). */
  control: string
  files: readonly DebFile[]
  /** Default xz, as dpkg-deb. */
  compression?: DebCompression
  /** Seconds since the epoch for every timestamp, so the bytes are reproducible. */
  mtime: number
}

/** Compresses a member with the given format. */
async function compress(data: Buffer, format: DebCompression): Promise<Buffer> {
  if (format === 'gz') return gzipSync(data, {level: 9})
  const {compressSync} = await import('@napi-rs/lzma/xz')
  return Buffer.from(compressSync(data))
}

/** The data.tar members: `./`, then every directory ahead of its contents, sorted. */
function dataMembers(files: readonly DebFile[]): TarMember[] {
  const dirs = new Set<string>()
  for (const file of files) {
    if (file.path.startsWith('/') || file.path.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new InternalError(`not a package path: ${file.path}`)
    const parts = file.path.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/')
  }
  const entries: TarMember[] = [...[...dirs].map((d) => ({path: d})), ...files.map((f) => ({path: f.path, data: f.data, mode: f.mode}))]
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  return [{path: './'}, ...entries.map((e) => ({...e, path: `./${e.path}`}))]
}

/** `md5sums` as dpkg writes it: one `HEX  path` line per regular file. */
export function md5sums(files: readonly DebFile[]): string {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${createHash('md5').update(f.data).digest('hex')}  ${f.path}\n`)
    .join('')
}

/** Installed-Size in KiB, as dpkg-gencontrol counts it: each file rounded up to 1 KiB, plus one per directory. */
export function installedSize(files: readonly DebFile[]): number {
  const dirs = new Set<string>()
  for (const f of files) {
    const parts = f.path.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  return files.reduce((n, f) => n + Math.ceil(f.data.length / 1024), 0) + dirs.size
}

/**
 * The bytes of a .deb.
 *
 * @example await buildDeb({control: 'Package: a\nVersion: 1\nArchitecture: all\n…', files: [], mtime: 0})
 */
export async function buildDeb(spec: DebSpec): Promise<Buffer> {
  const format = spec.compression ?? 'xz'
  if (!spec.control.endsWith('\n') || /\n\n/.test(spec.control)) throw new InternalError('a control file is one stanza ending in a newline')
  const controlTar = tarArchive(
    [
      {path: './'},
      {path: './control', data: Buffer.from(spec.control, 'utf8')},
      {path: './md5sums', data: Buffer.from(md5sums(spec.files), 'utf8')},
    ],
    spec.mtime,
  )
  const dataTar = tarArchive(dataMembers(spec.files), spec.mtime)
  return arArchive(
    [
      {name: 'debian-binary', data: Buffer.from('2.0\n', 'latin1')},
      {name: `control.tar.${format}`, data: await compress(controlTar, format)},
      {name: `data.tar.${format}`, data: await compress(dataTar, format)},
    ],
    spec.mtime,
  )
}
