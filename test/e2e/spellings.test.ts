/**
 * The design's own spellings (sections as DIST/CAT) and removes that are idempotent:
 * what a user who knows aptly or reprepro types first.
 */
import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'

function commits(dir: string): number {
  return Number(sh('git', ['rev-list', '--count', 'HEAD'], {cwd: dir}).stdout.trim())
}

/** The readable message of HEAD: its event data (the Raptr-* trailers) is checked in events.test.ts. */
function headMessage(dir: string): string {
  return sh('git', ['log', '-1', '--format=%B'], {cwd: dir}).stdout.replace(/(\n\nRaptr-(Event|Context): .*(\nRaptr-(Event|Context): .*)*)?\s*$/, '').trim()
}

/** Runs raptr, expects exit 0 and no new commit, and returns its stdout. */
function nothingToDo(args: string[], dir: string): string {
  const before = commits(dir)
  const res = ok(args, {cwd: dir})
  expect(commits(dir), `raptr ${args.join(' ')} made a commit`).toBe(before)
  expect(res.stdout).toMatch(/nothing to do/)
  return res.stdout
}

describe('spellings and idempotent removes', () => {
  let pkgs: string
  let dir: string

  beforeAll(async () => {
    const work = tempDir()
    pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    await buildDeb(pkgs, {name: 'hello', version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(pkgs, {name: 'hello', version: '1.1-1', arch: 'amd64', compression: 'gzip'})
    await buildDeb(pkgs, {name: 'hello', version: '1.0-1', arch: 'arm64', compression: 'gzip'})
    dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
  })

  it('section add DIST/CAT… creates distributions and categories, once', () => {
    const res = okJson(['section', 'add', 'production/category1', 'staging/category1'], {cwd: dir})
    expect(res).toMatchObject({added: ['production/category1', 'staging/category1'], distributionsCreated: ['production', 'staging']})
    expect(headMessage(dir)).toBe('section added: production/category1, staging/category1')
    nothingToDo(['section', 'add', 'production/category1', 'staging/category1'], dir)
    expect(okJson<any[]>(['distribution', 'list'], {cwd: dir}).map((d) => `${d.name}:${d.categories}`)).toEqual(['production:category1', 'staging:category1'])
    expect(raptr(['section', 'add', 'production'], {cwd: dir}).stderr).toMatch(/^raptr: "production" is not DIST\/CAT\n {2}hint: /)
  })

  it('package add --section DIST/CAT (repeatable) adds and links in one commit', () => {
    const n = commits(dir)
    const res = okJson(['package', 'add', path.join(pkgs, 'hello_1.0-1_amd64.deb'), path.join(pkgs, 'hello_1.0-1_arm64.deb'), '--section', 'production/category1', '--section', 'staging/category1'], {cwd: dir})
    expect(commits(dir)).toBe(n + 1)
    expect(res.packages.map((p: any) => p.linked)).toEqual([['production/category1', 'staging/category1'], ['production/category1', 'staging/category1']])
    ok(['package', 'add', path.join(pkgs, 'hello_1.1-1_amd64.deb'), '--section', 'staging/category1'], {cwd: dir})
    expect(okJson<any[]>(['package', 'list', '-d', 'staging'], {cwd: dir}).map((p) => `${p.version}/${p.architecture}/${p.category}`)).toEqual(['1.0-1/amd64/category1', '1.0-1/arm64/category1', '1.1-1/amd64/category1'])
  })

  it('package link NAME --latest DIST/CAT links the latest of each architecture', () => {
    ok(['package', 'link', 'hello', '--latest', 'production/category1'], {cwd: dir})
    expect(headMessage(dir)).toBe('package linked: hello 1.1-1 amd64 to production/category1')
    expect(okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir}).map((p) => `${p.version}/${p.architecture}`)).toEqual(['1.0-1/amd64', '1.0-1/arm64', '1.1-1/amd64'])
    nothingToDo(['package', 'link', 'hello', '--latest', 'production/category1'], dir)
    // --to takes DIST/CAT too, and never suggests creating a distribution named "production/category1"
    nothingToDo(['package', 'link', 'hello', '--latest', '--to', 'production/category1'], dir)
    const missing = raptr(['package', 'link', 'hello', '--latest', '--to', 'production/nosuch'], {cwd: dir})
    expect(missing.code).toBe(2)
    expect(missing.stderr).toBe('raptr: distribution "production" has no category "nosuch"\n  hint: add it with: raptr category add nosuch --to production\n')
    const nowhere = raptr(['package', 'link', 'hello', '--latest'], {cwd: dir})
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toMatch(/^raptr: say which distribution: a DIST\[\/CAT\] argument or --to DIST\n/)
  })

  it('unlink twice: the second says what is true and exits 0', () => {
    ok(['package', 'unlink', 'hello', '--version', '1.0-1', 'production'], {cwd: dir})
    const out = nothingToDo(['package', 'unlink', 'hello', '--version', '1.0-1', 'production'], dir)
    expect(out).toBe('hello 1.0-1 is not linked in production; nothing to do\n')
    const json = okJson(['package', 'unlink', 'hello', '--version', '1.0-1', '--from', 'production'], {cwd: dir})
    expect(json).toEqual({unlinked: [], nothing: 'hello 1.0-1 is not linked in production'})
    // a version that exists nowhere is not "linked" either: no error about the archive
    expect(nothingToDo(['package', 'unlink', 'hello', '--version', '9.9', '--from', 'staging/category1'], dir)).toMatch(/hello 9.9 is not linked in staging\/category1/)
  })

  it('every remove twice exits 0: package, bundle, category, section, backend, distribution', () => {
    ok(['package', 'remove', 'hello', '--version', '1.1-1'], {cwd: dir})
    expect(nothingToDo(['package', 'remove', 'hello', '--version', '1.1-1'], dir)).toBe('hello 1.1-1 is not in the archive; nothing to do\n')
    nothingToDo(['package', 'remove', 'nosuch', '--all'], dir)

    ok(['bundle', 'add', 'hb', path.join(pkgs, 'hello_1.1-1_amd64.deb'), '--section', 'staging/category1'], {cwd: dir})
    ok(['bundle', 'unlink', 'hb', 'staging'], {cwd: dir})
    expect(nothingToDo(['bundle', 'unlink', 'hb', 'staging'], dir)).toMatch(/bundle hb 1.1-1 is not linked in staging/)
    ok(['bundle', 'remove', 'hb', '--all'], {cwd: dir})
    expect(nothingToDo(['bundle', 'remove', 'hb', '--all'], dir)).toMatch(/there is no bundle "hb"/)

    ok(['category', 'add', 'extra', '--to', 'staging'], {cwd: dir})
    ok(['category', 'remove', 'extra', '--from', 'staging'], {cwd: dir})
    expect(nothingToDo(['category', 'remove', 'extra', '--from', 'staging'], dir)).toMatch(/staging has no category extra/)

    ok(['section', 'remove', 'staging/category1'], {cwd: dir})
    nothingToDo(['section', 'remove', 'staging/category1'], dir)

    ok(['backend', 'add', 'local', `file://${path.join(path.dirname(dir), 'www')}`], {cwd: dir})
    ok(['backend', 'remove', 'local'], {cwd: dir})
    expect(nothingToDo(['backend', 'remove', 'local'], dir)).toMatch(/there is no backend "local"/)

    ok(['distribution', 'remove', 'staging'], {cwd: dir})
    expect(nothingToDo(['distribution', 'remove', 'staging'], dir)).toMatch(/there is no distribution "staging"/)
    expect(okJson(['distribution', 'remove', 'staging'], {cwd: dir})).toMatchObject({removed: false})
  })
})
