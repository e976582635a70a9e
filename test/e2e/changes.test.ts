import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb, buildSource} from '../helpers/build-packages.js'
import {archiveState, ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {readIndex} from '../helpers/indexes.js'

const ENV = {...process.env, SOURCE_DATE_EPOCH: '1704067200', LC_ALL: 'C.UTF-8', TZ: 'UTC'}

/** A source + binary upload of hello 1.0-1: the .changes dpkg-genchanges writes, beside the files it lists. */
async function buildUpload(dir: string): Promise<string> {
  const {dsc} = await buildSource(dir, {name: 'hello', version: '1.0-1'})
  await buildDeb(dir, {name: 'hello', version: '1.0-1', arch: 'amd64'})
  const tree = path.join(dir, 'hello-1.0')
  execFileSync('dpkg-source', ['-x', path.basename(dsc), 'hello-1.0'], {cwd: dir, env: ENV, stdio: 'pipe'})
  fs.writeFileSync(path.join(tree, 'debian/files'), 'hello_1.0-1_amd64.deb misc optional\n')
  const changes = path.join(dir, 'hello_1.0-1_amd64.changes')
  execFileSync('dpkg-genchanges', ['-sa', '-DDistribution=unstable', `-O${changes}`], {cwd: tree, env: ENV, stdio: 'pipe'})
  fs.rmSync(tree, {recursive: true, force: true})
  return changes
}

/** A throwaway gpg home with one new key; returns a function that clearsigns a file with it and the exported keyring. */
function gpgKey(dir: string, name: string): {sign: (file: string, out: string) => void; keyring: string} {
  const home = fs.mkdtempSync(path.join(dir, 'gnupg-'))
  const gpg = (...args: string[]) => execFileSync('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {stdio: 'pipe'})
  gpg('--quick-gen-key', `${name} <${name}@example.org>`, 'ed25519', 'sign', 'never')
  const keyring = path.join(dir, `${name}.gpg`)
  fs.writeFileSync(keyring, gpg('--export'))
  return {keyring, sign: (file, out) => void gpg('--yes', '--clearsign', '--output', out, file)}
}

describe('adding a .changes upload', () => {
  let s: TestArchive
  let upload: string
  let changes: string
  beforeAll(async () => {
    s = makeTestArchive()
    upload = path.join(s.work, 'upload')
    fs.mkdirSync(upload)
    changes = await buildUpload(upload)
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  /** A copy of the upload directory to damage, with the .changes in it. */
  function copyOfUpload(): string {
    const dir = tempDir('raptr-upload-')
    for (const f of fs.readdirSync(upload)) fs.copyFileSync(path.join(upload, f), path.join(dir, f))
    return dir
  }

  function refused(args: string[], code: string): void {
    const before = archiveState(s.dir)
    const res = raptr([...args, '--json'], {cwd: s.dir})
    expect(res.code, res.stdout + res.stderr).toBe(2)
    expect(JSON.parse(res.stdout).error.code).toBe(code)
    expect(archiveState(s.dir)).toEqual(before)
  }

  it('refuses an unsigned .changes with --keyring, one signed by another key, a missing file and a wrong hash, changing nothing', () => {
    const {keyring} = gpgKey(s.work, 'uploader')
    refused(['package', 'add', changes, '--category', 'public', '--keyring', keyring], 'BAD_SIGNATURE')
    const stranger = gpgKey(s.work, 'stranger')
    const signedByStranger = path.join(copyOfUpload(), 'hello_1.0-1_amd64.changes')
    stranger.sign(changes, signedByStranger)
    refused(['package', 'add', signedByStranger, '--category', 'public', '--keyring', keyring], 'BAD_SIGNATURE')
    const missing = copyOfUpload()
    fs.rmSync(path.join(missing, 'hello_1.0-1_amd64.deb'))
    refused(['package', 'add', path.join(missing, 'hello_1.0-1_amd64.changes'), '--category', 'public'], 'DSC_FILE_MISSING')
    const damaged = copyOfUpload()
    const orig = path.join(damaged, 'hello_1.0.orig.tar.gz')
    const bytes = fs.readFileSync(orig)
    bytes[bytes.length - 1] ^= 0xff
    fs.writeFileSync(orig, bytes)
    refused(['package', 'add', path.join(damaged, 'hello_1.0-1_amd64.changes'), '--category', 'public'], 'DSC_FILE_MISMATCH')
  })

  it('adds a signed .changes whole in one commit with --keyring, and apt gets its packages', () => {
    const uploader = gpgKey(s.work, 'maintainer')
    const signed = path.join(copyOfUpload(), 'hello_1.0-1_amd64.changes')
    uploader.sign(changes, signed)
    const before = sh('git', ['rev-list', '--count', 'HEAD'], {cwd: s.dir}).stdout.trim()
    const res = okJson(['package', 'add', signed, '--category', 'public', '--link', 'production', '--keyring', uploader.keyring], {cwd: s.dir})
    expect(res.packages.map((p: any) => `${p.name} ${p.version} ${p.architecture}`).sort()).toEqual(['hello 1.0-1 amd64', 'hello 1.0-1 source'])
    expect(Number(sh('git', ['rev-list', '--count', 'HEAD'], {cwd: s.dir}).stdout.trim())).toBe(Number(before) + 1)
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    const apt = aptForDirectory(s, 'production')
    try {
      apt.update()
      expect(apt.versions('hello')).toEqual(['1.0-1'])
      expect(fs.readFileSync(apt.download('hello')).equals(fs.readFileSync(path.join(upload, 'hello_1.0-1_amd64.deb')))).toBe(true)
    } finally {
      apt.cleanup()
    }
    const sources = readIndex(path.join(s.www, 'dists/production/public/source/Sources'))
    expect(sources).toMatch(/^Package: hello$/m)
  })

  it('bundle add takes the .changes Version and adds every file it lists', () => {
    const res = okJson(['bundle', 'add', 'hello-upload', changes, '--category', 'public'], {cwd: s.dir})
    expect(res.version).toBe('1.0-1')
    expect(res.packages).toHaveLength(2)
    const bundles = okJson<any[]>(['bundle', 'list'], {cwd: s.dir})
    expect(bundles.find((b) => b.alias === 'hello-upload').members.map((m: any) => m.architecture).sort()).toEqual(['amd64', 'source'])
  })
})
