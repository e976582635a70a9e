import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient, availableBinaries} from '../helpers/apt.js'
import {buildDeb, buildSource} from '../helpers/build-packages.js'
import {archiveState, ok, okJson, raptrAsync, tempDir} from '../helpers/cli.js'
import {readIndex} from '../helpers/indexes.js'

/** name version arch → SHA256, as apt sees the configured sources. */
const aptView = availableBinaries

function client(line: string, key?: string): AptClient {
  const apt = new AptClient()
  apt.configure(line, key)
  apt.update()
  return apt
}

function reprepro(base: string, ...args: string[]): void {
  execFileSync('reprepro', ['-b', base, '--silent', ...args], {stdio: 'pipe', env: {...process.env, LC_ALL: 'C'}})
}

describe('importing a published repository', () => {
  let work: string
  let dir: string
  let pkgs: string
  const clients: AptClient[] = []
  beforeAll(() => {
    work = tempDir()
    dir = path.join(work, 'repo')
    pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    ok(['init', dir], {cwd: work})
    ok(['backend', 'add', 'local', `file://${path.join(work, 'www')}`], {cwd: dir})
  })
  afterAll(() => {
    for (const c of clients) c.cleanup()
    fs.rmSync(work, {recursive: true, force: true})
  })

  it('imports what reprepro published (file://), republishes it, and apt sees the same packages with the same SHA256; again, only what is new', async () => {
    const base = path.join(work, 'reprepro')
    fs.mkdirSync(path.join(base, 'conf'), {recursive: true})
    fs.writeFileSync(path.join(base, 'conf/distributions'), 'Origin: Old\nCodename: bookworm\nSuite: stable\nArchitectures: amd64 source\nComponents: main contrib\n')
    const [hello, tool, doc, src] = await Promise.all([
      buildDeb(pkgs, {name: 'hello', version: '1:2.0-1', arch: 'amd64'}),
      buildDeb(pkgs, {name: 'tool', version: '0.9', arch: 'amd64'}),
      buildDeb(pkgs, {name: 'tool-doc', version: '0.9', arch: 'all'}),
      buildSource(pkgs, {name: 'hello', version: '2.0-1'}),
    ])
    reprepro(base, 'includedeb', 'bookworm', hello)
    reprepro(base, '-C', 'contrib', 'includedeb', 'bookworm', tool, doc)
    reprepro(base, '-S', 'misc', '-P', 'optional', 'includedsc', 'bookworm', src.dsc)

    const res = okJson(['import', `file://${base}`, 'bookworm', '--to', 'production'], {cwd: dir})
    expect(res.components).toEqual(['main', 'contrib'])
    expect(res.downloaded).toBe(6) // three .deb, the .dsc and its two files
    // production is neither the Suite nor the Codename: those two are not carried; reprepro does not say Acquire-By-Hash.
    expect(res.carried).toEqual([{field: 'Origin', value: 'Old'}])
    expect(res.notCarried.map((f: any) => f.field)).toEqual(['Suite', 'Codename', 'Date', 'Acquire-By-Hash'])
    expect(okJson<any[]>(['category', 'list'], {cwd: dir}).map((c) => c.name).sort()).toEqual(['contrib', 'main'])
    ok(['publish', '--no-sign'], {cwd: dir})

    for (const component of ['main', 'contrib']) {
      const theirs = client(`deb [trusted=yes] file://${base} bookworm ${component}`)
      const ours = client(`deb [trusted=yes] file://${path.join(work, 'www')} production ${component}`)
      clients.push(theirs, ours)
      expect(aptView(theirs).size).toBeGreaterThan(0)
      expect(aptView(ours)).toEqual(aptView(theirs))
    }
    expect(readIndex(path.join(work, 'www/dists/production/main/source/Sources'))).toMatch(/^Package: hello\nFormat: 3\.0 \(quilt\)$/m)

    // nothing new: no commit (the directory given as a plain path)
    const before = archiveState(dir)
    const again = okJson(['import', base, 'bookworm', '--to', 'production'], {cwd: dir})
    expect(again).toMatchObject({downloaded: 0, skipped: 4})
    expect(archiveState(dir)).toEqual(before)
    // one new package: only it is downloaded
    reprepro(base, 'includedeb', 'bookworm', await buildDeb(pkgs, {name: 'hello', version: '1:2.1-1', arch: 'amd64'}))
    const third = okJson(['import', `file://${base}`, 'bookworm', '--to', 'production'], {cwd: dir})
    expect(third).toMatchObject({downloaded: 1})
    expect(third.packages.map((p: any) => `${p.name} ${p.version}`)).toEqual(['hello 1:2.1-1'])
  })

  it('imports what apt-ftparchive published over HTTP, verifying InRelease with --keyring and refusing another key', async () => {
    const root = path.join(work, 'ftparchive')
    const poolDir = path.join(root, 'pool/main')
    const dists = path.join(root, 'dists/jammy/main/binary-amd64')
    fs.mkdirSync(poolDir, {recursive: true})
    fs.mkdirSync(dists, {recursive: true})
    await buildDeb(poolDir, {name: 'served', version: '3.0', arch: 'amd64', compression: 'gzip'})
    const packages = execFileSync('apt-ftparchive', ['packages', 'pool'], {cwd: root})
    fs.writeFileSync(path.join(dists, 'Packages'), packages)
    execFileSync('gzip', ['-9k', path.join(dists, 'Packages')])
    const opt = (k: string, v: string) => ['-o', `APT::FTPArchive::Release::${k}=${v}`]
    const release = execFileSync('apt-ftparchive', [...opt('Suite', 'jammy'), ...opt('Codename', 'jammy'), ...opt('Components', 'main'), ...opt('Architectures', 'amd64'), 'release', 'dists/jammy'], {cwd: root})
    fs.writeFileSync(path.join(root, 'dists/jammy/Release'), release)
    const gpg = (home: string, ...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {stdio: 'pipe'})
    const keys: Record<string, string> = {}
    for (const who of ['archive', 'other']) {
      const home = fs.mkdtempSync(path.join(work, 'gnupg-'))
      gpg(home, '--quick-gen-key', `${who} <${who}@example.org>`, 'ed25519', 'sign', 'never')
      keys[who] = path.join(work, `${who}.gpg`)
      fs.writeFileSync(keys[who], gpg(home, '--export'))
      if (who === 'archive') gpg(home, '--clearsign', '--output', path.join(root, 'dists/jammy/InRelease'), path.join(root, 'dists/jammy/Release'))
    }
    const server = http.createServer((req, res) => {
      const file = path.join(root, decodeURIComponent(new URL(req.url!, 'http://x').pathname))
      if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end()
      res.writeHead(200).end(fs.readFileSync(file))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const before = archiveState(dir)
      const wrong = await raptrAsync(['import', url, 'jammy', '--to', 'jammy', '--keyring', keys.other, '--json'], {cwd: dir})
      expect(wrong.code, wrong.stderr).toBe(2)
      expect(JSON.parse(wrong.stdout).error.code).toBe('BAD_SIGNATURE')
      expect(archiveState(dir)).toEqual(before)
      const res = await raptrAsync(['import', url, 'jammy', '--to', 'jammy', '--keyring', keys.archive], {cwd: dir})
      expect(res.code, res.stdout + res.stderr).toBe(0)
      expect(res.stderr).not.toMatch(/downloading/)
      const apt = new AptClient()
      clients.push(apt)
      apt.configure(`deb [signed-by=/etc/apt/keyrings/theirs.gpg] ${url} jammy main`, keys.archive)
      const theirs = await new Promise<Map<string, string>>((resolve, reject) => {
        // apt-get runs synchronously: give it the HTTP server from another process's point of view
        import('node:child_process').then(({execFile}) =>
          execFile('apt-get', [...apt.options(), 'update'], {env: {...process.env, LC_ALL: 'C'}}, (error, stdout, stderr) => {
            if (error || /^(W|E|Err):/m.test(stdout + stderr)) reject(new Error(stdout + stderr))
            else resolve(aptView(apt))
          }),
        )
      })
      ok(['publish', '--no-sign', '-d', 'jammy'], {cwd: dir})
      const ours = client(`deb [trusted=yes] file://${path.join(work, 'www')} jammy main`)
      clients.push(ours)
      expect(theirs.get('served 3.0 amd64')).toMatch(/^[0-9a-f]{64}$/)
      expect(aptView(ours)).toEqual(theirs)
    } finally {
      server.close()
    }
  })
})
