/**
 * Hints that name the likely mistake: a mistyped distribution gets the closest name; an
 * import of a suite the repository does not have says to check the suite, not the key.
 */
import fs from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptr, tempDir} from '../helpers/cli.js'

let work: string
let dir: string
let www: string

beforeAll(async () => {
  work = tempDir('raptr-hints-')
  dir = path.join(work, 'repo')
  www = path.join(work, 'www')
  const pkgs = path.join(work, 'pkgs')
  fs.mkdirSync(pkgs)
  const deb = await buildDeb(pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64'})
  ok(['init', dir], {cwd: work})
  ok(['distribution', 'add', 'production', '--architectures', 'amd64'], {cwd: dir})
  ok(['distribution', 'add', 'staging', '--architectures', 'amd64'], {cwd: dir})
  ok(['category', 'add', 'main', '--to', 'production', '--to', 'staging'], {cwd: dir})
  ok(['package', 'add', deb, '--section', 'production/main'], {cwd: dir})
  ok(['backend', 'add', 'local', `file://${www}`], {cwd: dir})
  ok(['publish', '--no-sign'], {cwd: dir})
})

/** One error line and its hint, exit 2. */
function refused(args: string[]): {message: string; hint: string} {
  const res = raptr(args, {cwd: dir})
  expect(res.code, res.stderr).toBe(2)
  const lines = res.stderr.split('\n').filter(Boolean)
  expect(lines, res.stderr).toHaveLength(2)
  return {message: lines[0], hint: lines[1]}
}

describe('hints that name the likely mistake', () => {
  it('a mistyped distribution: did you mean the closest one', () => {
    const r = refused(['package', 'list', '-d', 'producton'])
    expect(r.message).toBe('raptr: no distribution named "producton"')
    expect(r.hint).toMatch(/^ {2}hint: did you mean production\?/)
    // nothing close: the known ones and how to create it
    expect(refused(['package', 'list', '-d', 'qa']).hint).toMatch(/known: production, staging; create one with: raptr distribution add qa/)
  })

  it('import of a suite the repository lacks: check the suite name (with or without --keyring)', () => {
    const url = pathToFileURL(www).href
    for (const extra of [[], ['--keyring', path.join(work, 'none.gpg')]]) {
      if (extra.length) fs.writeFileSync(extra[1], 'not read: the suite is looked up first\n')
      const r = refused(['import', url, 'prodution', '--to', 'imported', ...extra])
      expect(r.message).toContain(`has no dists/prodution/InRelease or Release`)
      expect(r.hint).toMatch(/check the suite name/)
      expect(r.hint).not.toMatch(/keyring/)
    }
  })

  it('import with --keyring of an unsigned repository says it is unsigned', () => {
    const keyring = path.join(work, 'some.gpg')
    fs.writeFileSync(keyring, 'x\n')
    const r = refused(['import', pathToFileURL(www).href, 'production', '--to', 'imported', '--keyring', keyring])
    expect(r.message).toMatch(/dists\/production is not signed \(it has a Release but no InRelease\)/)
    expect(r.hint).toMatch(/leave out --keyring/)
  })

  it('pin list says who pinned as the log names its authors, not the machine login', () => {
    const alice = {RAPTR_AUTHOR_NAME: 'Alice Example', RAPTR_AUTHOR_EMAIL: 'alice@example.org'}
    ok(['pin', 'HEAD', 'production'], {cwd: dir, env: alice})
    const pins = JSON.parse(ok(['pin', 'list', '--json'], {cwd: dir}).stdout) as Array<{by: string}>
    expect(pins.map((p) => p.by)).toEqual(['Alice Example <alice@example.org>'])
    const log = JSON.parse(ok(['log', '-n', '1', '--json'], {cwd: dir}).stdout) as Array<{author: string}>
    expect(log[0].author).toBe('Alice Example <alice@example.org>')
  })
})
