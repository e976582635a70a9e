import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient, gpgv} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, sh, tempDir} from '../helpers/cli.js'
import {fileTree} from '../helpers/published-archive.js'
import {readIndex} from '../helpers/indexes.js'

/**
 * The parts of the Debian archive format beyond Packages and Sources, read by the real
 * apt and apt-file: installer packages, Contents, Release fields, a Suite other than the
 * name, nested components.
 */
interface Setup {
  work: string
  dir: string
  www: string
  key: string
  pkgs: string
}

function aptFor(s: Setup, suite: string, component: string): AptClient {
  const apt = new AptClient()
  apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] file://${s.www} ${suite} ${component}`, path.join(s.www, 'raptr.gpg'))
  return apt
}

function releaseOf(s: Setup, dir: string): string {
  return fs.readFileSync(path.join(s.www, 'dists', dir, 'Release'), 'utf8')
}

describe('the Debian archive format', () => {
  let s: Setup
  const clients: AptClient[] = []
  beforeAll(async () => {
    const work = tempDir()
    s = {work, dir: path.join(work, 'repo'), www: path.join(work, 'www'), key: path.join(work, 'signing.asc'), pkgs: path.join(work, 'pkgs')}
    fs.mkdirSync(s.pkgs)
    ok(['init', s.dir], {cwd: work})
    ok(['key', 'generate', '--name', 'raptr tests', '--email', 'tests@example.org', '--out', s.key], {cwd: work})
    ok(['distribution', 'add', 'bookworm', '--architectures', 'amd64', '--suite', 'stable', '--version', '12.4', '--origin', 'ACME', '--valid-for', '7d', '--but-automatic-upgrades'], {cwd: s.dir})
    ok(['category', 'add', 'main', '--to', 'bookworm'], {cwd: s.dir})
    ok(['category', 'add', 'updates/main', '--to', 'bookworm'], {cwd: s.dir})
    ok(['backend', 'add', 'local', `file://${s.www}`], {cwd: s.dir})
    const [deb, udeb, ddeb, fix] = await Promise.all([
      buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64'}),
      buildDeb(s.pkgs, {name: 'hello-udeb', version: '1.0-1', arch: 'amd64', kind: 'udeb', extraFields: {Section: 'debian-installer'}}),
      buildDeb(s.pkgs, {name: 'hello-dbgsym', version: '1.0-1', arch: 'amd64', kind: 'ddeb', extraFields: {Section: 'debug'}}),
      buildDeb(s.pkgs, {name: 'hello-security', version: '1.0-2', arch: 'amd64'}),
    ])
    ok(['package', 'add', deb, udeb, ddeb, '--category', 'main', '--link', 'bookworm'], {cwd: s.dir})
    ok(['package', 'add', fix, '--category', 'updates/main', '--link', 'bookworm'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
  })
  afterAll(() => {
    for (const c of clients) c.cleanup()
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('lists a .udeb only in debian-installer/binary-ARCH, and apt with the ordinary line neither sees nor warns about it', () => {
    const main = path.join(s.www, 'dists/bookworm/main')
    const ordinary = readIndex(path.join(main, 'binary-amd64/Packages'))
    const installer = readIndex(path.join(main, 'debian-installer/binary-amd64/Packages'))
    expect(ordinary).not.toContain('hello-udeb')
    expect(installer).toMatch(/^Package: hello-udeb$/m)
    expect(installer).toMatch(/^Filename: pool\/.+\.udeb$/m)
    expect(execFileSync('xz', ['-dc', path.join(main, 'debian-installer/binary-amd64/Packages.xz')]).toString()).toBe(installer)
    const release = releaseOf(s, 'bookworm')
    for (const f of ['Packages', 'Packages.gz', 'Packages.xz']) expect(release).toContain(` main/debian-installer/binary-amd64/${f}\n`)
    // .ddeb files stay in the ordinary index, as Ubuntu's debug archive has them
    expect(ordinary).toMatch(/^Package: hello-dbgsym$/m)
    const apt = aptFor(s, 'bookworm', 'main')
    clients.push(apt)
    apt.update()
    expect(apt.packageNames()).toEqual(['hello', 'hello-dbgsym'])
  })

  it('Release carries the fields set; Valid-Until only on the live Release, never on the pinned one', () => {
    const release = releaseOf(s, 'bookworm')
    expect(release).toMatch(/^Origin: ACME\nSuite: stable\nVersion: 12\.4\nCodename: bookworm\nDate: .+ UTC\nValid-Until: .+ UTC\nButAutomaticUpgrades: yes\n/)
    const date = Date.parse(/^Date: (.+)$/m.exec(release)![1].replace('UTC', 'GMT'))
    const until = Date.parse(/^Valid-Until: (.+)$/m.exec(release)![1].replace('UTC', 'GMT'))
    expect(until - date).toBe(7 * 86_400_000)
    const pinned = fs.readdirSync(path.join(s.www, 'dists/snapshots'))
    expect(pinned).toHaveLength(1)
    const pinnedRelease = releaseOf(s, `snapshots/${pinned[0]}/bookworm`)
    expect(pinnedRelease).toContain('Codename: bookworm\n')
    expect(pinnedRelease).not.toContain('Valid-Until')
  })

  it('apt reads a distribution whose Suite differs from its Codename through either name', () => {
    const live = path.join(s.www, 'dists/stable')
    expect(gpgv(path.join(s.www, 'raptr.gpg'), path.join(live, 'InRelease')).code).toBe(0)
    for (const suite of ['bookworm', 'stable']) {
      const apt = aptFor(s, suite, 'main')
      clients.push(apt)
      apt.update()
      expect(apt.packageNames(), suite).toContain('hello')
      const file = apt.download('hello')
      expect(fs.readFileSync(file).equals(fs.readFileSync(path.join(s.pkgs, 'hello_1.0-1_amd64.deb')))).toBe(true)
    }
  })

  it('a nested category publishes under dists/DIST/updates/main and apt reads "deb URL DIST updates/main"', () => {
    expect(releaseOf(s, 'bookworm')).toMatch(/^Components: main updates\/main$/m)
    expect(fs.existsSync(path.join(s.www, 'dists/bookworm/updates/main/binary-amd64/Packages.xz'))).toBe(true)
    const apt = aptFor(s, 'bookworm', 'updates/main')
    clients.push(apt)
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-security'])
    expect(path.basename(apt.download('hello-security'))).toBe('hello-security_1.0-2_amd64.deb')
    expect(okJson<any[]>(['category', 'list'], {cwd: s.dir}).map((c) => c.name)).toEqual(['main', 'updates/main'])
  })

  it('apt-file, in an isolated apt configuration, finds a file of a published package in Contents-ARCH.gz', () => {
    const contents = zlib.gunzipSync(fs.readFileSync(path.join(s.www, 'dists/bookworm/main/Contents-amd64.gz'))).toString()
    expect(contents).toMatch(/^usr\/share\/doc\/hello\/payload +misc\/hello$/m)
    expect(contents).not.toContain('hello-udeb')
    const udebContents = zlib.gunzipSync(fs.readFileSync(path.join(s.www, 'dists/bookworm/main/Contents-udeb-amd64.gz'))).toString()
    expect(udebContents).toMatch(/^usr\/share\/doc\/hello-udeb\/payload +debian-installer\/hello-udeb$/m)
    expect(releaseOf(s, 'bookworm')).toContain(' main/Contents-amd64.gz\n')

    const apt = aptFor(s, 'bookworm', 'main')
    clients.push(apt)
    // apt-file's own index targets, in the client's configuration only; apt-file runs
    // apt-get itself, so the configuration goes in a file APT_CONFIG names.
    fs.copyFileSync('/etc/apt/apt.conf.d/50apt-file.conf', path.join(apt.root, 'etc/apt.conf.d/50apt-file.conf'))
    const opts = apt.options()
    const conf = path.join(apt.root, 'apt.conf')
    const lines: string[] = []
    for (let i = 0; i < opts.length; i += 2) {
      const [k, v] = opts[i + 1].split(/=(.*)/s)
      lines.push(`${k} "${v}";`)
    }
    fs.writeFileSync(conf, `${lines.join('\n')}\n`)
    const env = {LC_ALL: 'C', APT_CONFIG: conf}
    const update = sh('apt-get', ['update'], {env})
    expect(update.code, update.stdout + update.stderr).toBe(0)
    expect(`${update.stdout}\n${update.stderr}`.split('\n').filter((l) => /^(W|E|Err):/.test(l))).toEqual([])
    expect(update.stdout).toMatch(/Contents/)
    const found = sh('apt-file', ['search', '/usr/share/doc/hello/payload'], {env})
    expect(found.code, found.stderr).toBe(0)
    expect(found.stdout.trim()).toBe('hello: /usr/share/doc/hello/payload')
  })

  it('publish --refresh re-signs the live Releases with a new Date and Valid-Until, writing only the Release files', async () => {
    const before = fileTree(s.www)
    const old = releaseOf(s, 'bookworm')
    await new Promise((r) => setTimeout(r, 1100)) // a Date one second later at least
    ok(['publish', '--refresh', '--sign-key', s.key], {cwd: s.dir})
    const after = fileTree(s.www)
    const changed = [...after.keys()].filter((k) => before.get(k) !== after.get(k)).sort()
    const release = ['InRelease', 'Release', 'Release.gpg']
    expect(changed.filter((k) => !k.startsWith('raptr/log/'))).toEqual([...release.map((f) => `dists/bookworm/${f}`), ...release.map((f) => `dists/stable/${f}`)])
    expect(changed.filter((k) => k.startsWith('raptr/log/'))).toHaveLength(1)
    const now = releaseOf(s, 'bookworm')
    const strip = (t: string) => t.replace(/^(Date|Valid-Until): .*$/gm, '')
    expect(strip(now)).toBe(strip(old))
    expect(now).not.toBe(old)
    const date = Date.parse(/^Date: (.+)$/m.exec(now)![1].replace('UTC', 'GMT'))
    expect(Date.parse(/^Valid-Until: (.+)$/m.exec(now)![1].replace('UTC', 'GMT')) - date).toBe(7 * 86_400_000)
    expect(gpgv(path.join(s.www, 'raptr.gpg'), path.join(s.www, 'dists/bookworm/InRelease')).code).toBe(0)
    const apt = aptFor(s, 'stable', 'main')
    clients.push(apt)
    apt.update()
    expect(apt.packageNames()).toContain('hello')
    // verify knows the Contents indexes, the debian-installer ones and the Suite's directory
    const verified = okJson(['verify', '--deep'], {cwd: s.dir})
    expect(verified.results[0], JSON.stringify(verified.results[0].problems)).toMatchObject({healthy: true, problems: []})
  })

  it('--no-contents turns Contents off; the next publish lists none', () => {
    ok(['distribution', 'set', 'bookworm', '--no-contents'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    expect(releaseOf(s, 'bookworm')).not.toContain('Contents-')
    expect(releaseOf(s, 'stable')).not.toContain('Contents-')
    ok(['distribution', 'set', 'bookworm', '--contents'], {cwd: s.dir})
  })
})

describe('Contents after a small change', () => {
  it('after adding one package to a large-ish distribution, the publish recompresses only the changed Contents pieces, and the index stays sorted by path', async () => {
    const work = tempDir()
    try {
      const dir = path.join(work, 'repo')
      const pkgs = path.join(work, 'pkgs')
      fs.mkdirSync(pkgs)
      ok(['init', dir], {cwd: work})
      ok(['distribution', 'add', 'production', '--architectures', 'amd64'], {cwd: dir})
      ok(['category', 'add', 'main', '--to', 'production'], {cwd: dir})
      ok(['backend', 'add', 'local', `file://${path.join(work, 'www')}`], {cwd: dir})
      const n = 24
      const built = await Promise.all(Array.from({length: n}, (_, i) => buildDeb(pkgs, {name: `pkg${i}`, version: '1.0', arch: i % 3 === 0 ? 'all' : 'amd64'})))
      ok(['package', 'add', ...built, '--category', 'main', '--link', 'production'], {cwd: dir})
      ok(['publish', '--no-sign'], {cwd: dir})
      const one = await buildDeb(pkgs, {name: 'newcomer', version: '1.0', arch: 'amd64'})
      ok(['package', 'add', one, '--category', 'main', '--link', 'production'], {cwd: dir})
      const res = ok(['publish', '--no-sign'], {cwd: dir, env: {RAPTR_DEBUG_TIMING: '1'}})
      const m = /pieces \(contents-piece\): (\d+) memoized, (\d+) made/.exec(res.stderr)
      expect(m, res.stderr).not.toBeNull()
      const [memoized, made] = [Number(m![1]), Number(m![2])]
      // the new package's shard, and the shard after it (its deflate stream is primed by the text before it)
      expect(made).toBeGreaterThanOrEqual(1)
      expect(made).toBeLessThanOrEqual(2)
      expect(memoized).toBeGreaterThan(n / 2)
      const contents = zlib.gunzipSync(fs.readFileSync(path.join(work, 'www/dists/production/main/Contents-amd64.gz'))).toString()
      expect(contents.split('\n').filter((l) => /^usr\/share\/doc\/[^/]+\/payload /.test(l))).toHaveLength(n + 1)
      expect(contents).toMatch(/^usr\/share\/doc\/newcomer\/payload +misc\/newcomer$/m)
      // Sorted by path over the whole index (as Debian's are), not shard by shard.
      const paths = contents.split('\n').filter(Boolean).map((l) => l.slice(0, l.lastIndexOf(' ')).trimEnd())
      expect(paths).toEqual([...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
      expect(new Set(paths).size).toBe(paths.length)
      const c = /contents chunks: (\d+) memoized, (\d+) compressed/.exec(res.stderr)
      expect(c, res.stderr).not.toBeNull()
      expect(Number(c![2])).toBeLessThanOrEqual(2)
    } finally {
      fs.rmSync(work, {recursive: true, force: true})
    }
  })
})
