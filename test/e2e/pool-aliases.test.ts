/**
 * Stable download paths (`distribution set DIST --pool-aliases`): every binary package is
 * also served at Debian's conventional pool path, so URLs scripts hard-coded keep working;
 * apt (which reads the hash-named paths) stays clean; purge removes the alias of a purged
 * file; two packages claiming one alias path resolve the same way whatever the order.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson} from '../helpers/cli.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {serveDirectory} from '../helpers/trixie.js'
import {readIndex} from '../helpers/indexes.js'

/** The Filename of every stanza of the live Packages of production/public amd64. */
function filenames(s: TestArchive, dist = 'production', www = s.www): Map<string, string> {
  const text = readIndex(path.join(www, `dists/${dist}/public/binary-amd64/Packages`))
  const out = new Map<string, string>()
  for (const st of text.split('\n\n').filter(Boolean)) out.set(`${/^Package: (.+)$/m.exec(st)![1]} ${/^Version: (.+)$/m.exec(st)![1]}`, /^Filename: (.+)$/m.exec(st)![1])
  return out
}

describe('pool aliases', () => {
  let s: TestArchive
  let server: {url: string; close(): Promise<void>}
  /** curl of `p` from the server (in this process, so curl runs without blocking it): status and body. */
  const curl = (p: string): Promise<{status: string; body: Buffer}> =>
    new Promise((resolve) => {
      const out = path.join(s.work, 'curl.out')
      execFile('curl', ['-s', '-o', out, '-w', '%{http_code}', `${server.url}/${p}`], (_error, stdout) => {
        resolve({status: String(stdout), body: fs.existsSync(out) ? fs.readFileSync(out) : Buffer.alloc(0)})
        fs.rmSync(out, {force: true})
      })
    })
  const curlOk = async (p: string): Promise<Buffer> => {
    const res = await curl(p)
    if (res.status !== '200') throw new Error(`curl ${p}: HTTP ${res.status}`)
    return res.body
  }

  beforeAll(async () => {
    s = makeTestArchive()
    fs.mkdirSync(s.www, {recursive: true})
    server = await serveDirectory(s.www)
    ok(['distribution', 'set', 'production', '--pool-aliases'], {cwd: s.dir})
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'xz'})
    await buildDeb(s.pkgs, {name: 'libfoo1', version: '1:2.0+dfsg-1', arch: 'amd64', compression: 'xz'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
  })

  afterAll(async () => {
    await server?.close()
  })

  it('serves each package at its conventional path: the same bytes as its hash path, lib names under libX/, no epoch', async () => {
    const names = filenames(s)
    const hello = 'pool/public/h/hello/hello_1.0-1_amd64.deb'
    const libfoo = 'pool/public/libf/libfoo1/libfoo1_2.0+dfsg-1_amd64.deb'
    const helloBytes = await curlOk(hello)
    expect(helloBytes.length).toBeGreaterThan(0)
    expect(helloBytes.equals(await curlOk(names.get('hello 1.0-1')!))).toBe(true)
    expect((await curlOk(libfoo)).equals(await curlOk(names.get('libfoo1 1:2.0+dfsg-1')!))).toBe(true)
    expect((await curlOk(libfoo)).equals(helloBytes)).toBe(false)
    expect(fs.lstatSync(path.join(s.www, hello)).isSymbolicLink()).toBe(true)
    // apt reads the hash paths, and is as clean as before.
    const apt = aptForDirectory(s, 'production')
    apt.update()
    expect(fs.existsSync(apt.download('hello'))).toBe(true)
    apt.cleanup()
    expect(ok(['verify'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
  })

  it('a purge removes the alias of a purged file and keeps those of retained ones', async () => {
    await buildDeb(s.pkgs, {name: 'hello', version: '2.0-1', arch: 'amd64', compression: 'xz'})
    ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir})
    ok(['package', 'remove', 'hello', '--version', '1.0-1'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    const old = 'pool/public/h/hello/hello_1.0-1_amd64.deb'
    expect((await curl(old)).status).toBe('200')
    const [res] = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(res.deleted.pool).toContain(old)
    expect(fs.lstatSync(path.join(s.www, old), {throwIfNoEntry: false})).toBeUndefined()
    expect((await curl(old)).status).toBe('404')
    expect((await curl('pool/public/h/hello/hello_2.0-1_amd64.deb')).status).toBe('200')
    expect((await curl('pool/public/libf/libfoo1/libfoo1_2.0+dfsg-1_amd64.deb')).status).toBe('200')
  })

  it('two packages claiming one alias path (same name, version, arch, other bytes: two archives publishing to one directory): the smaller hash path wins, in either publish order', async () => {
    // One archive holds one package per name, version and architecture, and the alias
    // path names the category: a claim can only come from another archive.
    const b = path.join(s.work, 'other-repo')
    ok(['init', b], {cwd: s.work})
    ok(['distribution', 'add', 'staging', '--architectures', 'amd64', '--pool-aliases'], {cwd: b})
    ok(['category', 'add', 'public', '--to', 'staging'], {cwd: b})
    for (const [dir, seed, section] of [[s.dir, 1, 'production/public'], [b, 2, 'staging/public']] as const) {
      const debs = path.join(s.work, `clash-${seed}`)
      fs.mkdirSync(debs)
      ok(['package', 'add', await buildDeb(debs, {name: 'clash', version: '1.0', arch: 'amd64', compression: 'xz', seed, payloadBytes: 64}), '--section', section], {cwd: dir})
    }
    const alias = 'pool/public/c/clash/clash_1.0_amd64.deb'
    const targets: string[] = []
    for (const name of ['first', 'second']) {
      const www = path.join(s.work, `www-${name}`)
      for (const dir of [s.dir, b]) ok(['backend', 'add', name, `file://${www}`], {cwd: dir})
      for (const dir of name === 'first' ? [s.dir, b] : [b, s.dir]) ok(['publish', name, '--sign-key', s.key], {cwd: dir})
      targets.push(path.relative(www, path.resolve(path.dirname(path.join(www, alias)), fs.readlinkSync(path.join(www, alias)))))
    }
    const www = path.join(s.work, 'www-first')
    const candidates = [filenames(s, 'production', www).get('clash 1.0')!, filenames(s, 'staging', www).get('clash 1.0')!]
    expect(candidates[0]).not.toBe(candidates[1])
    const smaller = [...candidates].sort()[0]
    expect(targets).toEqual([smaller, smaller])
  })
})
