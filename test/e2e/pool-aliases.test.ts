/**
 * Stable download paths (`distribution set DIST --pool-aliases`): every binary package is
 * also served at Debian's conventional pool path, so URLs scripts hard-coded keep working;
 * apt (which reads the hash-named paths) stays clean; purge removes the alias of a purged
 * file; two packages claiming one alias path resolve the same way whatever the order.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, sh} from '../helpers/cli.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {serveDirectory} from '../helpers/trixie.js'

/** The Filename of every stanza of the live Packages of production/public amd64. */
function filenames(s: TestArchive, dist = 'production'): Map<string, string> {
  const text = fs.readFileSync(path.join(s.www, `dists/${dist}/public/binary-amd64/Packages`), 'utf8')
  const out = new Map<string, string>()
  for (const st of text.split('\n\n').filter(Boolean)) out.set(`${/^Package: (.+)$/m.exec(st)![1]} ${/^Version: (.+)$/m.exec(st)![1]}`, /^Filename: (.+)$/m.exec(st)![1])
  return out
}

describe('pool aliases', () => {
  let s: TestArchive
  let server: {url: string; close(): Promise<void>}
  const curl = (p: string): Buffer => {
    const res = sh('curl', ['-sf', '-o', '-', `${server.url}/${p}`])
    if (res.code !== 0) throw new Error(`curl ${p}: exit ${res.code}`)
    return fs.readFileSync(path.join(s.www, p))
  }
  const curlCode = (p: string): number => sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${server.url}/${p}`]).stdout === '200' ? 200 : 404

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

  it('serves each package at its conventional path: the same bytes as its hash path, lib names under libX/, no epoch', () => {
    const names = filenames(s)
    const hello = 'pool/public/h/hello/hello_1.0-1_amd64.deb'
    const libfoo = 'pool/public/libf/libfoo1/libfoo1_2.0+dfsg-1_amd64.deb'
    expect(curl(hello).equals(curl(names.get('hello 1.0-1')!))).toBe(true)
    expect(curl(libfoo).equals(curl(names.get('libfoo1 1:2.0+dfsg-1')!))).toBe(true)
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
    expect(curlCode(old)).toBe(200)
    const [res] = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(res.deleted.pool).toContain(old)
    expect(fs.existsSync(path.join(s.www, old)) || fs.lstatSync(path.join(s.www, old), {throwIfNoEntry: false}) !== undefined).toBe(false)
    expect(curlCode(old)).toBe(404)
    expect(curlCode('pool/public/h/hello/hello_2.0-1_amd64.deb')).toBe(200)
    expect(curlCode('pool/public/libf/libfoo1/libfoo1_2.0+dfsg-1_amd64.deb')).toBe(200)
  })

  it('two packages claiming one alias path (same name, version, arch, other bytes, in two distributions): the smaller hash path wins, in either publish order', async () => {
    ok(['distribution', 'add', 'staging', '--architectures', 'amd64', '--pool-aliases'], {cwd: s.dir})
    ok(['category', 'add', 'public', '--to', 'staging'], {cwd: s.dir})
    const other = path.join(s.work, 'other')
    fs.mkdirSync(other)
    await buildDeb(other, {name: 'clash', version: '1.0', arch: 'amd64', compression: 'xz', seed: 1, payloadBytes: 64})
    ok(['package', 'add', other, '--section', 'production/public'], {cwd: s.dir})
    fs.rmSync(other, {recursive: true})
    fs.mkdirSync(other)
    await buildDeb(other, {name: 'clash', version: '1.0', arch: 'amd64', compression: 'xz', seed: 2, payloadBytes: 64})
    ok(['package', 'add', other, '--section', 'staging/public', '--replace'], {cwd: s.dir})
    const targets: string[] = []
    for (const [name, order] of [['first', ['production', 'staging']], ['second', ['staging', 'production']]] as const) {
      const www = path.join(s.work, `www-${name}`)
      ok(['backend', 'add', name, `file://${www}`], {cwd: s.dir})
      for (const d of order) ok(['publish', name, '-d', d, '--sign-key', s.key], {cwd: s.dir})
      targets.push(path.resolve(path.dirname(path.join(www, 'pool/public/c/clash/clash_1.0_amd64.deb')), fs.readlinkSync(path.join(www, 'pool/public/c/clash/clash_1.0_amd64.deb'))).slice(www.length + 1))
    }
    const candidates = [filenames(s, 'production').get('clash 1.0'), filenames(s, 'staging').get('clash 1.0')]
    expect(candidates[0]).not.toBe(candidates[1])
    expect(targets).toEqual([[...candidates].sort()[0], [...candidates].sort()[0]])
  })
})
