/**
 * Before a push, sync uploads the pool files of the packages it adds to every backend; a
 * file missing from the local blob cache is copied from another backend. That copy must
 * match the SHA256 the archive's record names: a same-size, tampered copy on one backend is
 * never spread to the others, and nothing is pushed.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptr, sh, tempDir} from '../helpers/cli.js'

const sha256 = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')
const debsUnder = (dir: string): string[] =>
  fs.existsSync(dir) ? (fs.readdirSync(dir, {recursive: true}) as string[]).filter((p) => p.endsWith('.deb')).map((p) => path.join(dir, p)) : []

it('sync copies a pool file between backends only when its SHA256 matches the record', async () => {
  const work = tempDir('raptr-pool-copy-')
  const origin = path.join(work, 'origin')
  const [one, two] = [path.join(work, 'one'), path.join(work, 'two')]
  ok(['init', origin], {cwd: work})
  ok(['distribution', 'add', 'staging', '--architectures', 'amd64'], {cwd: origin})
  ok(['category', 'add', 'main', '--to', 'staging'], {cwd: origin})
  ok(['backend', 'add', 'one', `file://${one}`], {cwd: origin})
  ok(['backend', 'add', 'two', `file://${two}`], {cwd: origin})
  const remote = path.join(work, 'remote.git')
  expect(sh('git', ['clone', '--quiet', '--bare', origin, remote]).code).toBe(0)
  const dir = path.join(work, 'clone')
  ok(['clone', remote, dir], {cwd: work})
  const key = path.join(work, 'key.asc')
  ok(['key', 'generate', '--name', 'pool copy', '--email', 'pool@example.org', '--out', key], {cwd: work})
  ok(['key', 'use', key, '--no-sync'], {cwd: dir})
  const deb = await buildDeb(fs.mkdtempSync(path.join(work, 'pkg-')), {name: 'hello', version: '1.0', arch: 'amd64', payloadBytes: 4096, seed: 7})
  ok(['package', 'add', deb, '--section', 'staging/main', '--no-sync'], {cwd: dir})
  ok(['publish', 'one', '--no-sync'], {cwd: dir})
  const [onOne] = debsUnder(path.join(one, 'pool'))
  expect(sha256(onOne)).toBe(sha256(deb))
  expect(debsUnder(two)).toEqual([])

  // The local copy is gone (a purged cache, another machine); backend one's is tampered, same size.
  fs.rmSync(path.join(dir, '.git', 'raptr', 'blobs'), {recursive: true, force: true})
  const good = fs.readFileSync(onOne)
  const bad = Buffer.from(good)
  bad[bad.length - 1] ^= 0xff
  fs.chmodSync(onOne, 0o644)
  fs.writeFileSync(onOne, bad)
  const remoteBefore = sh('git', ['rev-parse', 'main'], {cwd: remote}).stdout.trim()

  const refused = raptr(['sync'], {cwd: dir})
  expect(refused.code).toBe(2)
  expect(refused.stderr).toMatch(/^raptr: pool file pool\/\S+\.deb is neither in the local blob cache nor on a backend\n {2}hint: /)
  expect(debsUnder(two)).toEqual([])
  expect(sh('git', ['rev-parse', 'main'], {cwd: remote}).stdout.trim()).toBe(remoteBefore)

  // With the good copy back on backend one, the same sync copies it, checked, and pushes.
  fs.writeFileSync(onOne, good)
  ok(['sync'], {cwd: dir})
  const [onTwo] = debsUnder(path.join(two, 'pool'))
  expect(sha256(onTwo)).toBe(sha256(deb))
  expect(sh('git', ['rev-parse', 'main'], {cwd: remote}).stdout.trim()).not.toBe(remoteBefore)
})
