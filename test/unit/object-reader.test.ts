import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createRng} from '../../bench/prng.js'

import {parseTree} from '../../src/store/git-tree.js'
import {ObjectReader} from '../../src/store/object-reader.js'

// Every expectation here is checked against the git CLI on a real repository: loose
// objects first, then the same objects packed and deltified (OFS_DELTA and REF_DELTA,
// thin packs fixed by index-pack), then with a rewritten index that uses 64-bit offsets.

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.org',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.org',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_DATE: '1700000000 +0000',
}

function git(cwd: string, args: string[], input?: string | Buffer): Buffer {
  return execFileSync('git', args, {cwd, env: GIT_ENV, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe']})
}

function gitText(cwd: string, args: string[], input?: string | Buffer): string {
  return git(cwd, args, input).toString('utf8').trim()
}

/** A deterministic pseudo-random generator (the corpus's mulberry32), so a failure can be replayed. */
const prng = (seed: number): (() => number) => createRng(seed).next

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256)
  return b
}

/** Lines that look like an APT Packages file: compressible, and deltas of it are realistic. */
function stanzaLines(rand: () => number, count: number): string[] {
  const lines: string[] = []
  for (let i = 0; i < count; i++) {
    const name = `pkg-${Math.floor(rand() * 1e6).toString(36)}`
    lines.push(
      `Package: ${name}`,
      `Version: ${Math.floor(rand() * 10)}.${Math.floor(rand() * 100)}-${Math.floor(rand() * 5)}`,
      'Architecture: amd64',
      `Filename: pool/main/${name[4]}/${name}/${name}_amd64.deb`,
      `Size: ${Math.floor(rand() * 1e7)}`,
      `SHA256: ${randomBytes(rand, 32).toString('hex')}`,
      `Description: package number ${i}`,
      '',
    )
  }
  return lines
}

/** All objects of the repository, from `git cat-file --batch-all-objects --batch`. */
function gitObjects(gitDir: string): Map<string, {type: string; data: Buffer}> {
  const out = git(gitDir, ['--git-dir', gitDir, 'cat-file', '--batch-all-objects', '--batch'])
  const objects = new Map<string, {type: string; data: Buffer}>()
  let pos = 0
  while (pos < out.length) {
    const eol = out.indexOf(0x0a, pos)
    const [oid, type, size] = out.toString('latin1', pos, eol).split(' ')
    const start = eol + 1
    const end = start + Number(size)
    objects.set(oid, {type, data: out.subarray(start, end)})
    pos = end + 1 // the newline after each object
  }
  return objects
}

/** Reads every object with a fresh reader (twice, so cached results are checked too) and compares with git. */
async function expectReaderMatchesGit(gitDir: string, expected = gitObjects(gitDir)): Promise<number> {
  expect(expected.size).toBeGreaterThan(0)
  // Spot-check the batch parser against the plain `git cat-file <type> <oid>` form.
  for (const [oid, o] of [...expected].filter((_, i) => i % 25 === 0)) {
    expect(git(gitDir, ['--git-dir', gitDir, 'cat-file', o.type, oid]).equals(o.data)).toBe(true)
  }
  const reader = new ObjectReader(gitDir)
  for (const round of [0, 1]) {
    const oids = round === 0 ? [...expected.keys()] : [...expected.keys()].reverse()
    for (const oid of oids) {
      const want = expected.get(oid)!
      const got = await reader.read(oid)
      expect({oid, type: got.type, size: got.data.length}).toEqual({oid, type: want.type, size: want.data.length})
      if (!Buffer.from(got.data).equals(want.data)) expect.fail(`object ${oid} (${want.type}) differs from git's`)
    }
  }
  return expected.size
}

function looseCount(gitDir: string): number {
  const line = gitText(gitDir, ['--git-dir', gitDir, 'count-objects', '-v']).split('\n').find((l) => l.startsWith('count: '))!
  return Number(line.slice('count: '.length))
}

