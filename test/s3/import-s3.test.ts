import fs from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, inject, it} from 'vitest'
import {FIXTURES, ok, okJson, tempDir} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {makeBucket} from './torture-kit.js'

const endpoint = inject('s3Endpoint')

describe('importing from an S3 backend', () => {
  let s: TestArchive
  afterAll(() => s && fs.rmSync(s.work, {recursive: true, force: true}))

  it('reads a repository on a configured S3 backend (by its s3:// URL, verified with --keyring) into another distribution', async () => {
    s = makeTestArchive({directoryBackend: false})
    const bucket = await makeBucket('import')
    ok(['backend', 'add', 'old', `s3://${bucket}/debian`, '--endpoint', endpoint, '--path-style', '--acl', 'public-read'], {cwd: s.dir})
    ok(['package', 'add', FIXTURES, '--category', 'public', '--link', 'production'], {cwd: s.dir})
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    const res = await fetch(`${endpoint}/${bucket}/debian/raptr.gpg`)
    expect(res.status).toBe(200)
    const keyring = path.join(tempDir(), 'old.gpg')
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
})
