/**
 * Every kind of name at its shortest and at its length limit works end to end (add →
 * publish to a directory → the real apt-get update and download read it, live and
 * pinned); one past the limit is refused in the kind's own words with exit 2, the
 * archive unchanged; and nothing ever fails with ENAMETOOLONG. Free-text Release
 * fields with a line break are refused where they are set.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {NAME_LIMITS, RELEASE_FIELD_LIMITS} from '../../src/core/names.js'
import {AptClient} from '../helpers/apt.js'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, ok, okJson, raptr, tempDir} from '../helpers/cli.js'

const L = NAME_LIMITS
const DIST = `D${'d'.repeat(L.distribution - 1)}`
const CAT = `u/${'c'.repeat(L.category - 2)}`
const BACKEND = `B${'b'.repeat(L.backend - 1)}`
const SNAPSHOT = `S${'s'.repeat(L.snapshot - 1)}`
const ALIAS = `A${'a'.repeat(L.alias - 1)}`
const PKG = `p${'k'.repeat(L.packageName - 1)}`
// Stored with ':' as '%3a', so the epoch's colon counts 3: exactly the limit as stored.
const VERSION = `1:2${'a'.repeat(L.version - 7)}-1`
const FIELDS = {
  origin: `O${'o'.repeat(RELEASE_FIELD_LIMITS.Origin - 1)}`,
  label: `L${'l'.repeat(RELEASE_FIELD_LIMITS.Label - 1)}`,
  description: `Desc ${'x'.repeat(RELEASE_FIELD_LIMITS.Description - 5)}`,
  version: `9.${'9'.repeat(RELEASE_FIELD_LIMITS.Version - 2)}`,
}

/** A refusal as the project wants it: exit 2, one line naming the kind, never ENAMETOOLONG. */
function refused(args: string[], cwd: string, wording: string): void {
  const before = archiveState(cwd)
  const res = raptr(args, {cwd})
  expect(res.code, `${args.join(' ').slice(0, 120)}: ${res.stderr}`).toBe(2)
  expect(res.stderr).toContain(wording)
  expect(res.stderr).not.toMatch(/ENAMETOOLONG|at .+\.js:\d+/)
  expect(res.stderr.trim().split('\n')[0].length).toBeLessThan(400)
  expect(archiveState(cwd)).toEqual(before)
}

