import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {debugHooks} from '../core/debug.js'
import {mapLimit} from '../core/map-limit.js'
import {mark} from '../core/timing.js'
import type {Archive} from '../store/archive.js'
import {type CompressedPiece, deflatePiece, xzPieces, type XzBlock} from './pieces.js'
import type {ShardRenderer} from './shard-render.js'

// The piece cache: each shard's text with its deflate stream and xz block, memoized on
// disk by the shard's id (and the one before it), in the file format below; the
// compressed forms themselves are made by pieces.ts.

/** CRC64, the check xz-utils writes by default: the flags of an empty index's stream. */
export const XZ_DEFAULT_FLAGS = 0x0004

/** A piece: a shard (its opaque id from the read model) and the shard before it in its index. */
export interface PieceId {
  oid: string
  /** The shard before this one in its index. */
  prev?: string
}

export interface Piece extends CompressedPiece {
  /** The shard's stanzas, after a blank line when the shard is not its index's first. */
  text: Buffer
}

function pieceKey(id: PieceId): string {
  return id.prev ? `${id.oid}.${id.prev}` : id.oid
}

/** The shard's own text: a piece's text without the separator before it. */
function shardText(id: PieceId, p: Piece, separator: Buffer): Buffer {
  return id.prev && p.text.length > 0 ? p.text.subarray(separator.length) : p.text
}

const PIECE_MAGIC = 0x52504332 // "RPC2"
const PIECE_HEADER = 24

/**
 * Shard pieces, memoized on disk by shard id: the text (after the separator when it is
 * not the first of its index), its raw deflate and its xz block.
 */
export class PieceStore {
  private readonly archive: Archive
  private readonly dir: string
  private readonly renderer: ShardRenderer

  constructor(archive: Archive, cacheName: string, renderer: ShardRenderer) {
    this.archive = archive
    this.dir = path.join(archive.gitDir, 'raptr', 'cache', cacheName)
    this.renderer = renderer
  }

  /**
   * Each piece of one index, in order, handed to `emit` and let go: a memoized one read
   * back, the rest rendered and compressed together in runs of at most {@link PIECE_RUN} pieces.
   */
  async each(ids: readonly PieceId[], emit: (p: Piece) => void | Promise<void>): Promise<void> {
    const sep = this.renderer.separator
    // The end of the shard before the run: the dictionary of a piece that starts it.
    let tail: Buffer = EMPTY
    let run: Array<{id: PieceId; key: string; piece?: Piece}> = []
    let made = 0
    const flush = async (): Promise<void> => {
      if (run.some((r) => !r.piece)) await this.make(run, tail)
      for (const r of run) await emit(r.piece!)
      const last = run.at(-1)
      if (last) tail = Buffer.from(shardText(last.id, last.piece!, sep).subarray(-DEFLATE_WINDOW))
      run = []
    }
    for (const id of ids) {
      const key = pieceKey(id)
      const piece = this.read(key)
      if (!piece) made++
      run.push({id, key, piece})
      // A memoized piece goes on at once, unless it waits behind pieces to make.
      if (run.length >= PIECE_RUN || run.every((r) => r.piece)) await flush()
    }
    await flush()
    mark(`pieces (${path.basename(this.dir)}): ${ids.length - made} memoized, ${made} made`)
  }

  /** Renders, compresses and memoizes the pieces of a run that lack one. */
  private async make(run: Array<{id: PieceId; key: string; piece?: Piece}>, tail: Buffer): Promise<void> {
    const sep = this.renderer.separator
    const shards = new Map<string, Buffer>()
    const missing = run.filter((r) => !r.piece)
    await mapLimit([...new Set(missing.map((r) => r.id.oid))], 32, async (oid) => shards.set(oid, await this.renderer.render(oid)))
    const shardOf = (r: {id: PieceId; piece?: Piece}): Buffer => (r.piece ? shardText(r.id, r.piece, sep) : shards.get(r.id.oid)!)
    const texts: Buffer[] = []
    const dictionaries: Array<Buffer | undefined> = []
    run.forEach((r, i) => {
      if (r.piece) return
      const text = shards.get(r.id.oid)!
      texts.push(text.length > 0 && r.id.prev && sep.length > 0 ? Buffer.concat([sep, text]) : text)
      // The shard before a piece is the one before it in the run, or the run's tail.
      dictionaries.push(r.id.prev ? (i > 0 ? shardOf(run[i - 1]) : tail).subarray(-DEFLATE_WINDOW) : undefined)
    })
    const compressed = await compressPieces(texts, dictionaries, this.renderer.xz)
    await fs.promises.mkdir(this.dir, {recursive: true})
    await mapLimit(missing, 32, async (r, i) => {
      r.piece = {text: texts[i], ...compressed[i]}
      await this.write(r.key, r.piece)
    })
  }

