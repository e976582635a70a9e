/**
 * What a publish writes of each index: by default only the compressed files (Packages.xz
 * and .gz, Sources.xz and .gz, Contents-ARCH.gz), with the Release listing the
 * uncompressed name too (size and hashes of the text), as Debian's archive does; with a
 * distribution's plainIndexes, the uncompressed files as well. apt (the host's, and
 * trixie's apt 3 over HTTP) reads both with no W: or E: line; verify, purge and settle
 * expect exactly what the publication wrote.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fileProblem} from '../../src/archive/tree-check.js'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, raptr} from '../helpers/cli.js'
import {readIndex} from '../helpers/indexes.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {blob, gitIn, withEntry} from '../hostile/git-plumbing.js'
import {serveDirectory, TRIXIE_BUILD_TIMEOUT, TrixieApt, trixieRoot} from '../helpers/trixie.js'

const LIVE = 'dists/production'
const PLAIN = ['public/binary-amd64/Packages', 'public/binary-arm64/Packages', 'public/source/Sources', 'public/Contents-amd64', 'public/Contents-arm64']
const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** The Release's SHA256 entries: path → {sha256, size}. */
function releaseEntries(www: string, dir: string): Map<string, {sha256: string; size: number}> {
  const text = fs.readFileSync(path.join(www, dir, 'Release'), 'utf8')
  const sha = text.slice(text.indexOf('\nSHA256:\n'))
  return new Map([...sha.matchAll(/^ ([0-9a-f]{64})\s+(\d+)\s+(\S+)$/gm)].map((m) => [m[3], {sha256: m[1], size: Number(m[2])}]))
}

