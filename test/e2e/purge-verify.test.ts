import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AptClient} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {FIXTURES, ok, okJson, raptr, tempDir} from '../helpers/cli.js'
import {readIndex} from '../helpers/indexes.js'
import {aptForDirectory, fileTree, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

type Setup = TestArchive

const setup = async (): Promise<Setup> => makeTestArchive()
const publish = (s: Setup, env?: Record<string, string>): any => okJson(['publish', '--sign-key', s.key], {cwd: s.dir, env})
const add = (s: Setup, file: string, ...extra: string[]): void => void ok(['package', 'add', file, '--category', 'public', ...extra], {cwd: s.dir})

const aptFor = (s: Setup, suite: string): AptClient => aptForDirectory(s, suite)
const tree = fileTree

/**
 * What the given pinned snapshots reference, read straight from the files apt reads
 * (independently of raptr's code): their Release files, every index under its live
 * by-hash, pinned by-hash and pinned names, and the pool files the Packages name.
 */
function referencedBy(www: string, dist: string, pinnedIds: string[]): Set<string> {
  const out = new Set<string>()
  for (const id of pinnedIds) {
    const dir = `dists/snapshots/${id}/${dist}`
    for (const f of ['InRelease', 'Release', 'Release.gpg']) out.add(`${dir}/${f}`)
    const release = fs.readFileSync(path.join(www, dir, 'Release'), 'utf8')
    const listed = [...release.matchAll(/^ ([0-9a-f]{64})\s+\d+\s+(\S+)$/gm)]
    const paths = new Set(listed.map((m) => m[2]))
    for (const m of listed) {
      const [, sha, p] = m
      // an uncompressed index listed beside its .gz is not published (as Debian's archive)
      if (!/\.(gz|xz)$/.test(p) && paths.has(`${p}.gz`)) continue
      const sub = p.slice(0, p.lastIndexOf('/'))
      out.add(`dists/${dist}/${sub}/by-hash/SHA256/${sha}`)
      out.add(`${dir}/${sub}/by-hash/SHA256/${sha}`)
      out.add(`${dir}/${p}`)
      if (p.endsWith('/Packages.gz')) {
        for (const f of readIndex(path.join(www, dir, p.slice(0, -'.gz'.length))).matchAll(/^Filename: (\S+)$/gm)) out.add(f[1])
      }
    }
  }
  return out
}

/** Keys purge may ever delete: pool files, by-hash indexes, pinned snapshot files. */
const purgeable = (k: string): boolean => k.startsWith('pool/') || k.startsWith('dists/snapshots/') || k.includes('/by-hash/')

const cidOf = (s: Setup, name: string, version: string): string =>
  okJson<any[]>(['package', 'list'], {cwd: s.dir}).find((p) => p.name === name && p.version === version).cid
const poolFile = (s: Setup, cid: string): string | undefined =>
  [...tree(s.www).keys()].find((k) => k.startsWith('pool/') && k.includes(cid))

describe('purge keeps what clients use and deletes the rest', () => {
  let s: Setup
  const pinned: Record<string, string> = {}
  let pkgC = ''
  let pkgA = ''
  beforeAll(async () => {
    s = await setup()
    add(s, path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--link', 'production')
    add(s, path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), '--link', 'production')
    pinned.s1 = publish(s).results[0].pinned
    add(s, await buildDeb(s.pkgs, {name: 'pkga', version: '1.0', arch: 'amd64'}), '--link', 'production')
    pinned.s2 = publish(s).results[0].pinned
    ok(['snapshot', 'create', 'release-1'], {cwd: s.dir})
    pkgA = cidOf(s, 'pkga', '1.0')
    ok(['package', 'remove', 'hello-gz'], {cwd: s.dir})
    add(s, await buildDeb(s.pkgs, {name: 'pkgc', version: '1.0', arch: 'amd64', payloadBytes: 4096}), '--link', 'production')
    pkgC = cidOf(s, 'pkgc', '1.0')
    pinned.s3 = publish(s).results[0].pinned
    ok(['package', 'remove', 'pkgc'], {cwd: s.dir})
    pinned.s4 = publish(s).results[0].pinned
    add(s, path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), '--link', 'production')
    add(s, await buildDeb(s.pkgs, {name: 'pkgb', version: '2.0', arch: 'arm64'}), '--link', 'production')
    pinned.s5 = publish(s).results[0].pinned
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('purge --dry-run prints the plan and changes nothing on the backend', () => {
    const before = tree(s.www)
    const text = ok(['purge', '--keep-last', '1', '--grace', '0', '--dry-run'], {cwd: s.dir}).stdout
    expect(text).toMatch(/local: would delete \d+ objects/)
    expect(text).toContain(`delete dists/snapshots/${pinned.s1}/production/ (Release files first)`)
    expect(text).toMatch(/keep {3}production snapshots\/[0-9a-f]{12} \(seq \d+: named:release-1/)
    const json = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0', '--dry-run'], {cwd: s.dir})
    expect(json[0].dryRun).toBe(true)
    expect(json[0].deleted.pool).toEqual([poolFile(s, pkgC)])
    expect(tree(s.www)).toEqual(before)
  })

  it('after purge --keep-last 1 --grace 0, apt reads the live, named and pinned snapshots, and exactly the unreferenced objects are gone', () => {
    const named = okJson(['pin', 'release-1', 'production'], {cwd: s.dir})
    const live = okJson(['pin', 'HEAD', 'production'], {cwd: s.dir})
    expect(named.pinned).toBe(pinned.s2)
    expect(live.pinned).toBe(pinned.s5)
    const before = tree(s.www)
    const res = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(res[0].retained.map((r: any) => r.pinned).sort()).toEqual([pinned.s2, pinned.s5].sort())
    expect(res[0].deleted.pinned.sort()).toEqual([pinned.s1, pinned.s3, pinned.s4].map((id) => `dists/snapshots/${id}/production`).sort())
    const after = tree(s.www)
    const keep = referencedBy(s.www, 'production', [pinned.s2, pinned.s5])
    // nothing referenced is missing…
    for (const k of keep) expect(after.has(k), `${k} is referenced but missing`).toBe(true)
    // …nothing purgeable and unreferenced is left…
    const left = [...after.keys()].filter((k) => purgeable(k) && !keep.has(k))
    expect(left).toEqual([])
    // …every deleted object was unreferenced, and nothing else changed
    const deleted = [...before.keys()].filter((k) => !after.has(k))
    expect(deleted.length).toBe(res[0].totals.all.objects)
    for (const k of deleted) {
      expect(keep.has(k), `${k} was deleted but is referenced`).toBe(false)
      expect(purgeable(k), `${k} must never be deleted`).toBe(true)
    }
    for (const [k, v] of after) expect(before.get(k), k).toBe(v)
    expect(poolFile(s, pkgC)).toBeUndefined()
    expect(poolFile(s, pkgA)).toBeDefined()

    for (const [line, want] of [
      [`deb [signed-by=/etc/apt/keyrings/raptr.gpg] file://${s.www} production public`, ['hello-gz', 'libfoo-doc', 'pkga']],
      [named.debLine, ['hello-gz', 'libfoo-doc', 'pkga']],
      [live.debLine, ['hello-gz', 'libfoo-doc', 'pkga']],
    ] as Array<[string, string[]]>) {
      const apt = new AptClient()
      apt.configure(line, s.pubKey)
      apt.update()
      expect(apt.packageNames()).toEqual(want)
      for (const p of want) expect(fs.existsSync(apt.download(p))).toBe(true)
      apt.cleanup()
    }
    // purging again finds nothing more
    expect(okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})[0].totals.all.objects).toBe(0)
  })

  it('verify finds a deleted pool file and a corrupted index (exit 5), verify --repair mends them, and apt works again', () => {
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    const deb = poolFile(s, pkgA)!
    fs.rmSync(path.join(s.www, deb))
    const release = fs.readFileSync(path.join(s.www, 'dists/production/Release'), 'utf8')
    const sha = /^ ([0-9a-f]{64})\s+\d+ public\/binary-amd64\/Packages\.xz$/m.exec(release)![1]
    const index = `dists/production/public/binary-amd64/by-hash/SHA256/${sha}`
    // a fresh file under the by-hash name (the pinned copies are other links of the old inode)
    fs.rmSync(path.join(s.www, index))
    fs.writeFileSync(path.join(s.www, index), 'Package: evil\n')
    const canonical = 'dists/production/public/binary-amd64/Packages.gz'
    fs.writeFileSync(path.join(s.www, canonical), 'garbage')

    const found = raptr(['verify', '--json'], {cwd: s.dir})
    expect(found.code).toBe(5)
    const problems = JSON.parse(found.stdout).results[0].problems
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({kind: 'missing', key: deb}),
        expect.objectContaining({kind: 'size', key: index}),
        expect.objectContaining({kind: 'size', key: canonical}),
      ]),
    )
    const text = raptr(['verify'], {cwd: s.dir})
    expect(text.code).toBe(5)
    expect(text.stderr).toMatch(/problems on local/)
    expect(text.stderr).toMatch(/hint: mend it with: raptr verify --repair/)

    const repaired = okJson(['verify', '--repair'], {cwd: s.dir})
    expect(repaired.results[0].healthy).toBe(true)
    expect(repaired.results[0].problems.every((p: any) => p.repaired)).toBe(true)
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    const apt = aptFor(s, 'production')
    apt.update()
    expect(fs.existsSync(apt.download('pkga'))).toBe(true)
    apt.cleanup()
  })

  it('verify --repair puts back a pointer someone overwrote', () => {
    fs.writeFileSync(path.join(s.www, 'dists/production/InRelease'), 'not a release')
    expect(raptr(['verify'], {cwd: s.dir}).code).toBe(5)
    expect(okJson(['verify', '--repair'], {cwd: s.dir}).results[0].healthy).toBe(true)
    const apt = aptFor(s, 'production')
    apt.update()
    apt.cleanup()
  })
})

