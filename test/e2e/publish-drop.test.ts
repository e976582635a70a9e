import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {FIXTURES, ok, okJson, raptr, sh} from '../helpers/cli.js'
import {aptForDirectory, makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

describe('publish drop takes a distribution off a backend', () => {
  let s: TestArchive
  const publish = (): any[] => okJson<any>(['publish', '--sign-key', s.key], {cwd: s.dir}).results
  const stagingUpdate = () => {
    const apt = aptForDirectory(s, 'staging')
    const res = sh('apt-get', [...apt.options(), 'update'], {env: {LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive'}})
    apt.cleanup()
    return res
  }

  beforeAll(() => {
    s = makeTestArchive()
    ok(['distribution', 'add', 'staging', '--architectures', 'amd64', '--suite', 'testing'], {cwd: s.dir})
    ok(['category', 'add', 'public', '--to', 'staging'], {cwd: s.dir})
    ok(['package', 'add', path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production', '--link', 'staging'], {cwd: s.dir})
    publish()
  })
  afterAll(() => fs.rmSync(s.work, {recursive: true, force: true}))

  it('apt no longer sees the dropped one, reads the other unchanged; a second drop and a publish change nothing; a change brings it back', () => {
    expect(stagingUpdate().code).toBe(0)
    // The Suite is a directory of its own beside the distribution's name.
    expect(fs.existsSync(path.join(s.www, 'dists/testing/InRelease'))).toBe(true)
    const prodRelease = fs.readFileSync(path.join(s.www, 'dists/production/InRelease'))
    const dropped = okJson<any>(['publish', 'drop', 'staging', 'local'], {cwd: s.dir}).results
    expect(dropped).toMatchObject([{backend: 'local', distribution: 'staging', action: 'dropped', seq: 2}])
    for (const dir of ['dists/staging', 'dists/testing']) {
      for (const f of ['InRelease', 'Release', 'Release.gpg', 'public/binary-amd64/Packages', 'public/binary-amd64/Packages.gz']) expect(fs.existsSync(path.join(s.www, dir, f)), `${dir}/${f}`).toBe(false)
    }
    const pinned = path.join(s.www, 'dists/snapshots', dropped[0].snapshot.slice(0, 12), 'staging')
    expect(fs.existsSync(path.join(pinned, 'InRelease'))).toBe(true)
    const gone = stagingUpdate()
    expect(gone.code, gone.stdout).not.toBe(0)
    expect(gone.stdout + gone.stderr).toMatch(/does not have a Release file/)
    const prod = aptForDirectory(s, 'production')
    prod.update()
    expect(prod.packageNames()).toEqual(['hello-gz'])
    expect(fs.readFileSync(path.join(s.www, 'dists/production/InRelease'))).toEqual(prodRelease)

    const again = raptr(['publish', 'drop', 'staging'], {cwd: s.dir})
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toMatch(/nothing to do/)
    expect(publish().find((r) => r.distribution === 'staging')).toMatchObject({action: 'unchanged', reason: expect.stringMatching(/dropped/)})
    expect(fs.existsSync(path.join(s.www, 'dists/staging/InRelease'))).toBe(false)
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    expect(raptr(['rollback', 'staging', '--sign-key', s.key], {cwd: s.dir}).code).toBe(2)
    // purge counts nothing of a dropped distribution as live: its pinned copy and its
    // by-hash indexes (under its name and its Suite) go; production keeps everything
    const prodBefore = aptForDirectory(s, 'production')
    ok(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(fs.existsSync(pinned), pinned).toBe(false)
    for (const dir of ['dists/staging', 'dists/testing']) expect(fs.existsSync(path.join(s.www, dir, 'public/binary-amd64/by-hash')) && fs.readdirSync(path.join(s.www, dir, 'public/binary-amd64/by-hash/SHA256')).length > 0, dir).toBe(false)
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
    prodBefore.update()
    expect(prodBefore.packageNames()).toEqual(['hello-gz'])
    prodBefore.cleanup()

    ok(['package', 'add', path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'staging'], {cwd: s.dir})
    expect(publish().find((r) => r.distribution === 'staging')).toMatchObject({action: 'published', seq: 3})
    const back = aptForDirectory(s, 'staging')
    back.update()
    expect(back.packageNames()).toEqual(['hello-gz', 'hello-xz'])
    back.cleanup()
    prod.update()
    expect(prod.packageNames()).toEqual(['hello-gz'])
    prod.cleanup()
    expect(ok(['verify', '--deep'], {cwd: s.dir}).stdout).toMatch(/^local: healthy/)
  })
})