function packFiles(gitDir: string, ext: string): string[] {
  const dir = path.join(gitDir, 'objects', 'pack')
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir).filter((n) => n.endsWith(ext)).map((n) => path.join(dir, n))
}

interface PackStats {
  deltas: number
  maxDepth: number
  /** Deltified blobs whose size is over 64 KiB (copy instructions of 0x10000 bytes). */
  bigDeltas: number
}

/** What `git verify-pack -v` says about the deltas of every pack. */
function verifyPack(gitDir: string): PackStats {
  const stats: PackStats = {deltas: 0, maxDepth: 0, bigDeltas: 0}
  const objects = gitObjects(gitDir)
  for (const idx of packFiles(gitDir, '.idx')) {
    const out = gitText(gitDir, ['verify-pack', '-v', idx])
    for (const line of out.split('\n')) {
      // "<oid> <type> <delta size> <size-in-pack> <offset> <depth> <base-oid>" for a delta
      const f = line.trim().split(/\s+/)
      if (f.length === 7 && /^[0-9a-f]{40}$/.test(f[0])) {
        stats.deltas++
        stats.maxDepth = Math.max(stats.maxDepth, Number(f[5]))
        if (f[1] === 'blob' && objects.get(f[0])!.data.length > 65536) stats.bigDeltas++
      }
    }
  }
  return stats
}

/** The pack entry type (1-4 whole, 6 OFS_DELTA, 7 REF_DELTA) of every object of every pack. */
function entryTypes(gitDir: string): Map<number, number> {
  const counts = new Map<number, number>()
  for (const idx of packFiles(gitDir, '.idx')) {
    const pack = fs.readFileSync(idx.replace(/\.idx$/, '.pack'))
    for (const line of gitText(gitDir, ['show-index'], fs.readFileSync(idx)).split('\n')) {
      const kind = (pack[Number(line.split(' ')[0])] >> 4) & 7
      counts.set(kind, (counts.get(kind) ?? 0) + 1)
    }
  }
  return counts
}

async function notFoundCode(reader: ObjectReader, oid: string): Promise<string | undefined> {
  try {
    await reader.read(oid)
  } catch (error) {
    return (error as {code?: string}).code
  }
  return undefined
}

/** Builds a repository with many kinds of objects and a history of small edits. */
function buildRepository(dir: string): void {
  const rand = prng(20240611)
  git(path.dirname(dir), ['init', '-q', '-b', 'main', dir])
  git(dir, ['config', 'gc.auto', '0'])
  const write = (name: string, data: string | Buffer, mode?: number): void => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    fs.writeFileSync(path.join(dir, name), data)
    if (mode) fs.chmodSync(path.join(dir, name), mode)
  }
  let packages = stanzaLines(rand, 1500) // ~150 KiB
  let binary = randomBytes(rand, 300 * 1024) // incompressible, > 64 KiB
  const compressible = Buffer.from('0123456789abcdef\n'.repeat(6000)) // ~100 KiB that deflates to little
  write('empty', '')
  write('one-byte', 'x')
  write('Packages', packages.join('\n'))
  write('blob.bin', binary)
  write('compressible.txt', compressible)
  write('exactly-16384', randomBytes(rand, 16384))
  write('exactly-65536', randomBytes(rand, 65536))
  write('sizes/65537', randomBytes(rand, 65537))
  write('dir/sub/deeper/file.txt', 'nested\n')
  write('dir/run.sh', '#!/bin/sh\necho hi\n', 0o755)
  write('dir/with space ä é.txt', 'unicode name\n')
  write('nul\u00e9.bin', Buffer.from([0, 1, 2, 0, 255, 0]))
  fs.symlinkSync('dir/sub/deeper/file.txt', path.join(dir, 'link'))
  const stage = (): void => {
    git(dir, ['add', '-A'])
    // A gitlink (submodule) entry: mode 160000, type commit (not in the work tree, so added each time).
    git(dir, ['update-index', '--add', '--cacheinfo', `160000,${'ab'.repeat(20)},submodule`])
  }
  stage()
  git(dir, ['commit', '-q', '-m', 'first'])
  for (let c = 0; c < 8; c++) {
    // Small edits: a few changed lines, a few appended, a few removed.
    packages = packages.map((l, i) => (i % 397 === c * 7 ? `${l} edited ${c}` : l))
    packages.splice(Math.floor(rand() * packages.length), 3)
    packages.push(...stanzaLines(rand, 3))
    write('Packages', packages.join('\n'))
    binary = Buffer.from(binary)
    for (let k = 0; k < 4; k++) binary[Math.floor(rand() * binary.length)] ^= 0xff
    if (c % 3 === 0) binary = Buffer.concat([binary, randomBytes(rand, 1000)])
    write('blob.bin', binary)
    write('dir/sub/deeper/file.txt', `nested ${c}\n`)
    if (c === 4) write(`sizes/new-${c}`, randomBytes(rand, 70000))
    if (c === 5) fs.rmSync(path.join(dir, 'one-byte'))
    stage()
    git(dir, ['commit', '-q', '-m', `edit ${c}\n\nwith a body`])
  }
  git(dir, ['tag', '-a', 'v1', '-m', 'an annotated tag'])
  git(dir, ['tag', '-a', 'v0', '-m', 'an older tag', 'HEAD~5'])
}