  /** Synchronous: hundreds of small files from the page cache, where a trip through libuv's thread pool per file would cost more than the read. */
  private read(key: string): Piece | undefined {
    let buf: Buffer
    try {
      buf = fs.readFileSync(path.join(this.dir, key))
    } catch {
      return undefined
    }
    if (buf.length < PIECE_HEADER || buf.readUInt32BE(0) !== PIECE_MAGIC) return undefined
    const [textLen, deflateLen, xzLen, xzUnpadded] = [4, 8, 12, 16].map((o) => buf.readUInt32LE(o))
    if (buf.length !== PIECE_HEADER + textLen + deflateLen + xzLen) return undefined // torn: render again
    let at = PIECE_HEADER
    const take = (n: number): Buffer => buf.subarray(at, (at += n))
    return {xzFlags: buf.readUInt16LE(20), xzUnpadded, text: take(textLen), deflate: take(deflateLen), xzBlock: take(xzLen)}
  }

  private async write(key: string, p: Piece): Promise<void> {
    const header = Buffer.alloc(PIECE_HEADER)
    header.writeUInt32BE(PIECE_MAGIC, 0)
    ;[p.text.length, p.deflate.length, p.xzBlock.length, p.xzUnpadded].forEach((n, i) => header.writeUInt32LE(n, 4 + 4 * i))
    header.writeUInt16LE(p.xzFlags, 20)
    // The memo is a cache: a torn write is caught by the rename, a lost one is recomputed.
    const file = path.join(this.dir, key)
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
    await fs.promises.writeFile(tmp, Buffer.concat([header, p.text, p.deflate, p.xzBlock]))
    await fs.promises.rename(tmp, file)
  }
}

/**
 * How many missing pieces are made together: enough for one xz process per core, few
 * enough to hold. RAPTR_DEBUG_PIECE_RUN sets it, so tests cross run boundaries at small N.
 */
const PIECE_RUN = debugHooks().pieceRun
/** How far back deflate refers: the dictionary of a piece is that much of the text before it. */
const DEFLATE_WINDOW = 32 * 1024

/**
 * Compresses pieces for both formats: xz in one process per core over contiguous runs
 * of similar size, deflate in this process meanwhile, so a full render uses every core.
 */
async function compressPieces(texts: Buffer[], dictionaries: Array<Buffer | undefined>, xz = true): Promise<CompressedPiece[]> {
  const nonEmpty = xz ? texts.map((t, i) => i).filter((i) => texts[i].length > 0) : []
  const total = nonEmpty.reduce((s, i) => s + texts[i].length, 0)
  const groups = Math.max(1, Math.min(os.availableParallelism(), Math.ceil(total / 2 ** 20)))
  const runs: number[][] = nonEmpty.length ? [[]] : []
  let acc = 0
  for (const i of nonEmpty) {
    if (acc >= (total / groups) * runs.length && runs.length < groups) runs.push([])
    runs[runs.length - 1].push(i)
    acc += texts[i].length
  }
  const xzDone = Promise.all(runs.map((run) => xzPieces(run.map((i) => texts[i]))))
  // Deflate here while the xz processes work, letting their pipes drain now and then.
  const deflated: Buffer[] = []
  for (let i = 0; i < texts.length; i++) {
    deflated.push(deflatePiece(texts[i], dictionaries[i]))
    if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve))
  }
  const xzRuns = await xzDone
  const xzOf = new Map<number, {flags: number; block: XzBlock}>()
  runs.forEach((run, r) => run.forEach((i, j) => xzOf.set(i, xzRuns[r][j])))
  return texts.map((_, i) => {
    const x = xzOf.get(i)
    return {deflate: deflated[i], xzBlock: x?.block.data ?? EMPTY, xzUnpadded: x?.block.unpadded ?? 0, xzFlags: x?.flags ?? XZ_DEFAULT_FLAGS}
  })
}

const EMPTY = Buffer.alloc(0)

