import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveFile, archiveState, ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'
import {readIndex} from '../helpers/indexes.js'

// raptr clone, raptr sync and --sync/--no-sync from the command line, against a bare git
// remote and a directory backend.

let work: string
let remote: string
let www: string
let debs: Record<string, string>

const remoteHead = (): string => sh('git', ['rev-parse', 'main'], {cwd: remote}).stdout.trim()

beforeAll(async () => {
  work = tempDir('raptr-team-cli-')
  www = path.join(work, 'www')
  const origin = path.join(work, 'origin')
  ok(['init', origin], {cwd: work})
  ok(['distribution', 'add', 'staging', '--architectures', 'amd64'], {cwd: origin})
  ok(['category', 'add', 'main', '--to', 'staging'], {cwd: origin})
  ok(['backend', 'add', 'local', `file://${www}`], {cwd: origin})
  remote = path.join(work, 'remote.git')
  expect(sh('git', ['clone', '--quiet', '--bare', origin, remote]).code).toBe(0)
  const pkgs = path.join(work, 'pkgs')
  fs.mkdirSync(pkgs)
  const build = async (key: string, name: string, seed: number): Promise<[string, string]> => [key, await buildDeb(fs.mkdtempSync(path.join(pkgs, `${key}-`)), {name, version: '1.0', arch: 'amd64', payloadBytes: 32, seed})]
  debs = Object.fromEntries(await Promise.all([build('shared', 'shared', 1), build('twinA', 'twin', 1), build('twinB', 'twin', 2), build('late', 'late', 3)]))
})

