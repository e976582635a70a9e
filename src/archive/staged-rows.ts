/**
 * What a bulk add keeps of each package between reading it and its commit, out of the
 * JavaScript heap: the package's texts are git blobs (BlobStager), and its row (header,
 * blob ids, the files for the blob cache) is appended to a temporary file; memory holds
 * a 20-byte key and a fixed 44-byte slot per package (StagedRows).
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import type {Archive} from '../store/archive.js'
import type {BlobFile} from '../store/blob-cache.js'
import {blobOid} from '../store/git-tree.js'
import {writeHashedBlobs} from '../store/tree-reads.js'
import type {IncomingPackage} from './package-files.js'
import {describe, formatRecord, type PackageRecord} from './records.js'
import {processAlive} from '../core/process-alive.js'

/** A package record without its stanza: what an add keeps of each package once staged. */
export type PackageHeader = Omit<PackageRecord, 'stanza'>

/** A package read and staged: its texts are git blobs, held by id. */
export interface StagedPackage {
  record: PackageHeader
  /** The record file, as written for this add's category. */
  recordOid: string
  /** The index stanza: what each link holds. */
  stanzaOid: string
  /** The binary's file list, for Contents. */
  contentsOid?: string
  files: BlobFile[]
  linkCategory: string
}

/** Turns read packages into blob ids, writing the blobs in packfiles of a few MiB. */
export class BlobStager {
  private pending = new Map<string, Uint8Array>()
  private bytes = 0
  private readonly archive: Archive

  constructor(archive: Archive) {
    this.archive = archive
  }

  stage(inc: IncomingPackage, linkCategory: string): StagedPackage {
    const {stanza, ...record} = inc.record
    return {
      record,
      recordOid: this.put(formatRecord(inc.record)),
      stanzaOid: this.put(stanza),
      contentsOid: inc.contents === undefined ? undefined : this.put(inc.contents),
      files: inc.files,
      linkCategory,
    }
  }

  /** The bytes of a blob not written yet, or undefined. */
  pendingBytes(oid: string): Uint8Array | undefined {
    return this.pending.get(oid)
  }

  /** Writes what is pending once it is at least `atLeast` bytes. */
  async flush(atLeast: number): Promise<void> {
    if (this.pending.size === 0 || this.bytes < atLeast) return
    const blobs = [...this.pending]
    this.pending = new Map()
    this.bytes = 0
    await writeHashedBlobs(this.archive, blobs)
  }

  private put(text: string): string {
    const content = Buffer.from(text, 'utf8')
    const oid = blobOid(content)
    if (!this.pending.has(oid)) {
      this.pending.set(oid, content)
      this.bytes += content.length
    }
    return oid
  }
}

// A slot: the stanza's blob id (20 bytes), the place among the inputs of the file staged
// and of the first file that was this package, the link category's number, and where
// the row sits in the file (offset, length; offset -1 while the row is still in memory).
const OID = 0
const INPUT = 20
const ORDER = 24
const CATEGORY = 28
const OFFSET = 32
const LENGTH = 40
const SLOT = 44
/** How much of the rows file one read brings in. */
const WINDOW = 1 << 20

/**
 * The packages of one add, by name/version/architecture, in a temporary file of rows
 * under the archive's `.git/raptr/tmp`. The file is unlinked as soon as it is open, so
 * a killed add leaves nothing behind; one left by a kill in between (its process gone)
 * is removed by the next add.
 *
 * @example
 *   const rows = await StagedRows.open(archive.gitDir)
 *   try { await rows.add(pkg, 0); await rows.flush(); for await (const p of rows.inOrder()) … } finally { await rows.close() }
 */
export class StagedRows {
  private readonly slots = new Map<string, number>()
  private meta = Buffer.alloc(1024 * SLOT)
  private count = 0
  private readonly categories: string[] = []
  /** Rows staged since the last flush, by slot. */
  private pending = new Map<number, Buffer>()
  private size = 0
  private readonly file: fs.promises.FileHandle
  private readonly name: string | undefined

  private constructor(file: fs.promises.FileHandle, name: string | undefined) {
    this.file = file
    this.name = name
  }

  /** A new empty rows file; those a killed add left (its process gone) are removed first. */
  static async open(gitDir: string): Promise<StagedRows> {
    const tmp = path.join(gitDir, 'raptr', 'tmp')
    await fs.promises.mkdir(tmp, {recursive: true})
    for (const entry of await fs.promises.readdir(tmp)) {
      const pid = /^add-rows-(\d+)-/.exec(entry)?.[1]
      if (pid && Number(pid) !== process.pid && !processAlive(Number(pid))) await fs.promises.rm(path.join(tmp, entry), {force: true})
    }
    const name = path.join(tmp, `add-rows-${process.pid}-${Math.random().toString(36).slice(2)}`)
    const file = await fs.promises.open(name, 'wx+', 0o600)
    // Open, it needs no name: where unlinking an open file is refused, close() removes it.
    const kept = await fs.promises.unlink(name).then(() => undefined, () => name)
    return new StagedRows(file, kept)
  }

