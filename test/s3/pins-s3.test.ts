import fs from 'node:fs'
import path from 'node:path'
import {CreateBucketCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, describe, expect, inject, it} from 'vitest'
import {AptClient} from '../helpers/apt.js'
import {FIXTURES, ok, okJson, sh, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

const endpoint = inject('s3Endpoint')

async function makeBucket(): Promise<string> {
  const name = `raptr-pins-${process.pid}-${Date.now().toString(36)}`
  const client = new S3Client({
    endpoint,
    region: inject('s3Region'),
    forcePathStyle: true,
    credentials: {accessKeyId: inject('s3AccessKey'), secretAccessKey: inject('s3SecretKey')},
  })
  await client.send(new CreateBucketCommand({Bucket: name}))
  client.destroy()
  return name
}

describe('pins are records on the backend', () => {
  let s: TestArchive
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('purge from another clone keeps a pinned snapshot apt reads; after unpin, purge removes it', async () => {
    s = makeTestArchive({directoryBackend: false})
    const bucket = await makeBucket()
    ok(['backend', 'add', 'eu', `s3://${bucket}/debian`, '--endpoint', endpoint, '--path-style', '--acl', 'public-read'], {cwd: s.dir})
    const url = `${endpoint}/${bucket}/debian`
    const add = (f: string): void => void ok(['package', 'add', path.join(FIXTURES, f), '--category', 'public', '--link', 'production'], {cwd: s.dir})
    add('libfoo-doc_2.0_all.deb')
    const first = okJson(['publish', '--sign-key', s.key], {cwd: s.dir}).snapshot as string
    // The other clone is made before the pin: it learns of it only from the backend.
    const other = path.join(s.work, 'other')
    expect(sh('git', ['clone', '-q', s.dir, other]).code).toBe(0)

    // pin HEAD (the commit recording the publication): the id printed is the one pinned
    const pin = okJson(['pin', 'HEAD', 'production'], {cwd: s.dir})
    expect(pin).toMatchObject({snapshot: first, pinned: first.slice(0, 12), suite: `snapshots/${first.slice(0, 12)}/production`, signed: true})
    expect(pin.debLine).toMatch(/^deb \[signed-by=/)
    expect(okJson<any[]>(['pin', 'list'], {cwd: s.dir})).toEqual([expect.objectContaining({backend: 'eu', distribution: 'production', pinned: first.slice(0, 12)})])
    expect(okJson<any>(['snapshot', 'list'], {cwd: s.dir}).pins).toEqual([expect.objectContaining({snapshot: first, distribution: 'production'})])
    add('hello-gz_1.0-1_amd64.deb')
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    add('hello-xz_1.0-1_amd64.deb')
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})

    const keyFile = path.join(tempDir(), 'raptr.gpg')
    fs.writeFileSync(keyFile, Buffer.from(await (await fetch(`${url}/raptr.gpg`)).arrayBuffer()))
    const pinned = new AptClient({byHash: false})
    pinned.configure(pin.debLine, keyFile)

    const purged = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0s'], {cwd: other})[0]
    expect(purged.retained).toEqual(expect.arrayContaining([expect.objectContaining({pinned: first.slice(0, 12), reasons: ['pinned']})]))
    expect(purged.totals.pinned.dirs).toBe(1) // the middle publication went
    pinned.update()
    expect(pinned.packageNames()).toEqual(['libfoo-doc'])
    expect(pinned.download('libfoo-doc')).toMatch(/libfoo-doc_2.0_all.deb$/)

    expect(okJson(['unpin', first.slice(0, 12), 'production'], {cwd: s.dir})).toMatchObject({removed: true, pinned: first.slice(0, 12)})
    expect(okJson<any[]>(['pin', 'list'], {cwd: other})).toEqual([])
    const again = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0s'], {cwd: other})[0]
    expect(again.deleted.pinned).toEqual([`dists/snapshots/${first.slice(0, 12)}/production`])
    expect((await fetch(`${url}/${pin.suite.replace(/^/, 'dists/')}/InRelease`)).status).not.toBe(200)
    pinned.cleanup()
  })
})
