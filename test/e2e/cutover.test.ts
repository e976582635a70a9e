/**
 * The cut-over oracle: a repository published by aptly and one published by reprepro,
 * each signed with its own GnuPG key, are read by real apt clients over HTTP; raptr
 * imports each, publishes it signed with its own key, the served root is swapped in place
 * (same URL), and the same clients update again. A cut-over is correct when apt says
 * nothing (no W:/E:/Err: line: no changed Origin/Label/Suite/Codename, no missing file,
 * no bad signature) and every package, binary and source, downloads with the same SHA256
 * as before. Clients trust both keys before the swap, as a real cut-over ships raptr's
 * key first (docs/coming-from.md).
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient, availableBinaries} from '../helpers/apt.js'
import {buildDeb, buildSource} from '../helpers/build-packages.js'
import {ok, okJson, sh, tempDir} from '../helpers/cli.js'
import {TRIXIE_BUILD_TIMEOUT, TrixieApt, trixieRoot} from '../helpers/trixie.js'

/** Two real repositories, six apt clients' updates and every download: generous, for a shared machine. */
const CUTOVER_TIMEOUT = 300_000

/** The Release fields a client remembers between updates, or that change what it installs. */
const CARRIED = ['Origin', 'Label', 'Suite', 'Codename', 'Version', 'Description', 'NotAutomatic', 'ButAutomaticUpgrades'] as const

// A static file server in its own process: the host's apt-get runs synchronously, and a
// server on this process's event loop would never answer it. It serves the literal file
// a request names after percent-decoding (`:` of an epoch, `+`, `~`), through the
// symlink `root` on every request, so the served tree can be swapped under one URL.
const SERVER = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path')
const base = path.resolve(process.argv[1]), log = process.argv[2]
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname)
  const file = path.join(base, rel)
  fs.appendFileSync(log, req.method + ' ' + rel + '\\n')
  let body
  try { if (!file.startsWith(base + path.sep) || !fs.statSync(file).isFile()) throw 0; body = fs.readFileSync(file) } catch { return void res.writeHead(404).end() }
  res.writeHead(200, {'content-length': body.length})
  res.end(req.method === 'HEAD' ? undefined : body)
})
server.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + server.address().port + '\\n'))
`

interface Server {
  url: string
  /** Every request path so far, percent-decoded, as the server saw it (written before it answers). */
  requests(): string[]
  child: ChildProcess
}

async function serve(root: string, log: string): Promise<Server> {
  fs.writeFileSync(log, '')
  const child = spawn(process.execPath, ['-e', SERVER, root, log], {stdio: ['ignore', 'pipe', 'inherit']})
  let buffered = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the file server exited ${code}`)))
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString('utf8')
      const port = /^PORT (\d+)$/m.exec(buffered)
      if (port) resolve(`http://127.0.0.1:${port[1]}`)
    })
  })
  const requests = () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, ''))
  return {url, requests, child}
}

/** Points `link` at `target` in one rename: the swap a web server's root sees. */
function swapRoot(link: string, target: string): void {
  const next = `${link}.next`
  fs.rmSync(next, {force: true})
  fs.symlinkSync(target, next)
  fs.renameSync(next, link)
}

function gpg(home: string, ...args: string[]): Buffer {
  return execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {stdio: ['ignore', 'pipe', 'pipe']})
}

/** A GnuPG home with one signing key, as the old repository's operators had; returns its fingerprint and exported public key. */
function oldKey(work: string, who: string): {home: string; fingerprint: string; keyring: string} {
  fs.mkdirSync(work, {recursive: true})
  const home = fs.mkdtempSync(path.join(work, 'gnupg-'))
  gpg(home, '--quick-gen-key', `${who} <${who.toLowerCase()}@example.org>`, 'ed25519', 'sign', 'never')
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(gpg(home, '--list-keys', '--with-colons').toString('utf8'))![1]
  const keyring = path.join(work, `${who.toLowerCase()}.gpg`)
  fs.writeFileSync(keyring, gpg(home, '--export', fingerprint))
  return {home, fingerprint, keyring}
}

