/**
 * A hostile upstream cannot stall a filtered mirror: its fields are as long as it likes and
 * the filter is what a teammate pushed, yet `~` patterns and `%` globs match in time linear
 * in the field, and selecting from an index of many versions of one name is not quadratic.
 * Each run is a real `raptr mirror update --dry-run` in a child process with a bound (a
 * hang is a failure, not a stuck suite); the patterns are the ones an attacker's review
 * found to take minutes or never end before.
 */
import fs from 'node:fs'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {beforeAll, describe, expect, it} from 'vitest'
import {BIN, ok, tempDir} from '../helpers/cli.js'

let work: string
let dir: string

/** An unsigned upstream at file://ROOT whose main/binary-amd64/Packages holds `stanzas` (no pool files: dry runs only). */
function upstream(name: string, stanzas: string[]): string {
  const root = path.join(work, name)
  const bin = path.join(root, 'dists', 'stable', 'main', 'binary-amd64')
  fs.mkdirSync(bin, {recursive: true})
  fs.writeFileSync(path.join(bin, 'Packages'), `${stanzas.join('\n\n')}\n`)
  const release = spawnSync('apt-ftparchive', ['release', '-o', 'APT::FTPArchive::Release::Components=main', '-o', 'APT::FTPArchive::Release::Architectures=amd64', '-o', 'APT::FTPArchive::Release::Suite=stable', path.join(root, 'dists', 'stable')], {encoding: 'utf8'})
  expect(release.status, release.stderr).toBe(0)
  fs.writeFileSync(path.join(root, 'dists', 'stable', 'Release'), release.stdout)
  return `file://${root}`
}

function stanza(name: string, version: string, description: string): string {
  const sha = 'a'.repeat(64)
  return `Package: ${name}\nVersion: ${version}\nArchitecture: amd64\nMaintainer: T <t@example.org>\nFilename: pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb\nSize: 1000\nSHA256: ${sha}\nDescription: ${description}`
}

/** `mirror add` then `mirror update --dry-run`, each bounded: a run past the bound fails the test. */
function dryRun(mirror: string, url: string, filter: string): {code: number | null; stdout: string; stderr: string} {
  const env = {...process.env, RAPTR_AUTHOR_NAME: 'raptr tests', RAPTR_AUTHOR_EMAIL: 'tests@example.org'}
  ok(['mirror', 'add', mirror, url, 'stable', '--to', mirror, '--architectures', 'amd64', '--filter', filter], {cwd: dir})
  const res = spawnSync(process.execPath, [BIN, 'mirror', 'update', mirror, '--dry-run', '--json'], {cwd: dir, env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024})
  expect(res.signal, `mirror update --dry-run with ${filter} did not finish within its bound`).toBeNull()
  return {code: res.status, stdout: res.stdout, stderr: res.stderr}
}

beforeAll(() => {
  work = tempDir('raptr-filter-time-')
  dir = path.join(work, 'repo')
  ok(['init', dir], {cwd: work})
})

describe('filters against a hostile upstream', () => {
  it('a nested repeat behind `[^]` (JavaScript\'s any-character class) is refused when added; a chain of .* matches in linear time', () => {
    const add = spawnSync(process.execPath, [BIN, 'mirror', 'add', 'hidden', 'file:///nowhere', 'stable', '--to', 'hidden', '--filter', 'Description (~ "[^](a+)+!]")'], {cwd: dir, encoding: 'utf8'})
    expect(add.status, add.stderr).toBe(2)
    expect(add.stderr).toMatch(/^raptr: .*repeats a group that itself repeats or alternates/)
    const url = upstream('long-fields', [stanza('victim', '1.0', `x${'a'.repeat(5000)}`), stanza('other', '1.0', 'short')])
    const res = dryRun('chain', url, 'Description (~ ".*.*.*.*.*.*.*.*!")')
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({selected: 0})
  }, 180_000)

  it('a `%` glob of many stars matches in linear time', () => {
    const url = upstream('glob-fields', [stanza('victim', '1.0', 'a'.repeat(5000)), stanza('other', '1.0', 'short')])
    const res = dryRun('glob', url, `Description (% "${'*a'.repeat(14)}#")`)
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({selected: 0})
  }, 120_000)

  it('an index of 20,000 versions of one name is selected from without quadratic work', () => {
    const url = upstream('many-versions', Array.from({length: 20_000}, (_, i) => stanza('zzmany', `1.${i}`, 'one of many')))
    const res = dryRun('many', url, 'Name (% zz*)')
    expect(res.code, res.stderr).toBe(0)
    expect(JSON.parse(res.stdout)).toMatchObject({offered: 20_000, selected: 20_000})
  }, 120_000)
})
