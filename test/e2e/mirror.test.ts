/**
 * raptr mirror against aptly as the oracle: one upstream (built here with dpkg-deb and
 * dpkg-source, indexed with apt-ftparchive, served over HTTP on 127.0.0.1), and for each
 * filter aptly's selection (`aptly mirror create -filter=… [-filter-with-deps]`, `aptly
 * mirror update`, `aptly mirror show -with-packages`) must be exactly raptr's (`raptr
 * mirror add --filter …`, `raptr mirror update`, `raptr package list -d DIST`). Then an
 * upstream that changes: update brings the distribution to exactly its new selection.
 */
import {execFileSync, spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb, buildSource, type DebSpec} from '../helpers/build-packages.js'
import {ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'

const ARCHS = ['amd64', 'arm64']

/** The upstream's binaries: Depends chains, Pre-Depends, alternatives, several versions, Priority fields, an `all` package, a udeb. */
const BINARIES: DebSpec[] = [
  {name: 'app', version: '1.0', arch: 'amd64', extraFields: {Depends: 'liba (>= 1.0), libb | libc', 'Pre-Depends': 'pre', Recommends: 'rec'}},
  {name: 'app', version: '1.0', arch: 'arm64', extraFields: {Depends: 'liba (>= 1.0)', 'Pre-Depends': 'pre'}},
  {name: 'app', version: '2.0', arch: 'amd64', extraFields: {Depends: 'liba (>= 1.1), tool-doc'}},
  {name: 'liba', version: '0.9', arch: 'amd64'},
  {name: 'liba', version: '1.1', arch: 'amd64', extraFields: {Depends: 'libd'}},
  {name: 'liba', version: '1.1', arch: 'arm64', extraFields: {Depends: 'libd'}},
  {name: 'libb', version: '1', arch: 'amd64'},
  {name: 'libc', version: '1', arch: 'amd64'},
  {name: 'libd', version: '1', arch: 'all'},
  {name: 'pre', version: '1', arch: 'amd64', extraFields: {Priority: 'required'}},
  {name: 'pre', version: '1', arch: 'arm64', extraFields: {Priority: 'required'}},
  {name: 'rec', version: '1', arch: 'amd64'},
  {name: 'base-files', version: '13', arch: 'amd64', extraFields: {Priority: 'required', Section: 'admin'}},
  {name: 'base-files', version: '13', arch: 'arm64', extraFields: {Priority: 'required', Section: 'admin'}},
  {name: 'tool-doc', version: '1:0.5', arch: 'all', extraFields: {Priority: 'extra', Section: 'doc'}},
  {name: 'hello', version: '2.0-1', arch: 'amd64', extraFields: {Section: 'utils'}},
  {name: 'hello-bin', version: '2.0-1', arch: 'amd64', extraFields: {Source: 'hello'}},
  {name: 'di-util', version: '1', arch: 'amd64', kind: 'udeb', extraFields: {Section: 'debian-installer'}},
]

/** Writes an apt-ftparchive repository of `debs` (and the source) under `root`, suite `stable`, component `main`. */
function index(root: string): void {
  const dist = path.join(root, 'dists/stable')
  for (const a of ARCHS) {
    // Installer packages sit in a pool directory of their own, indexed only under debian-installer/.
    for (const [dir, pool] of [[`main/binary-${a}`, 'pool/main'], [`main/debian-installer/binary-${a}`, 'pool/udeb']]) {
      fs.mkdirSync(path.join(dist, dir), {recursive: true})
      fs.mkdirSync(path.join(root, pool), {recursive: true})
      const out = execFileSync('apt-ftparchive', ['--arch', a, 'packages', pool], {cwd: root, env: {...process.env, LC_ALL: 'C'}, stdio: ['ignore', 'pipe', 'ignore']})
      fs.writeFileSync(path.join(dist, dir, 'Packages'), out)
    }
  }
  fs.mkdirSync(path.join(dist, 'main/source'), {recursive: true})
  fs.writeFileSync(path.join(dist, 'main/source/Sources'), execFileSync('apt-ftparchive', ['sources', 'pool/main'], {cwd: root, stdio: ['ignore', 'pipe', 'ignore']}))
  fs.rmSync(path.join(dist, 'Release'), {force: true})
  const release = execFileSync('apt-ftparchive', ['-o', 'APT::FTPArchive::Release::Suite=stable', '-o', 'APT::FTPArchive::Release::Components=main', '-o', `APT::FTPArchive::Release::Architectures=${ARCHS.join(' ')} source`, 'release', '.'], {cwd: dist})
  fs.writeFileSync(path.join(dist, 'Release'), release)
}

/** Builds the packages into `root/pool/main` and indexes them. */
async function buildUpstream(root: string, specs: DebSpec[], withSource: boolean): Promise<void> {
  const pool = path.join(root, 'pool/main')
  fs.mkdirSync(pool, {recursive: true})
  fs.mkdirSync(path.join(root, 'pool/udeb'), {recursive: true})
  await Promise.all(specs.map((s) => buildDeb(s.kind === 'udeb' ? path.join(root, 'pool/udeb') : pool, s)))
  if (withSource) await buildSource(pool, {name: 'hello', version: '2.0-1', binaries: ['hello', 'hello-bin']})
  index(root)
}

/**
 * Serves `root` over HTTP on 127.0.0.1 from a child process: the test runs aptly and
 * raptr synchronously, which would starve a server in the test's own event loop.
 */
async function serveDirectory(root: string): Promise<{url: string; close(): Promise<void>}> {
  const code = `
    const http = require('node:http'), fs = require('node:fs'), path = require('node:path')
    const base = path.resolve(process.argv[1])
    const server = http.createServer((req, res) => {
      const file = path.join(base, decodeURIComponent(new URL(req.url, 'http://x').pathname))
      if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end()
      const body = fs.readFileSync(file)
      res.writeHead(200, {'content-length': body.length})
      res.end(req.method === 'HEAD' ? undefined : body)
    })
    server.listen(0, '127.0.0.1', () => console.log(server.address().port))`
  const child = spawn(process.execPath, ['-e', code, root], {stdio: ['ignore', 'pipe', 'inherit']})
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))
    child.once('exit', (c) => reject(new Error(`the test server exited (${c})`)))
  })
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill()
    }),
  }
}

