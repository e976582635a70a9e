import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createRng} from '../../bench/prng.js'

import {assembleGzip, assembleXz, deflatePiece, splitXz, xzPieces, type XzBlock} from '../../src/publish/pieces.js'
import {isRaptrError} from '../../src/errors.js'

// Every file built here is checked by the real gzip and xz tools: `-t` accepts it and
// `-dc` gives back exactly the concatenated text.

const WINDOW = 32 * 1024

function run(cmd: string, args: string[], input?: Uint8Array): Buffer {
  return execFileSync(cmd, args, {input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe']})
}

function expectGzipOf(file: Uint8Array, text: Uint8Array): void {
  run('gzip', ['-t'], file)
  expect(run('gzip', ['-dc'], file).equals(Buffer.from(text)), 'gzip -dc gives back the text').toBe(true)
  expect(zlib.gunzipSync(file).equals(Buffer.from(text)), 'zlib gives back the text').toBe(true)
}

function expectXzOf(file: Uint8Array, text: Uint8Array): void {
  run('xz', ['-t'], file)
  expect(run('xz', ['-dc'], file).equals(Buffer.from(text)), 'xz -dc gives back the text').toBe(true)
}

/** `xz --robot --list -vv` of a file: the block lines' fields. */
function xzListBlocks(file: string): string[][] {
  return run('xz', ['--robot', '--list', '-vv', file])
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('block\t'))
    .map((l) => l.split('\t'))
}

/** A deterministic pseudo-random generator (the corpus's mulberry32), so a failure can be replayed. */
const prng = (seed: number): (() => number) => createRng(seed).next

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256)
  return b
}

const WORDS = 'the a library for and of tool to with data files runtime shared development package support documentation python perl gnu utilities server client kernel module plugin'.split(' ')

/** Stanzas like those of an APT Packages file, about `bytes` long. */
function packagesText(rand: () => number, bytes: number): Buffer {
  const parts: string[] = []
  let size = 0
  while (size < bytes) {
    const name = `lib${Math.floor(rand() * 1e6).toString(36)}${rand() < 0.5 ? '-dev' : ''}`
    const words = Array.from({length: 8 + Math.floor(rand() * 30)}, () => WORDS[Math.floor(rand() * WORDS.length)])
    const stanza = [
      `Package: ${name}`,
      `Source: ${name.replace(/-dev$/, '')}`,
      `Version: ${Math.floor(rand() * 10)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 9)}-${1 + Math.floor(rand() * 4)}`,
      'Architecture: amd64',
      'Maintainer: Debian Example Maintainers <pkg-example@lists.example.org>',
      `Installed-Size: ${Math.floor(rand() * 50000)}`,
      `Depends: libc6 (>= 2.${Math.floor(rand() * 40)}), ${WORDS[Math.floor(rand() * WORDS.length)]}-common`,
      `Section: ${rand() < 0.5 ? 'libs' : 'devel'}`,
      'Priority: optional',
      `Filename: pool/main/${name.slice(0, 4)}/${name}/${name}_1.0-1_amd64.deb`,
      `Size: ${Math.floor(rand() * 5e6)}`,
      `MD5sum: ${randomBytes(rand, 16).toString('hex')}`,
      `SHA256: ${randomBytes(rand, 32).toString('hex')}`,
      `Description: ${words.slice(0, 5).join(' ')}`,
      ` ${words.join(' ')}`,
      '',
      '',
    ].join('\n')
    parts.push(stanza)
    size += stanza.length
  }
  return Buffer.from(parts.join(''))
}

/** Splits `text` into pieces at the given sizes (the rest is the last piece). */
function cut(text: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  for (const n of sizes) {
    out.push(text.subarray(at, at + n))
    at += n
  }
  if (at < text.length) out.push(text.subarray(at))
  return out
}

/** Splits stanza text after blank lines into pieces of about `size` bytes, as shards are. */
function cutStanzas(text: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n\n', start + size)
    end = end < 0 ? text.length : end + 2
    out.push(text.subarray(start, end))
    start = end
  }
  return out
}

type DictionaryKind = 'none' | 'previous piece' | 'text before'

/** Each piece's dictionary: nothing, the last 32 KiB of the piece before, or of all the text before. */
function dictionaries(pieces: Buffer[], kind: DictionaryKind): Array<Buffer | undefined> {
  return pieces.map((_, i) => {
    if (kind === 'none' || i === 0) return undefined
    const before = kind === 'previous piece' ? pieces[i - 1] : Buffer.concat(pieces.slice(0, i))
    return before.subarray(Math.max(0, before.length - WINDOW))
  })
}