/** The packages every old repository holds: an epoch, `~` and `+` in versions, all/amd64/arm64, a source package. */
async function buildPackages(dir: string): Promise<{debs: string[]; dsc: string}> {
  fs.mkdirSync(dir, {recursive: true})
  const debs = await Promise.all([
    buildDeb(dir, {name: 'hello', version: '2:1.0-1', arch: 'amd64'}),
    buildDeb(dir, {name: 'hello', version: '2:1.0-1', arch: 'arm64'}),
    buildDeb(dir, {name: 'tool', version: '1.0~rc1+dfsg-1', arch: 'amd64', compression: 'gzip'}),
    buildDeb(dir, {name: 'tool', version: '1.0~rc1+dfsg-1', arch: 'arm64', compression: 'zstd'}),
    buildDeb(dir, {name: 'tool-common', version: '1.0~rc1+dfsg-1', arch: 'all'}),
  ])
  const src = await buildSource(dir, {name: 'tool', version: '1.0~rc1+dfsg-1', binaries: ['tool', 'tool-common']})
  return {debs, dsc: src.dsc}
}

/** A Release file's single-line fields; none when it is missing (a suite published under one name only). */
function release(file: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (!fs.existsSync(file)) return out
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^([A-Za-z-]+): (.*)$/gm)) out[m[1]] = m[2]
  return out
}

