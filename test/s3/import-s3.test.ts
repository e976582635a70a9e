import fs from 'node:fs'
import path from 'node:path'
import {ListObjectsV2Command, PutObjectCommand} from '@aws-sdk/client-s3'
import {afterAll, describe, expect, inject, it} from 'vitest'
import {archiveState, FIXTURES, ok, okJson, raptr, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {makeBucket, s3Client} from './torture-kit.js'

const endpoint = inject('s3Endpoint')

describe('importing from an S3 backend', () => {
  let s: TestArchive
  let bucket: string
  let keyring: string
  afterAll(() => s && fs.rmSync(s.work, {recursive: true, force: true}))

  it('reads a repository on a configured S3 backend (by its s3:// URL, verified with --keyring) into another distribution', async () => {
    s = makeTestArchive({directoryBackend: false})
    bucket = await makeBucket('import')
    ok(['backend', 'add', 'old', `s3://${bucket}/debian`, '--endpoint', endpoint, '--path-style', '--acl', 'public-read'], {cwd: s.dir})
    ok(['package', 'add', FIXTURES, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    const res = await fetch(`${endpoint}/${bucket}/debian/raptr.gpg`)
    expect(res.status).toBe(200)
    keyring = path.join(tempDir(), 'old.gpg')
    fs.writeFileSync(keyring, Buffer.from(await res.arrayBuffer()))

    const imported = okJson(['import', `s3://${bucket}/debian`, 'production', '--to', 'mirror', '--keyring', keyring], {cwd: s.dir})
    expect(imported.components).toEqual(['public'])
    const theirs = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: s.dir})
    const ours = okJson<any[]>(['package', 'list', '-d', 'mirror'], {cwd: s.dir})
    const ids = (l: any[]) => l.map((p) => `${p.name} ${p.version} ${p.architecture} ${p.sha256}`).sort()
    expect(ids(ours)).toEqual(ids(theirs))
    // by the backend's name, again: nothing new
    expect(okJson(['import', 'old', 'production', '--to', 'mirror'], {cwd: s.dir})).toMatchObject({downloaded: 0, skipped: theirs.length})
  })

  it('reads s3://BUCKET/PREFIX with --endpoint and --path-style as a source only: no backend is added, and what it lists is what came', () => {
    const dir = path.join(s.work, 'fresh')
    ok(['init', dir], {cwd: s.work})
    const res = okJson(['import', `s3://${bucket}/debian`, 'production', '--to', 'production', '--keyring', keyring, '--endpoint', endpoint, '--path-style', '--jobs', '8'], {cwd: dir})
    expect(res.created).toBe(true)
    expect(res.carried.map((f: any) => f.field)).toContain('Acquire-By-Hash')
    expect(okJson<any[]>(['backend', 'list'], {cwd: dir})).toEqual([])
    const ids = (l: any[]) => l.map((p) => `${p.name} ${p.version} ${p.architecture} ${p.sha256}`).sort()
    expect(ids(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir}))).toEqual(ids(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: s.dir})))
  })

  it('an object past its cap is refused after its size is read, before a GET: one line, exit 2, nothing written', async () => {
    const dir = path.join(s.work, 'capped')
    ok(['init', dir], {cwd: s.work})
    const client = s3Client()
    await client.send(new PutObjectCommand({Bucket: bucket, Key: 'debian/dists/huge/InRelease', Body: Buffer.alloc(200 * 1024, 'A')}))
    client.destroy()
    const log = path.join(s.work, 's3.log')
    const before = archiveState(dir)
    const res = raptr(['import', `s3://${bucket}/debian`, 'huge', '--to', 'huge', '--endpoint', endpoint, '--path-style'], {cwd: dir, env: {RAPTR_MAX_INDEX: '64K', RAPTR_DEBUG_S3_LOG: log}})
    expect(res.code, res.stderr).toBe(2)
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('raptr: ') && !l.startsWith('raptr: note: '))
    expect(lines).toEqual([expect.stringMatching(/dists\/huge\/InRelease is more than 64 KiB$/)])
    const requests = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(requests.filter((r) => r.key === 'dists/huge/InRelease').map((r) => r.command)).toEqual(['HeadObject'])
    expect(archiveState(dir)).toEqual(before)
    expect(okJson<any[]>(['backend', 'list'], {cwd: dir})).toEqual([])
  })

  it('a pool object larger than its index says is refused after HeadObject, before a GET; nothing written', async () => {
    const dir = path.join(s.work, 'grown')
    ok(['init', dir], {cwd: s.work})
    const client = s3Client()
    const listed = await client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: 'debian/pool/'}))
    const pool = listed.Contents!.map((o) => o.Key!).filter((k) => k.endsWith('.deb'))
    expect(pool.length).toBeGreaterThan(0)
    // Every pool .deb grows past the size the index promised (a replaced object, or a hostile bucket).
    for (const key of pool) await client.send(new PutObjectCommand({Bucket: bucket, Key: key, Body: Buffer.alloc(4 * 1024 * 1024, 'B')}))
    client.destroy()
    const log = path.join(s.work, 's3-pool.log')
    const before = archiveState(dir)
    const res = raptr(['import', `s3://${bucket}/debian`, 'production', '--to', 'production', '--endpoint', endpoint, '--path-style', '--jobs', '1'], {cwd: dir, env: {RAPTR_DEBUG_S3_LOG: log}})
    expect(res.code, res.stderr).toBe(2)
    const lines = res.stderr.trim().split('\n').filter((l) => l.startsWith('raptr: ') && !l.startsWith('raptr: note: '))
    expect(lines).toEqual([expect.stringMatching(/^raptr: pool\/.+\.deb: larger than the \d+ bytes the index says$/)])
    const requests = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    expect(requests.filter((r) => r.key?.startsWith('pool/') && r.command === 'GetObject')).toEqual([])
    expect(requests.filter((r) => r.key?.startsWith('pool/') && r.command === 'HeadObject').length).toBeGreaterThan(0)
    expect(archiveState(dir)).toEqual(before)
  })
})
