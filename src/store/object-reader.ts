import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import {varintReader} from '../core/varint.js'

export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag'

export interface GitObject {
  type: ObjectType
  data: Buffer
}

const TYPES: Record<number, ObjectType> = {1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag'}
const OFS_DELTA = 6
const REF_DELTA = 7

/**
 * Reads git objects (loose, and from version-2 packs, deltas included) by reading only
 * the bytes of the object asked for: a pack's index is read once, and each object is
 * one positioned read of the pack. Opening an archive therefore costs the same for ten
 * packages as for a hundred thousand, where reading the whole packfile into memory (what
 * isomorphic-git does) costs time and memory in proportion to the archive.
 *
 * @example
 *   const r = new ObjectReader('/srv/archive/.git'); const {type, data} = await r.read(oid)
 */
export class ObjectReader {
  private readonly gitDir: string
  private packs: Pack[] | undefined
  private packNames = new Set<string>()

  constructor(gitDir: string) {
    this.gitDir = gitDir
  }

  /** The object, or an error with code `NotFoundError` when the repository lacks it. */
  async read(oid: string): Promise<GitObject> {
    // Packs first: a lookup there is a binary search in memory, where a loose object
    // is a file to open (and most objects of a large archive are packed).
    const packed = await this.readPacked(oid, false)
    if (packed) return packed
    const loose = await this.readLoose(oid)
    if (loose) return loose
    // A pack may have appeared since the packs were listed (another raptr, git gc).
    const late = await this.readPacked(oid, true)
    if (late) return late
    throw Object.assign(new Error(`git object ${oid} not found`), {code: 'NotFoundError'})
  }

  /**
   * The size of an object's data without inflating it (a delta's, from its own few header
   * bytes): what a check of an untrusted tree asks before it reads a blob, so a 600 MB blob
   * pushed where a 1 KB record belongs is refused without being held in memory.
   */
  async size(oid: string): Promise<number> {
    for (const refresh of [false, true]) {
      for (const pack of await this.loadPacks(refresh)) {
        const offset = pack.find(oid)
        if (offset !== undefined) return pack.sizeAt(offset)
      }
      if (!refresh) {
        const loose = await looseSize(path.join(this.gitDir, 'objects', oid.slice(0, 2), oid.slice(2)))
        if (loose !== undefined) return loose
      }
    }
    throw Object.assign(new Error(`git object ${oid} not found`), {code: 'NotFoundError'})
  }

  /** Every full object id that starts with `prefix` (hex), loose or packed. */
  async expand(prefix: string): Promise<string[]> {
    const found = new Set<string>()
    const objects = path.join(this.gitDir, 'objects')
    const dirs = prefix.length >= 2 ? [prefix.slice(0, 2)] : (await fs.promises.readdir(objects).catch(() => [] as string[])).filter((d) => /^[0-9a-f]{2}$/.test(d) && d.startsWith(prefix))
    for (const d of dirs) {
      for (const name of await fs.promises.readdir(path.join(objects, d)).catch(() => [] as string[])) {
        const oid = d + name
        if (/^[0-9a-f]{40}$/.test(oid) && oid.startsWith(prefix)) found.add(oid)
      }
    }
    for (const pack of await this.loadPacks(true)) for (const oid of pack.withPrefix(prefix)) found.add(oid)
    return [...found].sort()
  }

  private async readPacked(oid: string, refresh: boolean): Promise<GitObject | undefined> {
    for (const pack of await this.loadPacks(refresh)) {
      const offset = pack.find(oid)
      if (offset !== undefined) return pack.readAt(offset, (base) => this.read(base))
    }
    return undefined
  }

  private async readLoose(oid: string): Promise<GitObject | undefined> {
    let raw: Buffer
    try {
      raw = await fs.promises.readFile(path.join(this.gitDir, 'objects', oid.slice(0, 2), oid.slice(2)))
    } catch {
      return undefined
    }
    const data = zlib.inflateSync(raw)
    const nul = data.indexOf(0)
    const [type] = data.subarray(0, nul).toString('latin1').split(' ')
    // A copy, for the same reason as in Pack.inflate: callers keep small objects.
    return {type: type as ObjectType, data: Buffer.from(data.subarray(nul + 1))}
  }

  /** The packs, read again when `refresh` (a pack may have appeared since). */
  private async loadPacks(refresh: boolean): Promise<Pack[]> {
    if (this.packs && !refresh) return this.packs
    const dir = path.join(this.gitDir, 'objects', 'pack')
    const names = (await fs.promises.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.idx'))
    this.packs ??= []
    for (const name of names) {
      if (this.packNames.has(name)) continue
      const base = path.join(dir, name.slice(0, -'.idx'.length))
      let idx: Buffer
      let fd: number
      try {
        idx = await fs.promises.readFile(`${base}.idx`)
        fd = fs.openSync(`${base}.pack`, 'r')
      } catch {
        continue // a pack being written or removed by git gc
      }
      const pack = new Pack(idx, fd, fs.fstatSync(fd).size)
      closeWhenCollected.register(pack, fd)
      this.packs.push(pack)
      this.packNames.add(name)
    }
    return this.packs
  }
}

/** A pack's file descriptor lives as long as the reader that opened it. */
const closeWhenCollected = new FinalizationRegistry<number>((fd) => fs.close(fd, () => {}))

/** Small objects kept per pack for the delta chains that share them. */
const RECENT_PER_PACK = 256

/** One packfile and its version-2 index. */
class Pack {
  private readonly idx: Buffer
  private readonly fd: number
  private readonly packSize: number
  private readonly count: number
  /** Small objects just read: delta chains share their bases. */
  private readonly recent = new Map<number, GitObject>()

  constructor(idx: Buffer, fd: number, packSize: number) {
    if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) throw new Error('unsupported git pack index (only version 2 is read)')
    this.idx = idx
    this.fd = fd
    this.packSize = packSize
    this.count = idx.readUInt32BE(8 + 255 * 4)
  }

  /** The offset of `oid` in the pack, or undefined. */
  find(oid: string): number | undefined {
    const key = Buffer.from(oid, 'hex')
    let lo = key[0] === 0 ? 0 : this.idx.readUInt32BE(8 + (key[0] - 1) * 4)
    let hi = this.idx.readUInt32BE(8 + key[0] * 4)
    const names = 8 + 256 * 4
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const c = this.idx.compare(key, 0, 20, names + mid * 20, names + mid * 20 + 20)
      if (c === 0) return this.offsetAt(mid)
      if (c > 0) hi = mid
      else lo = mid + 1
    }
    return undefined
  }

  withPrefix(prefix: string): string[] {
    const names = 8 + 256 * 4
    const first = Number.parseInt(prefix.slice(0, 2).padEnd(2, '0'), 16)
    const lo = first === 0 ? 0 : this.idx.readUInt32BE(8 + (first - 1) * 4)
    const hi = prefix.length >= 2 ? this.idx.readUInt32BE(8 + first * 4) : this.count
    const out: string[] = []
    for (let i = lo; i < hi; i++) {
      const oid = this.idx.toString('hex', names + i * 20, names + i * 20 + 20)
      if (oid.startsWith(prefix)) out.push(oid)
    }
    return out
  }

  private offsetAt(i: number): number {
    const offsets = 8 + 256 * 4 + this.count * 24
    const small = this.idx.readUInt32BE(offsets + i * 4)
    if ((small & 0x80000000) === 0) return small
    const large = offsets + this.count * 4 + (small & 0x7fffffff) * 8
    return this.idx.readUInt32BE(large) * 2 ** 32 + this.idx.readUInt32BE(large + 4)
  }

  /**
   * A pack entry's header at `offset`: its kind, its size (for a delta, the size of the
   * delta data) and where the rest (a base offset or id, then deflated data) starts in `head`.
   */
  private entryHeader(offset: number): {head: Buffer; kind: number; size: number; pos: number} {
    const head = this.bytes(offset, 64)
    let pos = 0
    let byte = head[pos++]
    const kind = (byte >> 4) & 7
    let size = byte & 15
    for (let shift = 4; byte & 0x80; shift += 7) {
      byte = head[pos++]
      size += (byte & 0x7f) * 2 ** shift
    }
    return {head, kind, size, pos}
  }

  /** The size of the object at `offset`: from its header, or for a delta its target size (the delta is inflated, never its base). */
  sizeAt(offset: number): number {
    const header = this.entryHeader(offset)
    const {head, kind, size} = header
    let pos = header.pos
    if (kind !== OFS_DELTA && kind !== REF_DELTA) return size
    // A delta's data is its instructions: a huge one stands for a huge object.
    if (size > 64 << 20) return size
    if (kind === OFS_DELTA) while (head[pos++] & 0x80);
    else pos += 20
    const sizes = varintReader(this.inflate(offset + pos, size))
    sizes.read()
    return sizes.read()
  }

  /** The object at `offset`, its delta chain resolved (`byId` finds a REF_DELTA base). */
  async readAt(offset: number, byId: (oid: string) => Promise<GitObject>): Promise<GitObject> {
    const cached = this.recent.get(offset)
    if (cached) return cached
    // Header (at most 10 bytes of size, 20 of base id or a few of base offset), then the
    // deflated data, which is never much longer than the data itself.
    const header = this.entryHeader(offset)
    const {head, kind, size} = header
    let pos = header.pos
    let byte: number
    let base: GitObject | undefined
    if (kind === OFS_DELTA) {
      byte = head[pos++]
      let back = byte & 0x7f
      while (byte & 0x80) {
        byte = head[pos++]
        back = (back + 1) * 128 + (byte & 0x7f)
      }
      base = await this.readAt(offset - back, byId)
    } else if (kind === REF_DELTA) {
      base = await byId(head.toString('hex', pos, pos + 20))
      pos += 20
    } else if (!TYPES[kind]) {
      throw new Error(`git pack object at ${offset} has unknown type ${kind}`)
    }
    const data = this.inflate(offset + pos, size)
    const object = base ? {type: base.type, data: applyDelta(base.data, data)} : {type: TYPES[kind], data}
    if (object.data.length < 16384) {
      // Per pack, and a bulk add makes dozens of packs: a few hundred each, not thousands.
      if (this.recent.size >= RECENT_PER_PACK) this.recent.clear()
      this.recent.set(offset, object)
    }
    return object
  }

  private inflate(start: number, size: number): Buffer {
    for (let room = size + Math.ceil(size / 1000) + 64; ; room *= 2) {
      const chunk = this.bytes(start, room)
      try {
        // An output buffer of exactly the object's size: by default zlib answers with a
        // view of a 16 KiB buffer, and the small objects callers keep (trees, stanzas)
        // would each hold on to one.
        const out = zlib.inflateSync(chunk, {chunkSize: Math.max(64, size)})
        if (out.length !== size) throw new Error(`git pack object inflates to ${out.length} bytes, not ${size}`)
        return out
      } catch (error) {
        if ((error as {code?: string}).code !== 'Z_BUF_ERROR' || start + room >= this.packSize) throw error
      }
    }
  }

  /** A positioned read: from the page cache, a few microseconds, so it is synchronous. */
  private bytes(start: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.packSize - start))
    const buf = Buffer.allocUnsafe(n)
    const bytesRead = fs.readSync(this.fd, buf, 0, n, start)
    return buf.subarray(0, bytesRead)
  }
}

