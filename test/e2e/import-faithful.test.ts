/**
 * A faithful import: an upstream built with apt-ftparchive and signed with gpg, whose
 * Release sets Origin, Label, Suite, Codename, Version, Description, NotAutomatic,
 * ButAutomaticUpgrades and Acquire-By-Hash, is served over HTTP on 127.0.0.1 by a server
 * that serves literal file names and decodes `+` in a path as a space (as some S3
 * endpoints do): one pool file is literally named `hello_1%3a2.0-1_amd64.deb` (deb-s3's
 * spelling of an epoch), another has `+` and `~` in its name. An apt client reads the
 * upstream; raptr imports it and publishes the copy signed with the same key; the
 * server's root is swapped to that copy under the same URL, and the same client's
 * `apt-get update` prints no W:/E: line (apt refuses a changed Origin, Label, Codename
 * or default pin), and `apt-get download` of the epoch package gets the same bytes.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, ok, okJson, raptrAsync, tempDir} from '../helpers/cli.js'

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** A static file server in its own process (apt-get runs synchronously here): literal names, `+` read as a space. */
const SERVER = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path')
const root = process.argv[1]
http.createServer((req, res) => {
  let p
  try { p = decodeURIComponent(new URL(req.url, 'http://x').pathname.replace(/\\+/g, ' ')) } catch { return void res.writeHead(400).end() }
  const base = fs.realpathSync(root)
  const file = path.join(base, p)
  if (!file.startsWith(base + '/') || !fs.existsSync(file) || !fs.statSync(file).isFile()) return void res.writeHead(404).end()
  res.writeHead(200, {'content-length': fs.statSync(file).size})
  fs.createReadStream(file).pipe(res)
}).listen(0, '127.0.0.1', function () { console.log(this.address().port) })
`

describe('a faithful import served at the old URL', () => {
  let work: string
  let upstream: string
  let served: string
  let server: ChildProcess
  let url: string
  let keyAsc: string
  let pubKey: string
  const debs: Record<string, string> = {}
  const clients: AptClient[] = []

  beforeAll(async () => {
    work = tempDir()
    upstream = path.join(work, 'upstream')
    served = path.join(work, 'served')
    // The old archive's key: raptr signs the copy with it, as a cut-over keeps the key clients trust.
    keyAsc = path.join(work, 'old.asc')
    ok(['key', 'generate', '--name', 'Old Archive', '--email', 'old@example.org', '--out', keyAsc], {cwd: work})
    const home = fs.mkdtempSync(path.join(work, 'gnupg-'))
    const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {stdio: 'pipe'})
    gpg('--import', keyAsc)
    pubKey = path.join(work, 'old.gpg')
    fs.writeFileSync(pubKey, gpg('--export'))

    const pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    for (const [dir, name, spec] of [
      ['pool/main/h/hello', 'hello_1%3a2.0-1_amd64.deb', {name: 'hello', version: '1:2.0-1', arch: 'amd64'}],
      ['pool/main/libx++', 'libx++_1.0~rc1+b1_amd64.deb', {name: 'libx++', version: '1.0~rc1+b1', arch: 'amd64'}],
    ] as const) {
      fs.mkdirSync(path.join(upstream, dir), {recursive: true})
      debs[spec.name] = path.join(upstream, dir, name)
      fs.renameSync(await buildDeb(pkgs, spec), debs[spec.name])
    }
    const bin = path.join(upstream, 'dists/bookworm/main/binary-amd64')
    fs.mkdirSync(path.join(bin, 'by-hash/SHA256'), {recursive: true})
    fs.writeFileSync(path.join(bin, 'Packages'), execFileSync('apt-ftparchive', ['packages', 'pool'], {cwd: upstream}))
    execFileSync('gzip', ['-9kn', path.join(bin, 'Packages')])
    // Acquire-By-Hash: yes promises the by-hash names; apt-ftparchive does not write them.
    for (const f of ['Packages', 'Packages.gz']) fs.copyFileSync(path.join(bin, f), path.join(bin, 'by-hash/SHA256', sha256(path.join(bin, f))))
    const fields = {Origin: 'Old Archive', Label: 'Old Label', Suite: 'stable', Codename: 'bookworm', Version: '12.4', Description: 'the old repository', NotAutomatic: 'yes', ButAutomaticUpgrades: 'yes', 'Acquire-By-Hash': 'yes', Architectures: 'amd64', Components: 'main'}
    const release = execFileSync('apt-ftparchive', [...Object.entries(fields).flatMap(([k, v]) => ['-o', `APT::FTPArchive::Release::${k}=${v}`]), 'release', 'dists/bookworm'], {cwd: upstream})
    fs.writeFileSync(path.join(upstream, 'dists/bookworm/Release'), release)
    gpg('--clearsign', '--output', path.join(upstream, 'dists/bookworm/InRelease'), path.join(upstream, 'dists/bookworm/Release'))
    gpg('--detach-sign', '--output', path.join(upstream, 'dists/bookworm/Release.gpg'), path.join(upstream, 'dists/bookworm/Release'))

    fs.symlinkSync(upstream, served)
    server = spawn(process.execPath, ['-e', SERVER, served], {stdio: ['ignore', 'pipe', 'inherit']})
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()))
      server.once('exit', (code) => reject(new Error(`server exited ${code}`)))
    })
    url = `http://127.0.0.1:${port}`
  })
  afterAll(() => {
    server?.kill()
    for (const c of clients) c.cleanup()
    fs.rmSync(work, {recursive: true, force: true})
  })

  it('carries the Release fields, and an apt that read the upstream reads the raptr copy at the same URL without a warning', async () => {
    const apt = new AptClient()
    clients.push(apt)
    apt.configure(`deb [signed-by=/etc/apt/keyrings/old.gpg] ${url} bookworm main`, pubKey)
    apt.update()
    expect(sha256(apt.download('hello'))).toBe(sha256(debs.hello))

    const dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
    ok(['backend', 'add', 'local', `file://${path.join(work, 'www')}`], {cwd: dir})
    const res = await raptrAsync(['import', url, 'bookworm', '--to', 'bookworm', '--keyring', pubKey, '--jobs', '2', '--json'], {cwd: dir})
    expect(res.code, res.stderr).toBe(0)
    const out = JSON.parse(res.stdout)
    expect(out.created).toBe(true)
    expect(out.downloaded).toBe(2)
    expect(Object.fromEntries(out.carried.map((f: any) => [f.field, f.value]))).toEqual({
      Origin: 'Old Archive', Label: 'Old Label', Suite: 'stable', Version: '12.4', Codename: 'bookworm', NotAutomatic: 'yes', ButAutomaticUpgrades: 'yes', Description: 'the old repository', 'Acquire-By-Hash': 'yes',
    })
    expect(out.notCarried.map((f: any) => f.field)).toEqual(['Date'])
    expect(out.differing).toEqual([])
    // The old repository was only read: no backend was added for it.
    expect(okJson<any[]>(['backend', 'list'], {cwd: dir}).map((b) => b.name)).toEqual(['local'])

    ok(['publish', '--sign-key', keyAsc], {cwd: dir})
    const ours = fs.readFileSync(path.join(work, 'www/dists/bookworm/Release'), 'utf8')
    for (const line of ['Origin: Old Archive', 'Label: Old Label', 'Suite: stable', 'Codename: bookworm', 'Version: 12.4', 'NotAutomatic: yes', 'ButAutomaticUpgrades: yes', 'Description: the old repository', 'Acquire-By-Hash: yes']) {
      expect(ours).toContain(`${line}\n`)
    }

    // The swap: the same URL now serves raptr's copy.
    fs.unlinkSync(served)
    fs.symlinkSync(path.join(work, 'www'), served)
    apt.update()
    expect(sha256(apt.download('hello=1:2.0-1'))).toBe(sha256(debs.hello))
    expect(sha256(apt.download('libx++=1.0~rc1+b1'))).toBe(sha256(debs['libx++']))
  })

  it('keeps an existing distribution\'s differing fields, says which and how to carry them; --carry-fields carries them', async () => {
    fs.unlinkSync(served)
    fs.symlinkSync(upstream, served)
    const dir = path.join(work, 'other')
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'other', '--architectures', 'amd64', '--origin', 'Mine'], {cwd: dir})
    const text = await raptrAsync(['import', url, 'bookworm', '--to', 'other'], {cwd: dir})
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/^other keeps its own Origin "Mine" \(upstream: "Old Archive"\), .*raptr distribution set other --origin 'Old Archive' .*--carry-fields$/m)
    expect(text.stdout).toMatch(/^not carried: Suite \(stable\): the Release published as other must name other/m)
    expect(text.stdout).toMatch(/^not carried: Date \(.+\): raptr writes the time of each publish$/m)
    expect(okJson<any[]>(['distribution', 'list'], {cwd: dir}).find((d) => d.name === 'other').origin).toBe('Mine')

    const before = archiveState(dir)
    const again = await raptrAsync(['import', url, 'bookworm', '--to', 'other', '--json'], {cwd: dir})
    expect(JSON.parse(again.stdout).differing.map((f: any) => f.field)).toEqual(['Origin', 'Label', 'Version', 'NotAutomatic', 'ButAutomaticUpgrades', 'Description'])
    expect(archiveState(dir)).toEqual(before)
    const carried = await raptrAsync(['import', url, 'bookworm', '--to', 'other', '--carry-fields', '--json'], {cwd: dir})
    expect(carried.code, carried.stderr).toBe(0)
    expect(JSON.parse(carried.stdout).differing).toEqual([])
    expect(okJson<any[]>(['distribution', 'list'], {cwd: dir}).find((d) => d.name === 'other')).toMatchObject({origin: 'Old Archive', label: 'Old Label', version: '12.4', notAutomatic: true, butAutomaticUpgrades: true})
  })
})
