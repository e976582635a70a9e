import {spawn} from 'node:child_process'
import zlib from 'node:zlib'
import {RaptrError} from '../errors.js'
import {varintReader} from '../core/varint.js'

/**
 * Index files built from independently compressed pieces, so that after a small change
 * only the changed pieces are compressed again and the rest are reused byte for byte.
 *
 * - `.gz`: one gzip member whose deflate stream is the pieces' raw deflate streams, each
 *   ended by a sync flush (byte aligned, not final) and primed with the text before it,
 *   then an empty final block: what pigz does. The CRC-32 is over the whole text.
 * - `.xz`: one xz stream whose blocks are the pieces' blocks; xz blocks are independent
 *   by design (what multi-threaded xz writes), and the index is rebuilt from the
 *   pieces' sizes.
 *
 * Both are ordinary single-stream files that gzip, xz, zlib and liblzma (apt) read.
 */

/**
 * xz's output that cannot be used as pieces: raptr made it just now, so xz itself (or
 * the data given to it) is at fault, not the archive's content.
 */
function xzFailure(message: string): RaptrError {
  return new RaptrError('CORRUPT_ARCHIVE', `xz: ${message}`, 'check that xz works (xz --version; xz-utils 5.2 or newer), then publish again', {tool: 'xz'})
}

/** One piece, compressed for both formats. */
export interface CompressedPiece {
  /** Raw deflate, sync-flushed, without a final block. */
  deflate: Uint8Array
  /** An xz block with its padding, its unpadded size and the stream flags it was made with. */
  xzBlock: Uint8Array
  xzUnpadded: number
  xzFlags: number
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]) // deflate, no name, MTIME 0, level 9, Unix
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00])

/**
 * Raw deflate of one piece. `dictionary` is text that directly precedes the piece in the
 * file (at most 32 KiB of it): the decoder has it in its window, so the piece can refer
 * back to it and the file compresses as well as one deflate stream.
 */
export function deflatePiece(text: Uint8Array, dictionary?: Uint8Array): Buffer {
  // Synchronous: for pieces of a few KiB, zlib's thread pool costs more than it saves.
  return zlib.deflateRawSync(text, {level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(dictionary?.length ? {dictionary} : {})})
}

/** The gzip file of the concatenated texts, from their deflated pieces. */
export function assembleGzip(plain: Uint8Array, deflated: readonly Uint8Array[]): Buffer {
  return Buffer.concat([GZIP_HEADER, ...deflated, gzipEnd(zlib.crc32(plain), plain.length)])
}

/** What a gzip file built from pieces starts with, before the pieces' deflate streams. */
export const gzipStart: Buffer = GZIP_HEADER

/** What ends a gzip file built from pieces: the final empty block, the CRC-32 and the length of the whole text. */
export function gzipEnd(crc: number, length: number): Buffer {
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE(length % 2 ** 32, 4)
  return Buffer.concat([FINAL_EMPTY_BLOCK, trailer])
}

/** A block of an xz stream, as found by {@link splitXz}. */
export interface XzBlock {
  data: Buffer
  unpadded: number
  uncompressed: number
}

/**
 * The blocks of an .xz file and its stream flags, read from the index at its end.
 * Throws on anything but a well-formed stream.
 */
export function splitXz(buf: Buffer): {flags: number; blocks: XzBlock[]} {
  let end = buf.length
  while (end >= 4 && buf.readUInt32LE(end - 4) === 0) end -= 4 // stream padding
  if (end < 24 || !buf.subarray(0, 6).equals(XZ_MAGIC) || buf[end - 2] !== 0x59 || buf[end - 1] !== 0x5a) throw xzFailure('not an xz stream')
  const flags = buf.readUInt16BE(6)
  const crcOk = (from: number, to: number, at: number): boolean => zlib.crc32(buf.subarray(from, to)) >>> 0 === buf.readUInt32LE(at)
  if (!crcOk(6, 8, 8) || !crcOk(end - 8, end - 2, end - 12)) throw xzFailure('xz stream header or footer is damaged')
  const indexSize = (buf.readUInt32LE(end - 8) + 1) * 4
  const indexStart = end - 12 - indexSize
  if (indexStart < 12 || buf[indexStart] !== 0) throw xzFailure('xz index not found')
  if (!crcOk(indexStart, end - 16, end - 16)) throw xzFailure('xz index is damaged')
  const reader = varintReader(buf.subarray(0, end - 16), indexStart + 1)
  const varint = reader.read
  const count = varint()
  const blocks: XzBlock[] = []
  let offset = 12
  for (let i = 0; i < count; i++) {
    const unpadded = varint()
    const uncompressed = varint()
    const total = Math.ceil(unpadded / 4) * 4
    blocks.push({data: buf.subarray(offset, offset + total), unpadded, uncompressed})
    offset += total
  }
  if (offset !== indexStart) throw xzFailure('xz blocks do not match the index')
  // The records end where the index's zero padding (to a multiple of four) begins.
  if (Math.ceil(reader.position() / 4) * 4 !== end - 16 || buf.subarray(reader.position(), end - 16).some((b) => b !== 0)) throw xzFailure('xz index records do not fill the index')
  if (buf.readUInt16BE(end - 4) !== flags) throw xzFailure('xz stream flags differ between header and footer')
  return {flags, blocks}
}

