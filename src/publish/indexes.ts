import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import {debugHooks} from '../core/debug.js'
import path from 'node:path'
import zlib from 'node:zlib'
import {InternalError, RaptrError} from '../errors.js'
import {parseStanza} from '../core/deb822.js'
import {poolRefsOfStanza, type PoolRef} from '../core/pool-refs.js'
import {contentsPath, distPath, encodeCategory} from '../core/layout.js'
import {getField} from '../core/deb822.js'
import {renderContents, type ContentsPackage} from '../core/contents.js'
import {listCategoryNames, readDistribution, type DistributionSettings} from '../archive/settings.js'
import type {Archive} from '../store/archive.js'
import {diffTrees} from '../store/git-tree.js'
import {mapLimit} from '../core/map-limit.js'
import {mark} from '../core/timing.js'
import {validateSuiteName} from '../core/names.js'
import {type CompressedPiece, deflatePiece, gzipEnd, gzipStart, xzEnd, xzPieces, xzStart, type XzBlock} from './pieces.js'

/** One distribution as one snapshot has it. */
export interface DistSnapshot {
  commit: string
  dist: string
  /** The id of `dists/<dist>` in that snapshot: equal ids mean equal published content. */
  distTree: string
  settings: DistributionSettings
  categories: string[]
}

/** An index file, by its path relative to the distribution's directory (its bytes: on disk, see {@link writeIndexes}). */
export interface IndexFile {
  path: string
  size: number
  sha256: string
}

/** A pool file a distribution references, by its key on a backend. */
export type PoolBlob = PoolRef

export async function readDistSnapshot(archive: Archive, commit: string, dist: string): Promise<DistSnapshot> {
  validateSuiteName(dist)
  const view = await archive.view(commit)
  const settings = await readDistribution(view, dist)
  if (!settings) {
    throw new RaptrError('UNKNOWN_DISTRIBUTION', `snapshot ${commit.slice(0, 12)} has no distribution "${dist}"`, 'list them with: raptr distribution list')
  }
  const entry = await archive.trees.entryAt(await archive.rootTree(commit), distPath(dist))
  return {commit, dist, distTree: entry!.oid, settings, categories: await listCategoryNames(view, dist)}
}

/** One index to render: its path and the link subtrees (relative to the category) it concatenates. */
interface IndexSpec {
  path: string
  dirs: string[]
  kind: 'packages' | 'sources' | 'contents'
}

/**
 * The indexes of one category: for each architecture Packages (with the `all` packages
 * in it), `debian-installer/binary-ARCH/Packages` for .udeb files when there are any,
 * .ddeb files in Packages or in `debug/binary-ARCH/Packages` as the distribution says,
 * Sources, and Contents-ARCH.gz / Contents-udeb-ARCH.gz unless turned off. Pure.
 *
 * @example categoryIndexSpecs('main', ['amd64'], ['amd64', 'all'], {})[0] // {path: 'main/binary-amd64/Packages', dirs: ['amd64', 'all', …], …}
 */
export function categoryIndexSpecs(cat: string, architectures: string[], present: string[], settings: Pick<DistributionSettings, 'contents' | 'ddebs'>): IndexSpec[] {
  const has = new Set(present)
  const udebs = present.some((d) => d.endsWith('.udeb'))
  const debugApart = settings.ddebs === 'debug'
  const ddebs = present.some((d) => d.endsWith('.ddeb'))
  const specs: IndexSpec[] = []
  const keep = (dirs: string[]): string[] => dirs.filter((d) => has.has(d))
  for (const arch of architectures) {
    const debs = keep([arch, 'all', ...(debugApart ? [] : [`${arch}.ddeb`, 'all.ddeb'])])
    specs.push({path: `${cat}/binary-${arch}/Packages`, dirs: debs, kind: 'packages'})
    if (udebs) specs.push({path: `${cat}/debian-installer/binary-${arch}/Packages`, dirs: keep([`${arch}.udeb`, 'all.udeb']), kind: 'packages'})
    if (debugApart && ddebs) specs.push({path: `${cat}/debug/binary-${arch}/Packages`, dirs: keep([`${arch}.ddeb`, 'all.ddeb']), kind: 'packages'})
    if (settings.contents !== false) {
      specs.push({path: `${cat}/Contents-${arch}`, dirs: keep([arch, 'all']), kind: 'contents'})
      if (udebs) specs.push({path: `${cat}/Contents-udeb-${arch}`, dirs: keep([`${arch}.udeb`, 'all.udeb']), kind: 'contents'})
    }
  }
  specs.push({path: `${cat}/source/Sources`, dirs: keep(['source']), kind: 'sources'})
  return specs
}