  /**
   * Stages a package read from input file number `input`. The same package read again
   * counts once, at its first place among the inputs, as the last one given; another
   * package of the same name, version and architecture is a CONFLICT.
   */
  async add(pkg: StagedPackage, input: number): Promise<void> {
    const key = describe(pkg.record)
    const oid = Buffer.from(pkg.stanzaOid, 'hex')
    // The map's key is a digest of the text, a flat 20-character string: the text itself
    // would be a chain of the name, version and architecture strings.
    const digest = createHash('sha1').update(key).digest().toString('latin1')
    const prev = this.slots.get(digest)
    if (prev !== undefined) {
      const at = prev * SLOT
      if (!this.meta.subarray(at + OID, at + OID + 20).equals(oid)) {
        const other = (await this.read(prev)).record.fileName
        throw new RaptrError('CONFLICT', `two different files are ${key}: ${other} and ${pkg.record.fileName}`, 'add only one of them')
      }
      // Reads finish in any order: the order is the first place, the row the last file's.
      this.meta.writeUInt32LE(Math.min(this.meta.readUInt32LE(at + ORDER), input), at + ORDER)
      if (input < this.meta.readUInt32LE(at + INPUT)) return
      this.meta.writeUInt32LE(input, at + INPUT)
      this.meta.writeUInt32LE(this.categoryNumber(pkg.linkCategory), at + CATEGORY)
      this.meta.writeDoubleLE(-1, at + OFFSET)
      this.pending.set(prev, row(pkg))
      return
    }
    const slot = this.count++
    if (this.meta.length < this.count * SLOT) {
      const grown = Buffer.alloc(this.meta.length * 2)
      this.meta.copy(grown)
      this.meta = grown
    }
    const at = slot * SLOT
    oid.copy(this.meta, at + OID)
    this.meta.writeUInt32LE(input, at + INPUT)
    this.meta.writeUInt32LE(input, at + ORDER)
    this.meta.writeUInt32LE(this.categoryNumber(pkg.linkCategory), at + CATEGORY)
    this.meta.writeDoubleLE(-1, at + OFFSET)
    this.slots.set(digest, slot)
    this.pending.set(slot, row(pkg))
  }

  /** Appends the rows staged since the last flush to the file, in input order. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return
    const slots = [...this.pending.keys()].sort((a, b) => this.meta.readUInt32LE(a * SLOT + INPUT) - this.meta.readUInt32LE(b * SLOT + INPUT))
    const parts: Buffer[] = []
    let offset = this.size
    for (const slot of slots) {
      const text = this.pending.get(slot)!
      this.meta.writeDoubleLE(offset, slot * SLOT + OFFSET)
      this.meta.writeUInt32LE(text.length, slot * SLOT + LENGTH)
      parts.push(text)
      offset += text.length
    }
    const bytes = Buffer.concat(parts)
    this.pending = new Map()
    let done = 0
    while (done < bytes.length) done += (await this.file.write(bytes, done, bytes.length - done, this.size + done)).bytesWritten
    this.size = offset
  }

  /** The link categories of the packages staged. */
  linkCategories(): Set<string> {
    const used = new Set<string>()
    for (let slot = 0; slot < this.count; slot++) used.add(this.categories[this.meta.readUInt32LE(slot * SLOT + CATEGORY)])
    return used
  }

  /** Every package staged, with the number of its input file, in the order the files were given, read back from the file (after a flush). */
  async *inOrder(): AsyncGenerator<StagedPackage & {input: number}> {
    const order = new Uint32Array(this.count)
    for (let slot = 0; slot < this.count; slot++) order[slot] = slot
    order.sort((a, b) => this.meta.readUInt32LE(a * SLOT + ORDER) - this.meta.readUInt32LE(b * SLOT + ORDER))
    // Rows were written in input order, so a window of the file serves many of them.
    let window: Buffer = Buffer.alloc(0)
    let start = 0
    for (const slot of order) {
      const offset = this.meta.readDoubleLE(slot * SLOT + OFFSET)
      const length = this.meta.readUInt32LE(slot * SLOT + LENGTH)
      if (offset < start || offset + length > start + window.length) {
        window = await this.readAt(offset, Math.max(WINDOW, length))
        start = offset
      }
      const pkg = parseRow(window.subarray(offset - start, offset - start + length)) as StagedPackage & {input: number}
      pkg.input = this.meta.readUInt32LE(slot * SLOT + INPUT)
      yield pkg
    }
  }

  /** Closes the file (and removes it where it kept its name). */
  async close(): Promise<void> {
    await this.file.close()
    if (this.name) await fs.promises.rm(this.name, {force: true})
  }

  private async read(slot: number): Promise<StagedPackage> {
    const pending = this.pending.get(slot)
    if (pending) return parseRow(pending)
    return parseRow(await this.readAt(this.meta.readDoubleLE(slot * SLOT + OFFSET), this.meta.readUInt32LE(slot * SLOT + LENGTH)))
  }

  private async readAt(offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.alloc(Math.min(length, this.size - offset))
    let done = 0
    while (done < buf.length) {
      const n = (await this.file.read(buf, done, buf.length - done, offset + done)).bytesRead
      if (n === 0) break
      done += n
    }
    return buf.subarray(0, done)
  }

  private categoryNumber(name: string): number {
    const i = this.categories.indexOf(name)
    return i >= 0 ? i : this.categories.push(name) - 1
  }
}

function row(pkg: StagedPackage): Buffer {
  return Buffer.from(JSON.stringify(pkg), 'utf8')
}

/** A row this add wrote; one that does not read back whole is a bug or a damaged disk. */
function parseRow(bytes: Buffer): StagedPackage {
  try {
    return JSON.parse(bytes.toString('utf8')) as StagedPackage
  } catch {
    throw new RaptrError('IO_ERROR', 'a staged package row did not read back whole from the add\'s temporary file', 'check the disk under the archive\'s .git/raptr/tmp, then run the add again')
  }
}