/** aptly's selection for a filter, as `name_version_arch` lines, sorted. */
function aptlySelection(work: string, name: string, url: string, args: string[]): string[] {
  const config = path.join(work, 'aptly.conf')
  if (!fs.existsSync(config)) fs.writeFileSync(config, JSON.stringify({rootDir: path.join(work, 'aptly'), architectures: [], dependencyFollowRecommends: false, dependencyFollowSuggests: false}))
  const run = (...a: string[]): string => {
    const res = sh('aptly', [`-config=${config}`, ...a])
    expect(res.code, `aptly ${a.join(' ')}: ${res.stderr}${res.stdout}`).toBe(0)
    return res.stdout
  }
  run('mirror', 'create', '-ignore-signatures', `-architectures=${ARCHS.join(',')}`, ...args, name, url, 'stable', 'main')
  run('mirror', 'update', '-ignore-signatures', name)
  const shown = run('mirror', 'show', '-with-packages', name)
  const lines = shown.slice(shown.indexOf('Packages:') + 'Packages:'.length).split('\n').map((l) => l.trim()).filter(Boolean)
  return lines.sort()
}

/** aptly's major.minor version, as a number (1.5). */
function aptlyVersion(): number {
  const m = /aptly version: (\d+)\.(\d+)/.exec(sh('aptly', ['version']).stdout)
  expect(m, 'aptly version').not.toBeNull()
  return Number(`${m![1]}.${m![2]}`)
}

/** raptr's selection: mirror add + update into DIST, then what DIST holds. */
function raptrSelection(dir: string, name: string, url: string, args: string[]): string[] {
  ok(['mirror', 'add', name, url, 'stable', '--to', name, '--architectures', ARCHS.join(','), ...args], {cwd: dir})
  ok(['mirror', 'update', name], {cwd: dir})
  // Every kind (binaries, all, udebs, sources) is recognised as there on the next run.
  expect(ok(['mirror', 'update', name], {cwd: dir}).stdout).toMatch(/already matches the upstream/)
  return okJson<Array<{name: string; version: string; architecture: string}>>(['package', 'list', '-d', name], {cwd: dir})
    .map((p) => `${p.name}_${p.version}_${p.architecture}`)
    .sort()
}