/**
 * Writes every index of a distribution (see {@link categoryIndexSpecs}) into `dir`, each
 * file at its path there (`main/binary-amd64/Packages.xz`): Packages and Sources plain,
 * .gz and .xz; Contents plain and .gz. Returns their sizes and hashes, in Release order.
 *
 * An index is the concatenation of its shards' stanzas, and each shard is one piece,
 * compressed on its own and memoized by its tree id (see pieces.ts): after a few
 * packages change, only their shards are read and compressed again, however large the
 * index. Contents pieces are each sorted by path; a path in two shards has two lines
 * (apt-file reads every line).
 *
 * One index at a time, its pieces in order, each written out as it comes and let go:
 * memory holds a run of pieces being made, never a whole index or a distribution's.
 */
export async function writeIndexes(archive: Archive, snap: DistSnapshot, dir: string): Promise<IndexFile[]> {
  const root = await archive.rootTree(snap.commit)
  const stores = {index: new PieceStore(archive, 'piece', stanzaRenderer(archive)), contents: new PieceStore(archive, 'contents-piece', contentsRenderer(archive, root))}
  const specs: Array<IndexSpec & {shards: Promise<string[]>}> = []
  for (const cat of snap.categories) {
    const catEntry = await archive.trees.entryAt(snap.distTree, encodeCategory(cat))
    const dirs = catEntry?.type === 'tree' ? (await archive.trees.readTree(catEntry.oid)).filter((e) => e.type === 'tree') : []
    const oidOf = new Map(dirs.map((e) => [e.path, e.oid]))
    const shardsOf = async (sub: string): Promise<string[]> => (await archive.trees.readTree(oidOf.get(sub)!)).filter((s) => s.type === 'tree').map((s) => s.oid)
    for (const spec of categoryIndexSpecs(cat, snap.settings.architectures, [...oidOf.keys()], snap.settings)) {
      specs.push({...spec, shards: Promise.all(spec.dirs.map(shardsOf)).then((x) => x.flat())})
    }
  }
  await Promise.all(specs.map((s) => s.shards))
  mark(`indexes ${snap.dist}: shards listed`)
  const chunkDir = path.join(archive.gitDir, 'raptr', 'cache', 'contents-chunk')
  const out: IndexFile[] = []
  for (const s of specs) {
    // A piece is a shard and the shard before it: every shard but an index's first follows
    // a blank line, and its deflate stream may refer back to the text before it.
    const ids = (await s.shards).map((oid, i, all) => ({oid, prev: i > 0 ? all[i - 1] : undefined}))
    out.push(...(s.kind === 'contents' ? await writeContents(dir, s.path, stores.contents, ids, chunkDir) : await writeVariants(dir, s.path, stores.index, ids)))
    mark(`indexes ${snap.dist}: ${s.path} written`)
  }
  return out
}

/**
 * Every index of a distribution with its bytes in memory (verify's repair), by way of
 * {@link writeIndexes} and a temporary directory.
 */
export async function renderIndexes(archive: Archive, snap: DistSnapshot): Promise<Array<IndexFile & {data: Buffer}>> {
  const dir = await indexScratchDir(archive)
  try {
    const files = await writeIndexes(archive, snap, dir)
    return await Promise.all(files.map(async (f) => ({...f, data: await fs.promises.readFile(indexFilePath(dir, f))})))
  } finally {
    await fs.promises.rm(dir, {recursive: true, force: true})
  }
}