/** Every file under `dir` (links too), relative. */
function files(dir: string): string[] {
  return fs.readdirSync(dir, {recursive: true, withFileTypes: true}).filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

const publish = (s: TestArchive): any => okJson(['publish', '--sign-key', s.key], {cwd: s.dir})

describe('compressed indexes only, by default', () => {
  let s: TestArchive
  let server: {url: string; close(): Promise<void>}
  let pinned = ''

  beforeAll(async () => {
    trixieRoot()
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    pinned = publish(s).results[0].pinned
    server = await serveDirectory(s.www)
  }, TRIXIE_BUILD_TIMEOUT)

  afterAll(async () => {
    await server?.close()
  })

  it('writes no plain Packages, Sources or Contents, under any name, yet the Release lists each with the size and hash of its text', () => {
    const entries = releaseEntries(s.www, LIVE)
    const all = files(s.www)
    for (const p of PLAIN) {
      expect(fs.existsSync(path.join(s.www, LIVE, p)), p).toBe(false)
      expect(fs.existsSync(path.join(s.www, `dists/snapshots/${pinned}/production`, p)), p).toBe(false)
      const e = entries.get(p)!
      expect(e, p).toBeDefined()
      const text = readIndex(path.join(s.www, LIVE, p))
      expect({sha256: sha256(text), size: Buffer.byteLength(text)}, p).toEqual(e)
      // nor its by-hash copy
      expect(all.filter((f) => f.endsWith(`/by-hash/SHA256/${e.sha256}`)), p).toEqual([])
    }
    for (const p of ['public/binary-amd64/Packages.xz', 'public/binary-amd64/Packages.gz', 'public/source/Sources.xz', 'public/source/Sources.gz', 'public/Contents-amd64.gz']) {
      expect(sha256(fs.readFileSync(path.join(s.www, LIVE, p))), p).toBe(entries.get(p)!.sha256)
    }
    expect(readIndex(path.join(s.www, LIVE, 'public/binary-amd64/Packages'))).toMatch(/^Package: hello$/m)
  })

  it('the host apt (file://) updates and downloads with no W: or E: line', () => {
    const apt = aptForDirectory(s, 'production')
    try {
      apt.update()
      expect(apt.packageNames()).toEqual(['hello'])
      expect(fs.existsSync(apt.download('hello'))).toBe(true)
    } finally {
      apt.cleanup()
    }
  })

  it("trixie's apt 3 updates over HTTP and installs with no W: or E: line", async () => {
    const apt = new TrixieApt()
    try {
      apt.configure(server.url, 'production', ['public'], s.pubKey)
      await apt.update()
      await apt.aptGet(['install', 'hello'])
      expect(apt.installedVersion('hello')).toBe('1.0-1')
    } finally {
      apt.cleanup()
    }
  })

  it('verify --deep finds it healthy; a deleted Packages.gz is found and put back by --repair, and no plain file comes with it', () => {
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    fs.rmSync(path.join(s.www, LIVE, 'public/binary-amd64/Packages.gz'))
    const found = raptr(['verify', '--json'], {cwd: s.dir})
    expect(found.code).toBe(5)
    expect(JSON.parse(found.stdout).results[0].problems).toEqual([expect.objectContaining({kind: 'missing', key: `${LIVE}/public/binary-amd64/Packages.gz`})])
    expect(okJson(['verify', '--repair'], {cwd: s.dir}).results[0].healthy).toBe(true)
    for (const p of PLAIN) expect(fs.existsSync(path.join(s.www, LIVE, p)), p).toBe(false)
    expect(files(s.www).filter((f) => [...releaseEntries(s.www, LIVE).entries()].some(([p, e]) => PLAIN.includes(p) && f.endsWith(e.sha256)))).toEqual([])
  })

  it('purge reads the pool files from Packages.gz: it keeps the live package and removes the one only a purged publication named', async () => {
    ok(['package', 'remove', 'hello', '--all'], {cwd: s.dir})
    await buildDeb(s.pkgs, {name: 'other', version: '2.0', arch: 'amd64'})
    ok(['package', 'add', path.join(s.pkgs, 'other_2.0_amd64.deb'), '--section', 'production/public'], {cwd: s.dir})
    publish(s)
    const pool = (): string[] => files(s.www).filter((f) => f.startsWith('pool/'))
    expect(pool()).toHaveLength(2)
    const res = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(res[0].deleted.pool).toHaveLength(1)
    expect(pool()).toHaveLength(1)
    const apt = aptForDirectory(s, 'production')
    try {
      apt.update()
      expect(apt.packageNames()).toEqual(['other'])
      expect(fs.existsSync(apt.download('other'))).toBe(true)
    } finally {
      apt.cleanup()
    }
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
  })
})

describe('plainIndexes: the uncompressed files too, and back', () => {
  let s: TestArchive

  beforeAll(async () => {
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    // published under a second name too (dists/stable), and first without the plain files
    ok(['distribution', 'set', 'production', '--suite', 'stable'], {cwd: s.dir})
    publish(s)
    for (const p of PLAIN) expect(fs.existsSync(path.join(s.www, LIVE, p)), p).toBe(false)
  })

  it('distribution set --plain-indexes: the next publish (the same indexes) writes the plain files, by name and by hash, matching the Release, under both names', () => {
    const set = okJson(['distribution', 'set', 'production', '--plain-indexes'], {cwd: s.dir})
    expect(set).toMatchObject({plainIndexes: true, changed: true})
    const pinned = publish(s).results[0].pinned
    const entries = releaseEntries(s.www, LIVE)
    for (const p of PLAIN) {
      const e = entries.get(p)!
      const byHash = `${path.posix.dirname(p)}/by-hash/SHA256/${e.sha256}`
      for (const f of [`${LIVE}/${p}`, `dists/snapshots/${pinned}/production/${p}`, `${LIVE}/${byHash}`, `dists/stable/${p}`, `dists/stable/${byHash}`]) {
        const data = fs.readFileSync(path.join(s.www, f))
        expect({sha256: sha256(data), size: data.length}, f).toEqual(e)
      }
    }
    expect(fs.readFileSync(path.join(s.www, LIVE, 'public/binary-amd64/Packages'), 'utf8')).toMatch(/^Package: hello$/m)
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    const apt = aptForDirectory(s, 'production')
    try {
      apt.update()
      expect(apt.packageNames()).toEqual(['hello'])
    } finally {
      apt.cleanup()
    }
  })

  it('verify --repair puts back a deleted plain Packages when the publication wrote it', () => {
    fs.rmSync(path.join(s.www, LIVE, 'public/binary-amd64/Packages'))
    expect(raptr(['verify'], {cwd: s.dir}).code).toBe(5)
    expect(okJson(['verify', '--repair'], {cwd: s.dir}).results[0].healthy).toBe(true)
    expect(fs.existsSync(path.join(s.www, LIVE, 'public/binary-amd64/Packages'))).toBe(true)
  })

  it('turned off again: the next publish removes the plain canonical files; a rollback brings them back; purge takes their by-hash copies with the old publication', async () => {
    const before = releaseEntries(s.www, LIVE)
    const plainText = fs.readFileSync(path.join(s.www, LIVE, 'public/binary-amd64/Packages'))
    ok(['distribution', 'set', 'production', '--no-plain-indexes'], {cwd: s.dir})
    await buildDeb(s.pkgs, {name: 'more', version: '1.0', arch: 'amd64'})
    ok(['package', 'add', path.join(s.pkgs, 'more_1.0_amd64.deb'), '--section', 'production/public'], {cwd: s.dir})
    publish(s)
    for (const p of PLAIN) expect(fs.existsSync(path.join(s.www, LIVE, p)), p).toBe(false)
    for (const p of PLAIN) expect(fs.existsSync(path.join(s.www, 'dists/stable', p)), p).toBe(false)
    // the old publication's by-hash plain copies stay while it is kept (a rollback needs them)
    const oldHash = `${LIVE}/public/binary-amd64/by-hash/SHA256/${before.get('public/binary-amd64/Packages')!.sha256}`
    expect(fs.existsSync(path.join(s.www, oldHash))).toBe(true)
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)

    // back to the publication that wrote them: its plain files are live again
    ok(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir})
    expect(fs.readFileSync(path.join(s.www, LIVE, 'public/binary-amd64/Packages'))).toEqual(plainText)
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    expect(fs.readFileSync(path.join(s.www, 'dists/stable/public/binary-amd64/Packages'))).toEqual(plainText)
    ok(['rollback', 'production', '--forward', '--sign-key', s.key], {cwd: s.dir})
    for (const p of PLAIN) expect(fs.existsSync(path.join(s.www, LIVE, p)), p).toBe(false)
    for (const p of PLAIN) expect(fs.existsSync(path.join(s.www, 'dists/stable', p)), p).toBe(false)

    const res = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(res[0].deleted.byHash).toContain(oldHash)
    expect(files(s.www).filter((f) => PLAIN.some((p) => f.endsWith(`/${p}`)))).toEqual([])
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    const apt = aptForDirectory(s, 'production')
    try {
      apt.update()
      expect(apt.packageNames()).toEqual(['hello', 'more'])
    } finally {
      apt.cleanup()
    }
  })
})

