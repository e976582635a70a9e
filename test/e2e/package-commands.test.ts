import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb, buildSource} from '../helpers/build-packages.js'
import {FIXTURES, archiveState, ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'

/** A fresh archive with production and staging, both carrying category public. */
function freshArchive(): string {
  const dir = path.join(tempDir(), 'repo')
  ok(['init', dir], {cwd: path.dirname(dir)})
  ok(['distribution', 'add', 'production', '--architectures', 'amd64,arm64', '--origin', 'ACME'], {cwd: dir})
  ok(['distribution', 'add', 'staging'], {cwd: dir})
  ok(['category', 'add', 'public', '--to', 'production', '--to', 'staging'], {cwd: dir})
  return dir
}

/** The readable message of HEAD: its event data (the Raptr-* trailers) is checked in events.test.ts. */
function headMessage(dir: string): string {
  return sh('git', ['log', '-1', '--format=%B'], {cwd: dir}).stdout.replace(/(\n\nRaptr-(Event|Context): .*(\nRaptr-(Event|Context): .*)*)?\s*$/, '').trim()
}

function commitCount(dir: string): number {
  return Number(sh('git', ['rev-list', '--count', 'HEAD'], {cwd: dir}).stdout.trim())
}

describe('archive and package commands', () => {
  let work: string
  let pkgs: string

  beforeAll(async () => {
    work = tempDir()
    pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    await buildDeb(pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(pkgs, {name: 'hello', version: '1.1-1', arch: 'amd64', compression: 'xz'})
    await buildDeb(pkgs, {name: 'hello', version: '1:0.9-1', arch: 'arm64', compression: 'zstd'})
    await buildDeb(pkgs, {name: 'hello-doc', version: '1.1-1', arch: 'all', compression: 'none'})
  })
  afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

  it('init creates a git archive and is idempotent', () => {
    const dir = path.join(tempDir(), 'repo')
    const first = okJson(['init', dir], {cwd: path.dirname(dir)})
    expect(first.created).toBe(true)
    expect(fs.existsSync(path.join(dir, '.git'))).toBe(true)
    expect(headMessage(dir)).toBe('archive created')
    const again = okJson(['init', dir], {cwd: path.dirname(dir)})
    expect(again.created).toBe(false)
    expect(commitCount(dir)).toBe(1)
    // no work tree: raptr keeps the archive in git objects
    expect(fs.readdirSync(dir)).toEqual(['.git'])
  })

  it('distribution and category commands commit once and then change nothing', () => {
    const dir = freshArchive()
    const n = commitCount(dir)
    ok(['distribution', 'add', 'production', '--architectures', 'amd64,arm64', '--origin', 'ACME'], {cwd: dir})
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    expect(commitCount(dir)).toBe(n)
    const list = okJson<any[]>(['distribution', 'list'], {cwd: dir})
    expect(list.map((d) => d.name)).toEqual(['production', 'staging'])
    expect(list[0]).toMatchObject({architectures: ['amd64', 'arm64'], origin: 'ACME', categories: ['public']})
    expect(okJson(['category', 'list'], {cwd: dir})).toEqual([{name: 'public', distributions: ['production', 'staging']}])
    ok(['distribution', 'add', 'production', '--label', 'ACME packages'], {cwd: dir})
    expect(headMessage(dir)).toBe('distribution updated: production')
    expect(okJson<any[]>(['distribution', 'list'], {cwd: dir})[0]).toMatchObject({origin: 'ACME', label: 'ACME packages'})
  })

  it('package add stores each file once, names the event, and re-adding changes nothing', () => {
    const dir = freshArchive()
    const one = okJson(['package', 'add', path.join(pkgs, 'hello_1.0-1_amd64.deb'), '--category', 'public', '--link', 'staging'], {cwd: dir})
    expect(one.packages).toMatchObject([{name: 'hello', version: '1.0-1', architecture: 'amd64', status: 'added', linked: ['staging/public']}])
    expect(one.packages[0].cid).toMatch(/^bafkrei[a-z2-7]{52}$/)
    expect(headMessage(dir)).toBe('package added: hello 1.0-1 amd64 to staging/public')
    const n = commitCount(dir)
    const again = okJson(['package', 'add', path.join(pkgs, 'hello_1.0-1_amd64.deb'), '--category', 'public', '--link', 'staging'], {cwd: dir})
    expect(again.packages[0].status).toBe('unchanged')
    expect(again.snapshot).toBeUndefined()
    expect(commitCount(dir)).toBe(n)
    const blobs = sh('find', ['.git/raptr/blobs', '-type', 'f'], {cwd: dir}).stdout.trim().split('\n')
    expect(blobs).toHaveLength(1)
    expect(path.basename(blobs[0])).toBe(one.packages[0].cid)
    expect(fs.readdirSync(dir)).toEqual(['.git'])
  })

  it('adds a directory of binaries and the real fixtures (gz, xz, zst control members, a source package)', () => {
    const dir = freshArchive()
    const res = okJson(['package', 'add', pkgs, FIXTURES, '--category', 'public', '--link', 'production'], {cwd: dir})
    const names = res.packages.map((p: any) => `${p.name} ${p.version} ${p.architecture}`).sort()
    expect(names).toEqual(
      [
        'hello 1.0-1 amd64',
        'hello 1.1-1 amd64',
        'hello 1:0.9-1 arm64',
        'hello-doc 1.1-1 all',
        'hello-gz 1.0-1 amd64',
        'hello-xz 1.0-1 amd64',
        'hello-zst 1.0-1 amd64',
        'libfoo-doc 2.0 all',
        'hello 1.0-1 source',
      ].sort(),
    )
    expect(headMessage(dir)).toMatch(/^packages added: 9 to production\/public\n/)
    const listed = okJson<any[]>(['package', 'list', '--distribution', 'production'], {cwd: dir})
    expect(listed).toHaveLength(9)
    expect(listed.filter((p) => p.name === 'hello').map((p) => p.version)).toEqual(['1.0-1', '1.0-1', '1.1-1', '1:0.9-1'])
    expect(okJson<any[]>(['package', 'list', '--distribution', 'staging'], {cwd: dir})).toEqual([])
    expect(fs.readdirSync(dir)).toEqual(['.git'])
    // the archive tree holds one stanza file per package, sharded
    const files = sh('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'dists/production/public/amd64'], {cwd: dir}).stdout.trim().split('\n')
    expect(files.every((f) => /^dists\/production\/public\/amd64\/[0-9a-f]{2}\/[a-z0-9.+-]+\/[^/]+$/.test(f))).toBe(true)
  })

  it('link, unlink and remove choose versions by Debian order and say when a choice is needed', () => {
    const dir = freshArchive()
    ok(['package', 'add', pkgs, '--category', 'public', '--link', 'staging'], {cwd: dir})
    const ambiguous = raptr(['package', 'link', 'hello', '--to', 'production'], {cwd: dir})
    expect(ambiguous.code).toBe(2)
    expect(ambiguous.stderr).toMatch(/hello has 3 versions/)
    expect(ambiguous.stderr).toMatch(/hint: choose with --version V, --latest or --all/)
    // --latest is the latest of each architecture: 1.1-1 of amd64, and of arm64 1:0.9-1 (the epoch wins over 1.1-1)
    ok(['package', 'link', 'hello', '--latest', '--to', 'production'], {cwd: dir})
    expect(headMessage(dir)).toBe('packages linked: 2\n\nhello 1:0.9-1 arm64 to production/public\nhello 1.1-1 amd64 to production/public')
    ok(['package', 'link', 'hello', '--version', '1.1-1', '--to', 'production'], {cwd: dir})
    let prod = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir})
    expect(prod.map((p) => p.version)).toEqual(['1.1-1', '1:0.9-1'])
    const n = commitCount(dir)
    ok(['package', 'link', 'hello', '--version', '1.1-1', '--to', 'production'], {cwd: dir})
    expect(commitCount(dir)).toBe(n)
    ok(['package', 'unlink', 'hello', '--version', '1.1-1', '--from', 'production'], {cwd: dir})
    prod = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir})
    expect(prod.map((p) => p.version)).toEqual(['1:0.9-1'])
    // remove unlinks everywhere
    ok(['package', 'remove', 'hello', '--version', '1:0.9-1'], {cwd: dir})
    expect(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir})).toEqual([])
    expect(okJson<any[]>(['package', 'list', '-d', 'staging'], {cwd: dir}).map((p) => `${p.name} ${p.version}`)).toEqual(['hello 1.0-1', 'hello 1.1-1', 'hello-doc 1.1-1'])
    ok(['package', 'remove', 'hello', '--all', '--arch', 'amd64'], {cwd: dir})
    expect(okJson<any[]>(['package', 'list'], {cwd: dir}).map((p) => p.name)).toEqual(['hello-doc'])
    // the blobs stay until purge
    expect(sh('find', ['.git/raptr/blobs', '-type', 'f'], {cwd: dir}).stdout.trim().split('\n')).toHaveLength(4)
  })

  it('removing a category removes its packages from that distribution only', () => {
    const dir = freshArchive()
    ok(['package', 'add', pkgs, '--category', 'public', '--link', 'staging', '--link', 'production'], {cwd: dir})
    ok(['category', 'remove', 'public', '--from', 'staging'], {cwd: dir})
    expect(headMessage(dir)).toBe('category removed: public from staging')
    expect(raptr(['package', 'list', '-d', 'staging', '-c', 'public'], {cwd: dir}).code).toBe(2)
    expect(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir})).toHaveLength(4)
  })

  it('same name, version and architecture with other bytes is refused unless --replace', async () => {
    const dir = freshArchive()
    ok(['package', 'add', path.join(pkgs, 'hello_1.0-1_amd64.deb'), '--category', 'public', '--link', 'staging'], {cwd: dir})
    const other = path.join(tempDir(), 'other')
    fs.mkdirSync(other)
    const file = await buildDeb(other, {name: 'hello', version: '1.0-1', arch: 'amd64', payloadBytes: 100, seed: 7})
    const before = archiveState(dir)
    const refused = raptr(['package', 'add', file, '--category', 'public'], {cwd: dir})
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/hello 1.0-1 amd64 is already in the archive with different contents/)
    expect(archiveState(dir)).toEqual(before)
    const replaced = okJson(['package', 'add', file, '--category', 'public', '--replace'], {cwd: dir})
    expect(replaced.packages[0].status).toBe('replaced')
    // the link in staging now carries the new stanza
    const stanza = sh('git', ['show', `HEAD:${sh('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'dists/staging/public/amd64'], {cwd: dir}).stdout.trim()}`], {cwd: dir}).stdout
    expect(stanza).toContain(`SHA256: ${replaced.packages[0].sha256}`)
  })

  it('bundles add, link, unlink and remove their members together', async () => {
    const dir = freshArchive()
    const b = path.join(tempDir(), 'bundle')
    fs.mkdirSync(b)
    await buildSource(b, {name: 'tool', version: '2.0-1'})
    await buildDeb(b, {name: 'tool', version: '2.0-1', arch: 'amd64'})
    await buildDeb(b, {name: 'tool-data', version: '2.0-1', arch: 'all'})
    const added = okJson(['bundle', 'add', 'tool', b, '--category', 'public'], {cwd: dir})
    expect(added.version).toBe('2.0-1')
    expect(added.packages).toHaveLength(3)
    expect(headMessage(dir)).toMatch(/^bundle added: tool 2.0-1 \(3 files\)/)
    ok(['bundle', 'link', 'tool', '--latest', '--to', 'production'], {cwd: dir})
    expect(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir}).map((p) => `${p.name}/${p.architecture}`)).toEqual(['tool/amd64', 'tool/source', 'tool-data/all'])
    ok(['bundle', 'unlink', 'tool', '--latest', '--from', 'production'], {cwd: dir})
    expect(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir})).toEqual([])
    expect(okJson<any[]>(['bundle', 'list'], {cwd: dir})).toMatchObject([{alias: 'tool', version: '2.0-1', category: 'public'}])
    ok(['bundle', 'remove', 'tool', '--version', '2.0-1'], {cwd: dir})
    expect(okJson<any[]>(['package', 'list'], {cwd: dir})).toEqual([])
    expect(okJson<any[]>(['bundle', 'list'], {cwd: dir})).toEqual([])
  })

  it('log lists every event, newest first', () => {
    const dir = freshArchive()
    ok(['package', 'add', path.join(pkgs, 'hello-doc_1.1-1_all.deb'), '--category', 'public'], {cwd: dir})
    const log = okJson<any[]>(['log'], {cwd: dir})
    expect(log.map((e) => e.message.split('\n')[0])).toEqual([
      'package added: hello-doc 1.1-1 all (category public)',
      'category added: public to production, staging',
      'distribution added: staging',
      'distribution added: production',
      'archive created',
    ])
    expect(log[0].id).toMatch(/^[0-9a-f]{40}$/)
    expect(ok(['log', '-n', '1'], {cwd: dir}).stdout).toMatch(/^[0-9a-f]{12} {2}\S+ {2}package added: hello-doc/)
  })

  it('two clones that add different packages merge with plain git pull', async () => {
    const origin = freshArchive()
    const base = tempDir()
    const bare = path.join(base, 'shared.git')
    expect(sh('git', ['clone', '--bare', '-q', origin, bare]).code).toBe(0)
    const a = path.join(base, 'a')
    const b = path.join(base, 'b')
    expect(sh('git', ['clone', '-q', bare, a]).code).toBe(0)
    expect(sh('git', ['clone', '-q', bare, b]).code).toBe(0)
    ok(['package', 'add', path.join(pkgs, 'hello_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: a})
    ok(['package', 'add', path.join(pkgs, 'hello_1.1-1_amd64.deb'), path.join(pkgs, 'hello-doc_1.1-1_all.deb'), '--category', 'public', '--link', 'production'], {cwd: b})
    expect(sh('git', ['push', '-q', 'origin', 'main'], {cwd: a}).code).toBe(0)
    const env = {GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org'}
    const pull = sh('git', ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main'], {cwd: b, env})
    expect(pull.stderr + pull.stdout).not.toMatch(/CONFLICT/)
    expect(pull.code).toBe(0)
    const listed = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: b})
    expect(listed.map((p) => `${p.name} ${p.version}`)).toEqual(['hello 1.0-1', 'hello 1.1-1', 'hello-doc 1.1-1'])
    expect(sh('git', ['status', '--porcelain'], {cwd: b}).stdout).toBe('')
  })

  it('a running raptr process locks the archive; a stale lock is taken over', () => {
    const dir = freshArchive()
    fs.writeFileSync(path.join(dir, '.git', 'raptr.lock'), `${process.pid}\n`)
    const locked = raptr(['distribution', 'add', 'testing'], {cwd: dir})
    expect(locked.code).toBe(3)
    expect(locked.stderr).toMatch(/locked by another raptr process/)
    // a pid that cannot exist: the lock is stale
    fs.writeFileSync(path.join(dir, '.git', 'raptr.lock'), '999999999\n')
    ok(['distribution', 'add', 'testing'], {cwd: dir})
    expect(fs.existsSync(path.join(dir, '.git', 'raptr.lock'))).toBe(false)
  })

  it('--help explains every command with an example', () => {
    const cwd = tempDir()
    for (const cmd of [['init'], ['package', 'add'], ['package', 'remove'], ['package', 'link'], ['package', 'unlink'], ['package', 'list'], ['bundle', 'add'], ['distribution', 'add'], ['category', 'add'], ['log']]) {
      const res = ok([...cmd, '--help'], {cwd})
      expect(res.stdout).toMatch(/EXAMPLES/)
      expect(res.stdout).toMatch(/--json/)
    }
  })
})

describe('bad input gets one line and a hint, a non-zero exit, and no change', () => {
  let work: string
  let dir: string
  let good: string

  beforeAll(async () => {
    work = tempDir()
    dir = freshArchive()
    good = await buildDeb(work, {name: 'good', version: '1.0', arch: 'amd64'})
    ok(['package', 'add', good, '--category', 'public', '--link', 'staging'], {cwd: dir})
  })
  afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

  function expectRefused(args: string[], code: number, message: RegExp): void {
    const before = archiveState(dir)
    const blobsBefore = sh('find', ['.git/raptr/blobs', '-type', 'f'], {cwd: dir}).stdout
    const res = raptr(args, {cwd: dir})
    expect(res.code, res.stderr).toBe(code)
    const lines = res.stderr.trim().split('\n')
    expect(lines[0]).toMatch(message)
    expect(lines[1]).toMatch(/^ {2}hint: \S/)
    expect(lines).toHaveLength(2)
    expect(archiveState(dir)).toEqual(before)
    expect(sh('find', ['.git/raptr/blobs', '-type', 'f'], {cwd: dir}).stdout).toBe(blobsBefore)
    const json = raptr([...args, '--json'], {cwd: dir})
    expect(json.code).toBe(code)
    expect(JSON.parse(json.stdout).error.code).toMatch(/^[A-Z_]+$/)
  }

  it('a truncated .deb', () => {
    const bytes = fs.readFileSync(good)
    const f = path.join(work, 'trunc_1.0_amd64.deb')
    fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2)))
    expectRefused(['package', 'add', f, '--category', 'public'], 2, /trunc_1.0_amd64.deb/)
  })

  it('a corrupt .deb', () => {
    const bytes = Buffer.from(fs.readFileSync(good))
    const f = path.join(work, 'corrupt_1.0_amd64.deb')
    for (let i = 200; i < 260; i++) bytes[i] ^= 0xff
    fs.writeFileSync(f, bytes)
    expectRefused(['package', 'add', f, '--category', 'public'], 2, /corrupt_1.0_amd64.deb/)
  })

  it('a .deb without Version', async () => {
    const d = path.join(work, 'nov')
    fs.mkdirSync(d)
    const f = await buildDeb(d, {name: 'nover', version: '1.0', arch: 'amd64', omitFields: ['Version']})
    expectRefused(['package', 'add', f, '--category', 'public'], 2, /Version/)
  })

  it('an invalid package name', async () => {
    const d = path.join(work, 'badname')
    fs.mkdirSync(d)
    const f = await buildDeb(d, {name: 'Bad_Name', version: '1.0', arch: 'amd64', nocheck: true})
    expectRefused(['package', 'add', f, '--category', 'public'], 2, /Bad_Name/)
  })

  it('an invalid version', async () => {
    const d = path.join(work, 'badver')
    fs.mkdirSync(d)
    const f = await buildDeb(d, {name: 'badver', version: '1.0', arch: 'amd64', nocheck: true, extraFields: {Version: 'abc!1'}})
    expectRefused(['package', 'add', f, '--category', 'public'], 2, /abc!1/)
  })

  async function source(name: string): Promise<{dsc: string; files: string[]}> {
    const d = path.join(work, name)
    fs.mkdirSync(d)
    return buildSource(d, {name, version: '1.0-1'})
  }

  it('a .dsc whose listed file is missing', async () => {
    const s = await source('srcmissing')
    fs.rmSync(s.files.find((f) => f.endsWith('.orig.tar.gz'))!)
    expectRefused(['package', 'add', s.dsc, '--category', 'public'], 2, /orig\.tar\.gz/)
  })

  it('a .dsc whose listed file has the wrong hash', async () => {
    const s = await source('srcbadhash')
    const orig = s.files.find((f) => f.endsWith('.orig.tar.gz'))!
    const bytes = Buffer.from(fs.readFileSync(orig))
    bytes[bytes.length - 1] ^= 0xff
    fs.writeFileSync(orig, bytes)
    expectRefused(['package', 'add', s.dsc, '--category', 'public'], 2, /orig\.tar\.gz/)
  })

  it('a .dsc that lists ../ paths', async () => {
    const s = await source('srcunsafe')
    const text = fs.readFileSync(s.dsc, 'utf8').replace(/ srcunsafe_1\.0\.orig\.tar\.gz/g, ' ../srcunsafe_1.0.orig.tar.gz')
    fs.writeFileSync(s.dsc, text)
    expectRefused(['package', 'add', s.dsc, '--category', 'public'], 2, /\.\.\/srcunsafe/)
  })

  it('an unknown distribution or category', () => {
    expectRefused(['package', 'add', good, '--category', 'public', '--link', 'nosuch'], 2, /no distribution named "nosuch"/)
    expectRefused(['package', 'add', good, '--category', 'nosuch'], 2, /no distribution has a category "nosuch"/)
    expectRefused(['package', 'link', 'good', '--to', 'production', '--category', 'nosuch'], 2, /has no category "nosuch"/)
    expectRefused(['category', 'add', 'x', '--to', 'nosuch'], 2, /no distribution named "nosuch"/)
  })

  it('linking a version that does not exist', () => {
    expectRefused(['package', 'link', 'good', '--version', '9.9', '--to', 'production'], 2, /good has no version 9.9/)
    expectRefused(['package', 'link', 'nosuch', '--to', 'production'], 2, /no package named "nosuch"/)
  })

  it('a path that does not exist, and a directory outside any archive', () => {
    expectRefused(['package', 'add', path.join(work, 'nope.deb'), '--category', 'public'], 2, /no such file/)
    const res = raptr(['package', 'list'], {cwd: work})
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/not inside a raptr archive/)
  })
})
