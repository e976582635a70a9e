import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {parseStanza} from '../core/deb822.js'
import {poolRefsOfStanza, type PoolRef} from '../core/pool-refs.js'
import {distPath} from '../core/layout.js'
import {listCategoryNames, readDistribution, type DistributionSettings} from '../archive/settings.js'
import type {Archive} from '../store/archive.js'
import {diffTrees} from '../store/git-tree.js'
import {mapLimit} from '../core/map-limit.js'
import {mark} from '../core/timing.js'
import {assembleGzip, assembleXz, type CompressedPiece, deflatePiece, xzPieces, type XzBlock} from './pieces.js'

/** One distribution as one snapshot has it. */
export interface DistSnapshot {
  commit: string
  dist: string
  /** The id of `dists/<dist>` in that snapshot: equal ids mean equal published content. */
  distTree: string
  settings: DistributionSettings
  categories: string[]
}

/** An index file, by its path relative to the distribution's directory. */
export interface IndexFile {
  path: string
  data: Uint8Array
  size: number
  sha256: string
}

/** A pool file a distribution references, by its key on a backend. */
export type PoolBlob = PoolRef

export async function readDistSnapshot(archive: Archive, commit: string, dist: string): Promise<DistSnapshot> {
  const view = await archive.view(commit)
  const settings = await readDistribution(view, dist)
  if (!settings) {
    throw new RaptrError('UNKNOWN_DISTRIBUTION', `snapshot ${commit.slice(0, 12)} has no distribution "${dist}"`, 'list them with: raptr distribution list')
  }
  const entry = await archive.trees.entryAt(await archive.rootTree(commit), distPath(dist))
  return {commit, dist, distTree: entry!.oid, settings, categories: await listCategoryNames(view, dist)}
}

/**
 * Renders every index of a distribution: for each category, Packages for each
 * architecture (with the `all` packages in each) and Sources, each plain, .gz and .xz.
 *
 * An index is the concatenation of its shards' stanzas, and each shard is one piece,
 * compressed on its own and memoized by its tree id (see pieces.ts): after a few
 * packages change, only their shards are read and compressed again, however large the
 * index.
 */
export async function renderIndexes(archive: Archive, snap: DistSnapshot): Promise<IndexFile[]> {
  const store = new PieceStore(archive)
  const shardsOf = async (sub: string): Promise<string[]> => {
    const e = await archive.trees.entryAt(snap.distTree, sub)
    if (e?.type !== 'tree') return []
    return (await archive.trees.readTree(e.oid)).filter((s) => s.type === 'tree').map((s) => s.oid)
  }
  const specs: Array<{path: string; shards: Promise<string[]>}> = []
  for (const cat of snap.categories) {
    const all = shardsOf(`${cat}/all`)
    for (const arch of snap.settings.architectures) {
      specs.push({path: `${cat}/binary-${arch}/Packages`, shards: Promise.all([shardsOf(`${cat}/${arch}`), all]).then((x) => x.flat())})
    }
    specs.push({path: `${cat}/source/Sources`, shards: shardsOf(`${cat}/source`)})
  }
  // A piece is a shard and the shard before it: every shard but an index's first follows
  // a blank line, and its deflate stream may refer back to the text before it.
  const pieceIds = await Promise.all(specs.map(async (s) => (await s.shards).map((oid, i, all) => ({oid, prev: i > 0 ? all[i - 1] : undefined}))))
  mark(`indexes ${snap.dist}: shards listed`)
  const pieces = await store.pieces(pieceIds.flat())
  mark(`indexes ${snap.dist}: pieces ready`)
  return (
    await Promise.all(
      specs.map(async (s, i) => {
        const own = pieceIds[i].map((id) => pieces.get(pieceKey(id))!).filter((p) => p.text.length > 0)
        return variants(s.path, own)
      }),
    )
  ).flat()
}

async function variants(p: string, pieces: Piece[]): Promise<IndexFile[]> {
  const plain = Buffer.concat(pieces.map((x) => x.text))
  const gz = assembleGzip(plain, pieces.map((x) => x.deflate))
  // Pieces memoized by another xz (or by the npm encoder) may carry other stream flags.
  const flags = new Set(pieces.map((x) => x.xzFlags))
  const blocks =
    flags.size <= 1
      ? {flags: pieces[0]?.xzFlags ?? XZ_DEFAULT_FLAGS, blocks: pieces.map((x) => ({data: x.xzBlock, unpadded: x.xzUnpadded, uncompressed: x.text.length}))}
      : await recompressed(pieces)
  const xzed = assembleXz(blocks.flags, blocks.blocks)
  const files: Array<[string, Uint8Array]> = [
    [p, plain],
    [`${p}.gz`, gz],
    [`${p}.xz`, xzed],
  ]
  return files.map(([fp, data]) => {
    return {path: fp, data, size: data.length, sha256: createHash('sha256').update(data).digest('hex')}
  })
}

async function recompressed(pieces: Piece[]): Promise<{flags: number; blocks: XzBlock[]}> {
  const out = await xzPieces(pieces.map((x) => x.text))
  return {flags: out[0].flags, blocks: out.map((o) => o.block)}
}

/** CRC64, the check xz-utils writes by default: the flags of an empty index's stream. */
const XZ_DEFAULT_FLAGS = 0x0004

interface PieceId {
  oid: string
  /** The shard before this one in its index. */
  prev?: string
}