describe('raptr mirror selects what aptly selects', () => {
  let work: string
  let dir: string
  let server: {url: string; close(): Promise<void>}
  beforeAll(async () => {
    work = tempDir('raptr-mirror-')
    await buildUpstream(path.join(work, 'upstream'), BINARIES, true)
    server = await serveDirectory(path.join(work, 'upstream'))
    dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
  })
  afterAll(async () => {
    await server?.close()
    fs.rmSync(work, {recursive: true, force: true})
  })

  const cases: Array<{name: string; filter: string; aptly?: string[]; raptr?: string[]; atLeast: number; beyondAptly15?: string[]}> = [
    {name: 'glob', filter: 'Name (% lib*)', atLeast: 5},
    {name: 'version', filter: 'app (>= 2.0) | Version (<< 1.0)', atLeast: 2},
    {name: 'ops', filter: 'libb | !Name (% lib*), $Architecture (arm64)', atLeast: 4},
    {name: 'parens', filter: '(app | pre), !$Architecture (arm64)', atLeast: 3},
    {name: 'priority', filter: 'Priority (required)', atLeast: 4},
    {name: 'deps', filter: 'app (<< 2.0)', aptly: ['-filter-with-deps'], raptr: ['--follow-dependencies'], atLeast: 8},
    {name: 'deps-latest', filter: 'app (>= 2.0)', aptly: ['-filter-with-deps'], raptr: ['--follow-dependencies'], atLeast: 4},
    {
      name: 'kinds',
      filter: '$PackageType (source) | $PackageType (udeb) | hello-bin | Section (doc)',
      aptly: ['-with-sources', '-with-udebs'],
      raptr: ['--with-sources', '--with-udebs'],
      atLeast: 4,
    },
    // aptly before 1.6.0 left out the source of a binary named otherwise (fixed in aptly's
    // commit 0c76677b, "Fix -with-sources not downloading differently named sources");
    // raptr does what 1.6.0 does, so against an older aptly that source is the one difference.
    {name: 'sources-of', filter: 'hello-bin', aptly: ['-with-sources'], raptr: ['--with-sources'], atLeast: 1, beyondAptly15: ['hello_2.0-1_source']},
  ]
  for (const c of cases) {
    it(`${c.name}: ${c.filter}${c.raptr ? ` ${c.raptr.join(' ')}` : ''}`, () => {
      const theirs = aptlySelection(work, c.name, `${server.url}/`, [`-filter=${c.filter}`, ...(c.aptly ?? [])])
      expect(theirs.length, theirs.join(' ')).toBeGreaterThanOrEqual(c.atLeast)
      const fixed = c.beyondAptly15 && aptlyVersion() < 1.6 ? c.beyondAptly15 : []
      expect(raptrSelection(dir, c.name, server.url, ['--filter', c.filter, ...(c.raptr ?? [])])).toEqual([...theirs, ...fixed].sort())
    })
  }
})