/** git's delta format: the sizes, then copy-from-base and insert instructions. */
function applyDelta(base: Buffer, delta: Buffer): Buffer {
  const sizes = varintReader(delta)
  if (sizes.read() !== base.length) throw new Error('git delta does not match its base')
  const out = Buffer.allocUnsafe(sizes.read())
  let pos = sizes.position()
  let at = 0
  while (pos < delta.length) {
    const op = delta[pos++]
    if (op & 0x80) {
      let offset = 0
      let size = 0
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += delta[pos++] * 2 ** (8 * i)
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) size += delta[pos++] * 2 ** (8 * i)
      if (size === 0) size = 0x10000
      at += base.copy(out, at, offset, offset + size)
    } else if (op > 0) {
      at += delta.copy(out, at, pos, pos + op)
      pos += op
    } else {
      throw new Error('git delta has a reserved instruction')
    }
  }
  if (at !== out.length) throw new Error('git delta made the wrong size')
  return out
}

/** A loose object's size, from the first inflated bytes (its "blob 123\0" header); undefined when there is no such file. */
async function looseSize(file: string): Promise<number | undefined> {
  let fd: fs.promises.FileHandle
  try {
    fd = await fs.promises.open(file, 'r')
  } catch {
    return undefined // not a loose object
  }
  try {
    const buf = Buffer.alloc(256)
    const {bytesRead} = await fd.read(buf, 0, buf.length, 0)
    const head = zlib.inflateSync(buf.subarray(0, bytesRead), {finishFlush: zlib.constants.Z_SYNC_FLUSH})
    const m = /^[a-z]+ (\d+)\0/.exec(head.subarray(0, 32).toString('latin1'))
    if (!m) throw new Error(`git object ${file} has no header`)
    return Number(m[1])
  } finally {
    await fd.close()
  }
}