/** Where {@link writeIndexes} put an index file. */
export function indexFilePath(dir: string, f: IndexFile): string {
  return path.join(dir, ...f.path.split('/'))
}

/**
 * A new empty directory for index files under the archive's `.git/raptr/tmp`, named
 * after this process; the caller removes it. Those a killed process left are removed
 * first (their process is gone).
 */
export async function indexScratchDir(archive: Archive): Promise<string> {
  const tmp = path.join(archive.gitDir, 'raptr', 'tmp')
  await fs.promises.mkdir(tmp, {recursive: true})
  for (const name of await fs.promises.readdir(tmp)) {
    const pid = /^indexes-(\d+)-/.exec(name)?.[1]
    if (pid && Number(pid) !== process.pid && !processAlive(Number(pid))) await fs.promises.rm(path.join(tmp, name), {recursive: true, force: true})
  }
  return fs.promises.mkdtemp(path.join(tmp, `indexes-${process.pid}-`))
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, run by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Packages or Sources, plain, .gz and .xz, written from the index's pieces as they come. */
async function writeVariants(dir: string, p: string, store: PieceStore, ids: PieceId[]): Promise<IndexFile[]> {
  const plain = await IndexWriter.open(dir, p)
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

/** A Contents index, plain and .gz: sorted by path across every shard, as Debian's are; compressed in chunks memoized by content. */
async function writeContents(dir: string, p: string, store: PieceStore, ids: PieceId[], chunkDir: string): Promise<IndexFile[]> {
  const texts: Buffer[] = []
  await store.each(ids, (piece) => {
    if (piece.text.length > 0) texts.push(Buffer.from(piece.text))
  })
  const chunks = contentsChunks(texts)
  texts.length = 0
  // apt finds an index by its uncompressed name in Release (Debian lists it too), then fetches the .gz.
  const plain = await IndexWriter.open(dir, p)
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

/**
 * One Contents index from its shards' texts (each sorted by path): every line sorted by
 * path, a path shipped from several shards on one line (renderContents), then cut into
 * chunks where a line's path hashes to a multiple of {@link CHUNK_EVERY}: a boundary
 * depends on that line alone, so after a small change every chunk but the changed
 * one (and the one after it) is the same text as before.
 */
function contentsChunks(shards: Buffer[]): Buffer[] {
  // [path, line]: `path<spaces>section/name,…`, whose list has no spaces (a path may).
  const lines: Array<[string, string]> = []
  for (const shard of shards) {
    for (const line of shard.toString('utf8').split('\n')) if (line !== '') lines.push([line.slice(0, line.lastIndexOf(' ')).trimEnd(), line])
  }
  lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const merged: string[] = []
  for (let i = 0; i < lines.length; i++) {
    let j = i
    while (j + 1 < lines.length && lines[j + 1][0] === lines[i][0]) j++
    if (j === i) merged.push(`${lines[i][1]}\n`)
    else {
      // A path shipped from several shards: one line naming every package.
      const names = lines.slice(i, j + 1).flatMap(([, l]) => l.slice(l.lastIndexOf(' ') + 1).split(','))
      merged.push(renderContents(names.map((name) => ({name, files: `${lines[i][0]}\n`}))))
      i = j
    }
  }
  const text = merged.join('')
  const chunks: Buffer[] = []
  let start = 0
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', end + 1)) {
    if (fnv1a(text, start === 0 ? 0 : start, end) % CHUNK_EVERY !== 0 && end + 1 < text.length) continue
    chunks.push(Buffer.from(text.slice(start, end + 1), 'utf8'))
    start = end + 1
  }
  return chunks
}

/** On average one Contents line in this many ends a chunk (a chunk: some KiB). */
const CHUNK_EVERY = 128

/** FNV-1a over the characters of text[from, to): a cheap, stable hash for chunk boundaries. */
function fnv1a(text: string, from: number, to: number): number {
  let h = 0x811c9dc5
  for (let i = to - 1; i >= from && text.charCodeAt(i) !== 0x0a; i--) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * The chunks' raw deflate streams (each primed with the chunk before it), memoized on
 * disk by the two chunks' SHA-256: only new chunks are compressed.
 */
function deflateChunks(dir: string, chunks: Buffer[]): Buffer[] {
  const ids = chunks.map((c) => createHash('sha256').update(c).digest('hex').slice(0, 32))
  let made = 0
  const out = chunks.map((chunk, i) => {
    const file = path.join(dir, i > 0 ? `${ids[i]}.${ids[i - 1]}` : ids[i])
    try {
      return fs.readFileSync(file)
    } catch {
      made++
      const deflated = deflatePiece(chunk, i > 0 ? chunks[i - 1] : undefined)
      // A cache: a torn write is caught by the rename, a lost one is compressed again.
      fs.mkdirSync(dir, {recursive: true})
      const tmp = `${file}.${process.pid}.tmp`
      fs.writeFileSync(tmp, deflated)
      fs.renameSync(tmp, file)
      return deflated
    }
  })
  mark(`contents chunks: ${chunks.length - made} memoized, ${made} compressed`)
  return out
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

/** The shard's own text: a piece's text without the separator before it. */
function shardText(id: PieceId, p: Piece, separator: Buffer): Buffer {
  return id.prev && p.text.length > 0 ? p.text.subarray(separator.length) : p.text
}

const PIECE_MAGIC = 0x52504332 // "RPC2"
const PIECE_HEADER = 24

/** How a shard becomes text: Packages/Sources stanzas (blank-line separated, also xz), or Contents lines (gzip only). */
interface ShardRenderer {
  render(oid: string): Promise<Buffer>
  /** Written between two shards' texts. */
  separator: Buffer
  xz: boolean
}

function stanzaRenderer(archive: Archive): ShardRenderer {
  return {
    separator: NEWLINE,
    xz: true,
    async render(oid) {
      // The stanzas' bytes as stored (UTF-8, written by raptr), a blank line between two.
      const parts: Buffer[] = []
      for (const [, blob] of await archive.trees.walkFiles(oid)) {
        const stanza = await readOnce(archive, blob)
        if (stanza.length === 0) continue
        if (parts.length > 0) parts.push(NEWLINE)
        parts.push(stanza)
      }
      return Buffer.concat(parts)
    },
  }
}

/** A shard's Contents lines, from the file lists kept with its packages (keyed by their SHA256, so a piece depends on the shard alone). */
function contentsRenderer(archive: Archive, root: string): ShardRenderer {
  return {
    separator: EMPTY,
    xz: false,
    async render(oid) {
      const entries: ContentsPackage[] = []
      for (const [, blob] of await archive.trees.walkFiles(oid)) {
        const fields = parseStanza((await readOnce(archive, blob)).toString('utf8'))
        const sha256 = getField(fields, 'SHA256')
        if (!sha256) continue
        const list = await archive.trees.entryAt(root, contentsPath(sha256))
        if (list?.type !== 'blob') continue
        entries.push({name: getField(fields, 'Package') ?? '', section: getField(fields, 'Section'), files: (await readOnce(archive, list.oid)).toString('utf8')})
      }
      return Buffer.from(renderContents(entries), 'utf8')
    },
  }
}

/**
 * A blob read past the archive's memo of small blobs: rendering reads each stanza and
 * file list once, and memoizing a hundred thousand of them would hold several times
 * their bytes (each keeps alive the shared buffer it was cut from).
 */
async function readOnce(archive: Archive, oid: string): Promise<Buffer> {
  const o = await archive.trees.objects.read(oid)
  if (o.type !== 'blob') throw new RaptrError('CORRUPT_ARCHIVE', `git object ${oid} is a ${o.type}, not a blob`, 'check the archive: git fsck')
  return o.data
}

/**
 * Shard pieces, memoized on disk by tree id: the text (after the separator when it is
 * not the first of its index), its raw deflate and its xz block.
 */
class PieceStore {
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

const NEWLINE = Buffer.from('\n')
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