describe('names at their limits, end to end', () => {
  let work: string
  let dir: string
  let key: string
  let short: string
  let long: string
  let pkgs: string
  const clients: AptClient[] = []

  beforeAll(async () => {
    work = tempDir('raptr-n-')
    dir = path.join(work, 'r')
    short = path.join(work, 'w1')
    long = path.join(work, 'w2')
    pkgs = path.join(work, 'p')
    fs.mkdirSync(pkgs)
    ok(['init', dir], {cwd: work})
    key = path.join(work, 'k.asc')
    ok(['key', 'generate', '--name', 'raptr tests', '--email', 'tests@example.org', '--out', key], {cwd: work})
  })
  afterAll(() => {
    for (const c of clients) c.cleanup()
    fs.rmSync(work, {recursive: true, force: true})
  })

  function apt(root: string, line: string): AptClient {
    const c = new AptClient()
    clients.push(c)
    c.configure(line, path.join(root, 'raptr.gpg'))
    return c
  }

  it('the shortest names: distribution, category, backend, snapshot, alias, package and version', async () => {
    ok(['distribution', 'add', 'a', '--architectures', 'amd64'], {cwd: dir})
    ok(['category', 'add', 'c', '--to', 'a'], {cwd: dir})
    ok(['backend', 'add', 'b', `file://${short}`], {cwd: dir})
    const deb = await buildDeb(pkgs, {name: 'p0', version: '0', arch: 'amd64'})
    ok(['bundle', 'add', 'z', deb, '--category', 'c', '--link', 'a'], {cwd: dir})
    ok(['publish', 'b', '--sign-key', key], {cwd: dir})
    ok(['snapshot', 'create', 's'], {cwd: dir})
    const live = apt(short, `deb [signed-by=/k] file://${short} a c`)
    live.update()
    expect(fs.readFileSync(live.download('p0'))).toEqual(fs.readFileSync(deb))
    const pin = okJson(['pin', 's', 'a', '--backend', 'b'], {cwd: dir})
    const pinned = apt(short, pin.debLine)
    pinned.update()
    expect(pinned.versions('p0')).toEqual(['0'])
  })

  it('every name at its limit, with Release fields at theirs', async () => {
    ok(['distribution', 'add', DIST, '--architectures', 'amd64', ...Object.entries(FIELDS).flatMap(([k, v]) => [`--${k}`, v])], {cwd: dir})
    ok(['category', 'add', CAT, '--to', DIST], {cwd: dir})
    ok(['backend', 'add', BACKEND, `file://${long}`], {cwd: dir})
    const deb = await buildDeb(pkgs, {name: PKG, version: VERSION, arch: 'amd64'})
    ok(['bundle', 'add', ALIAS, deb, '--category', CAT, '--link', DIST], {cwd: dir})
    const published = okJson(['publish', BACKEND, '--sign-key', key], {cwd: dir})
    ok(['snapshot', 'create', SNAPSHOT, '--snapshot', published.snapshot], {cwd: dir})

    const release = fs.readFileSync(path.join(long, 'dists', DIST, 'Release'), 'utf8')
    expect(release).toContain(`\nLabel: ${FIELDS.label}\n`)
    expect(release).toContain(`\nDescription: ${FIELDS.description}\n`)
    expect(release).toContain(`\nVersion: ${FIELDS.version}\n`)
    expect(release.startsWith(`Origin: ${FIELDS.origin}\n`)).toBe(true)

    const live = apt(long, `deb [signed-by=/k] file://${long} ${DIST} ${CAT}`)
    live.update()
    expect(live.versions(PKG)).toEqual([VERSION])
    const got = live.download(`${PKG}=${VERSION}`)
    expect(path.basename(got)).toBe(`${PKG}_${VERSION.replace(':', '%3a')}_amd64.deb`)
    expect(fs.readFileSync(got)).toEqual(fs.readFileSync(deb))

    const pin = okJson(['pin', SNAPSHOT, DIST, '--backend', BACKEND], {cwd: dir})
    const pinned = apt(long, pin.debLine)
    pinned.update()
    expect(fs.readFileSync(pinned.download(PKG))).toEqual(fs.readFileSync(deb))
    // The names appear in the archive's history and listings whole.
    expect(okJson<any[]>(['package', 'list', '-d', DIST], {cwd: dir}).map((p) => [p.name, p.version])).toEqual([[PKG, VERSION]])
  })

  it('the longest architecture dpkg knows, with the longest package name and version, reaches apt', async () => {
    const longest = spawnSync('dpkg-architecture', ['-L'], {encoding: 'utf8'}).stdout.trim().split('\n').sort((x, y) => y.length - x.length)[0]
    expect(longest.length).toBeGreaterThan(20)
    const dist = `E${'e'.repeat(L.distribution - 1)}`
    ok(['distribution', 'add', dist, '--architectures', longest], {cwd: dir})
    ok(['category', 'add', CAT, '--to', dist], {cwd: dir})
    const deb = await buildDeb(pkgs, {name: PKG, version: VERSION, arch: longest})
    ok(['package', 'add', deb, '--category', CAT, '--link', dist], {cwd: dir})
    ok(['publish', BACKEND, '--sign-key', key, '-d', dist], {cwd: dir})
    const c = new AptClient({arch: longest})
    clients.push(c)
    c.configure(`deb [signed-by=/k] file://${long} ${dist} ${CAT}`, path.join(long, 'raptr.gpg'))
    c.update()
    const got = c.download(PKG)
    expect(path.basename(got)).toBe(`${PKG}_${VERSION.replace(':', '%3a')}_${longest}.deb`)
    expect(fs.readFileSync(got)).toEqual(fs.readFileSync(deb))
  })

  it('one past each limit is refused in the kind\'s own words, exit 2, the archive unchanged', async () => {
    refused(['distribution', 'add', `${DIST}x`], dir, 'invalid distribution name')
    refused(['category', 'add', `${CAT}x`, '--to', DIST], dir, 'invalid category name')
    refused(['backend', 'add', `${BACKEND}x`, `file://${work}/w3`], dir, 'invalid backend name')
    refused(['snapshot', 'create', `${SNAPSHOT}x`], dir, 'invalid snapshot name')
    refused(['snapshot', 'rename', SNAPSHOT, `${SNAPSHOT}x`], dir, 'invalid snapshot name')
    refused(['distribution', 'add', 'x', '--architectures', 'a'.repeat(L.architecture + 1)], dir, 'invalid architecture')
    refused(['publish', `${BACKEND}x`, '--sign-key', key], dir, 'invalid backend name')
    const small = await buildDeb(pkgs, {name: 'p1', version: '1', arch: 'amd64'})
    refused(['bundle', 'add', `${ALIAS}x`, small, '--category', CAT, '--link', DIST], dir, 'invalid bundle alias')
    const longName = await buildDeb(pkgs, {name: `${PKG}x`, version: '1', arch: 'amd64', nocheck: true})
    refused(['package', 'add', longName, '--category', CAT], dir, 'invalid package name')
    const longVersion = await buildDeb(pkgs, {name: 'p2', version: VERSION.replace('-1', 'a-1'), arch: 'amd64', nocheck: true})
    refused(['package', 'add', longVersion, '--category', CAT], dir, 'invalid version')
    const longArch = await buildDeb(pkgs, {name: 'p3', version: '1', arch: 'a'.repeat(L.architecture + 1), nocheck: true})
    refused(['package', 'add', longArch, '--category', CAT], dir, 'invalid architecture')
    for (const [flag, max] of [['origin', RELEASE_FIELD_LIMITS.Origin], ['label', RELEASE_FIELD_LIMITS.Label], ['description', RELEASE_FIELD_LIMITS.Description], ['version', RELEASE_FIELD_LIMITS.Version]] as const) {
      refused(['distribution', 'set', DIST, `--${flag}`, 'x'.repeat(max + 1)], dir, `longer than ${max}`)
    }
  })

  it('a package file whose name holds a line break is refused before its name reaches a record or Sources', async () => {
    const small = await buildDeb(pkgs, {name: 'p4', version: '1', arch: 'amd64'})
    const nasty = path.join(pkgs, 'p4\nRaptr-Category: evil.deb')
    fs.copyFileSync(small, nasty)
    refused(['package', 'add', nasty, '--category', 'c'], dir, 'invalid package file name "p4\\nRaptr-Category: evil.deb"')
    const dsc = path.join(pkgs, 'src\n Files:.dsc')
    fs.writeFileSync(dsc, 'Source: src\nVersion: 1\nFiles:\n')
    refused(['package', 'add', dsc, '--category', 'c'], dir, 'invalid package file name')
  })

  it('a 300-character distribution name is refused, its echo cut short, and the archive keeps working', async () => {
    const huge = 'x'.repeat(300)
    const dists = okJson<any[]>(['distribution', 'list'], {cwd: dir}).map((d) => d.name)
    refused(['distribution', 'add', huge], dir, `invalid distribution name "${'x'.repeat(64)}… (300 characters)"`)
    const res = raptr(['distribution', 'add', huge], {cwd: dir})
    expect(res.stderr).not.toContain('x'.repeat(65))
    refused(['category', 'add', 'c2', '--to', huge], dir, 'invalid distribution name')
    refused(['package', 'list', '-d', huge], dir, 'invalid distribution name')
    refused(['publish', '-d', huge, '--sign-key', key], dir, 'invalid distribution name')
    expect(okJson<any[]>(['distribution', 'list'], {cwd: dir}).map((d) => d.name)).toEqual(dists)
    const deb = await buildDeb(pkgs, {name: 'after', version: '1', arch: 'amd64'})
    ok(['package', 'add', deb, '--category', 'c', '--link', 'a'], {cwd: dir})
    ok(['publish', 'b', '--sign-key', key], {cwd: dir})
    const live = apt(short, `deb [signed-by=/k] file://${short} a c`)
    live.update()
    expect(live.versions('after')).toEqual(['1'])
  })

  it('every command given a 300-character name answers one short line, exit 2, and never ENAMETOOLONG', () => {
    const h = 'x'.repeat(300)
    const commands = [
      ['distribution', 'remove', h], ['distribution', 'set', h, '--origin', 'x'], ['category', 'remove', 'c', '--from', h],
      ['backend', 'remove', h], ['snapshot', 'show', h], ['snapshot', 'remove', h], ['bundle', 'remove', h],
      ['package', 'show', h], ['package', 'history', h], ['package', 'link', 'p0', `${h}/c`], ['section', 'add', `a/${h}`],
      ['pin', 's', h, '--backend', 'b'], ['publish', h, '--sign-key', key], ['log', h], [h],
    ]
    for (const args of commands) {
      const before = archiveState(dir)
      const res = raptr(args, {cwd: dir})
      expect(res.code, `${args[0]} ${args[1]}: ${res.stderr}`).toBe(2)
      const lines = res.stderr.trim().split('\n')
      expect(lines.filter((l) => !l.startsWith('  hint:')), res.stderr).toHaveLength(1)
      expect(lines[0].length, res.stderr).toBeLessThan(300)
      expect(res.stderr).not.toMatch(/ENAMETOOLONG/)
      expect(archiveState(dir)).toEqual(before)
    }
  })

  it('a line break or control character in a Release field is refused where it is set, on add and on set', () => {
    // (argv cannot carry NUL; the unit test covers it)
    const hostile = ['ACME\nSuite: evil', 'ACME\r\nCodename: evil', 'ACME\u0085NEL', 'ACME\u2028', 'a\u001bb', ' ACME']
    const fieldOf = {origin: 'Origin', label: 'Label', description: 'Description', version: 'Version'}
    for (const [flag, field] of Object.entries(fieldOf)) {
      // Every hostile value on Origin; the line-break ones on every other field (each is the same check).
      for (const v of flag === 'origin' ? hostile : hostile.slice(0, 2)) refused(['distribution', 'set', DIST, `--${flag}`, v], dir, `invalid ${field}`)
      refused(['distribution', 'add', 'fresh', `--${flag}`, hostile[0]], dir, `invalid ${field}`)
    }
    for (const [flag, v] of [['suite', 'evil\nOrigin: x'], ['codename', '../../etc'], ['suite', 's'.repeat(65)]]) {
      refused(['distribution', 'set', DIST, `--${flag}`, v], dir, 'invalid distribution name')
    }
    // Nothing of it reached a published Release.
    ok(['publish', '--sign-key', key], {cwd: dir})
    for (const root of [short, long]) {
      for (const d of fs.readdirSync(path.join(root, 'dists')).filter((x) => x !== 'snapshots')) {
        const text = fs.readFileSync(path.join(root, 'dists', d, 'Release'), 'utf8')
        expect(text).not.toMatch(/evil/)
        expect(text.split('\n').filter((l) => /^Suite:/.test(l))).toHaveLength(1)
      }
    }
  })
})
