/**
 * Builds a binary .deb in memory: `debian-binary`, `control.tar.*`, `data.tar.*` in an ar
 * archive, with no process per package, so a corpus of 100,000 packages is quick to make.
 */
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {compressSync as xzCompress} from '@napi-rs/lzma/xz'
import {arArchive} from './ar-writer.js'
import {type TarMember, tarArchive} from './tar-writer.js'
import {zstdRawFrame} from './zstd-raw.js'

/** How a member tarball is compressed. */
export type Compression = 'gz' | 'xz' | 'zst'

/** One regular file in the package's data.tar. */
export interface DebFile {
  /** Path without the leading `./`, e.g. `usr/bin/hello`. */
  path: string
  data: Buffer
  mode?: number
}

/** What to put in a .deb. */
export interface DebSpec {
  /** The control file text (deb822 stanza, ending in a newline). */
  control: string
  files: readonly DebFile[]
  controlCompression: Compression
  dataCompression: Compression
  /** Seconds since the epoch for every timestamp, so the bytes are reproducible. */
  mtime: number
}

/** Compresses a member with the given format. Example: `compress(tar, 'xz')` */
export function compress(data: Buffer, format: Compression): Buffer {
  switch (format) {
    case 'gz':
      return gzipSync(data, {level: 6})
    case 'xz':
      return xzCompress(data)
    case 'zst':
      return zstdRawFrame(data)
  }
}

function dataMembers(files: readonly DebFile[]): TarMember[] {
  const dirs = new Set<string>()
  for (const file of files) {
    const parts = file.path.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/') + '/')
  }
  const members: TarMember[] = [{path: './'}]
  // Sorting dirs and files together keeps each directory ahead of its contents.
  const entries = [...[...dirs].map((d) => ({path: d})), ...files]
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  for (const entry of entries) members.push({...entry, path: './' + entry.path})
  return members
}

/** The bytes of a .deb. Example: `buildDeb({control: 'Package: a\n…', files: [], controlCompression: 'gz', dataCompression: 'xz', mtime: 0})` */
export function buildDeb(spec: DebSpec): Buffer {
  const md5sums = spec.files
    .map((f) => `${createHash('md5').update(f.data).digest('hex')}  ${f.path}\n`)
    .join('')
  const controlTar = tarArchive(
    [
      {path: './'},
      {path: './control', data: Buffer.from(spec.control, 'utf8')},
      {path: './md5sums', data: Buffer.from(md5sums, 'utf8')},
    ],
    spec.mtime,
  )
  const dataTar = tarArchive(dataMembers(spec.files), spec.mtime)
  return arArchive(
    [
      {name: 'debian-binary', data: Buffer.from('2.0\n', 'latin1')},
      {name: `control.tar.${spec.controlCompression}`, data: compress(controlTar, spec.controlCompression)},
      {name: `data.tar.${spec.dataCompression}`, data: compress(dataTar, spec.dataCompression)},
    ],
    spec.mtime,
  )
}
