/**
 * apt's own snapshot selection against raptr: `apt-get update --snapshot ID` and
 * `apt-get install --snapshot ID` (apt >= 2.7, here trixie's apt 3 in the cached chroot)
 * read the live Release's `Snapshots:` template and fetch the whole repository from
 * `URL/snapshots/ID/`, which raptr serves for every pinned snapshot id and every
 * snapshot name. Over HTTP on 127.0.0.1, signed, with no W:/E: line; then a purge
 * removes the root of a purged snapshot and the retained ones keep working.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {FIXTURES, ok, okJson, raptr} from '../helpers/cli.js'
import {makeTestArchive, type TestArchive} from '../helpers/published-archive.js'
import {serveDirectory, TRIXIE_BUILD_TIMEOUT, TrixieApt, trixieRoot} from '../helpers/trixie.js'

describe('apt --snapshot selects raptr snapshots', () => {
  let s: TestArchive
  let server: {url: string; close(): Promise<void>}
  let v1: string
  let v2: string
  const clients: TrixieApt[] = []
  const client = (): TrixieApt => {
    const apt = new TrixieApt()
    clients.push(apt)
    apt.configure(server.url, 'production', ['public'], s.pubKey)
    return apt
  }
  const publish = (): string => okJson(['publish', '--sign-key', s.key, '--json'], {cwd: s.dir}).results[0].pinned

  beforeAll(async () => {
    trixieRoot()
    s = makeTestArchive({directoryBackend: false, origin: 'raptr-tests'})
    fs.mkdirSync(s.www)
    server = await serveDirectory(s.www)
    ok(['backend', 'add', 'web', `file://${s.www}`, '--public-url', server.url], {cwd: s.dir})
    const pkg = await buildDeb(s.pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'xz'})
    ok(['package', 'add', pkg, '--section', 'production/public'], {cwd: s.dir})
    v1 = publish()
    ok(['snapshot', 'create', 'release-1'], {cwd: s.dir})
    const pkg2 = await buildDeb(s.pkgs, {name: 'hello', version: '2.0-1', arch: 'amd64', compression: 'xz'})
    ok(['package', 'add', pkg2, '--section', 'production/public'], {cwd: s.dir})
    v2 = publish()
  }, TRIXIE_BUILD_TIMEOUT)

  afterAll(async () => {
    for (const c of clients) c.cleanup()
    await server?.close()
  })

  it('the live Release carries the Snapshots template of the public URL, and each root links the pinned copy and the pool', () => {
    expect(v1).toMatch(/^[0-9a-f]{12}$/)
    expect(v2).not.toBe(v1)
    const release = fs.readFileSync(path.join(s.www, 'dists/production/Release'), 'utf8')
    expect(release).toContain(`Snapshots: ${server.url}/snapshots/@SNAPSHOTID@/\n`)
    expect(fs.readFileSync(path.join(s.www, 'dists/production/InRelease'), 'utf8')).toContain('Snapshots: ')
    // A pinned Release is a snapshot itself: it names no template.
    expect(fs.readFileSync(path.join(s.www, `dists/snapshots/${v1}/production/Release`), 'utf8')).not.toContain('Snapshots:')
    for (const id of [v1, v2, 'release-1']) {
      expect(fs.readlinkSync(path.join(s.www, `snapshots/${id}/pool`))).toBe('../../pool')
      expect(fs.existsSync(path.join(s.www, `snapshots/${id}/dists/production/InRelease`))).toBe(true)
    }
    expect(fs.readlinkSync(path.join(s.www, 'snapshots/release-1/dists/production'))).toBe(`../../../dists/snapshots/${v1}/production`)
  })

  for (const which of ['the snapshot id', 'a snapshot name'] as const) {
    it(`apt-get update --snapshot and install --snapshot with ${which} install the older version`, async () => {
      const id = which === 'the snapshot id' ? v1 : 'release-1'
      const apt = client()
      await apt.update()
      const snap = await apt.aptGet(['update', '--snapshot', id])
      expect(snap.stdout).toContain(`${server.url}/snapshots/${id} production InRelease`)
      await apt.aptGet(['install', '--snapshot', id, 'hello'])
      expect(apt.installedVersion('hello')).toBe('1.0-1')
      // Without --snapshot the same client gets the live version.
      await apt.update()
      await apt.aptGet(['install', 'hello'])
      expect(apt.installedVersion('hello')).toBe('2.0-1')
    })
  }

  it('a purge removes the root of the snapshot it purges; the retained roots (named, live) still work with apt', async () => {
    const pkg3 = await buildDeb(s.pkgs, {name: 'hello', version: '3.0-1', arch: 'amd64', compression: 'xz'})
    ok(['package', 'add', pkg3, '--section', 'production/public'], {cwd: s.dir})
    const v3 = publish()
    // v2 is neither live, named, pinned nor among the last 1: it goes, root first.
    const dry = ok(['purge', '--keep-last', '1', '--grace', '0', '--dry-run'], {cwd: s.dir}).stdout
    expect(dry).toContain(`delete snapshots/${v2}/dists/production (link)`)
    expect(fs.existsSync(path.join(s.www, `snapshots/${v2}/pool`))).toBe(true)
    const [res] = okJson<any[]>(['purge', '--keep-last', '1', '--grace', '0'], {cwd: s.dir})
    expect(res.deleted.pinned).toEqual([`dists/snapshots/${v2}/production`])
    expect(res.deleted.roots).toEqual([`snapshots/${v2}/dists/production`, `snapshots/${v2}/pool`])
    expect(fs.existsSync(path.join(s.www, `snapshots/${v2}`))).toBe(false)
    for (const id of [v1, 'release-1', v3]) expect(fs.existsSync(path.join(s.www, `snapshots/${id}/dists/production/InRelease`)), id).toBe(true)

    const apt = client()
    await apt.update()
    await expect(apt.aptGet(['update', '--snapshot', v2])).rejects.toThrow(/snapshots\/[0-9a-f]{12} production Release.*404|does not have a Release file/)
    await apt.aptGet(['update', '--snapshot', 'release-1'])
    await apt.aptGet(['install', '--snapshot', 'release-1', 'hello'])
    expect(apt.installedVersion('hello')).toBe('1.0-1')
    await apt.aptGet(['update', '--snapshot', v3])
    await apt.aptGet(['install', '--snapshot', v3, 'hello'])
    expect(apt.installedVersion('hello')).toBe('3.0-1')
  })

  it('verify reports a root link that names no pinned copy and a live snapshot without its root; --repair mends both', () => {
    const [live] = okJson(['publish', '--sign-key', s.key, '--json'], {cwd: s.dir}).results.map((r: any) => r.pinned)
    expect(ok(['verify'], {cwd: s.dir}).stdout).toMatch(/^web: healthy/)
    fs.mkdirSync(path.join(s.www, 'snapshots/stale/dists'), {recursive: true})
    fs.symlinkSync('../../../dists/snapshots/000000000000/production', path.join(s.www, 'snapshots/stale/dists/production'))
    fs.symlinkSync('../../pool', path.join(s.www, 'snapshots/stale/pool'))
    fs.rmSync(path.join(s.www, `snapshots/${live}/dists/production`))
    const found = raptr(['verify', '--json'], {cwd: s.dir})
    expect(found.code).toBe(5)
    const problems = JSON.parse(found.stdout).results[0].problems
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({kind: 'root', key: 'snapshots/stale/dists/production'}),
        expect.objectContaining({kind: 'root', key: 'snapshots/stale/pool'}),
        expect.objectContaining({kind: 'root', key: `snapshots/${live}/dists/production`, actual: 'missing'}),
      ]),
    )
    const repaired = okJson(['verify', '--repair'], {cwd: s.dir})
    expect(repaired.results[0].healthy).toBe(true)
    expect(fs.existsSync(path.join(s.www, 'snapshots/stale'))).toBe(false)
    expect(fs.readlinkSync(path.join(s.www, `snapshots/${live}/dists/production`))).toBe(`../../../dists/snapshots/${live}/production`)
  })

  it("a purge removes the root of a snapshot name removed since, and keeps the id's root while its copy is retained", () => {
    ok(['snapshot', 'remove', 'release-1'], {cwd: s.dir})
    const [res] = okJson<any[]>(['purge', '--keep-last', '1', '--keep-days', '1', '--grace', '0'], {cwd: s.dir})
    expect(res.deleted.roots).toEqual(['snapshots/release-1/dists/production', 'snapshots/release-1/pool'])
    expect(fs.existsSync(path.join(s.www, 'snapshots/release-1'))).toBe(false)
    expect(fs.existsSync(path.join(s.www, `snapshots/${v1}/dists/production/InRelease`))).toBe(true)
  })
})

describe('a distribution apt cannot select snapshots of', () => {
  it('gets no Snapshots field (apt ignores it without Origin or Label), a warning at its first publish with the fix, and still its roots', () => {
    const s = makeTestArchive()
    ok(['package', 'add', path.join(FIXTURES, 'hello-xz_1.0-1_amd64.deb'), '--section', 'production/public'], {cwd: s.dir})
    const first = ok(['publish', '--sign-key', s.key], {cwd: s.dir})
    expect(first.stderr).toMatch(/warning: local: production has neither Origin nor Label, .*raptr distribution set production --origin NAME/)
    expect(fs.readFileSync(path.join(s.www, 'dists/production/Release'), 'utf8')).not.toContain('Snapshots:')
    const [id] = fs.readdirSync(path.join(s.www, 'snapshots'))
    expect(fs.existsSync(path.join(s.www, `snapshots/${id}/dists/production/InRelease`))).toBe(true)
    // Once set, the next publish carries the field.
    ok(['distribution', 'set', 'production', '--origin', 'example'], {cwd: s.dir})
    expect(ok(['publish', '--sign-key', s.key], {cwd: s.dir}).stderr).toBe('')
    expect(fs.readFileSync(path.join(s.www, 'dists/production/Release'), 'utf8')).toContain(`Snapshots: file://${s.www}/snapshots/@SNAPSHOTID@/\n`)
  })
})