describe('purge and a publish in flight', () => {
  it('never removes a blob the new publication references; with --grace 0 the blob of a killed publish goes', async () => {
    const s = await setup()
    add(s, path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--link', 'production')
    publish(s)
    add(s, await buildDeb(s.pkgs, {name: 'inflight', version: '1.0', arch: 'amd64'}), '--link', 'production')
    const cid = cidOf(s, 'inflight', '1.0')
    // killed before its 24th write: pool file, 3 by-hash indexes (Packages.gz, .xz, Contents-amd64.gz),
    // 16 pinned copies and the pinned Release files are up; the log entry and the pointer are not
    const killed = raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: '24'}})
    expect(killed.code).not.toBe(0)
    expect(poolFile(s, cid)).toBeDefined()
    expect(fs.existsSync(path.join(s.www, 'raptr/log/production/0000000002.json'))).toBe(false)
    const head = okJson<any[]>(['log'], {cwd: s.dir})[0].id.slice(0, 12)
    expect(fs.existsSync(path.join(s.www, `dists/snapshots/${head}/production/InRelease`))).toBe(true)

    // default grace (raptr.json: 6 hours) keeps everything the in-flight publish wrote
    const before = tree(s.www)
    const res = okJson<any[]>(['purge', '--keep-last', '1'], {cwd: s.dir})
    expect(res[0].totals.all.objects).toBe(0)
    expect(res[0].keptYoung.objects).toBeGreaterThan(20)
    expect(tree(s.www)).toEqual(before)
    const done = publish(s)
    expect(done.results[0].totals.blobs).toBe(0)
    const apt = aptFor(s, 'production')
    apt.update()
    expect(fs.existsSync(apt.download('inflight'))).toBe(true)

    // another publish killed the same way, then --grace 0: its blob and pinned copy go, the live ones stay
    add(s, await buildDeb(s.pkgs, {name: 'orphan', version: '1.0', arch: 'amd64'}), '--link', 'production')
    const orphan = cidOf(s, 'orphan', '1.0')
    expect(raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: '14'}}).code).not.toBe(0)
    const orphanId = okJson<any[]>(['log'], {cwd: s.dir})[0].id.slice(0, 12)
    expect(poolFile(s, orphan)).toBeDefined()
    const purged = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(purged[0].deleted.pool).toEqual([expect.stringContaining(orphan)])
    expect(purged[0].deleted.pinned).toContain(`dists/snapshots/${orphanId}/production`)
    expect(poolFile(s, orphan)).toBeUndefined()
    expect(poolFile(s, cid)).toBeDefined()
    apt.update()
    expect(apt.packageNames()).toEqual(['inflight', 'libfoo-doc'])
    expect(fs.existsSync(apt.download('inflight'))).toBe(true)
    apt.cleanup()
    // the next publish uploads the orphan again
    expect(publish(s).results[0].totals.blobs).toBe(1)
    expect(poolFile(s, orphan)).toBeDefined()
    fs.rmSync(s.work, {recursive: true, force: true})
  })
})

