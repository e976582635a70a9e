import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {AptClient} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {FIXTURES, ok, okJson, raptr, raptrAsync, sh, tempDir} from '../helpers/cli.js'
import {gunzipIndex, readIndex} from '../helpers/indexes.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {makeBucket} from './torture-kit.js'

const endpoint = inject('s3Endpoint')

type Setup = TestArchive

const setup = (): Setup => makeTestArchive({directoryBackend: false})

function addS3Backend(s: Setup, name: string, bucket: string): string {
  ok(['backend', 'add', name, `s3://${bucket}/debian`, '--endpoint', endpoint, '--path-style', '--acl', 'public-read'], {cwd: s.dir})
  return `${endpoint}/${bucket}/debian`
}

/** An apt client reading `url` over plain HTTP, trusting the key published there. */
async function aptOver(url: string, suite: string): Promise<AptClient> {
  const res = await fetch(`${url}/raptr.gpg`)
  expect(res.status).toBe(200)
  const keyFile = path.join(tempDir(), 'raptr.gpg')
  fs.writeFileSync(keyFile, Buffer.from(await res.arrayBuffer()))
  const apt = new AptClient()
  apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] ${url} ${suite} public`, keyFile)
  return apt
}

function readRequests(file: string): Array<{command: string; key?: string; status?: number; error?: string}> {
  if (!fs.existsSync(file)) return []
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

describe('publishing to S3 (Ceph RADOS Gateway)', () => {
  let s: Setup
  let url: string
  let log: string

  beforeAll(async () => {
    s = setup()
    url = addS3Backend(s, 'eu', await makeBucket('raptr-pub'))
    log = path.join(s.work, 's3-requests.jsonl')
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('apt reads the live distribution and a pinned snapshot from the bucket over HTTP', async () => {
    ok(['package', 'add', FIXTURES, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = okJson(['publish', '--sign-key', s.key], {cwd: s.dir})
    expect(res.results[0]).toMatchObject({backend: 'eu', action: 'published', seq: 1})
    expect(res.results[0].debLine).toBe(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] ${url} production public`)
    const apt = await aptOver(url, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['hello-gz', 'hello-xz', 'hello-zst', 'libfoo-doc'])
    const got = apt.download('hello-xz')
    expect(fs.readFileSync(got)).toEqual(fs.readFileSync(path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb')))
    const pin = okJson(['pin', res.snapshot, 'production'], {cwd: s.dir})
    const pinned = await aptOver(url, pin.suite)
    pinned.update()
    expect(pinned.download('libfoo-doc')).toMatch(/libfoo-doc_2.0_all.deb$/)
    apt.cleanup()
    pinned.cleanup()
  })

  it('an incremental publish sends only the new pool file, the changed indexes, the Release files and the log entry', async () => {
    const file = await buildDeb(s.pkgs, {name: 'incr', version: '1.0', arch: 'amd64'})
    ok(['package', 'add', file, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = okJson(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_S3_LOG: log}})
    const id = res.snapshot.slice(0, 12)
    const reqs = readRequests(log)
    const unexpected = reqs.filter((r) => r.error && !(r.status === 404 && /^(HeadObject|GetObject)$/.test(r.command)))
    expect(unexpected).toEqual([])
    const puts = reqs.filter((r) => r.command === 'PutObject').map((r) => r.key!)
    const pool = puts.filter((k) => k.startsWith('pool/'))
    expect(pool).toHaveLength(1)
    expect(pool[0]).toMatch(/^pool\/[0-9a-f]{2}\/bafkrei[a-z2-7]+\.deb$/)
    const live = puts.filter((k) => k.startsWith('dists/production/')).sort()
    const amd64 = 'dists/production/public/binary-amd64'
    // the amd64 Packages (.gz, .xz) and Contents-amd64 (.gz) changed; no plain file is sent
    const byHash = live.filter((k) => k.includes('/by-hash/'))
    expect(byHash).toHaveLength(3)
    expect(byHash.filter((k) => k.startsWith(`${amd64}/by-hash/SHA256/`))).toHaveLength(2)
    expect(byHash.filter((k) => k.startsWith('dists/production/public/by-hash/SHA256/'))).toHaveLength(1)
    expect(live.filter((k) => !k.includes('/by-hash/'))).toEqual(['dists/production/InRelease', 'dists/production/Release', 'dists/production/Release.gpg', 'dists/production/index.html'].sort())
    const pinned = puts.filter((k) => k.startsWith('dists/snapshots/')).sort()
    expect(pinned).toEqual(['InRelease', 'Release', 'Release.gpg'].map((f) => `dists/snapshots/${id}/production/${f}`))
    expect(puts.filter((k) => k.startsWith('raptr/'))).toEqual(['raptr/log/production/0000000002.json'])
    expect(puts.filter((k) => k.endsWith('index.html')).sort()).toEqual(['dists/production/index.html', 'index.html'])
    expect(puts).toHaveLength(1 + 3 + 3 + 3 + 1 + 2)
    // the pinned copy's indexes (each under two names) and the changed canonical names
    // are copied inside the bucket from the by-hash files: no index bytes sent twice
    const release = await (await fetch(`${url}/dists/production/Release`)).text()
    // every index the Release lists but the uncompressed ones (listed beside their .gz, as Debian's)
    const listed = [...release.matchAll(/^ [0-9a-f]{64}\s+\d+ (\S+)$/gm)].map((m) => m[1])
    const indexes = listed.filter((p) => /\.(gz|xz)$/.test(p))
    expect(listed.filter((p) => !/\.(gz|xz)$/.test(p)).every((p) => listed.includes(`${p}.gz`))).toBe(true)
    const copies = reqs.filter((r) => r.command === 'CopyObject').map((r) => r.key!)
    expect(copies.filter((k) => k.startsWith(`dists/snapshots/${id}/production/`))).toHaveLength(2 * indexes.length)
    expect(copies.filter((k) => !k.startsWith('dists/snapshots/')).sort()).toEqual(
      [`${amd64}/Packages.gz`, `${amd64}/Packages.xz`, 'dists/production/public/Contents-amd64.gz'].sort(),
    )
    expect(copies).toHaveLength(2 * indexes.length + 3)
    // nothing listed the whole pool; nothing deleted
    expect(reqs.filter((r) => r.command === 'ListObjectsV2' && (r.key ?? '').startsWith('pool'))).toHaveLength(0)
    expect(reqs.filter((r) => r.command === 'DeleteObjects')).toHaveLength(0)
    const apt = await aptOver(url, 'production')
    apt.update()
    expect(apt.packageNames()).toContain('incr')
    apt.cleanup()
  })

  it('a publish with no change writes nothing', () => {
    fs.rmSync(log, {force: true})
    const res = okJson(['publish', '--sign-key', s.key], {cwd: s.dir, env: {RAPTR_DEBUG_S3_LOG: log}})
    expect(res.results[0].action).toBe('unchanged')
    const writes = readRequests(log).filter((r) => /Put|Copy|Delete|Multipart|UploadPart/.test(r.command))
    expect(writes).toEqual([])
  })

  it('a clone without the blob cache publishes to a new backend by copying pool files from another backend', async () => {
    const clone = path.join(s.work, 'clone')
    expect(sh('git', ['clone', '-q', s.dir, clone]).code).toBe(0)
    expect(fs.existsSync(path.join(clone, '.git/raptr/blobs'))).toBe(false)
    const us = addS3Backend({...s, dir: clone}, 'us', await makeBucket('raptr-us2'))
    const res = okJson(['publish', 'us', '--sign-key', s.key], {cwd: clone})
    expect(res.results[0]).toMatchObject({backend: 'us', action: 'published'})
    expect(res.results[0].totals.blobs).toBe(8)
    const apt = await aptOver(us, 'production')
    apt.update()
    expect(apt.download('incr')).toMatch(/incr_1.0_amd64.deb$/)
    apt.cleanup()
  })

  it('missing credentials are one clear line', () => {
    const res = raptr(['publish', '--sign-key', s.key], {cwd: s.dir, env: {AWS_ACCESS_KEY_ID: 'WRONGKEYWRONGKEY0001', AWS_SECRET_ACCESS_KEY: 'nope'}})
    expect(res.code).toBe(4)
    expect(res.stdout).toMatch(/FAILED: .*credential/i)
  })
})

