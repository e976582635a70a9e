import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, raptr, sh} from '../helpers/cli.js'
import type {LogEntry} from '../../src/core/event-log.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {serveDirectory} from '../helpers/trixie.js'

/** `apt-get update` without blocking this process (the HTTP server runs in it); any W:/E: line fails. */
function aptUpdate(apt: AptClient): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('apt-get', [...apt.options(), 'update'], {env: {...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive'}}, (error, stdout, stderr) => {
      if (error || /^(W|E|Err):/m.test(`${stdout}\n${stderr}`)) reject(new Error(`apt-get update failed:\n${stdout}\n${stderr}`))
      else resolve()
    })
  })
}

/** The versions of `name` the archive links in production (read with git, not raptr). */
function linked(dir: string, name: string): string[] {
  const files = sh('git', ['-C', dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'dists/production'], {}).stdout.split('\n')
  return files
    .filter((f) => f.split('/').at(-2) === name)
    .map((f) => f.split('/').at(-1)!)
    .sort()
}

describe('a rollback sticks: the archive follows the live snapshot', () => {
  let s: TestArchive
  let server: {url: string; close(): Promise<void>}
  let apt: AptClient
  const debs: Record<string, string> = {}
  const ids: Record<string, string> = {}
  const run = (args: string[]) => ok(args, {cwd: s.dir})
  const publish = () => okJson<{snapshot: string; results: Array<{distribution: string; action: string}>}>(['publish', '--sign-key', s.key], {cwd: s.dir})

  beforeAll(async () => {
    s = makeTestArchive()
    for (const [name, version] of [['hello', '1.0'], ['hello', '2.0'], ['other', '1.0']]) {
      debs[`${name}-${version}`] = await buildDeb(s.pkgs, {name, version, arch: 'amd64'})
    }
    server = await serveDirectory(s.www)
    run(['package', 'add', debs['hello-1.0'], '--category', 'public', '--link', 'production'])
    ids.v1 = publish().snapshot
    apt = new AptClient()
    apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] ${server.url} production public`, s.pubKey)
    await aptUpdate(apt)
    run(['package', 'add', debs['hello-2.0'], '--category', 'public', '--link', 'production'])
    ids.v2 = publish().snapshot
    await aptUpdate(apt)
    expect(apt.versions('hello')).toEqual(['2.0', '1.0'])
  })
  afterAll(async () => {
    apt?.cleanup()
    await server?.close()
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('rollback unlinks what it rolled back; a plain publish after it is a no-op, and an unrelated change does not re-release it', async () => {
    const [r] = okJson<any[]>(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir})
    expect(r).toMatchObject({action: 'rolled-back', to: ids.v1, links: {unlinkedCount: 1, relinkedCount: 0}})
    expect(r.links.unlinked).toEqual([{name: 'hello', version: '2.0', architecture: 'amd64', distribution: 'production', category: 'public'}])
    await aptUpdate(apt)
    expect(apt.versions('hello')).toEqual(['1.0'])
    expect(linked(s.dir, 'hello')).toEqual(['1.0'])
    // The archive is the live snapshot again: nothing to publish.
    const again = publish()
    expect(again.results.map((x) => [x.distribution, x.action])).toEqual([['production', 'unchanged']])
    expect(ok(['publish', '--sign-key', s.key], {cwd: s.dir}).stdout).toMatch(/production: unchanged/)

    // --forward re-applies the later state, links included.
    const [f] = okJson<any[]>(['rollback', 'production', '--forward', '--sign-key', s.key], {cwd: s.dir})
    expect(f).toMatchObject({action: 'rolled-back', to: ids.v2, links: {unlinkedCount: 0, relinkedCount: 1}})
    await aptUpdate(apt)
    expect(apt.versions('hello')).toEqual(['2.0', '1.0'])
    expect(linked(s.dir, 'hello')).toEqual(['1.0', '2.0'])
    expect(publish().results.map((x) => x.action)).toEqual(['unchanged'])

    // Back again, then somebody adds an unrelated package and publishes.
    const text = ok(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir}).stdout
    expect(text).toMatch(/local\/production: rolled back from .* to /)
    expect(text).toMatch(/archive links follow: 1 unlinked, 0 relinked/)
    run(['package', 'add', debs['other-1.0'], '--category', 'public', '--link', 'production'])
    expect(publish().results.map((x) => x.action)).toEqual(['published'])
    await aptUpdate(apt)
    expect(apt.versions('hello')).toEqual(['1.0'])
    expect(apt.versions('other')).toEqual(['1.0'])

    // The log shows the three rollbacks with what they unlinked and relinked.
    const events = okJson<LogEntry[]>(['log', '--event', 'RolledBack'], {cwd: s.dir})
    expect(events.map((e) => [e.payload.snapshot, e.payload.unlinkedCount, e.payload.relinkedCount])).toEqual([
      [ids.v1, 1, 0],
      [ids.v2, 0, 1],
      [ids.v1, 1, 0],
    ])
    expect(events[1].payload.relinked).toEqual([{name: 'hello', version: '2.0', architecture: 'amd64', distribution: 'production', category: 'public'}])
    const lines = ok(['log', '--event', 'RolledBack'], {cwd: s.dir}).stdout.trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/RolledBack {2}production on local [0-9a-f]{12} \(seq \d+\); unlinked hello 2\.0 amd64 production\/public; relinked none$/)
    expect(lines[1]).toMatch(/RolledBack {2}production on local [0-9a-f]{12} \(seq \d+\); unlinked none; relinked hello 2\.0 amd64 production\/public$/)
    expect(ok(['log'], {cwd: s.dir}).stdout).toMatch(/rolled back: production to [0-9a-f]{12} on local \(seq \d+\); links: 1 unlinked, 0 relinked\n\s+by .*\n\s+RolledBack {2}production on local/)
  })

  it('--pointer-only moves the pointer and leaves the archive links as they are', async () => {
    const before = sh('git', ['-C', s.dir, 'rev-parse', 'HEAD:dists/production'], {}).stdout.trim()
    const [r] = okJson<any[]>(['rollback', 'production', '--pointer-only', '--sign-key', s.key], {cwd: s.dir})
    expect(r.action).toBe('rolled-back')
    expect(r.links).toBeUndefined()
    await aptUpdate(apt)
    // Live: the publication before the last (hello 1.0 and 2.0, no other) …
    expect(apt.versions('hello')).toEqual(['2.0', '1.0'])
    expect(apt.packageNames()).not.toContain('other')
    // … while the archive still links what it did: the next plain publish re-releases it.
    expect(sh('git', ['-C', s.dir, 'rev-parse', 'HEAD:dists/production'], {}).stdout.trim()).toBe(before)
    expect(linked(s.dir, 'other')).toEqual(['1.0'])
    const [e] = okJson<LogEntry[]>(['log', '-n', '1'], {cwd: s.dir})
    expect(e.type).toBe('RolledBack')
    expect(e.message).toMatch(/; pointer only$/)
    expect(Object.keys(e.payload).sort()).toEqual(['backend', 'distribution', 'seq', 'snapshot'])
    expect(publish().results.map((x) => x.action)).toEqual(['published'])
  })
})

describe('a rollback that reaches only some backends', () => {
  let s: TestArchive
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('says which backend did not move, exits non-zero with a hint, and the archive follows the backends that moved', async () => {
    s = makeTestArchive()
    const www2 = path.join(s.work, 'www2')
    ok(['backend', 'add', 'second', `file://${www2}`], {cwd: s.dir})
    const ids: string[] = []
    for (const version of ['1.0', '2.0']) {
      ok(['package', 'add', await buildDeb(s.pkgs, {name: 'hello', version, arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: s.dir})
      ids.push(okJson(['publish', '--sign-key', s.key], {cwd: s.dir}).snapshot)
    }
    // The second backend's root becomes a regular file: every request to it fails.
    fs.rmSync(www2, {recursive: true})
    fs.writeFileSync(www2, 'not a directory\n')
    const head = sh('git', ['-C', s.dir, 'rev-parse', 'HEAD'], {}).stdout.trim()
    const res = raptr(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir})
    expect(res.code).not.toBe(0)
    expect(res.stdout).toMatch(/^local\/production: rolled back from [0-9a-f]{12} to [0-9a-f]{12}/m)
    expect(res.stderr).toMatch(/rollback of production did not reach second: .*\(moved: local; the archive follows them\)/)
    expect(res.stderr).toMatch(/raptr rollback production --backend second/)
    // One commit: the moved backend's publication and event, and the links it serves.
    expect(sh('git', ['-C', s.dir, 'rev-parse', 'HEAD~1'], {}).stdout.trim()).toBe(head)
    expect(linked(s.dir, 'hello')).toEqual(['1.0'])
    const events = okJson<LogEntry[]>(['log', '--event', 'RolledBack'], {cwd: s.dir})
    expect(events.map((e) => [e.payload.backend, e.payload.snapshot, e.payload.unlinkedCount])).toEqual([['local', ids[0], 1]])
    // --json: the error carries which backend failed and what the others did.
    const j = raptr(['rollback', 'production', '--backend', 'second', '--sign-key', s.key, '--json'], {cwd: s.dir})
    expect(j.code).not.toBe(0)
    const err = JSON.parse(j.stdout).error
    expect(err.data.failed.map((f: {backend: string}) => f.backend)).toEqual(['second'])
    expect(err.message).toMatch(/nothing moved; the archive is unchanged/)
    expect(sh('git', ['-C', s.dir, 'rev-list', '--count', `${head}..HEAD`], {}).stdout.trim()).toBe('1')
  })
})