describe('the purge lease', () => {
  it('a lease held by another purge is LEASE_HELD (exit 3); an expired one is taken over and released', async () => {
    const s = await setup()
    add(s, path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--link', 'production')
    publish(s)
    const lease = path.join(s.www, 'raptr/lease.json')
    const held = {owner: 'ops@elsewhere pid 42', token: 'x', acquired: new Date().toISOString(), expires: new Date(Date.now() + 3_600_000).toISOString()}
    fs.writeFileSync(lease, JSON.stringify(held))
    const res = raptr(['purge', '--grace', '0'], {cwd: s.dir})
    expect(res.code).toBe(3)
    expect(res.stderr).toMatch(/^raptr: local: another purge holds the lease \(ops@elsewhere pid 42, until /)
    expect(res.stderr).toMatch(/hint: wait for it to finish/)
    const json = raptr(['purge', '--json'], {cwd: s.dir})
    expect(JSON.parse(json.stdout).error.code).toBe('LEASE_HELD')
    // a dry run writes nothing, so it needs no lease
    ok(['purge', '--dry-run'], {cwd: s.dir})
    fs.writeFileSync(lease, JSON.stringify({...held, expires: new Date(Date.now() - 1000).toISOString()}))
    const taken = okJson<any[]>(['purge', '--grace', '0'], {cwd: s.dir})
    expect(taken[0].leaseTakenOver).toBe(true)
    expect(fs.existsSync(lease)).toBe(false)
    fs.rmSync(s.work, {recursive: true, force: true})
  })
})

describe('purge --local', () => {
  it('keeps blobs of HEAD, named snapshots and publications, and removes the rest', async () => {
    const s = await setup()
    add(s, await buildDeb(s.pkgs, {name: 'linked', version: '1.0', arch: 'amd64'}), '--link', 'production')
    add(s, await buildDeb(s.pkgs, {name: 'published', version: '1.0', arch: 'amd64'}), '--link', 'production')
    add(s, await buildDeb(s.pkgs, {name: 'unlinked', version: '1.0', arch: 'amd64'}))
    add(s, await buildDeb(s.pkgs, {name: 'named', version: '1.0', arch: 'amd64'}), '--link', 'production')
    add(s, await buildDeb(s.pkgs, {name: 'gone', version: '1.0', arch: 'amd64'}), '--link', 'production')
    const cids = Object.fromEntries(['linked', 'published', 'unlinked', 'named', 'gone'].map((n) => [n, cidOf(s, n, '1.0')]))
    ok(['package', 'remove', 'gone'], {cwd: s.dir})
    ok(['snapshot', 'create', 'keep-me'], {cwd: s.dir})
    ok(['package', 'remove', 'named'], {cwd: s.dir})
    publish(s)
    ok(['package', 'remove', 'published'], {cwd: s.dir})
    const blob = (cid: string): string => path.join(s.dir, '.git/raptr/blobs', cid.slice(-2), cid)
    for (const c of Object.values(cids)) expect(fs.existsSync(blob(c))).toBe(true)

    const young = okJson(['purge', '--local'], {cwd: s.dir})
    expect(young.removed.objects).toBe(0)
    expect(young.keptYoung.objects).toBe(1)
    const dry = okJson(['purge', '--local', '--grace', '0', '--dry-run'], {cwd: s.dir})
    expect(dry.blobs).toEqual([cids.gone])
    expect(fs.existsSync(blob(cids.gone))).toBe(true)
    const res = okJson(['purge', '--local', '--grace', '0'], {cwd: s.dir})
    expect(res.blobs).toEqual([cids.gone])
    expect(fs.existsSync(blob(cids.gone))).toBe(false)
    for (const n of ['linked', 'published', 'unlinked', 'named']) expect(fs.existsSync(blob(cids[n])), n).toBe(true)
    fs.rmSync(s.work, {recursive: true, force: true})
  })
})

describe('package remove --keep-last', () => {
  it('keeps the N latest versions of each architecture by Debian version order', async () => {
    const s = await setup()
    for (const [version, arch] of [['1.0', 'amd64'], ['1.9', 'amd64'], ['1.10', 'amd64'], ['2.0~rc1', 'amd64'], ['1.0', 'arm64'], ['1.1', 'arm64'], ['0.9', 'arm64']]) {
      add(s, await buildDeb(s.pkgs, {name: 'multi', version, arch}), '--link', 'production')
    }
    const res = okJson(['package', 'remove', 'multi', '--keep-last', '2'], {cwd: s.dir})
    expect(res.removed.map((p: any) => `${p.version} ${p.architecture}`).sort()).toEqual(['0.9 arm64', '1.0 amd64', '1.9 amd64'])
    const left = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: s.dir}).map((p) => `${p.version} ${p.architecture}`)
    expect(left.sort()).toEqual(['1.0 arm64', '1.1 arm64', '1.10 amd64', '2.0~rc1 amd64'])
    const bad = raptr(['package', 'remove', 'multi', '--keep-last', '1', '--all'], {cwd: s.dir})
    expect(bad.code).toBe(2)
    fs.rmSync(s.work, {recursive: true, force: true})
  })
})