describe('a pushed plainIndexes setting', () => {
  it('that is not a boolean is refused, as any setting read from the archive', () => {
    const dist = 'dists/production/distribution.json'
    expect(fileProblem(dist, JSON.stringify({architectures: ['amd64'], plainIndexes: true}))).toBeUndefined()
    expect(fileProblem(dist, JSON.stringify({architectures: ['amd64'], plainIndexes: 'yes'}))).toMatch(/plainIndexes/)
    expect(fileProblem(dist, JSON.stringify({architectures: ['amd64'], plainIndexes: 1}))).toMatch(/plainIndexes/)
  })

  it('committed to the archive, publish refuses it with CORRUPT_ARCHIVE naming the file and writes nothing', () => {
    const s = makeTestArchive()
    const gitDir = path.resolve(s.dir, gitIn(path.join(s.dir, '.git'), ['rev-parse', '--git-dir']))
    const head = gitIn(gitDir, ['rev-parse', 'HEAD'])
    const settings = blob(gitDir, JSON.stringify({architectures: ['amd64'], plainIndexes: 'yes'}))
    const tree = withEntry(gitDir, gitIn(gitDir, ['rev-parse', 'HEAD^{tree}']), ['dists', 'production'], {mode: '100644', name: 'distribution.json', oid: settings})
    gitIn(gitDir, ['update-ref', 'HEAD', gitIn(gitDir, ['commit-tree', tree, '-p', head, '-m', 'innocent change'])])
    const res = raptr(['publish', '--sign-key', s.key, '--json'], {cwd: s.dir})
    expect(res.code).not.toBe(0)
    expect(`${res.stdout}${res.stderr}`).toMatch(/CORRUPT_ARCHIVE/)
    expect(`${res.stdout}${res.stderr}`).toMatch(/dists\/production\/distribution\.json.*plainIndexes/)
    expect(fs.existsSync(s.www)).toBe(false)
  })
})