describe('many backends and many publishers', () => {
  it('three buckets and a directory are published in one command and read identically by apt', async () => {
    const s = setup()
    const urls = [addS3Backend(s, 'eu', await makeBucket('raptr-eu')), addS3Backend(s, 'us', await makeBucket('raptr-us')), addS3Backend(s, 'ap', await makeBucket('raptr-ap'))]
    const www = path.join(s.work, 'www')
    ok(['backend', 'add', 'local', `file://${www}`], {cwd: s.dir})
    ok(['package', 'add', FIXTURES, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = okJson(['publish', '--sign-key', s.key], {cwd: s.dir})
    expect(res.results.map((r: any) => `${r.backend}:${r.action}`).sort()).toEqual(['ap:published', 'eu:published', 'local:published', 'us:published'])
    const seen: string[][] = []
    const indexes: string[] = []
    for (const u of [...urls, `file://${www}`]) {
      const apt = u.startsWith('file:') ? new AptClient() : await aptOver(u, 'production')
      if (u.startsWith('file:')) apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] ${u} production public`, path.join(www, 'raptr.gpg'))
      apt.update()
      seen.push(apt.packageNames())
      const packages = u.startsWith('file:')
        ? readIndex(path.join(www, 'dists/production/public/binary-amd64/Packages'))
        : gunzipIndex(new Uint8Array(await (await fetch(`${u}/dists/production/public/binary-amd64/Packages.gz`)).arrayBuffer()))
      indexes.push(packages)
      apt.cleanup()
    }
    expect(new Set(seen.map((x) => x.join(','))).size).toBe(1)
    expect(seen[0]).toEqual(['hello-gz', 'hello-xz', 'hello-zst', 'libfoo-doc'])
    expect(new Set(indexes).size).toBe(1)
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('a backend that fails does not stop the others, and the summary says which succeeded', async () => {
    const s = setup()
    const good = addS3Backend(s, 'good', await makeBucket('raptr-good'))
    ok(['backend', 'add', 'gone', 's3://raptr-no-such-bucket-here/debian', '--endpoint', endpoint, '--path-style'], {cwd: s.dir})
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    const res = raptr(['publish', '--sign-key', s.key, '--json'], {cwd: s.dir})
    expect(res.code).toBe(4)
    const out = JSON.parse(res.stdout)
    const by = Object.fromEntries(out.results.map((r: any) => [r.backend, r]))
    expect(by.good.action).toBe('published')
    expect(by.gone.action).toBe('failed')
    expect(by.gone.error.code).toBe('BACKEND_ERROR')
    const apt = await aptOver(good, 'production')
    apt.update()
    expect(apt.packageNames()).toEqual(['libfoo-doc'])
    apt.cleanup()
    fs.rmSync(s.work, {recursive: true, force: true})
  })

  it('eight concurrent publishers from diverged clones: only fast-forwards win, the pointer ends at the newest log entry', async () => {
    const s = setup()
    const bucket = await makeBucket('raptr-race')
    const url = addS3Backend(s, 'eu', bucket)
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    // eight clones of the published state; clone 7 builds on clone 6, the rest diverge
    const clones = Array.from({length: 8}, (_, i) => path.join(s.work, `clone${i}`))
    const debs = await Promise.all(clones.map((_, i) => buildDeb(s.pkgs, {name: `racer${i}`, version: '1.0', arch: 'amd64'})))
    const addTo = async (i: number, files: string[]): Promise<void> => {
      const r = await raptrAsync(['package', 'add', ...files, '--category', 'public', '--link', 'production'], {cwd: clones[i]})
      expect(r.code, r.stderr).toBe(0)
    }
    // clones 0-6 diverge from the published state; clone 7 builds on clone 6
    for (let i = 0; i < 7; i++) expect(sh('git', ['clone', '-q', s.dir, clones[i]]).code).toBe(0)
    await Promise.all(clones.slice(0, 7).map((_, i) => addTo(i, [debs[i]])))
    expect(sh('git', ['clone', '-q', clones[6], clones[7]]).code).toBe(0)
    // a clone gets the archive but not the blob cache: clone 7 adds racer6's file again to have it
    await addTo(7, [debs[6], debs[7]])
    const results = await Promise.all(clones.map((c) => raptrAsync(['publish', '--sign-key', s.key, '--json'], {cwd: c})))
    const outcomes = results.map((r, i) => {
      try {
        return JSON.parse(r.stdout).results[0]
      } catch {
        throw new Error(`clone ${i} printed no JSON (exit ${r.code}): ${r.stderr}`)
      }
    })
    const winners = outcomes.filter((o) => o.action === 'published')
    const refused = outcomes.filter((o) => o.action === 'refused')
    expect(winners.length + refused.length, JSON.stringify(outcomes.filter((o) => o.action !== 'published' && o.action !== 'refused'))).toBe(8)
    expect(winners.length).toBeGreaterThanOrEqual(1)
    expect(winners.length).toBeLessThanOrEqual(2)
    for (const r of refused) expect(r.error.hint).toMatch(/pull and merge/)
    results.forEach((r, i) => expect(r.code, `clone ${i}`).toBe(outcomes[i].action === 'published' ? 0 : 3))
    // the log is a chain of fast-forwards, and the pointer is the newest entry's
    const entries: any[] = []
    for (let seq = 1; ; seq++) {
      const res = await fetch(`${url}/raptr/log/production/${String(seq).padStart(10, '0')}.json`)
      if (res.status !== 200) break
      entries.push(await res.json())
    }
    expect(entries).toHaveLength(1 + winners.length)
    for (let i = 1; i < entries.length; i++) {
      const child = clones[outcomes.findIndex((o) => o.snapshot === entries[i].snapshot && o.action === 'published')]
      expect(sh('git', ['merge-base', '--is-ancestor', entries[i - 1].snapshot, entries[i].snapshot], {cwd: child}).code).toBe(0)
    }
    const head = entries.at(-1)
    const inRelease = await (await fetch(`${url}/dists/production/InRelease`)).text()
    expect(inRelease).toBe(head.inRelease)
    const apt = await aptOver(url, 'production')
    apt.update()
    const expected = new Set(['libfoo-doc'])
    const last = outcomes.findIndex((o) => o.snapshot === head.snapshot && o.action === 'published')
    expected.add(`racer${last}`)
    if (last === 7) expected.add('racer6')
    expect(apt.packageNames()).toEqual([...expected].sort())
    apt.cleanup()
    fs.rmSync(s.work, {recursive: true, force: true})
  }, 300_000)
})
