import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient, gpgv} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {FIXTURES, ok, okJson, raptr, sh} from '../helpers/cli.js'
import {aptForDirectory, fileTree, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

function written(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.entries()].filter(([p, v]) => before.get(p) !== v).map(([p]) => p).sort()
}

type Setup = TestArchive

const setup = async (): Promise<Setup> => makeTestArchive({origin: 'ACME'})

function publishOk(s: Setup, ...extra: string[]): any {
  return okJson(['publish', '--sign-key', s.key, ...extra], {cwd: s.dir})
}

const aptFor = aptForDirectory
const tree = fileTree

describe('publishing to a directory', () => {
  let s: Setup
  beforeAll(async () => {
    s = await setup()
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('apt reads the live distribution and the pinned snapshot, downloads matching bytes, and gpgv verifies both signatures', async () => {
    ok(['package', 'add', FIXTURES, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = publishOk(s)
    const r = res.results[0]
    expect(r).toMatchObject({backend: 'local', distribution: 'production', action: 'published', seq: 1})
    expect(r.debLine).toBe(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] file://${s.www} production public`)
    for (const f of ['raptr.asc', 'raptr.gpg', 'dists/production/InRelease', 'dists/production/Release', 'dists/production/Release.gpg']) {
      expect(fs.existsSync(path.join(s.www, f)), f).toBe(true)
    }
    const live = path.join(s.www, 'dists/production')
    expect(gpgv(s.pubKey, path.join(live, 'InRelease')).code).toBe(0)
    expect(gpgv(s.pubKey, path.join(live, 'Release.gpg'), path.join(live, 'Release')).code).toBe(0)
    const release = fs.readFileSync(path.join(live, 'Release'), 'utf8')
    expect(release).toMatch(/^Origin: ACME\nLabel: ACME\nSuite: production\nCodename: production\nDate: .+ UTC\nArchitectures: amd64 arm64\nComponents: public\nSnapshots: file:\/\/.+\/snapshots\/@SNAPSHOTID@\/\nAcquire-By-Hash: yes\nSHA256:\n/)
    expect(release).not.toMatch(/[ \t]$/m)

    const apt = aptFor(s, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'hello-xz', 'hello-zst', 'libfoo-doc'])
    const got = apt.download('hello-zst')
    expect(fs.readFileSync(got)).toEqual(fs.readFileSync(path.join(FIXTURES, 'hello-zst_1.0-1_amd64.deb')))
    // arm64 clients see the Architecture: all package in their index too
    const arm = aptFor(s, 'production', 'arm64')
    arm.update()
    expect(arm.packageNames()).toEqual(['libfoo-doc'])

    const pin = okJson(['pin', res.snapshot, 'production'], {cwd: s.dir})
    expect(pin.suite).toBe(`snapshots/${res.snapshot.slice(0, 12)}/production`)
    expect(pin.sourcesStanza).toContain(`Suites: snapshots/${res.snapshot.slice(0, 12)}/production`)
    const pinned = new AptClient()
    pinned.configure(pin.debLine, s.pubKey)
    pinned.update()
    expect(pinned.download('libfoo-doc')).toMatch(/libfoo-doc_2.0_all.deb$/)
    const pinnedRelease = fs.readFileSync(path.join(s.www, 'dists', pin.suite, 'Release'), 'utf8')
    expect(pinnedRelease).not.toMatch(/Valid-Until/)
    for (const c of [apt, arm, pinned]) c.cleanup()
  })

  it('a second publish after adding one package writes exactly that package, the changed indexes and the Release files', async () => {
    const before = tree(s.www)
    const file = await buildDeb(s.pkgs, {name: 'newpkg', version: '1.0-1', arch: 'amd64'})
    ok(['package', 'add', file, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = publishOk(s)
    const id = res.snapshot.slice(0, 12)
    const changed = written(before, tree(s.www))
    const sha = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: s.dir}).find((p) => p.name === 'newpkg').sha256
    // only the compressed files: the Release lists the uncompressed ones, which are not written
    const newAmd64 = ['Packages.gz', 'Packages.xz']
    const byHash = changed.filter((p) => p.startsWith('dists/production/') && p.includes('/by-hash/'))
    const expected = [
      // the one new pool file
      expect.stringMatching(new RegExp(`^pool/${sha.slice(0, 2)}/bafkrei[a-z2-7]+\\.deb$`)),
      // the amd64 indexes changed: by hash, then canonical
      ...byHash,
      ...newAmd64.map((f) => `dists/production/public/binary-amd64/${f}`),
      'dists/production/public/Contents-amd64.gz',
      // the pointer
      'dists/production/InRelease',
      'dists/production/Release',
      'dists/production/Release.gpg',
      // the log entry
      'raptr/log/production/0000000002.json',
      // the browsable pages
      'index.html',
      'dists/production/index.html',
    ]
    const pinned = changed.filter((p) => p.startsWith(`dists/snapshots/${id}/`))
    const rest = changed.filter((p) => !p.startsWith(`dists/snapshots/${id}/`))
    expect(byHash).toHaveLength(3)
    expect(byHash.filter((p) => p.startsWith('dists/production/public/binary-amd64/by-hash/SHA256/'))).toHaveLength(2)
    expect(byHash.filter((p) => p.startsWith('dists/production/public/by-hash/SHA256/'))).toHaveLength(1) // Contents-amd64.gz
    expect(rest.sort()).toEqual(expect.arrayContaining(expected))
    expect(rest).toHaveLength(expected.length)
    // the pinned copy: its Release files, and every index linked (not re-sent) from the live by-hash files
    expect(pinned.filter((p) => /\/(InRelease|Release|Release\.gpg)$/.test(p)).sort()).toEqual(
      ['InRelease', 'Release', 'Release.gpg'].map((f) => `dists/snapshots/${id}/production/${f}`),
    )
    const pinnedIndexes = pinned.filter((p) => !/\/(InRelease|Release|Release\.gpg)$/.test(p))
    expect(pinnedIndexes).toHaveLength((6 + 2) * 2) // 6 Packages/Sources .gz/.xz files and 2 Contents .gz files, by hash and by name
    for (const p of pinnedIndexes.filter((x) => x.includes('/by-hash/'))) {
      const liveTwin = p.replace(`dists/snapshots/${id}/production/`, 'dists/production/')
      expect(fs.statSync(path.join(s.www, p)).ino).toBe(fs.statSync(path.join(s.www, liveTwin)).ino)
    }
    expect(res.results[0].totals).toMatchObject({blobs: 1, indexes: 3, canonical: 3, copies: 16})
  })

  it('publishing again with no change writes nothing', () => {
    const before = tree(s.www)
    const res = publishOk(s)
    expect(res.results[0].action).toBe('unchanged')
    expect(written(before, tree(s.www))).toEqual([])
  })

  it('--dry-run prints the plan and writes nothing', async () => {
    const file = await buildDeb(s.pkgs, {name: 'dry', version: '1.0', arch: 'arm64'})
    ok(['package', 'add', file, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const before = tree(s.www)
    // like the real publish, a dry run without a key refuses (unless --no-sign)
    const keyless = raptr(['publish', '--dry-run'], {cwd: s.dir})
    expect(keyless.code).toBe(2)
    expect(keyless.stderr).toMatch(/no signing key/)
    const out = ok(['publish', '--dry-run', '--sign-key', s.key], {cwd: s.dir}).stdout
    expect(out).toMatch(/local\/production: would publish snapshot [0-9a-f]{12} \(seq 3\): 1 added \(\d+(\.\d)? (B|KiB)\), 0 changed \(0 B\), 0 removed; 1 pool files/)
    expect(out).toMatch(/^ {2}\+ dry 1\.0 \(/m)
    expect(out).not.toMatch(/upload pool/)
    const verbose = ok(['publish', '--dry-run', '--verbose', '--no-sign'], {cwd: s.dir}).stdout
    expect(verbose).toMatch(/upload pool\/[0-9a-f]{2}\/bafkrei/)
    expect(verbose).toMatch(/swap {3}dists\/production\/Release, Release.gpg, InRelease/)
    const json = okJson(['publish', '--dry-run', '--sign-key', s.key], {cwd: s.dir})
    expect(json.results[0].action).toBe('planned')
    expect(json.results[0].plan.blobs).toHaveLength(1)
    expect(json.results[0].summary).toMatchObject({added: {packages: 1}, removed: {packages: 0}, packages: [{name: 'dry', change: 'added', to: ['1.0']}]})
    expect(written(before, tree(s.www))).toEqual([])
  })

  it('rollback swaps the pointer back without uploading, and a client that had the newer Release sees the older packages', async () => {
    publishOk(s) // publishes "dry" (seq 3)
    const apt = aptFor(s, 'production', 'arm64')
    apt.update()
    expect(apt.packageNames()).toContain('dry')
    const before = tree(s.www)
    const rb = okJson<any[]>(['rollback', 'production', '--sign-key', s.key], {cwd: s.dir})
    expect(rb[0]).toMatchObject({backend: 'local', distribution: 'production', seq: 4})
    // only the pointer and the log entry were written, and the changed canonical
    // indexes re-linked to their by-hash twins (no index bytes sent)
    const changed = written(before, tree(s.www))
    const arm64 = 'dists/production/public/binary-arm64'
    expect(changed).toEqual([
      'dists/production/InRelease',
      'dists/production/Release',
      'dists/production/Release.gpg',
      'dists/production/public/Contents-arm64.gz',
      `${arm64}/Packages.gz`,
      `${arm64}/Packages.xz`,
      'raptr/log/production/0000000004.json',
    ])
    for (const f of ['Packages.gz', 'Packages.xz']) {
      const ino = fs.statSync(path.join(s.www, arm64, f)).ino
      const twins = fs.readdirSync(path.join(s.www, arm64, 'by-hash/SHA256')).filter((h) => fs.statSync(path.join(s.www, arm64, 'by-hash/SHA256', h)).ino === ino)
      expect(twins, f).toHaveLength(1)
    }
    const live = path.join(s.www, 'dists/production')
    expect(gpgv(s.pubKey, path.join(live, 'InRelease')).code).toBe(0)
    expect(gpgv(s.pubKey, path.join(live, 'Release.gpg'), path.join(live, 'Release')).code).toBe(0)
    apt.update()
    expect(apt.packageNames()).not.toContain('dry')
    expect(apt.download('libfoo-doc')).toMatch(/libfoo-doc_2.0_all.deb$/)
    // roll back further to the first publication, by name of snapshot
    const first = okJson<any>(['snapshot', 'list'], {cwd: s.dir}).publications.find((p: any) => p.seq === 1).snapshot
    okJson(['rollback', 'production', '--to', first, '--sign-key', s.key], {cwd: s.dir})
    const amd = aptFor(s, 'production')
    amd.update()
    expect(amd.packageNames()).toEqual(['hello-gz', 'hello-xz', 'hello-zst', 'libfoo-doc'])
    // the rollback changed the archive too: a plain publish re-releases nothing
    expect(publishOk(s).results.map((r: any) => r.action)).toEqual(['unchanged'])
    amd.update()
    expect(amd.packageNames()).toEqual(['hello-gz', 'hello-xz', 'hello-zst', 'libfoo-doc'])
    // rolling back to the newest publication brings everything back, in the archive too
    const newest = okJson<any>(['snapshot', 'list'], {cwd: s.dir}).publications.find((p: any) => p.seq === 3).snapshot
    okJson(['rollback', 'production', '--to', newest, '--sign-key', s.key], {cwd: s.dir})
    amd.update()
    expect(amd.packageNames()).toEqual(['hello-gz', 'hello-xz', 'hello-zst', 'libfoo-doc', 'newpkg'])
    expect(publishOk(s).results.map((r: any) => r.action)).toEqual(['unchanged'])
    apt.cleanup()
    amd.cleanup()
  })

  it('snapshot diff lists added, removed and changed packages per distribution, category and architecture', async () => {
    const a = okJson<any[]>(['log'], {cwd: s.dir})[0].id
    ok(['snapshot', 'create', 'before-change'], {cwd: s.dir})
    const v2 = await buildDeb(s.pkgs, {name: 'newpkg', version: '1.1-1', arch: 'amd64'})
    ok(['package', 'add', v2, '--category', 'public'], {cwd: s.dir})
    ok(['package', 'unlink', 'newpkg', '--version', '1.0-1', '--from', 'production'], {cwd: s.dir})
    ok(['package', 'link', 'newpkg', '--version', '1.1-1', '--to', 'production'], {cwd: s.dir})
    ok(['package', 'unlink', 'dry', '--from', 'production'], {cwd: s.dir})
    const extra = await buildDeb(s.pkgs, {name: 'extra', version: '0.1', arch: 'all'})
    ok(['package', 'add', extra, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const diff = okJson(['snapshot', 'diff', 'before-change', 'HEAD'], {cwd: s.dir})
    expect(diff.from).toBe(a)
    expect(diff.changes).toEqual([
      {distribution: 'production', category: 'public', architecture: 'all', name: 'extra', change: 'added', from: [], to: ['0.1']},
      {distribution: 'production', category: 'public', architecture: 'amd64', name: 'newpkg', change: 'changed', from: ['1.0-1'], to: ['1.1-1']},
      {distribution: 'production', category: 'public', architecture: 'arm64', name: 'dry', change: 'removed', from: ['1.0'], to: []},
    ])
    const text = ok(['snapshot', 'diff', 'before-change'], {cwd: s.dir}).stdout
    expect(text).toContain('~ newpkg 1.0-1 -> 1.1-1  (production/public/amd64)')
    expect(text).toContain('+ extra 0.1  (production/public/all)')
    expect(text).toContain('- dry 1.0  (production/public/arm64)')
    const md = ok(['snapshot', 'diff', 'before-change', 'HEAD', '--markdown'], {cwd: s.dir}).stdout
    expect(md).toContain('### production / public / amd64')
    expect(md).toContain('| newpkg | changed | 1.0-1 | 1.1-1 |')
    const show = okJson(['snapshot', 'show', 'before-change'], {cwd: s.dir})
    expect(show.names).toEqual(['before-change'])
  })
})

describe('publish refuses what would be unsafe', () => {
  it('without a key it refuses unless --no-sign, and an unsigned publish works with [trusted=yes]', async () => {
    const s = await setup()
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const refused = raptr(['publish'], {cwd: s.dir, env: {RAPTR_SIGNING_KEY: undefined}})
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/no signing key/)
    expect(refused.stderr).toMatch(/hint: .*--no-sign/)
    expect(fs.existsSync(s.www)).toBe(false)
    const res = ok(['publish', '--no-sign'], {cwd: s.dir})
    expect(res.stderr).toMatch(/UNSIGNED/)
    expect(res.stdout).toContain(`deb [trusted=yes] file://${s.www} production public`)
    expect(fs.existsSync(path.join(s.www, 'dists/production/InRelease'))).toBe(false)
    const apt = new AptClient()
    apt.configure(`deb [trusted=yes] file://${s.www} production public`)
    apt.update()
    expect(apt.packageNames()).toEqual(['libfoo-doc'])
    apt.cleanup()
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('a wrong passphrase is one clear line and publishes nothing', async () => {
    const s = await setup()
    const locked = path.join(s.work, 'locked.asc')
    ok(['key', 'generate', '--name', 'x', '--email', 'x@example.org', '--out', locked], {cwd: s.work, env: {RAPTR_SIGNING_PASSPHRASE: 'right'}})
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = raptr(['publish', '--sign-key', locked], {cwd: s.dir, env: {RAPTR_SIGNING_PASSPHRASE: 'wrong'}})
    expect(res.code).toBe(2)
    expect(res.stderr.split('\n')[0]).toMatch(/passphrase/)
    expect(fs.existsSync(s.www)).toBe(false)
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('a snapshot that does not descend from the live one is refused unless --force', async () => {
    const s = await setup()
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const base = okJson<any[]>(['log'], {cwd: s.dir})[0].id
    ok(['package', 'add', path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    publishOk(s)
    // a clone of the older state, with a different change: diverged
    const other = path.join(s.work, 'other')
    expect(sh('git', ['clone', '-q', s.dir, other]).code).toBe(0)
    expect(sh('git', ['reset', '-q', '--hard', base], {cwd: other}).code).toBe(0)
    ok(['package', 'add', path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: other})
    const refused = raptr(['publish', '--sign-key', s.key], {cwd: other})
    expect(refused.code).toBe(3)
    expect(refused.stdout).toMatch(/REFUSED: local\/production: the live snapshot [0-9a-f]{12} is not an ancestor/)
    expect(refused.stdout).toMatch(/hint: pull and merge the archive/)
    // an older snapshot of this same archive: the way back is a rollback, not a pull
    const older = raptr(['publish', '--sign-key', s.key, '--snapshot', base], {cwd: s.dir})
    expect(older.code).toBe(3)
    expect(older.stdout).toMatch(/REFUSED/)
    expect(older.stdout).toMatch(/hint: [0-9a-f]{12} is older than the live snapshot [0-9a-f]{12}: to go back, use raptr rollback production --to [0-9a-f]{12}; --force/)
    expect(older.stdout).not.toMatch(/pull and merge/)
    const apt = aptFor(s, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'libfoo-doc'])
    // after a merge it is a fast-forward
    const env = {GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.org'}
    expect(sh('git', ['pull', '-q', '--no-rebase', '--no-edit', 'origin', 'main'], {cwd: other, env}).code).toBe(0)
    ok(['publish', '--sign-key', s.key], {cwd: other})
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'hello-xz', 'libfoo-doc'])
    apt.cleanup()
    fs.rmSync(s.work, {recursive: true, force: true})
  })
})

describe('indexes built from pieces', () => {
  it('are the same bytes whichever pieces were memoized and however the made ones are grouped, and leave no scratch files', async () => {
    const s = await setup()
    for (let i = 0; i < 12; i++) await buildDeb(s.pkgs, {name: `spread${i}`, version: `1.${i}`, arch: i % 3 === 0 ? 'all' : 'amd64'})
    ok(['package', 'add', s.pkgs, FIXTURES, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    // Made one or two at a time: every run boundary falls inside an index.
    expect(raptr(['publish', 'local', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_PIECE_RUN: '2'}}).code).toBe(0)
    const cache = path.join(s.dir, '.git/raptr/cache/piece')
    const memos = fs.readdirSync(cache).sort()
    expect(memos.length).toBeGreaterThan(8)
    // Every other memo lost: the pieces made again take their dictionary from memoized neighbours.
    memos.forEach((m, i) => i % 2 === 0 && fs.rmSync(path.join(cache, m)))
    const tmp = path.join(s.dir, '.git/raptr/tmp')
    // What a killed publish left: removed once its process is gone.
    const stale = path.join(tmp, `indexes-${spawnSync('true').pid}-x`)
    fs.mkdirSync(path.join(stale, 'public'), {recursive: true})
    const www2 = path.join(s.work, 'www2')
    ok(['backend', 'add', 'other', `file://${www2}`], {cwd: s.dir})
    expect(raptr(['publish', 'other', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_PIECE_RUN: '3'}}).code).toBe(0)
    // path → SHA-256 of the index files (not their inodes: another directory)
    const live = (root: string): Map<string, string> =>
      new Map([...tree(path.join(root, 'dists/production'))].filter(([p]) => !p.includes('by-hash') && !p.includes('Release') && !p.endsWith('.html')).map(([p, v]) => [p, v.split(':')[0]]))
    const [a, b] = [live(s.www), live(www2)]
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort())
    expect([...a.keys()]).toContain('public/binary-amd64/Packages.xz')
    for (const [p, v] of a) expect(b.get(p), p).toBe(v)
    // Each backend's Release names its own URL as apt's snapshot template.
    const release = (root: string): string => fs.readFileSync(path.join(root, 'dists/production/Release'), 'utf8').replace(/^Date: .*$/m, '').replace(/^Snapshots: .*$/m, '')
    expect(release(www2)).toBe(release(s.www))
    expect(fs.readdirSync(tmp)).toEqual([])
    fs.rmSync(s.work, {recursive: true, force: true})
  })
})

describe('a publish killed at any step', () => {
  it('leaves a directory apt reads without error, showing the old or the new snapshot', async () => {
    const s = await setup()
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    publishOk(s)
    const oldSet = ['libfoo-doc']
    for (let i = 0; i < 6; i++) {
      const f = await buildDeb(s.pkgs, {name: `crash${i}`, version: '1.0', arch: i % 2 ? 'arm64' : 'amd64'})
      ok(['package', 'add', f, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    }
    const newSet = ['crash0', 'crash2', 'crash4', 'libfoo-doc']
    // kill the publish before each of its writes in turn, from the same starting state
    const pristine = path.join(s.work, 'pristine')
    sh('cp', ['-a', s.www, pristine])
    // every write near the end (log entry, canonical names, pointer), every third before
    let total = 0
    for (let n = 1; n < 200; n++) {
      if (n % 3 !== 1 && n < 30) continue
      fs.rmSync(s.www, {recursive: true, force: true})
      sh('cp', ['-a', pristine, s.www])
      const res = raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: String(n)}})
      if (res.code === 0) {
        total = n - 1
        break
      }
      expect(res.code, res.stderr).not.toBe(1)
      const apt = aptFor(s, 'production')
      apt.update()
      const names = apt.packageNames()
      expect([oldSet, newSet], `killed before write ${n}`).toContainEqual(names)
      apt.cleanup()
    }
    expect(total).toBeGreaterThan(20)
    // killed before its log entry, or between the log entry and the pointer: the next
    // plain publish finishes the job either way
    for (const n of [Math.floor(total / 2), total]) {
      fs.rmSync(s.www, {recursive: true, force: true})
      sh('cp', ['-a', pristine, s.www])
      expect(raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: String(n)}}).code).not.toBe(0)
      publishOk(s)
      const apt = aptFor(s, 'production')
      apt.update()
      expect(apt.packageNames(), `after a kill before write ${n}`).toEqual(newSet)
      apt.cleanup()
    }
    fs.rmSync(s.work, {recursive: true, force: true})
  }, 600_000)
})

describe('a first publish killed at any step', () => {
  it('never leaves a Release without its InRelease, live or pinned: apt finds nothing yet, or the whole signed snapshot', async () => {
    const s = await setup()
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const unsigned = (): string[] => {
      const dirs: string[] = []
      const walk = (d: string): void => {
        if (!fs.existsSync(d)) return
        for (const e of fs.readdirSync(d, {withFileTypes: true})) if (e.isDirectory() && e.name !== 'by-hash') walk(path.join(d, e.name))
        if (fs.existsSync(path.join(d, 'Release')) && !(fs.existsSync(path.join(d, 'InRelease')) && fs.existsSync(path.join(d, 'Release.gpg')))) dirs.push(path.relative(s.www, d))
      }
      walk(path.join(s.www, 'dists'))
      return dirs
    }
    let total = 0
    for (let n = 1; n < 200; n++) {
      fs.rmSync(s.www, {recursive: true, force: true})
      const res = raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: String(n)}})
      if (res.code === 0) {
        total = n - 1
        break
      }
      expect(res.code, res.stderr).not.toBe(1)
      expect(unsigned(), `killed before write ${n}`).toEqual([])
      if (fs.existsSync(path.join(s.www, 'dists/production/InRelease'))) {
        const apt = aptFor(s, 'production')
        apt.update()
        expect(apt.packageNames(), `killed before write ${n}`).toEqual(['libfoo-doc'])
        apt.cleanup()
      }
    }
    expect(total).toBeGreaterThan(10)
    fs.rmSync(s.work, {recursive: true, force: true})
  }, 600_000)
})
