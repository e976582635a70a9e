import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import {InternalError} from '../errors.js'
import {contentsChunks, deflateChunks} from './contents-chunks.js'
import {gzipEnd, gzipStart, xzEnd, xzPieces, xzStart} from './pieces.js'
import {XZ_DEFAULT_FLAGS, type PieceId, type PieceStore} from './piece-store.js'

// Index files from their pieces: plain, .gz and .xz (Contents: plain and .gz), each
// written as its parts come and hashed on the way, for Release and the by-hash names.
// The plain file is only hashed unless `keepPlain` asks for it on disk: apt reads the .xz or
// .gz and checks what it decompressed against the plain entry of the Release.

/** An index file, by its path relative to the distribution's directory (its bytes: on disk, see writeIndexes). */
export interface IndexFile {
  path: string
  size: number
  sha256: string
  /** Listed in Release but not written (an uncompressed index when plain indexes are off): never uploaded. */
  unwritten?: true
}

/** Packages or Sources, plain (hashed only unless `keepPlain`), .gz and .xz, written from the index's pieces as they come. */
export async function writeVariants(dir: string, p: string, store: PieceStore, ids: PieceId[], keepPlain = false): Promise<IndexFile[]> {
  const plain = keepPlain ? await IndexWriter.open(dir, p) : new HashOnly(p)
  const gz = await IndexWriter.open(dir, `${p}.gz`)
  let xz = await IndexWriter.open(dir, `${p}.xz`)
  await gz.write(gzipStart)
  let crc = 0
  let length = 0
  const blocks: Array<{unpadded: number; uncompressed: number}> = []
  const flags = new Set<number>()
  await store.each(ids, async (piece) => {
    if (piece.text.length === 0) return
    crc = zlib.crc32(piece.text, crc)
    length += piece.text.length
    await plain.write(piece.text)
    await gz.write(piece.deflate)
    if (flags.size === 0) await xz.write(xzStart(piece.xzFlags))
    flags.add(piece.xzFlags)
    if (flags.size > 1) return
    await xz.write(piece.xzBlock)
    blocks.push({unpadded: piece.xzUnpadded, uncompressed: piece.text.length})
  })
  await gz.write(gzipEnd(crc, length))
  if (flags.size > 1) {
    // Pieces memoized by another xz (or by the npm encoder) may carry other stream flags:
    // compress this index's texts again, all alike (all are memoized by now).
    await xz.discard()
    xz = await IndexWriter.open(dir, `${p}.xz`)
    const texts: Buffer[] = []
    await store.each(ids, (piece) => {
      if (piece.text.length > 0) texts.push(Buffer.from(piece.text))
    })
    const again = await xzPieces(texts)
    await xz.write(xzStart(again[0].flags))
    for (const x of again) await xz.write(x.block.data)
    await xz.write(xzEnd(again[0].flags, again.map((x) => x.block)))
  } else {
    const f = flags.size === 0 ? XZ_DEFAULT_FLAGS : [...flags][0]
    if (flags.size === 0) await xz.write(xzStart(f))
    await xz.write(xzEnd(f, blocks))
  }
  return [await plain.close(), await gz.close(), await xz.close()]
}

/** A Contents index, plain (hashed only unless `keepPlain`) and .gz: sorted by path across every shard, as Debian's are; compressed in chunks memoized by content. */
export async function writeContents(dir: string, p: string, store: PieceStore, ids: PieceId[], chunkDir: string, keepPlain = false): Promise<IndexFile[]> {
  const texts: Buffer[] = []
  await store.each(ids, (piece) => {
    if (piece.text.length > 0) texts.push(Buffer.from(piece.text))
  })
  const chunks = contentsChunks(texts)
  texts.length = 0
  // apt finds an index by its uncompressed name in Release (Debian lists it too), then fetches the .gz.
  const plain = keepPlain ? await IndexWriter.open(dir, p) : new HashOnly(p)
  let crc = 0
  let length = 0
  for (const c of chunks) {
    await plain.write(c)
    crc = zlib.crc32(c, crc)
    length += c.length
  }
  const gz = await IndexWriter.open(dir, `${p}.gz`)
  await gz.write(gzipStart)
  for (const d of deflateChunks(chunkDir, chunks)) await gz.write(d)
  await gz.write(gzipEnd(crc, length))
  return [await plain.close(), await gz.close()]
}

/** An index listed in Release but not written: its text is hashed as it comes. */
class HashOnly {
  private readonly hash = createHash('sha256')
  private size = 0

  constructor(private readonly path: string) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- the same shape as IndexWriter.write
  async write(data: Uint8Array): Promise<void> {
    this.hash.update(data)
    this.size += data.length
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the same shape as IndexWriter.close
  async close(): Promise<IndexFile> {
    return {path: this.path, size: this.size, sha256: this.hash.digest('hex'), unwritten: true}
  }
}

/** Written in runs of this many bytes. */
const WRITE_RUN = 1 << 20

/** One index file written as its parts come, hashed on the way. */
class IndexWriter {
  private readonly fh: fs.promises.FileHandle
  private readonly file: string
  private readonly path: string
  private readonly hash = createHash('sha256')
  private parts: Uint8Array[] = []
  private buffered = 0
  private size = 0

  private constructor(fh: fs.promises.FileHandle, file: string, p: string) {
    this.fh = fh
    this.file = file
    this.path = p
  }

  static async open(dir: string, p: string): Promise<IndexWriter> {
    const file = path.join(dir, ...p.split('/'))
    // Index paths come from category and architecture names: never one outside the scratch directory.
    if (!file.startsWith(`${path.resolve(dir)}${path.sep}`) || p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw new InternalError(`index path ${JSON.stringify(p.slice(0, 200))} is not inside the scratch directory`)
    }
    await fs.promises.mkdir(path.dirname(file), {recursive: true})
    return new IndexWriter(await fs.promises.open(file, 'w'), file, p)
  }

  async write(data: Uint8Array): Promise<void> {
    if (data.length === 0) return
    this.hash.update(data)
    this.size += data.length
    this.parts.push(data)
    this.buffered += data.length
    if (this.buffered >= WRITE_RUN) await this.flush()
  }

  async close(): Promise<IndexFile> {
    await this.flush()
    await this.fh.close()
    return {path: this.path, size: this.size, sha256: this.hash.digest('hex')}
  }

  async discard(): Promise<void> {
    this.parts = []
    await this.fh.close()
    await fs.promises.rm(this.file, {force: true})
  }

  private async flush(): Promise<void> {
    const buf = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)
    this.parts = []
    this.buffered = 0
    for (let at = 0; at < buf.length; ) at += (await this.fh.write(buf, at, buf.length - at)).bytesWritten
  }
}