let root: string
let base: string
let copies = 0

/** A fresh copy of the base repository (work tree and .git), which tests may change. */
function copy(): string {
  const to = path.join(root, `copy-${copies++}`)
  fs.cpSync(base, to, {recursive: true, verbatimSymlinks: true})
  return to
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-objects-'))
  base = path.join(root, 'base')
  buildRepository(base)
})

afterAll(() => {
  fs.rmSync(root, {recursive: true, force: true})
})

describe('ObjectReader', () => {

  it('reads every loose object exactly as git does', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    expect(packFiles(gitDir, '.pack')).toEqual([])
    const n = await expectReaderMatchesGit(gitDir)
    expect(looseCount(gitDir)).toBe(n)
    const types = new Set([...gitObjects(gitDir).values()].map((o) => o.type))
    expect(types).toEqual(new Set(['commit', 'tree', 'blob', 'tag']))
  })

  it('reads every object after git gc --aggressive (OFS_DELTA chains)', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    git(repo, ['gc', '-q', '--aggressive', '--prune=now'])
    expect(looseCount(gitDir)).toBe(0)
    const stats = verifyPack(gitDir)
    expect(stats.deltas).toBeGreaterThan(10)
    expect(stats.maxDepth).toBeGreaterThanOrEqual(3)
    expect(stats.bigDeltas).toBeGreaterThan(0)
    const types = entryTypes(gitDir)
    expect(types.get(6) ?? 0).toBeGreaterThan(10)
    await expectReaderMatchesGit(gitDir)
  })

  it('reads every object after git repack -adf --depth=50 --window=250', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    git(repo, ['repack', '-q', '-adf', '--depth=50', '--window=250'])
    git(repo, ['prune-packed'])
    expect(looseCount(gitDir)).toBe(0)
    expect(packFiles(gitDir, '.pack')).toHaveLength(1)
    const stats = verifyPack(gitDir)
    expect(stats.deltas).toBeGreaterThan(10)
    expect(stats.maxDepth).toBeGreaterThanOrEqual(5)
    expect(stats.bigDeltas).toBeGreaterThan(0)
    await expectReaderMatchesGit(gitDir)
  })

  it('reads REF_DELTA objects (a pack written without --delta-base-offset)', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    git(repo, ['-c', 'repack.useDeltaBaseOffset=false', 'repack', '-q', '-adf', '--depth=50', '--window=250'])
    git(repo, ['prune-packed'])
    expect(looseCount(gitDir)).toBe(0)
    const types = entryTypes(gitDir)
    expect(types.get(7) ?? 0).toBeGreaterThan(10)
    expect(types.get(6) ?? 0).toBe(0)
    expect(verifyPack(gitDir).maxDepth).toBeGreaterThanOrEqual(3)
    await expectReaderMatchesGit(gitDir)
  })

  it('reads a thin pack fixed by git index-pack --fix-thin (REF_DELTA against bases from elsewhere)', async () => {
    const source = copy()
    git(source, ['branch', 'old', 'HEAD~3'])
    const target = path.join(root, `thin-${copies++}`)
    git(root, ['init', '-q', '-b', 'main', target])
    git(target, ['fetch', '-q', source, 'old:refs/heads/old'])
    const head = gitText(source, ['rev-parse', 'HEAD'])
    const thin = git(source, ['pack-objects', '--revs', '--thin', '--stdout', '-q'], `${head}\n^old\n`)
    // The thin pack alone is incomplete: index-pack without --fix-thin refuses it.
    expect(() => git(target, ['index-pack', '--stdin'], thin)).toThrow()
    const packsBefore = new Set(packFiles(path.join(target, '.git'), '.pack'))
    git(target, ['index-pack', '--fix-thin', '--stdin'], thin)
    const fixed = packFiles(path.join(target, '.git'), '.pack').filter((p) => !packsBefore.has(p))
    expect(fixed).toHaveLength(1)
    git(target, ['update-ref', 'refs/heads/main', head])
    git(target, ['fsck', '--strict', '--no-dangling'])
    const thinGit = path.join(root, `thin-only-${copies++}`)
    // Count the REF_DELTA entries of the fixed pack alone.
    fs.mkdirSync(path.join(thinGit, 'objects', 'pack'), {recursive: true})
    for (const ext of ['.pack', '.idx']) fs.copyFileSync(fixed[0].replace(/\.pack$/, ext), path.join(thinGit, 'objects', 'pack', `p${ext}`))
    expect(entryTypes(thinGit).get(7) ?? 0).toBeGreaterThan(0)
    await expectReaderMatchesGit(path.join(target, '.git'))
  })

  it('reads objects through an index that stores every offset in its 64-bit table', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    git(repo, ['repack', '-q', '-adf', '--depth=50', '--window=250'])
    git(repo, ['prune-packed'])
    // What git reads before the index is rewritten (git itself may refuse such an index).
    const expected = gitObjects(gitDir)
    const [idxFile] = packFiles(gitDir, '.idx')
    const idx = fs.readFileSync(idxFile)
    const count = idx.readUInt32BE(8 + 255 * 4)
    const offsetsAt = 8 + 256 * 4 + count * 24
    const small = Buffer.alloc(count * 4)
    const large = Buffer.alloc(count * 8)
    for (let i = 0; i < count; i++) {
      small.writeUInt32BE((0x80000000 | i) >>> 0, i * 4)
      large.writeBigUInt64BE(BigInt(idx.readUInt32BE(offsetsAt + i * 4)), i * 8)
    }
    const body = Buffer.concat([idx.subarray(0, offsetsAt), small, large, idx.subarray(idx.length - 40, idx.length - 20)])
    fs.writeFileSync(idxFile, Buffer.concat([body, createHash('sha1').update(body).digest()]))
    const reader = new ObjectReader(gitDir)
    for (const [oid, o] of expected) {
      const got = await reader.read(oid)
      expect(got.type).toBe(o.type)
      if (!Buffer.from(got.data).equals(o.data)) expect.fail(`object ${oid} differs from git's`)
    }
  })

  it('reads a pack whose objects deflate to more than their own size (stored blocks of one byte)', async () => {
    const repo = path.join(root, `handmade-${copies++}`)
    git(root, ['init', '-q', repo])
    const gitDir = path.join(repo, '.git')
    const rand = prng(99)
    const contents = [Buffer.from('small\n'), randomBytes(rand, 3000), Buffer.from(stanzaLines(rand, 20).join('\n')), randomBytes(rand, 1500)]
    // zlib streams that another deflater might write: every byte its own stored block, six times the data.
    const storedZlib = (data: Buffer): Buffer => {
      const parts = [Buffer.from([0x78, 0x01])]
      for (const byte of data) parts.push(Buffer.from([0x00, 0x01, 0x00, 0xfe, 0xff, byte]))
      let a = 1
      let b = 0
      for (const byte of data) {
        a = (a + byte) % 65521
        b = (b + a) % 65521
      }
      const adler = Buffer.alloc(4)
      adler.writeUInt32BE(((b << 16) | a) >>> 0)
      parts.push(Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]), adler)
      return Buffer.concat(parts)
    }
    const header = Buffer.alloc(12)
    header.write('PACK', 0, 'latin1')
    header.writeUInt32BE(2, 4)
    header.writeUInt32BE(contents.length, 8)
    const entries = contents.map((data) => {
      const head: number[] = []
      let size = data.length
      let byte = (3 << 4) | (size & 15) // a blob
      size = Math.floor(size / 16)
      while (size > 0) {
        head.push(byte | 0x80)
        byte = size & 0x7f
        size = Math.floor(size / 128)
      }
      head.push(byte)
      const z = storedZlib(data)
      expect(z.length).toBeGreaterThan(data.length * 5)
      return Buffer.concat([Buffer.from(head), z])
    })
    const body = Buffer.concat([header, ...entries])
    const packFile = path.join(gitDir, 'objects', 'pack', 'pack-handmade.pack')
    fs.writeFileSync(packFile, Buffer.concat([body, createHash('sha1').update(body).digest()]))
    git(repo, ['index-pack', packFile]) // git accepts it, and writes the index
    const expected = gitObjects(gitDir)
    expect(expected.size).toBe(contents.length)
    for (const data of contents) expect([...expected.values()].some((o) => o.data.equals(data))).toBe(true)
    await expectReaderMatchesGit(gitDir, expected)
  })

  it('throws NotFoundError for objects the repository lacks, loose or packed', async () => {
    const loose = path.join(copy(), '.git')
    const packed = copy()
    git(packed, ['gc', '-q', '--prune=now'])
    const empty = path.join(root, `empty-${copies++}`)
    git(root, ['init', '-q', '--bare', empty])
    fs.rmSync(path.join(empty, 'objects', 'pack'), {recursive: true, force: true})
    const absent = ['0'.repeat(40), 'f'.repeat(40), createHash('sha1').update('blob 3\0abc!').digest('hex')]
    for (const gitDir of [loose, path.join(packed, '.git'), empty]) {
      const reader = new ObjectReader(gitDir)
      for (const oid of absent) expect(await notFoundCode(reader, oid)).toBe('NotFoundError')
    }
    // Objects that exist still read, exactly as git has them, after a miss.
    const [some, want] = [...gitObjects(loose).entries()].find(([, o]) => o.data.length > 0)!
    const reader = new ObjectReader(loose)
    expect(await notFoundCode(reader, absent[0])).toBe('NotFoundError')
    const got = await reader.read(some)
    expect(got.type).toBe(want.type)
    expect(Buffer.from(got.data).equals(want.data)).toBe(true)
  })

  it('expands prefixes to every matching id, loose, packed and both (unique, ambiguous, none)', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    // Enough objects that some two-digit prefixes are certainly shared.
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(repo, `many-${i}`), `file ${i}\n`)
    git(repo, ['add', '-A'])
    git(repo, ['commit', '-q', '-m', 'many'])

    const check = async (label: string): Promise<void> => {
      const all = [...gitObjects(gitDir).keys()].sort()
      const reader = new ObjectReader(gitDir)
      const expectExpand = async (prefix: string, n?: number): Promise<void> => {
        const want = all.filter((o) => o.startsWith(prefix))
        if (n !== undefined) expect(want.length, `${label}: ${prefix}`).toBe(n)
        expect(await reader.expand(prefix), `${label}: ${prefix}`).toEqual(want)
      }
      // Unique: each id by its full form and by the shortest prefix (>= 4) that git accepts.
      const lcp = (a = '', b = ''): number => {
        let k = 0
        while (k < a.length && a[k] === b[k]) k++
        return k
      }
      for (let i = 0; i < all.length; i += 17) {
        await expectExpand(all[i], 1)
        await expectExpand(all[i].slice(0, Math.max(4, lcp(all[i], all[i - 1]) + 1, lcp(all[i], all[i + 1]) + 1)), 1)
      }
      // Ambiguous: the longest prefix two ids share, and two-digit prefixes with several ids.
      let shared = ''
      for (let i = 1; i < all.length; i++) if (lcp(all[i], all[i - 1]) > shared.length) shared = all[i].slice(0, lcp(all[i], all[i - 1]))
      expect(shared.length).toBeGreaterThanOrEqual(2)
      await expectExpand(shared)
      expect(all.filter((o) => o.startsWith(shared)).length).toBeGreaterThanOrEqual(2)
      const twos = Array.from({length: 256}, (_, i) => i.toString(16).padStart(2, '0'))
      expect(Math.max(...twos.map((t) => all.filter((o) => o.startsWith(t)).length))).toBeGreaterThanOrEqual(4)
      for (const two of twos) await expectExpand(two)
      // None.
      let none = 'ffff'
      for (let v = 0xffff; all.some((o) => o.startsWith(none)); v--) none = v.toString(16).padStart(4, '0')
      await expectExpand(none, 0)
      await expectExpand('0000000', all.filter((o) => o.startsWith('0000000')).length)
    }

    await check('loose')
    git(repo, ['gc', '-q', '--prune=now'])
    expect(looseCount(gitDir)).toBe(0)
    await check('packed')
    // Mixed: new loose objects, and one object both loose and packed (listed once).
    const extra = path.join(root, `extra-${copies++}`)
    fs.mkdirSync(extra)
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(extra, String(i)), `loose ${i}\n`)
    git(repo, ['hash-object', '-w', '--stdin-paths'], fs.readdirSync(extra).map((n) => path.join(extra, n)).join('\n'))
    const twice = [...gitObjects(gitDir).keys()].find((o) => fs.existsSync(path.join(path.join(base, '.git'), 'objects', o.slice(0, 2), o.slice(2))))!
    fs.mkdirSync(path.join(gitDir, 'objects', twice.slice(0, 2)), {recursive: true})
    fs.copyFileSync(path.join(base, '.git', 'objects', twice.slice(0, 2), twice.slice(2)), path.join(gitDir, 'objects', twice.slice(0, 2), twice.slice(2)))
    expect(looseCount(gitDir)).toBe(41)
    await check('mixed')
    expect(await new ObjectReader(gitDir).expand(twice)).toEqual([twice])
  })

  it('expands prefixes shorter than two digits to loose objects too', async () => {
    const gitDir = path.join(copy(), '.git')
    const all = [...gitObjects(gitDir).keys()].sort()
    const reader = new ObjectReader(gitDir)
    const digit = all[0][0]
    expect(await reader.expand(digit)).toEqual(all.filter((o) => o.startsWith(digit)))
    expect(await reader.expand('')).toEqual(all)
  })

  it('finds objects of a pack added after the first read, and of a pack whose .pack came after its .idx', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    git(repo, ['gc', '-q', '--prune=now'])
    const reader = new ObjectReader(gitDir)
    const head = gitText(repo, ['rev-parse', 'HEAD'])
    expect((await reader.read(head)).type).toBe('commit')

    // Objects made in another repository, brought in as a pack.
    const other = path.join(root, `other-${copies++}`)
    git(root, ['init', '-q', other])
    const made = (text: string): string => gitText(other, ['hash-object', '-w', '--stdin'], text)
    const first = made('arrives in a pack later\n')
    expect(await notFoundCode(reader, first)).toBe('NotFoundError')
    expect(await reader.expand(first.slice(0, 8))).toEqual([])
    const packBase = path.join(gitDir, 'objects', 'pack', 'pack-late')
    git(other, ['pack-objects', '-q', packBase], `${first}\n`)
    expect(await reader.read(first)).toEqual({type: 'blob', data: Buffer.from('arrives in a pack later\n')})
    expect(await reader.expand(first.slice(0, 8))).toEqual([first])

    // A pack whose index is there before its data: skipped, then read once complete.
    const second = made('index first\n')
    const staging = path.join(root, `staging-${copies++}`)
    fs.mkdirSync(staging)
    git(other, ['pack-objects', '-q', `${staging}/pack-later`], `${second}\n`)
    const [stagedPack] = fs.readdirSync(staging).filter((n) => n.endsWith('.pack'))
    const packDir = path.join(gitDir, 'objects', 'pack')
    fs.copyFileSync(path.join(staging, stagedPack.replace(/\.pack$/, '.idx')), path.join(packDir, stagedPack.replace(/\.pack$/, '.idx')))
    expect(await notFoundCode(reader, second)).toBe('NotFoundError')
    fs.copyFileSync(path.join(staging, stagedPack), path.join(packDir, stagedPack))
    expect(await reader.read(second)).toEqual({type: 'blob', data: Buffer.from('index first\n')})
    // Everything git sees, the same long-lived reader sees.
    const expected = gitObjects(gitDir)
    for (const [oid, o] of expected) expect(Buffer.from((await reader.read(oid)).data).equals(o.data)).toBe(true)
  })
})

