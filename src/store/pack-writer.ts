/** Writing objects as one git packfile and its index, durably: how a bulk change reaches the object store. */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import {fsyncDir} from './atomic-file.js'

const PACK_TYPES = {commit: 1, tree: 2, blob: 3} as const

/**
 * Writes objects as a git packfile (version 2, every object whole) and its index
 * (version 2), the pack first, then the index: git and isomorphic-git find a pack by
 * its index, so readers see all of the objects or none. The pack is streamed to its
 * file (hashed as it goes) rather than assembled in memory: a bulk add's pack is as
 * large as all of its records.
 */
export async function writePack(dir: string, objects: Map<string, {type: 'blob' | 'tree'; content: Uint8Array}>): Promise<void> {
  const header = Buffer.alloc(12)
  header.write('PACK', 0, 'ascii')
  header.writeUInt32BE(2, 4)
  header.writeUInt32BE(objects.size, 8)
  await fs.promises.mkdir(dir, {recursive: true})
  // git's own name for a pack being written, which git gc cleans up after a crash.
  const tmpPack = path.join(dir, `tmp_pack_${process.pid}_${Date.now()}`)
  const fh = await fs.promises.open(tmpPack, 'w')
  const packHash = createHash('sha1')
  const entries: Array<{oid: string; offset: number; crc: number}> = []
  let offset = 0
  let pendingParts: Buffer[] = []
  let pendingBytes = 0
  const out = async (part: Buffer, force = false) => {
    if (part.length > 0) {
      if (!force) packHash.update(part)
      pendingParts.push(part)
      pendingBytes += part.length
      offset += part.length
    }
    // Written in runs of about a MiB: few system calls, little held.
    if (pendingBytes >= 1 << 20 || (force && pendingBytes > 0)) {
      const run = pendingParts.length === 1 ? pendingParts[0] : Buffer.concat(pendingParts, pendingBytes)
      pendingParts = []
      pendingBytes = 0
      await fh.write(run)
    }
  }
  let packSum: Buffer
  try {
    await out(header)
    for (const [oid, o] of objects) {
      const head: number[] = []
      let size = o.content.length
      let byte = (PACK_TYPES[o.type] << 4) | (size & 15)
      size = Math.floor(size / 16)
      while (size > 0) {
        head.push(byte | 0x80)
        byte = size & 127
        size = Math.floor(size / 128)
      }
      head.push(byte)
      // An output buffer the size of the object: zlib's default 16 KiB one, made and dropped
      // for each of tens of thousands of objects of ~1 KiB, leaves hundreds of MiB of
      // garbage outside the JavaScript heap that the collector is slow to reclaim.
      const deflated = zlib.deflateSync(o.content, {level: 1, memLevel: 2, windowBits: 12, chunkSize: Math.max(64, o.content.length + 64)})
      const packed = Buffer.concat([Buffer.from(head), deflated])
      entries.push({oid, offset, crc: zlib.crc32(packed)})
      // Dropped once packed, so each object's bytes are held once at most.
      objects.delete(oid)
      await out(packed)
    }
    packSum = packHash.digest()
    await out(packSum, true)
    await fh.sync()
  } catch (error) {
    await fh.close()
    await fs.promises.rm(tmpPack, {force: true})
    throw error
  }
  await fh.close()
  entries.sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0))
  const fanout = Buffer.alloc(256 * 4)
  for (let i = 0, j = 0; i < 256; i++) {
    while (j < entries.length && Number.parseInt(entries[j].oid.slice(0, 2), 16) <= i) j++
    fanout.writeUInt32BE(j, i * 4)
  }
  const crcs = Buffer.alloc(entries.length * 4)
  const offsets = Buffer.alloc(entries.length * 4)
  entries.forEach((e, i) => {
    crcs.writeUInt32BE(e.crc >>> 0, i * 4)
    offsets.writeUInt32BE(e.offset, i * 4)
  })
  const idxBody = Buffer.concat([Buffer.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]), fanout, Buffer.concat(entries.map((e) => Buffer.from(e.oid, 'hex'))), crcs, offsets, packSum])
  const idx = Buffer.concat([idxBody, createHash('sha1').update(idxBody).digest()])
  const name = `pack-${packSum.toString('hex')}`
  // Each file is on disk before its name appears, and both names before a ref names
  // what they hold.
  await fs.promises.rename(tmpPack, path.join(dir, `${name}.pack`))
  const idxFile = path.join(dir, `${name}.idx`)
  const tmpIdx = `${idxFile}.${process.pid}.tmp`
  await writeDurable(tmpIdx, idx)
  await fs.promises.rename(tmpIdx, idxFile)
  await fsyncDir(dir)
}

/** Writes a new file and fsyncs it before returning. */
export async function writeDurable(file: string, data: Uint8Array): Promise<void> {
  const fh = await fs.promises.open(file, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}