interface Piece extends CompressedPiece {
  /** The shard's stanzas, after a blank line when the shard is not its index's first. */
  text: Buffer
}

function pieceKey(id: PieceId): string {
  return id.prev ? `${id.oid}.${id.prev}` : id.oid
}

/** The shard's own text: a piece's text without the blank line before it. */
function shardText(id: PieceId, p: Piece): Buffer {
  return id.prev && p.text.length > 0 ? p.text.subarray(1) : p.text
}

const PIECE_MAGIC = 0x52504332 // "RPC2"
const PIECE_HEADER = 24

/**
 * Shard pieces, memoized on disk by tree id: the text (after a blank line when it is
 * not the first of its index), its raw deflate and its xz block.
 */
class PieceStore {
  private readonly archive: Archive
  private readonly dir: string

  constructor(archive: Archive) {
    this.archive = archive
    this.dir = path.join(archive.gitDir, 'raptr', 'cache', 'piece')
  }

  /** Every piece asked for: memoized ones read back, the rest rendered and compressed together. */
  async pieces(ids: PieceId[]): Promise<Map<string, Piece>> {
    const unique = new Map(ids.map((id) => [pieceKey(id), id]))
    const out = new Map<string, Piece>()
    const missing: Array<[string, PieceId]> = []
    for (const [key, id] of unique) {
      const p = this.read(key)
      if (p) out.set(key, p)
      else missing.push([key, id])
    }
    mark(`pieces: ${out.size} memoized, ${missing.length} to make`)
    if (missing.length === 0) return out
    const shards = new Map<string, Buffer>()
    for (const [key, p] of out) shards.set(unique.get(key)!.oid, shardText(unique.get(key)!, p))
    const toRender = [...new Set(missing.map(([, id]) => id.oid).filter((oid) => !shards.has(oid)))]
    await mapLimit(toRender, 32, async (oid) => shards.set(oid, await this.render(oid)))
    const texts = missing.map(([, id]) => {
      const text = shards.get(id.oid)!
      return text.length > 0 && id.prev ? Buffer.concat([NEWLINE, text]) : text
    })
    // Every shard before a piece is a piece of the same index, so its text is at hand.
    const dictionaries = missing.map(([, id]) => (id.prev ? shards.get(id.prev)!.subarray(-DEFLATE_WINDOW) : undefined))
    mark('pieces: rendered')
    const compressed = await compressPieces(texts, dictionaries)
    mark('pieces: compressed')
    await fs.promises.mkdir(this.dir, {recursive: true})
    await mapLimit(missing, 32, async ([key], i) => {
      const piece = {text: texts[i], ...compressed[i]}
      out.set(key, piece)
      await this.write(key, piece)
    })
    return out
  }

  private async render(oid: string): Promise<Buffer> {
    const stanzas: string[] = []
    for (const [, blob] of await this.archive.trees.walkFiles(oid)) {
      stanzas.push(Buffer.from(await this.archive.trees.readBlob(blob)).toString('utf8'))
    }
    return Buffer.from(joinStanzas(stanzas), 'utf8')
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

const NEWLINE = Buffer.from('\n')
/** How far back deflate refers: the dictionary of a piece is that much of the text before it. */
const DEFLATE_WINDOW = 32 * 1024

/**
 * Compresses pieces for both formats: xz in one process per core over contiguous runs
 * of similar size, deflate in this process meanwhile, so a full render uses every core.
 */
async function compressPieces(texts: Buffer[], dictionaries: Array<Buffer | undefined>): Promise<CompressedPiece[]> {
  const nonEmpty = texts.map((t, i) => i).filter((i) => texts[i].length > 0)
  const total = nonEmpty.reduce((s, i) => s + texts[i].length, 0)
  const groups = Math.max(1, Math.min(os.availableParallelism(), Math.ceil(total / 2 ** 20)))
  const runs: number[][] = [[]]
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

function joinStanzas(parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('\n')
}

/** The pool files one link (an index stanza as text) references. */
function blobsOfLink(text: string): PoolBlob[] {
  return poolRefsOfStanza(parseStanza(text))
}

/** Every pool file a distribution tree references (O(packages)). */
export async function blobsOfTree(archive: Archive, distTree: string): Promise<Map<string, PoolBlob>> {
  const out = new Map<string, PoolBlob>()
  for (const [p, oid] of await archive.trees.walkFiles(distTree)) {
    if (p.split('/').length < 5) continue // distribution.json, category.json
    for (const b of blobsOfLink(Buffer.from(await archive.trees.readBlob(oid)).toString('utf8'))) out.set(b.key, b)
  }
  return out
}

/**
 * The pool files `newTree` references that `oldTree` did not, found by descending only
 * into subtrees whose ids differ: O(change), not O(archive).
 */
export async function blobsAdded(archive: Archive, oldTree: string, newTree: string): Promise<Map<string, PoolBlob>> {
  const out = new Map<string, PoolBlob>()
  const removed = new Set<string>()
  for (const [p, a, b] of await diffTrees(archive.trees, oldTree, newTree)) {
    if (p.split('/').length < 5) continue
    if (a) for (const x of blobsOfLink(Buffer.from(await archive.trees.readBlob(a)).toString('utf8'))) removed.add(x.key)
    if (b) for (const x of blobsOfLink(Buffer.from(await archive.trees.readBlob(b)).toString('utf8'))) out.set(x.key, x)
  }
  // A file that moved between categories was referenced before: the backend has it.
  for (const k of removed) out.delete(k)
  return out
}