describe('parseTree', () => {
  it('parses every tree of the repository as git ls-tree lists it', async () => {
    const repo = copy()
    const gitDir = path.join(repo, '.git')
    const trees = [...gitObjects(gitDir)].filter(([, o]) => o.type === 'tree')
    expect(trees.length).toBeGreaterThan(5)
    const modes = new Set<string>()
    for (const [oid, o] of trees) {
      const listed = git(repo, ['ls-tree', '-z', oid])
        .toString('utf8')
        .split('\0')
        .filter((l) => l.length > 0)
        .map((l) => {
          const [meta, name] = [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)]
          const [mode, type, id] = meta.split(' ')
          return {mode, path: name, oid: id, type}
        })
      const parsed = parseTree(o.data)
      expect(parsed).toEqual(listed)
      for (const e of parsed) modes.add(`${e.mode} ${e.type}`)
    }
    // The kinds of entry a tree can hold were all there.
    expect(modes).toEqual(new Set(['040000 tree', '100644 blob', '100755 blob', '120000 blob', '160000 commit']))
    // And through the reader, from a packed repository.
    git(repo, ['gc', '-q', '--prune=now'])
    const reader = new ObjectReader(gitDir)
    const headTree = gitText(repo, ['rev-parse', 'HEAD^{tree}'])
    const entries = parseTree((await reader.read(headTree)).data)
    expect(entries.map((e) => e.path)).toEqual(['Packages', 'blob.bin', 'compressible.txt', 'dir', 'empty', 'exactly-16384', 'exactly-65536', 'link', 'nul\u00e9.bin', 'sizes', 'submodule'])
    expect(entries.find((e) => e.path === 'submodule')).toEqual({mode: '160000', path: 'submodule', oid: 'ab'.repeat(20), type: 'commit'})
  })

  it('parses an empty tree', () => {
    expect(parseTree(Buffer.alloc(0))).toEqual([])
  })
})
