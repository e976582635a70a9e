/** Parity with aptly and deb-s3: package show, search and move; snapshot remove and rename. */
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, raptr, sh} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'

function commits(dir: string): number {
  return Number(sh('git', ['rev-list', '--count', 'HEAD'], {cwd: dir}).stdout.trim())
}

describe('show, search, move, snapshot names', () => {
  let s: TestArchive
  let added: any

  beforeAll(async () => {
    s = makeTestArchive()
    await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(s.pkgs, {name: 'hello', version: '1.1-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(s.pkgs, {name: 'libhello-dev', version: '1.1-1', arch: 'arm64', compression: 'gzip'})
    ok(['section', 'add', 'staging/public'], {cwd: s.dir})
    added = okJson(['package', 'add', s.pkgs, '--section', 'staging/public'], {cwd: s.dir})
  })

  it('package show prints every field, where it is linked, its pool path, CID and size', () => {
    const [p] = okJson<any[]>(['package', 'show', 'hello', '--version', '1.1-1'], {cwd: s.dir})
    const cid = added.packages.find((x: any) => x.version === '1.1-1' && x.name === 'hello').cid
    expect(p).toMatchObject({name: 'hello', version: '1.1-1', architecture: 'amd64', category: 'public', linked: ['staging/public']})
    expect(p.fields).toMatchObject({Package: 'hello', Version: '1.1-1', Architecture: 'amd64', Maintainer: 'Raptr Tests <tests@example.org>'})
    expect(p.fields.SHA256).toMatch(/^[0-9a-f]{64}$/)
    expect(p.files).toEqual([{name: 'hello_1.1-1_amd64.deb', pool: p.fields.Filename, cid, sha256: p.fields.SHA256, size: Number(p.fields.Size)}])
    expect(p.files[0].pool).toContain(cid)
    const text = ok(['package', 'show', 'hello'], {cwd: s.dir}).stdout
    expect(text.split('\n\n')).toHaveLength(2)
    expect(text).toMatch(/^Package: hello\n/)
    expect(text.split('\n\n')[0]).toMatch(/\nVersion: 1.0-1\n/)
    expect(text).toMatch(new RegExp(`Raptr-Pool: ${p.fields.Filename} ${p.fields.Size} ${cid}`))
    expect(raptr(['package', 'show', 'nosuch'], {cwd: s.dir}).stderr).toMatch(/^raptr: no package named "nosuch"\n {2}hint: /)
  })

  it('package search matches names by glob or regex, fields, and distribution', () => {
    const names = (args: string[]) => okJson<any[]>(['package', 'search', ...args], {cwd: s.dir}).map((h) => `${h.name} ${h.version}`)
    expect(names(['hello*'])).toEqual(['hello 1.0-1', 'hello 1.1-1'])
    expect(names(['*'])).toEqual(['hello 1.0-1', 'hello 1.1-1', 'libhello-dev 1.1-1'])
    expect(names(['/-dev$/'])).toEqual(['libhello-dev 1.1-1'])
    expect(names(['*', '--field', 'Architecture=arm64'])).toEqual(['libhello-dev 1.1-1'])
    expect(names(['*', '--field', 'version=/^1\\.1/', '--field', 'Package=hello'])).toEqual(['hello 1.1-1'])
    expect(names(['*', '--distribution', 'production'])).toEqual([])
    expect(names(['*', '--distribution', 'staging/public'])).toHaveLength(3)
    expect(raptr(['package', 'search', '/(/'], {cwd: s.dir}).stderr).toMatch(/^raptr: invalid regular expression/)
  })

  it('package move relinks from one distribution to another in one commit, and again is nothing to do', () => {
    const n = commits(s.dir)
    const res = okJson(['package', 'move', 'hello', 'libhello-dev', '--latest', '--from', 'staging', '--to', 'production'], {cwd: s.dir})
    expect(res.moved).toEqual([
      'hello 1.1-1 amd64 from staging/public to production/public',
      'libhello-dev 1.1-1 arm64 from staging/public to production/public',
    ])
    expect(commits(s.dir)).toBe(n + 1)
    expect(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: s.dir}).map((p) => `${p.name} ${p.version}`)).toEqual(['hello 1.1-1', 'libhello-dev 1.1-1'])
    expect(okJson<any[]>(['package', 'list', '-d', 'staging'], {cwd: s.dir}).map((p) => `${p.name} ${p.version}`)).toEqual(['hello 1.0-1'])
    const again = okJson(['package', 'move', 'libhello-dev', '--from', 'staging', '--to', 'production'], {cwd: s.dir})
    expect(again).toEqual({moved: [], nothing: ['libhello-dev is not linked in staging']})
    expect(commits(s.dir)).toBe(n + 1)
  })

  it('snapshot remove and rename; both idempotent', () => {
    ok(['snapshot', 'create', 'rc-1'], {cwd: s.dir})
    const renamed = okJson(['snapshot', 'rename', 'rc-1', 'release-1'], {cwd: s.dir})
    expect(renamed.renamed).toBe(true)
    expect(okJson(['snapshot', 'list'], {cwd: s.dir}).named.map((x: any) => x.name)).toEqual(['release-1'])
    expect(ok(['snapshot', 'rename', 'rc-1', 'release-1'], {cwd: s.dir}).stdout).toMatch(/already named "release-1"; nothing to do/)
    ok(['snapshot', 'remove', 'release-1'], {cwd: s.dir})
    expect(ok(['snapshot', 'remove', 'release-1'], {cwd: s.dir}).stdout).toBe('there is no snapshot named "release-1"; nothing to do\n')
    expect(raptr(['snapshot', 'rename', 'nosuch', 'other'], {cwd: s.dir}).code).toBe(2)
  })

  it('distribution remove of a published one says it is still live there', () => {
    ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    const res = ok(['distribution', 'remove', 'production'], {cwd: s.dir})
    expect(res.stdout).toBe('removed distribution production\n')
    expect(res.stderr).toBe('production is still published on local: removing it from the archive does not take it off the backend, and apt clients there keep seeing it; take it off with: raptr publish drop production local\n')
    expect(path.isAbsolute(s.www)).toBe(true)
  })
})