describe('a rollback with sync on, past a package removed since', () => {
  let s: TestArchive
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('brings the removed record back with its link, pushes the one commit, and a teammate\'s plain publish is a no-op', async () => {
    s = makeTestArchive()
    const remote = path.join(s.work, 'remote.git')
    expect(sh('git', ['clone', '--quiet', '--bare', s.dir, remote]).code).toBe(0)
    const a = path.join(s.work, 'a')
    ok(['clone', remote, a], {cwd: s.work})
    const remoteHead = (): string => sh('git', ['rev-parse', 'main'], {cwd: remote}).stdout.trim()
    const hello = async (version: string): Promise<string> => buildDeb(fs.mkdtempSync(path.join(s.pkgs, `${version}-`)), {name: 'hello', version, arch: 'amd64'})
    ok(['package', 'add', await hello('1.0'), '--category', 'public', '--link', 'production'], {cwd: a})
    const v1 = okJson(['publish', '--sign-key', s.key], {cwd: a}).snapshot
    ok(['package', 'add', await hello('2.0'), '--category', 'public', '--link', 'production'], {cwd: a})
    ok(['package', 'remove', 'hello', '--version', '1.0'], {cwd: a})
    okJson(['publish', '--sign-key', s.key], {cwd: a})
    expect(linked(a, 'hello')).toEqual(['2.0'])
    const record = (dir: string): string => sh('git', ['-C', dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'packages'], {}).stdout
    expect(record(a)).not.toMatch(/\/hello\/1\.0_amd64$/m)

    const [r] = okJson<any[]>(['rollback', 'production', '--sign-key', s.key], {cwd: a})
    expect(r).toMatchObject({action: 'rolled-back', to: v1, links: {unlinkedCount: 1, relinkedCount: 1, recordsRestored: 1}})
    expect(linked(a, 'hello')).toEqual(['1.0'])
    expect(record(a)).toMatch(/\/hello\/1\.0_amd64$/m)
    // Pushed like any change: the remote has the rollback commit.
    expect(remoteHead()).toBe(sh('git', ['-C', a, 'rev-parse', 'HEAD'], {}).stdout.trim())
    const [e] = okJson<LogEntry[]>(['log', '-n', '1'], {cwd: a})
    expect(e).toMatchObject({type: 'RolledBack', payload: {snapshot: v1, recordsRestored: 1}})
    expect(raptr(['verify'], {cwd: a}).code).toBe(0)

    // A teammate clones and publishes: nothing is re-released.
    const b = path.join(s.work, 'b')
    ok(['clone', remote, b], {cwd: s.work})
    expect(linked(b, 'hello')).toEqual(['1.0'])
    expect(okJson(['publish', '--sign-key', s.key], {cwd: b}).results.map((x: {action: string}) => x.action)).toEqual(['unchanged'])
  })
})