describe('raptr clone and raptr sync', () => {
  it('raptr clone turns sync on for the clone only: raptr.json and the history are the remote\'s; cloning a repository that is not an archive fails and leaves nothing behind', () => {
    const dir = path.join(work, 'first')
    ok(['clone', remote, dir], {cwd: work})
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.git/raptr/local.json'), 'utf8'))).toEqual({sync: true})
    expect(JSON.parse(archiveFile(dir, 'raptr.json')).sync).toBeUndefined()
    expect(archiveState(dir).status).toBe('')
    expect(archiveState(dir).head).toBe(remoteHead())
    expect(sh('git', ['show', 'main:raptr.json'], {cwd: remote}).stdout).not.toMatch(/"sync"/)

    const plain = path.join(work, 'plain')
    expect(sh('git', ['init', '--quiet', plain]).code).toBe(0)
    fs.writeFileSync(path.join(plain, 'README'), 'not an archive\n')
    expect(sh('git', ['add', 'README'], {cwd: plain}).code).toBe(0)
    expect(sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '-m', 'x'], {cwd: plain}).code).toBe(0)
    const res = raptr(['clone', plain, path.join(work, 'not-an-archive')], {cwd: work})
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/is not a raptr archive/)
    expect(fs.existsSync(path.join(work, 'not-an-archive'))).toBe(false)
  })

  it('raptr clone of an empty bare remote starts a new archive whose first push creates the branch; a remote whose HEAD names a missing branch, or master, clones too', () => {
    const empty = path.join(work, 'empty-for-clone.git')
    expect(sh('git', ['init', '--quiet', '--bare', '--initial-branch=master', empty]).code).toBe(0)
    const first = path.join(work, 'from-empty')
    const res = ok(['clone', empty, first], {cwd: work})
    expect(res.stdout).toMatch(/is empty: a new archive/)
    expect(archiveFile(first, 'raptr.json')).toMatch(/"format"/)
    // sync is on in the clone: its first change is pushed without --sync, and creates main
    ok(['distribution', 'add', 'production', '--architectures', 'amd64'], {cwd: first})
    expect(sh('git', ['show', 'main:raptr.json'], {cwd: empty}).stdout).not.toMatch(/"sync"/)
    // the first change pushed main; the remote's HEAD still names master, which does not exist
    expect(sh('git', ['rev-parse', 'main'], {cwd: empty}).stdout.trim()).toBe(archiveState(first).head)
    expect(sh('git', ['symbolic-ref', 'HEAD'], {cwd: empty}).stdout.trim()).toBe('refs/heads/master')
    const second = path.join(work, 'from-dangling-head')
    ok(['clone', empty, second], {cwd: work})
    expect(archiveState(second).head).toBe(archiveState(first).head)
    expect(sh('git', ['symbolic-ref', '--short', 'HEAD'], {cwd: second}).stdout.trim()).toBe('main')
    ok(['category', 'add', 'main', '--to', 'production'], {cwd: second})
    expect(sh('git', ['rev-parse', 'main'], {cwd: empty}).stdout.trim()).toBe(archiveState(second).head)

    // a remote whose only branch, and HEAD, is master
    const master = path.join(work, 'master.git')
    expect(sh('git', ['init', '--quiet', '--bare', '--initial-branch=master', master]).code).toBe(0)
    expect(sh('git', ['push', '--quiet', master, 'main:master'], {cwd: first}).code).toBe(0)
    const third = path.join(work, 'from-master')
    ok(['clone', master, third], {cwd: work})
    expect(sh('git', ['symbolic-ref', '--short', 'HEAD'], {cwd: third}).stdout.trim()).toBe('master')
    ok(['distribution', 'add', 'staging', '--architectures', 'amd64'], {cwd: third})
    expect(sh('git', ['rev-parse', 'master'], {cwd: master}).stdout.trim()).toBe(archiveState(third).head)
  })

  it('raptr sync pushes an archive to a new, empty remote', () => {
    const dir = path.join(work, 'fresh')
    ok(['init', dir], {cwd: work})
    const empty = path.join(work, 'empty.git')
    expect(sh('git', ['init', '--quiet', '--bare', empty]).code).toBe(0)
    expect(sh('git', ['remote', 'add', 'origin', empty], {cwd: dir}).code).toBe(0)
    const res = okJson(['sync'], {cwd: dir})
    expect(res).toMatchObject({remote: 'origin', branch: 'main', pushed: true})
    expect(sh('git', ['rev-parse', 'main'], {cwd: empty}).stdout.trim()).toBe(archiveState(dir).head)
  })

  it('--no-sync pushes nothing; the next raptr sync meets a conflict: exit 3, one line naming the package, nothing pushed, the archive as it was', () => {
    const a = path.join(work, 'twin-a')
    const b = path.join(work, 'twin-b')
    ok(['clone', remote, a], {cwd: work})
    ok(['clone', remote, b], {cwd: work})
    ok(['package', 'add', debs.twinA, '--category', 'main', '--link', 'staging'], {cwd: a})
    const pushed = remoteHead()
    expect(pushed).toBe(archiveState(a).head)
    ok(['package', 'add', debs.twinB, '--category', 'main', '--link', 'staging', '--no-sync'], {cwd: b})
    expect(remoteHead()).toBe(pushed)

    const before = archiveState(b)
    const res = raptr(['sync'], {cwd: b})
    expect(res.code).toBe(3)
    const lines = res.stderr.trimEnd().split('\n')
    expect(lines[0]).toBe('raptr: the archive conflicts with origin/main (1 item); nothing was pushed:')
    expect(lines[1]).toMatch(/^ {2}package twin 1\.0 amd64: added with different contents on both sides/)
    expect(lines[2]).toMatch(/^ {2}hint: /)
    expect(lines).toHaveLength(3)
    expect(archiveState(b)).toEqual(before)
    expect(remoteHead()).toBe(pushed)
    expect(fs.readdirSync(b).filter((f) => !f.startsWith('.'))).not.toContain('twin')
  })

  it('publish --sync publishes what others pushed, and pushes its publication record', () => {
    const a = path.join(work, 'pub-a')
    const b = path.join(work, 'pub-b')
    ok(['clone', remote, a], {cwd: work})
    ok(['clone', remote, b], {cwd: work})
    ok(['package', 'add', debs.late, '--category', 'main', '--link', 'staging'], {cwd: a})
    const res = okJson(['publish', '--no-sign'], {cwd: b})
    expect(res.results.map((r: {action: string}) => r.action)).toEqual(['published'])
    expect(readIndex(path.join(www, 'dists/staging/main/binary-amd64/Packages'))).toMatch(/^Package: late$/m)
    expect(sh('git', ['log', '-1', '--format=%s', 'main'], {cwd: remote}).stdout).toMatch(/^published: staging [0-9a-f]{12} to local/)
    expect(remoteHead()).toBe(archiveState(b).head)
  })
})