describe('raptr mirror update follows an upstream that changes', () => {
  let work: string
  let dir: string
  let server: {url: string; close(): Promise<void>}
  const upstream = (): string => path.join(work, 'upstream')
  const head = (): string => sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()
  const listed = (): string[] =>
    okJson<Array<{name: string; version: string; architecture: string}>>(['package', 'list', '-d', 'stable'], {cwd: dir})
      .map((p) => `${p.name}_${p.version}_${p.architecture}`)
      .sort()
  const first = BINARIES.filter((b) => !b.kind && ['app', 'liba', 'libb', 'pre', 'base-files'].includes(b.name))

  beforeAll(async () => {
    work = tempDir('raptr-mirror-')
    await buildUpstream(upstream(), first, false)
    server = await serveDirectory(upstream())
    dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
  })
  afterAll(async () => {
    await server?.close()
    fs.rmSync(work, {recursive: true, force: true})
  })

  it('adds what appeared and unlinks what disappeared, in one commit; --dry-run and a second run change nothing', async () => {
    ok(['mirror', 'add', 'up', server.url, 'stable', '--to', 'stable', '--filter', '!base-files'], {cwd: dir})
    const res = okJson<{added: unknown[]; removed: unknown[]; snapshot: string}>(['mirror', 'update', 'up'], {cwd: dir})
    expect(res.added).toHaveLength(first.length - 2)
    expect(res.removed).toEqual([])
    const before = listed()
    expect(before).not.toContain('base-files_13_amd64')

    // The upstream drops liba 0.9 and libb, and gains three packages (one of them filtered out by nothing, one a new version).
    const pool = path.join(upstream(), 'pool/main')
    for (const f of fs.readdirSync(pool)) if (/^(liba_0\.9|libb_1)_/.test(f)) fs.rmSync(path.join(pool, f))
    await Promise.all([
      buildDeb(pool, {name: 'libc', version: '1', arch: 'amd64'}),
      buildDeb(pool, {name: 'app', version: '3.0', arch: 'arm64'}),
      buildDeb(pool, {name: 'libd', version: '1', arch: 'all'}),
    ])
    index(upstream())
    const expected = [...before.filter((p) => !/^(liba_0\.9|libb_1)_/.test(p)), 'libc_1_amd64', 'app_3.0_arm64', 'libd_1_all'].sort()

    const h0 = head()
    // A run that fails half-way (a pool file the index lists is missing) changes nothing; once it is back, the update goes through.
    const libc = fs.readdirSync(pool).find((f) => f.startsWith('libc_'))!
    fs.renameSync(path.join(pool, libc), path.join(work, libc))
    const broken = raptr(['mirror', 'update', 'up'], {cwd: dir})
    expect(broken.code, broken.stderr).toBe(2)
    expect(broken.stderr).toMatch(/libc_1_amd64\.deb is missing/)
    expect(head()).toBe(h0)
    expect(listed()).toEqual(before)
    fs.renameSync(path.join(work, libc), path.join(pool, libc))

    const dry = okJson<{added: Array<{name: string; version: string}>; removed: Array<{name: string; version: string}>; dryRun: boolean}>(['mirror', 'update', 'up', '--dry-run'], {cwd: dir})
    expect(dry.dryRun).toBe(true)
    expect(dry.added.map((p) => `${p.name} ${p.version}`)).toEqual(['app 3.0', 'libc 1', 'libd 1'])
    expect(dry.removed.map((p) => `${p.name} ${p.version}`)).toEqual(['liba 0.9', 'libb 1'])
    expect(head()).toBe(h0)
    expect(listed()).toEqual(before)
    const text = ok(['mirror', 'update', 'up', '--dry-run'], {cwd: dir}).stdout
    expect(text).toMatch(/would add 3 and remove 2/)
    expect(text).toMatch(/^- libb 1 amd64 \(main\)$/m)

    const upd = okJson<{added: unknown[]; removed: unknown[]; snapshot: string}>(['mirror', 'update', 'up'], {cwd: dir})
    expect([upd.added.length, upd.removed.length]).toEqual([3, 2])
    expect(head()).not.toBe(h0)
    expect(sh('git', ['rev-list', '--count', `${h0}..HEAD`], {cwd: dir}).stdout.trim()).toBe('1')
    expect(listed()).toEqual(expected)
    // The files stay in the archive until purge: only the links went.
    expect(okJson<unknown[]>(['package', 'list'], {cwd: dir}).length).toBe(expected.length + 2)

    const h1 = head()
    const again = ok(['mirror', 'update', 'up'], {cwd: dir}).stdout
    expect(again).toMatch(/already matches the upstream.*nothing to do/)
    expect(head()).toBe(h1)

    const log = okJson<Array<{type: string; payload: {name: string; added: Array<{name: string}>; removed: Array<{name: string}>}}>>(['log', '--event', 'MirrorUpdated'], {cwd: dir})
    expect(log).toHaveLength(2)
    expect(log[0].payload.name).toBe('up')
    expect(log[0].payload.added.map((p) => p.name).sort()).toEqual(['app', 'libc', 'libd'])
    expect(log[0].payload.removed.map((p) => p.name).sort()).toEqual(['liba', 'libb'])
  })

  it('lists, shows and removes mirrors; refuses a bad filter and an unknown mirror', () => {
    const list = okJson<Array<{name: string; filter: string}>>(['mirror', 'list'], {cwd: dir})
    expect(list.map((m) => [m.name, m.filter])).toEqual([['up', '!base-files']])
    expect(ok(['mirror', 'show', 'up'], {cwd: dir}).stdout).toMatch(/^filter: +!base-files$/m)
    const bad = raptr(['mirror', 'add', 'x', server.url, 'stable', '--to', 'x', '--filter', 'app (>= 1.0'], {cwd: dir})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/invalid filter at column 12/)
    const unknown = raptr(['mirror', 'update', 'nope'], {cwd: dir})
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no mirror named "nope"/)
    // package search takes the same expressions; today's name globs keep working beside it.
    const search = (args: string[]): string[] => okJson<Array<{name: string; version: string; architecture: string}>>(['package', 'search', ...args], {cwd: dir}).map((p) => `${p.name}_${p.version}_${p.architecture}`)
    expect(search(['--filter', 'Name (% lib*), !libb', '-d', 'stable'])).toEqual(['liba_1.1_amd64', 'liba_1.1_arm64', 'libc_1_amd64', 'libd_1_all'])
    expect(search(['app', '--filter', '$Version (>> 1.0), $Architecture (arm64)'])).toEqual(['app_3.0_arm64'])
    expect(search(['lib?'])).toEqual(['liba_0.9_amd64', 'liba_1.1_amd64', 'liba_1.1_arm64', 'libb_1_amd64', 'libc_1_amd64', 'libd_1_all'])
    const badSearch = raptr(['package', 'search', '--filter', 'Name (% lib*'], {cwd: dir})
    expect(badSearch.code).toBe(2)
    expect(badSearch.stderr).toMatch(/invalid filter at column 13/)
    expect(raptr(['package', 'search'], {cwd: dir}).code).toBe(2)
    ok(['mirror', 'remove', 'up'], {cwd: dir})
    expect(okJson<unknown[]>(['mirror', 'list'], {cwd: dir})).toEqual([])
    expect(ok(['mirror', 'remove', 'up'], {cwd: dir}).stdout).toMatch(/nothing to do/)
  })
})