describe('a rollback of a large change', () => {
  let s: TestArchive
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('the RolledBack event names the first 20 packages each way and counts them all', async () => {
    s = makeTestArchive()
    ok(['package', 'add', await buildDeb(s.pkgs, {name: 'hello', version: '1.0', arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    const many = path.join(s.work, 'many')
    fs.mkdirSync(many)
    for (let i = 0; i < 23; i++) await buildDeb(many, {name: `bulk${String(i).padStart(2, '0')}`, version: '1.0', arch: 'amd64'})
    ok(['package', 'add', many, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    ok(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir})
    const [e] = okJson<LogEntry[]>(['log', '-n', '1'], {cwd: s.dir})
    expect(e.payload).toMatchObject({unlinkedCount: 23, relinkedCount: 0, relinked: []})
    const names = (e.payload.unlinked as Array<{name: string}>).map((p) => p.name)
    expect(names).toHaveLength(20)
    expect(new Set(names).size).toBe(20)
    for (const n of names) expect(n).toMatch(/^bulk\d\d$/)
    expect(e.message).toMatch(/links: 23 unlinked, 0 relinked$/)
    expect(ok(['log', '--oneline', '-n', '1'], {cwd: s.dir}).stdout).toMatch(/unlinked bulk\d\d 1\.0 amd64 production\/public, .* and 20 more; relinked none\n$/)
    expect(linked(s.dir, 'hello')).toEqual(['1.0'])
    expect(sh('git', ['-C', s.dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'dists/production'], {}).stdout).not.toMatch(/bulk/)
  })
})