function carried(fields: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(CARRIED.map((k) => [k, fields[k]]))
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

function strict(what: string, res: {code: number; stdout: string; stderr: string}): void {
  if (res.code !== 0 || /^(W|E|Err):/m.test(`${res.stdout}\n${res.stderr}`)) throw new Error(`${what} failed (exit ${res.code}):\n${res.stdout}\n${res.stderr}`)
}

/** One host apt client of the old repository: `deb` and `deb-src` lines, trusting `keyring` by Signed-By. */
class Client {
  readonly apt: AptClient
  constructor(
    readonly arch: string,
    private readonly line: string,
  ) {
    this.apt = new AptClient({arch})
  }

  /** Replaces the client's keyring (what a keyring package or config management does) and its sources. */
  trust(keyrings: string[]): void {
    const key = path.join(this.apt.root, 'etc/keyrings.gpg')
    fs.writeFileSync(key, Buffer.concat(keyrings.map((k) => fs.readFileSync(k))))
    const list = ['deb', 'deb-src'].map((type) => `${type} [signed-by=${key}] ${this.line}`)
    fs.writeFileSync(path.join(this.apt.root, 'etc/sources.list'), `${list.join('\n')}\n`)
  }

  /** name version arch → SHA256 of every binary package apt knows (apt-cache dumpavail). */
  binaries(): Map<string, string> {
    return availableBinaries(this.apt)
  }

  /** name version → the Checksums-Sha256 apt knows of each source package (apt-cache showsrc). */
  sources(names: string[]): Map<string, string> {
    const out = new Map<string, string>()
    for (const name of names) {
      const res = sh('apt-cache', [...this.apt.options(), 'showsrc', name], {env: {LC_ALL: 'C'}})
      expect(res.code, res.stderr).toBe(0)
      for (const stanza of res.stdout.split('\n\n')) {
        const version = /^Version: (.+)$/m.exec(stanza)?.[1]
        const sums = /^Checksums-Sha256: *\n((?: .+\n?)+)/m.exec(stanza)?.[1]
        if (version && sums) out.set(`${name} ${version}`, sums.split('\n').map((l) => l.trim()).filter(Boolean).sort().join('\n'))
      }
    }
    return out
  }

  /** Downloads every binary package apt lists (`apt-get download NAME=VERSION`): name version arch → SHA256 of the bytes received. */
  downloadBinaries(): Map<string, string> {
    const out = new Map<string, string>()
    for (const key of this.binaries().keys()) {
      const [name, version] = key.split(' ')
      const file = this.apt.download(`${name}=${version}`)
      out.set(key, sha256(file))
    }
    return out
  }

  /** `apt-get source --download-only NAME=VERSION` of every source package: file name → SHA256. */
  downloadSources(names: string[]): Map<string, string> {
    const out = new Map<string, string>()
    for (const key of this.sources(names).keys()) {
      const [name, version] = key.split(' ')
      const dir = fs.mkdtempSync(path.join(this.apt.root, 'downloads/src'))
      const res = sh('apt-get', [...this.apt.options(), 'source', '--download-only', `${name}=${version}`], {cwd: dir, env: {LC_ALL: 'C'}})
      strict(`apt-get source ${name}=${version}`, res)
      for (const f of fs.readdirSync(dir)) out.set(f, sha256(path.join(dir, f)))
    }
    return out
  }

  /** Everything a client can fetch, by SHA256: index view, downloads, sources. */
  snapshot(sourceNames: string[]): {binaries: Map<string, string>; downloads: Map<string, string>; sources: Map<string, string>; sourceFiles: Map<string, string>} {
    return {binaries: this.binaries(), downloads: this.downloadBinaries(), sources: this.sources(sourceNames), sourceFiles: this.downloadSources(sourceNames)}
  }
}

interface OldRepository {
  /** The directory holding dists/ and pool/, as the old tool published it. */
  root: string
  /** The codename raptr imports (dists/SUITE). */
  suite: string
  components: string[]
  /** The old signing key's public keyring. */
  keyring: string
  /** One client per architecture, each with the suite name it uses in its sources line. */
  clients: Array<{arch: string; suite: string}>
  /** Uploads hello 2:1.1-1 for amd64 and arm64 with the old tool, as a CI job would during the cut-over. */
  upload(): Promise<void>
  /** A pool file whose name has an epoch's `:` (aptly keeps the uploaded name), to check the server and apt fetch it. */
  colonFile?: string
}

/**
 * The cut-over, end to end: clients read the old repository; raptr imports and publishes
 * it beside; clients get raptr's key; the served root is swapped; clients update again.
 */
async function cutOver(work: string, old: OldRepository): Promise<void> {
  const site = path.join(work, 'site')
  swapRoot(site, old.root)
  const server = await serve(site, path.join(work, 'requests.log'))
  const clients = old.clients.map((c) => new Client(c.arch, `${server.url} ${c.suite} ${old.components.join(' ')}`))
  const trixie = new TrixieApt()
  try {
    // Day 0: the clients as they have been for years, trusting the old key only.
    const day0 = clients.map((c) => {
      c.trust([old.keyring])
      c.apt.update()
      return c.snapshot(['tool'])
    })
    for (const b of day0) {
      expect(b.downloads.size).toBeGreaterThanOrEqual(3)
      expect([...b.binaries.keys()]).toContain('tool-common 1.0~rc1+dfsg-1 all')
      expect(b.sources.size).toBe(1)
      // what was downloaded is what the index promised
      expect(b.downloads).toEqual(b.binaries)
    }
    expect([...day0[0].binaries.keys()]).toContain('hello 2:1.0-1 amd64')
    if (old.colonFile) expect(server.requests()).toContain(old.colonFile)

    // raptr imports the old repository (verifying the old key) and publishes beside it.
    const archive = path.join(work, 'archive')
    const www = path.join(work, 'www')
    const sign = ['--sign-key', path.join(work, 'raptr.asc')]
    ok(['init', archive], {cwd: work})
    ok(['key', 'generate', '--name', 'raptr', '--email', 'raptr@example.org', '--out', path.join(work, 'raptr.asc')], {cwd: work})
    const imported = okJson<{components: string[]}>(['import', server.url, old.suite, '--to', old.suite, '--keyring', old.keyring], {cwd: archive})
    expect(imported.components).toEqual(old.components)
    ok(['backend', 'add', 'local', `file://${www}`], {cwd: archive})
    ok(['publish', ...sign], {cwd: archive})

    // Uploads go on with the old tool meanwhile; the import again, just before the swap, takes only them.
    await old.upload()
    const again = okJson<{downloaded: number}>(['import', server.url, old.suite, '--to', old.suite, '--keyring', old.keyring], {cwd: archive})
    expect(again.downloaded).toBe(2)
    ok(['publish', ...sign], {cwd: archive})
    const before = clients.map((c) => {
      c.apt.update()
      return c.snapshot(['tool'])
    })
    expect([...before[0].binaries.keys()]).toContain('hello 2:1.1-1 amd64')
    expect([...before[1].binaries.keys()]).toContain('hello 2:1.1-1 arm64')

    // The Release fields a client remembers come across unchanged (and by-hash, if the old one offered it).
    const theirs = release(path.join(old.root, 'dists', old.suite, 'Release'))
    for (const {suite} of old.clients) {
      const ours = release(path.join(www, 'dists', suite, 'Release'))
      expect.soft(carried(ours), `dists/${suite}/Release`).toEqual(carried(theirs))
      if (theirs['Acquire-By-Hash'] === 'yes') expect.soft(ours['Acquire-By-Hash']).toBe('yes')
    }

    // Ship raptr's key first: every client trusts both keys, and still reads the old repository.
    const both = [old.keyring, path.join(www, 'raptr.gpg')]
    for (const c of clients) {
      c.trust(both)
      c.apt.update()
    }
    const inTrixie = old.clients[0]
    trixie.configure(server.url, inTrixie.suite, old.components, writeKeyring(work, both))
    await trixie.update()
    const trixieBefore = trixie.packageNames()

    // The cut-over: the same URL now serves what raptr published.
    swapRoot(site, www)
    const served = server.requests().length
    for (const [i, c] of clients.entries()) {
      c.apt.update()
      const after = c.snapshot(['tool'])
      expect(after.binaries).toEqual(before[i].binaries)
      expect(after.downloads).toEqual(before[i].downloads)
      expect(after.sources).toEqual(before[i].sources)
      expect(after.sourceFiles).toEqual(before[i].sourceFiles)
    }
    await trixie.update()
    expect(trixie.packageNames()).toEqual(trixieBefore)
    // what the clients read after the swap was raptr's tree, not a leftover of the old one
    const since = server.requests().slice(served)
    expect(since.filter((p) => p.startsWith('/pool/')).length).toBeGreaterThanOrEqual(4)
    expect(since.filter((p) => !fs.existsSync(path.join(www, p)))).toEqual([])
  } finally {
    server.child.kill()
    trixie.cleanup()
    for (const c of clients) c.apt.cleanup()
  }
}

function writeKeyring(work: string, keyrings: string[]): string {
  const file = path.join(work, 'both.gpg')
  fs.writeFileSync(file, Buffer.concat(keyrings.map((k) => fs.readFileSync(k))))
  return file
}

describe('cutting over to raptr without a broken day', () => {
  let work: string
  beforeAll(() => {
    trixieRoot()
    work = tempDir('raptr-cutover-')
  }, TRIXIE_BUILD_TIMEOUT)
  afterAll(() => {
    fs.rmSync(work, {recursive: true, force: true})
  })

  it('from aptly: a signed `aptly publish repo` (default Origin/Label, by-hash) becomes raptr behind the same URL; apt sees no change', async () => {
    const dir = path.join(work, 'aptly')
    const key = oldKey(`${dir}-keys`, 'Aptly')
    const pkgs = await buildPackages(path.join(dir, 'pkgs'))
    // aptly keeps the uploaded file's name in the pool: one named with its epoch, as dpkg-deb's default output would not be
    const epochName = path.join(path.dirname(pkgs.debs[0]), 'hello_2:1.0-1_amd64.deb')
    fs.renameSync(pkgs.debs[0], epochName)
    const config = path.join(dir, 'aptly.conf')
    fs.writeFileSync(config, JSON.stringify({rootDir: path.join(dir, 'root'), gpgProvider: 'gpg', architectures: []}))
    const aptly = (...args: string[]) => execFileSync('aptly', [`-config=${config}`, ...args], {stdio: 'pipe', env: {...process.env, GNUPGHOME: key.home, LC_ALL: 'C'}})
    aptly('repo', 'create', '-distribution=bookworm', '-component=main', 'old')
    aptly('repo', 'add', 'old', epochName, ...pkgs.debs.slice(1), pkgs.dsc)
    aptly('publish', 'repo', '-architectures=amd64,arm64,all,source', '-acquire-by-hash', `-gpg-key=${key.fingerprint}`, '-batch', 'old')
    const root = path.join(dir, 'root/public')
    expect(fs.existsSync(path.join(root, 'pool/main/h/hello/hello_2:1.0-1_amd64.deb'))).toBe(true)
    expect(release(path.join(root, 'dists/bookworm/Release'))).toMatchObject({Origin: '. bookworm', 'Acquire-By-Hash': 'yes'})
    const upload = async () => {
      const more = await Promise.all(['amd64', 'arm64'].map((arch) => buildDeb(path.join(dir, 'pkgs'), {name: 'hello', version: '2:1.1-1', arch})))
      aptly('repo', 'add', 'old', ...more)
      aptly('publish', 'update', `-gpg-key=${key.fingerprint}`, '-batch', 'bookworm')
    }
    await cutOver(dir, {
      root,
      suite: 'bookworm',
      components: ['main'],
      upload,
      keyring: key.keyring,
      clients: [
        {arch: 'amd64', suite: 'bookworm'},
        {arch: 'arm64', suite: 'bookworm'},
      ],
      colonFile: '/pool/main/h/hello/hello_2:1.0-1_amd64.deb',
    })
  }, CUTOVER_TIMEOUT)

  it('from reprepro: a signed export with every Release field set, Suite apart from Codename, two components; apt sees no change', async () => {
    const dir = path.join(work, 'reprepro')
    const key = oldKey(`${dir}-keys`, 'Reprepro')
    const pkgs = await buildPackages(path.join(dir, 'pkgs'))
    const base = path.join(dir, 'base')
    fs.mkdirSync(path.join(base, 'conf'), {recursive: true})
    fs.writeFileSync(
      path.join(base, 'conf/distributions'),
      [
        'Origin: ACME',
        'Label: ACME tools',
        'Suite: stable',
        'Codename: bookworm',
        'Version: 12.4',
        'Description: ACME packages for bookworm',
        'NotAutomatic: yes',
        'ButAutomaticUpgrades: yes',
        'Architectures: amd64 arm64 source',
        'Components: main contrib',
        `SignWith: ${key.fingerprint}`,
        '',
      ].join('\n'),
    )
    const reprepro = (...args: string[]) => execFileSync('reprepro', ['-b', base, '--silent', ...args], {stdio: 'pipe', env: {...process.env, GNUPGHOME: key.home, LC_ALL: 'C'}})
    const [helloAmd64, helloArm64, toolAmd64, toolArm64, common] = pkgs.debs
    reprepro('includedeb', 'bookworm', helloAmd64, helloArm64)
    reprepro('-C', 'contrib', 'includedeb', 'bookworm', toolAmd64, toolArm64, common)
    reprepro('-C', 'contrib', 'includedsc', 'bookworm', pkgs.dsc)
    reprepro('createsymlinks') // dists/stable → bookworm, as clients of the suite name need
    expect(fs.existsSync(path.join(base, 'dists/bookworm/InRelease'))).toBe(true)
    const upload = async () => {
      const more = await Promise.all(['amd64', 'arm64'].map((arch) => buildDeb(path.join(dir, 'pkgs'), {name: 'hello', version: '2:1.1-1', arch})))
      reprepro('includedeb', 'bookworm', ...more)
    }
    await cutOver(dir, {
      root: base,
      suite: 'bookworm',
      components: ['main', 'contrib'],
      upload,
      keyring: key.keyring,
      clients: [
        {arch: 'amd64', suite: 'bookworm'},
        {arch: 'arm64', suite: 'stable'},
      ],
    })
  }, CUTOVER_TIMEOUT)
})
