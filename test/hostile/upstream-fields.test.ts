/**
 * An upstream repository is untrusted: every field `raptr import` carries over (the
 * Release's Suite, Codename, Architectures and Components; each package's Filename,
 * Package, Version and Architecture) must fit the grammar of what it becomes. A
 * hostile value refuses the whole import with one line naming the field and the URL,
 * exit 2, and nothing is written: no commit, no blob cache file, no distribution,
 * nothing outside the archive. The repository is served by hand over HTTP on 127.0.0.1.
 */
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, ok, okJson, raptrAsync, tempDir} from '../helpers/cli.js'

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

interface Variant {
  release?: Record<string, string>
  stanza?: Record<string, string>
  /** A Sources stanza to serve as well (main/source/Sources). */
  source?: Record<string, string>
}

/** Every file under `dir` (relative paths), or [] when it does not exist. */
function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, {recursive: true, withFileTypes: true}).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort()
}

describe('importing from a hostile upstream', () => {
  let work: string
  let dir: string
  let deb: Buffer
  let server: http.Server
  let url: string
  // What the server serves now: path under the repository root → bytes.
  let served = new Map<string, Buffer>()
  // Every path the server was asked for, in order.
  let requested: string[] = []

  /** Serves a repository whose Release and one Packages stanza carry `v`'s fields over the honest ones. */
  function serve(v: Variant = {}): void {
    const stanza: Record<string, string> = {
      Package: 'good',
      Version: '1.0-1',
      Architecture: 'amd64',
      Maintainer: 'Raptr Tests <tests@example.org>',
      Filename: 'pool/main/g/good/good_1.0-1_amd64.deb',
      Size: String(deb.length),
      SHA256: sha256(deb),
      Description: 'a package',
      ...v.stanza,
    }
    const packages = Buffer.from(`${Object.entries(stanza).map(([k, val]) => `${k}: ${val}`).join('\n')}\n`)
    const release: Record<string, string> = {Origin: 'Upstream', Suite: 'stable', Codename: 'bookworm', Architectures: 'amd64', Components: 'main', ...v.release}
    const sources = v.source
      ? Buffer.from(`${Object.entries({Package: 'good', Version: '1.0-1', Directory: 'pool/main/g/good', 'Checksums-Sha256': `\n ${'0'.repeat(64)} 10 good_1.0-1.dsc`, ...v.source}).map(([k, val]) => `${k}: ${val}`).join('\n')}\n`)
      : undefined
    const sourcesEntry = sources ? ` ${sha256(sources)} ${sources.length} main/source/Sources\n` : ''
    const text = `${Object.entries(release).map(([k, val]) => `${k}: ${val}`).join('\n')}\nSHA256:\n ${sha256(packages)} ${packages.length} main/binary-amd64/Packages\n${sourcesEntry}`
    served = new Map([
      ...(sources ? [['dists/stable/main/source/Sources', sources] as [string, Buffer]] : []),
      ['dists/stable/Release', Buffer.from(text)],
      ['dists/stable/main/binary-amd64/Packages', packages],
      [stanza.Filename, deb],
      ['pool/main/g/good/good_1.0-1_amd64.deb', deb],
    ])
  }

  beforeAll(async () => {
    work = tempDir('raptr-up-')
    dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
    deb = fs.readFileSync(await buildDeb(work, {name: 'good', version: '1.0-1', arch: 'amd64'}))
    server = http.createServer((req, res) => {
      const p = decodeURIComponent(new URL(req.url!, 'http://x').pathname).replace(/^\/up\//, '')
      requested.push(p)
      const body = served.get(p)
      if (!body) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, {'content-length': body.length}).end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/up`
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    fs.rmSync(work, {recursive: true, force: true})
  })

  /** Runs the import of what `serve` set up and expects the refusal the project wants. */
  async function refused(field: string, v: Variant): Promise<string> {
    serve(v)
    const before = archiveState(dir)
    const blobs = files(path.join(dir, '.git/raptr/blobs'))
    const outside = files(work).filter((f) => !f.startsWith('repo/'))
    const res = await raptrAsync(['import', url, 'stable', '--to', 'imported'], {cwd: dir})
    expect(res.code, res.stderr).toBe(2)
    // The error is one line.
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('raptr: '))
    expect(lines, res.stderr).toHaveLength(1)
    expect(lines[0]).toContain(`${url} dists/stable/`)
    expect(lines[0]).toContain(field)
    expect(lines[0].length).toBeLessThan(400)
    expect(res.stderr).not.toMatch(/ENAMETOOLONG|at .+\.js:\d+/)
    expect(archiveState(dir)).toEqual(before)
    expect(files(path.join(dir, '.git/raptr/blobs'))).toEqual(blobs)
    expect(files(work).filter((f) => !f.startsWith('repo/'))).toEqual(outside)
    expect(okJson<any[]>(['distribution', 'list'], {cwd: dir}).map((d) => d.name)).not.toContain('imported')
    return lines[0]
  }

  // Enough '..' to leave any directory for the system's temporary directory.
  const escape = `${'../'.repeat(30)}${os.tmpdir().slice(1)}/raptr-escape`

  it('traversal in Architectures', async () => {
    expect(await refused('Architectures', {release: {Architectures: `amd64 ${escape}`}})).toContain('invalid architecture')
    await refused('Architectures', {release: {Architectures: 'a'.repeat(300)}})
  })

  it('traversal in Components', async () => {
    expect(await refused('Components', {release: {Components: `main ${escape}`}})).toContain('invalid category name')
    await refused('Components', {release: {Components: `main ${'c'.repeat(65)}`}})
  })

  it('traversal in Suite and Codename', async () => {
    await refused('Suite', {release: {Suite: escape}})
    await refused('Codename', {release: {Codename: '..'}})
    await refused('Codename', {release: {Codename: 'x'.repeat(300)}})
  })

  it('traversal in Filename, as a path and as the file name saved', async () => {
    expect(await refused('Filename is an unsafe path', {stanza: {Filename: `pool/${escape}.deb`}})).toContain('Packages: Filename')
    await refused('Filename', {stanza: {Filename: 'pool/main/g/good/.hidden.deb'}})
    await refused('Filename', {stanza: {Filename: `pool/main/g/good/${'f'.repeat(300)}.deb`}})
  })

  it('a Package, Version or Architecture that does not fit its grammar', async () => {
    await refused('Package', {stanza: {Package: '../evil'}})
    await refused('Package', {stanza: {Package: `p${'k'.repeat(96)}`}})
    await refused('Version', {stanza: {Version: '1.0/../../x'}})
    await refused('Version', {stanza: {Version: `1${'0'.repeat(200)}`}})
    await refused('Architecture', {stanza: {Architecture: '../amd64'}})
  })

  it('a Sources stanza: traversal in Directory or a listed file, a bad source name or version', async () => {
    await refused('Sources: Directory is an unsafe path', {source: {Directory: `pool/${escape}`}})
    await refused('unsafe file name', {source: {'Checksums-Sha256': `\n ${'0'.repeat(64)} 10 ../good_1.0-1.dsc`}})
    await refused('Package', {source: {Package: '../good'}})
    await refused('Version', {source: {Version: '1.0 evil'}})
  })

  it('a pool file listed past the pool-file cap, or with a Size that is no size: refused before any pool file is read', async () => {
    requested = []
    expect(await refused('listed at 99999999999999 bytes', {stanza: {Size: '99999999999999'}})).toMatch(/more than 16 GiB$/)
    await refused('Size', {stanza: {Size: '1e99'}})
    await refused('Size', {stanza: {Size: '-1'}})
    expect(requested.filter((p) => p.startsWith('pool/'))).toEqual([])
  })

  it('the honest repository imports, and nothing of the refused ones is in the archive', async () => {
    expect(fs.existsSync(path.join(os.tmpdir(), 'raptr-escape'))).toBe(false)
    serve()
    const res = await raptrAsync(['import', url, 'stable', '--to', 'imported', '--json'], {cwd: dir})
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({components: ['main'], architectures: ['amd64'], downloaded: 1})
    expect(okJson<any[]>(['package', 'list', '-d', 'imported'], {cwd: dir}).map((p) => `${p.name} ${p.version} ${p.architecture ?? p.arch}`)).toEqual(['good 1.0-1 amd64'])
  })
})