async function gzipOf(pieces: Buffer[], kind: DictionaryKind): Promise<Buffer> {
  const dicts = dictionaries(pieces, kind)
  const deflated = await Promise.all(pieces.map((p, i) => deflatePiece(p, dicts[i])))
  return assembleGzip(Buffer.concat(pieces), deflated)
}

async function xzOf(pieces: Buffer[]): Promise<Buffer> {
  const out = await xzPieces(pieces)
  expect(out).toHaveLength(pieces.length)
  out.forEach((o, i) => {
    expect(o.block.uncompressed).toBe(pieces[i].length)
    expect(o.flags).toBe(out[0].flags)
    expect(o.block.data.length % 4).toBe(0)
    expect(o.block.data.length - o.block.unpadded).toBeLessThan(4)
  })
  return assembleXz(out[0]?.flags ?? 0x0004, out.map((o) => o.block))
}

const rand = prng(7)
const realistic = packagesText(rand, 600 * 1024)
const big = packagesText(rand, 2600 * 1024) // two pieces of more than 1 MiB
const binary = randomBytes(rand, 200 * 1024)

/** Named lists of pieces that every format is checked on. */
const CASES: Array<[string, Buffer[]]> = [
  ['no pieces', []],
  ['one piece', [realistic.subarray(0, 50_000)]],
  ['one empty piece', [Buffer.alloc(0)]],
  ['stanza-sized pieces', cutStanzas(realistic, 20_000)],
  ['pieces of one byte', cut(Buffer.from('Package: x\nVersion: 1\n\n'), Array(23).fill(1))],
  ['one-byte pieces among large ones', cut(realistic.subarray(0, 200_000), [1, 70_000, 1, 1, 40_000, 1])],
  ['pieces of more than 1 MiB', cut(big, [1_300_000, 1_200_000])],
  ['random binary pieces', cut(binary, [10_000, 65_536, 1, 40_000])],
  ['text and binary mixed', [realistic.subarray(0, 30_000), binary.subarray(0, 30_000), realistic.subarray(30_000, 100_000)]],
]

describe('gzip from pieces', () => {
  for (const [name, pieces] of CASES) {
    it(`${name}: gzip accepts it and gives back the text, with and without dictionaries`, async () => {
      const text = Buffer.concat(pieces)
      for (const kind of ['none', 'previous piece', 'text before'] as const) expectGzipOf(await gzipOf(pieces, kind), text)
    })
  }

  it('empty pieces anywhere (an empty shard) still make a valid file', async () => {
    const pieces = [Buffer.alloc(0), realistic.subarray(0, 5000), Buffer.alloc(0), Buffer.alloc(0), realistic.subarray(5000, 9000), Buffer.alloc(0)]
    for (const kind of ['none', 'previous piece'] as const) expectGzipOf(await gzipOf(pieces, kind), Buffer.concat(pieces))
  })

  it('with the 32 KiB before each piece as its dictionary, is within 1% of gzip -9 of the whole text', async () => {
    const whole = run('gzip', ['-9', '-c', '-n'], realistic).length
    for (const pieceSize of [16_384, 65_536, 262_144]) {
      const pieces = cutStanzas(realistic, pieceSize)
      expect(pieces.length).toBeGreaterThan(1)
      const withDictionary = await gzipOf(pieces, 'previous piece')
      expectGzipOf(withDictionary, realistic)
      expect(withDictionary.length / whole, `pieces of ${pieceSize} bytes: ${withDictionary.length} vs ${whole}`).toBeLessThanOrEqual(1.01)
      // Without dictionaries each piece starts cold: that costs measurably more.
      const without = await gzipOf(pieces, 'none')
      expect(without.length).toBeGreaterThan(withDictionary.length)
    }
  })

  it('is deterministic: the same piece deflates to the same bytes, so reused pieces fit', async () => {
    const piece = realistic.subarray(100_000, 180_000)
    const dict = realistic.subarray(100_000 - WINDOW, 100_000)
    expect(Buffer.from(await deflatePiece(piece, dict)).equals(Buffer.from(await deflatePiece(piece, dict)))).toBe(true)
    // A piece deflated on its own (no dictionary) can go anywhere, in any order.
    const parts = cutStanzas(realistic.subarray(0, 120_000), 30_000)
    const deflated = await Promise.all(parts.map((p) => deflatePiece(p)))
    const order = [2, 0, 3, 1].filter((i) => i < parts.length)
    const text = Buffer.concat(order.map((i) => parts[i]))
    expectGzipOf(assembleGzip(text, order.map((i) => deflated[i])), text)
  })

  it('writes a gzip header, and the CRC-32 and length of the whole text in the trailer', async () => {
    const pieces = cutStanzas(realistic.subarray(0, 100_000), 25_000)
    const file = await gzipOf(pieces, 'previous piece')
    expect([...file.subarray(0, 3)]).toEqual([0x1f, 0x8b, 8])
    expect(file.readUInt32LE(file.length - 4)).toBe(100_000)
    expect(file.readUInt32LE(file.length - 8)).toBe(zlib.crc32(Buffer.concat(pieces)) >>> 0)
  })
})