/** One xz stream made of the given blocks (which must all have been made with `flags`). */
export function assembleXz(flags: number, blocks: ReadonlyArray<{data: Uint8Array; unpadded: number; uncompressed: number}>): Buffer {
  return Buffer.concat([xzStart(flags), ...blocks.map((b) => b.data), xzEnd(flags, blocks)])
}

/** The stream header of an xz file built from blocks made with `flags`. */
export function xzStart(flags: number): Buffer {
  const flagBytes = Buffer.alloc(2)
  flagBytes.writeUInt16BE(flags)
  return Buffer.concat([XZ_MAGIC, flagBytes, u32(zlib.crc32(flagBytes))])
}

/** What follows the blocks of an xz file: its index (from the blocks' sizes) and the stream footer. */
export function xzEnd(flags: number, blocks: ReadonlyArray<{unpadded: number; uncompressed: number}>): Buffer {
  const flagBytes = Buffer.alloc(2)
  flagBytes.writeUInt16BE(flags)
  const index: number[] = [0]
  const varint = (n: number): void => {
    while (n >= 0x80) {
      index.push((n % 0x80) | 0x80)
      n = Math.floor(n / 0x80)
    }
    index.push(n)
  }
  varint(blocks.length)
  for (const b of blocks) {
    varint(b.unpadded)
    varint(b.uncompressed)
  }
  while (index.length % 4 !== 0) index.push(0)
  const indexBytes = Buffer.from(index)
  const indexWithCrc = Buffer.concat([indexBytes, u32(zlib.crc32(indexBytes))])
  const footerBody = Buffer.concat([u32(indexWithCrc.length / 4 - 1), flagBytes])
  const footer = Buffer.concat([u32(zlib.crc32(footerBody)), footerBody, Buffer.from('YZ')])
  return Buffer.concat([indexWithCrc, footer])
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n >>> 0)
  return b
}

/**
 * Compresses texts into one xz block each. With xz-utils (the default preset 6, but
 * a 1 MiB dictionary: a block of a few KiB gains nothing from the 8 MiB one, whose
 * tables the encoder would clear for every block; one thread: deterministic): one process for all of them, a block boundary after each text. Without
 * it, the npm encoder makes one stream per text (valid, but it stores the data
 * uncompressed).
 */
export async function xzPieces(texts: readonly Uint8Array[]): Promise<Array<{flags: number; block: XzBlock}>> {
  if (texts.length === 0) return []
  if (texts.some((t) => t.length === 0)) throw new RaptrError('BAD_ARGUMENT', 'an xz piece must not be empty (xz cannot end a block after no data)', 'leave empty pieces out of the xz stream (they add nothing to it)')
  try {
    const {flags, blocks} = splitXz(await xzCli(texts))
    if (blocks.length !== texts.length || blocks.some((b, i) => b.uncompressed !== texts[i].length)) {
      throw xzFailure(`made ${blocks.length} blocks for ${texts.length} pieces`)
    }
    return blocks.map((block) => ({flags, block}))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    const {compress} = await import('@napi-rs/lzma/xz')
    return Promise.all(
      texts.map(async (t) => {
        const {flags, blocks} = splitXz(Buffer.from(await compress(Buffer.from(t))))
        if (blocks.length !== 1) throw xzFailure(`the xz encoder made ${blocks.length} blocks for one piece`)
        return {flags, block: blocks[0]}
      }),
    )
  }
}

function xzCli(texts: readonly Uint8Array[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('xz', ['--lzma2=preset=6,dict=1MiB', '-T1', '-c', '-q', `--block-list=${texts.map((t) => t.length).join(',')}`], {stdio: ['pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    let err = ''
    child.on('error', reject)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')))
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(xzFailure(`exited ${code}: ${err.trim()}`))
    })
    child.stdin.on('error', () => {
      // the close handler reports the failure
    })
    // Each text as it is: no copy of them all in one buffer.
    for (const t of texts) child.stdin.write(t)
    child.stdin.end()
  })
}