describe('xz from pieces', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-pieces-'))
  })
  afterAll(() => {
    fs.rmSync(dir, {recursive: true, force: true})
  })

  for (const [name, pieces] of CASES.filter(([n]) => n !== 'one empty piece')) {
    it(`${name}: xz accepts it, gives back the text, and lists one block per piece`, async () => {
      const file = await xzOf(pieces)
      expectXzOf(file, Buffer.concat(pieces))
      const f = path.join(dir, `${name.replace(/\W+/g, '-')}.xz`)
      fs.writeFileSync(f, file)
      const listed = xzListBlocks(f)
      expect(listed).toHaveLength(pieces.length)
      listed.forEach((b, i) => expect(Number(b[7])).toBe(pieces[i].length))
    })
  }

  it('splitXz finds the blocks of a file xz --block-list wrote, with their sizes', () => {
    const text = Buffer.concat([realistic.subarray(0, 150_000), binary.subarray(0, 100_000)])
    for (const [sizes, check, expected] of [
      [[1000, 1, 70_000, 5, 178_994], 'crc64', 5],
      [[100_000, 150_000], 'crc32', 2],
      [[250_000], 'sha256', 1],
      [[1, 249_999], 'none', 2],
      // Past the listed sizes xz repeats the last one: 250,000 = 100,000 + 3 × 50,000.
      [[100_000, 50_000], 'crc64', 4],
    ] as Array<[number[], string, number]>) {
      const f = path.join(dir, `list-${sizes.join('-')}-${check}.xz`)
      const xz = run('xz', ['-6', '-T1', '-c', `--check=${check}`, `--block-list=${sizes.join(',')}`], text)
      fs.writeFileSync(f, xz)
      const {flags, blocks} = splitXz(xz)
      expect(flags).toBe(({none: 0, crc32: 1, crc64: 4, sha256: 10} as Record<string, number>)[check])
      expect(blocks).toHaveLength(expected)
      const listed = xzListBlocks(f)
      expect(listed).toHaveLength(expected)
      const checkSize = ({none: 0, crc32: 4, crc64: 8, sha256: 32} as Record<string, number>)[check]
      blocks.forEach((b, i) => {
        // xz --list: [4] compressed offset, [6] total size (padded), [7] uncompressed, [11] header size, [13] compressed data size.
        const l = listed[i]
        expect(b.uncompressed).toBe(Number(l[7]))
        expect(b.data.length).toBe(Number(l[6]))
        expect(b.unpadded).toBe(Number(l[11]) + Number(l[13]) + checkSize)
        expect(b.data.byteOffset - xz.byteOffset).toBe(Number(l[4]))
      })
      expect(blocks.reduce((s, b) => s + b.uncompressed, 0)).toBe(text.length)
      // The index is rebuilt exactly as xz wrote it.
      expect(assembleXz(flags, blocks).equals(xz)).toBe(true)
    }
  })

  it('splitXz reads a file with stream padding, and an empty stream', () => {
    const xz = run('xz', ['-c', '-T1'], realistic.subarray(0, 20_000))
    const padded = Buffer.concat([xz, Buffer.alloc(8)])
    run('xz', ['-t'], padded)
    expect(splitXz(padded)).toEqual(splitXz(xz))
    const empty = run('xz', ['-c', '-T1'], Buffer.alloc(0))
    expect(splitXz(empty)).toEqual({flags: 4, blocks: []})
    expect(assembleXz(4, []).equals(empty)).toBe(true)
  })

  it('blocks from two runs reassembled in a new order decompress to the matching concatenation', async () => {
    const a = cutStanzas(realistic.subarray(0, 120_000), 30_000)
    const b = [binary.subarray(0, 5000), Buffer.from('x'), big.subarray(0, 1_100_000)]
    const [ra, rb] = await Promise.all([xzPieces(a), xzPieces(b)])
    expect(ra[0].flags).toBe(rb[0].flags)
    const order: Array<[Buffer, {flags: number; block: XzBlock}]> = [
      [b[2], rb[2]],
      [a[1], ra[1]],
      [b[0], rb[0]],
      [a[3], ra[3]],
      [b[1], rb[1]],
      [a[0], ra[0]],
      [a[1], ra[1]], // a block may appear twice
    ]
    const file = assembleXz(ra[0].flags, order.map(([, x]) => x.block))
    expectXzOf(file, Buffer.concat(order.map(([t]) => t)))
    // And through splitXz: the blocks of one assembled file are reusable in another.
    const again = splitXz(file)
    const reversed = [...again.blocks].reverse()
    expectXzOf(assembleXz(again.flags, reversed), Buffer.concat([...order].reverse().map(([t]) => t)))
  })

  it('compresses each piece the same way whatever pieces surround it (deterministic, reusable)', async () => {
    const pieces = cutStanzas(realistic.subarray(0, 90_000), 30_000)
    const together = await xzPieces(pieces)
    const alone = await xzPieces([pieces[1]])
    expect(alone[0].block.data.equals(together[1].block.data)).toBe(true)
    const again = await xzPieces(pieces)
    again.forEach((x, i) => expect(x.block.data.equals(together[i].block.data)).toBe(true))
  })

  it('without the xz command, falls back to the npm encoder and still makes valid files', async () => {
    const pieces = [realistic.subarray(0, 40_000), Buffer.from('y'), binary.subarray(0, 10_000)]
    const saved = process.env.PATH
    process.env.PATH = path.join(dir, 'no-such-bin')
    let out: Awaited<ReturnType<typeof xzPieces>>
    try {
      out = await xzPieces(pieces)
    } finally {
      process.env.PATH = saved
    }
    expect(out).toHaveLength(3)
    out.forEach((o, i) => expect(o.block.uncompressed).toBe(pieces[i].length))
    expectXzOf(assembleXz(out[0].flags, out.map((o) => o.block)), Buffer.concat(pieces))
  })

  it('splitXz rejects garbage and damaged files', () => {
    const good = run('xz', ['-c', '-T1', '--block-list=10000,10000'], realistic.subarray(0, 30_000))
    const damaged: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['zeros', Buffer.alloc(64)],
      ['random bytes', randomBytes(prng(3), 4096)],
      ['gzip', zlib.gzipSync(realistic.subarray(0, 1000))],
      ['magic only', good.subarray(0, 12)],
      ['truncated', good.subarray(0, good.length - 7)],
      ['cut in the middle', good.subarray(0, Math.floor(good.length / 2))],
      ['a block missing', Buffer.concat([good.subarray(0, 12), good.subarray(12 + splitXz(good).blocks[0].data.length)])],
      ['two streams', Buffer.concat([good, good])],
      ['footer flags changed', (() => {
        const b = Buffer.from(good)
        b[b.length - 3] = 1
        return b
      })()],
      ['index size too large', (() => {
        const b = Buffer.from(good)
        b.writeUInt32LE(b.readUInt32LE(b.length - 8) + 1000, b.length - 8)
        return b
      })()],
    ]
    for (const [name, buf] of damaged) {
      expect(() => splitXz(buf), name).toThrow()
      // A one-line RaptrError with a hint, not a bare Error.
      try {
        splitXz(buf)
      } catch (error) {
        expect(isRaptrError(error) && error.code === 'CORRUPT_ARCHIVE' && error.hint !== '', name).toBe(true)
      }
    }
  })

  it('splitXz rejects a damaged index even when its block sizes still line up (the CRC-32s are there to catch it)', () => {
    const good = run('xz', ['-c', '-T1', '--block-list=10000,10000'], realistic.subarray(0, 30_000))
    const indexStart = good.length - 12 - (good.readUInt32LE(good.length - 8) + 1) * 4
    const damaged: Array<[string, Buffer]> = [
      // One record more than there are: it is read from the zero padding, a block of size 0.
      ['index record count changed', Buffer.from(good)],
      // The first block's uncompressed size (the record's second varint) changed.
      ['uncompressed size changed', Buffer.from(good)],
      // The stream header's flags CRC-32 changed.
      ['header CRC changed', Buffer.from(good)],
    ]
    expect(good[indexStart + 1]).toBe(3) // 30,000 bytes: xz repeats the last listed size
    damaged[0][1][indexStart + 1] = 4
    const second = indexStart + 2 + [...good.subarray(indexStart + 2)].findIndex((x) => (x & 0x80) === 0) + 1
    damaged[1][1][second] ^= 0x01
    damaged[2][1][8] ^= 0xff
    const accepted: string[] = []
    for (const [name, buf] of damaged) {
      // xz itself refuses each of them.
      expect(() => run('xz', ['-t'], buf), name).toThrow()
      try {
        const {blocks} = splitXz(buf)
        accepted.push(`${name}: ${blocks.map((b) => `${b.unpadded}/${b.uncompressed}`).join(', ')}`)
      } catch {
        // refused, as it should be
      }
    }
    expect(accepted).toEqual([])
  })
})
