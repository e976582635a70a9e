import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {archiveFile, FIXTURES, ok, okJson, sh, tempDir} from '../helpers/cli.js'

/** Every name under `dir` but .git, recursively, with each file's size and mtime: what "nothing was written" compares. */
function beside(dir: string): string[] {
  return fs
    .readdirSync(dir, {recursive: true, encoding: 'utf8'})
    .filter((p) => p !== '.git' && !p.startsWith(`.git${path.sep}`))
    .map((p) => {
      const st = fs.lstatSync(path.join(dir, p))
      return `${p} ${st.size} ${st.mtimeMs}`
    })
    .sort()
}

describe('the archive has no work tree unless asked', () => {
  it('init, add and publish write nothing beside .git: no files, no git index', () => {
    const work = tempDir()
    const dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'production'], {cwd: dir})
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    ok(['backend', 'add', 'local', `file://${path.join(work, 'www')}`], {cwd: dir})
    ok(['package', 'add', path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: dir})
    ok(['publish', '--no-sign'], {cwd: dir})
    ok(['package', 'add', path.join(FIXTURES, 'libfoo-doc_2.0_all.deb'), '--category', 'public', '--link', 'production', '--publish', '--no-sign'], {cwd: dir})
    expect(fs.readdirSync(dir)).toEqual(['.git'])
    expect(fs.existsSync(path.join(dir, '.git', 'index'))).toBe(false)
    expect(sh('git', ['config', 'core.bare'], {cwd: dir}).stdout.trim()).toBe('true')
    // the archive is all there, in git
    expect(sh('git', ['fsck', '--strict', '--no-dangling'], {cwd: dir}).code).toBe(0)
    expect(archiveFile(dir, 'raptr.json')).toMatch(/"format": 1/)
    expect(okJson<unknown[]>(['package', 'list', '-d', 'production'], {cwd: dir})).toHaveLength(2)
    expect(fs.existsSync(path.join(work, 'www', 'dists', 'production', 'Release'))).toBe(true)
  })

  it('raptr checkout writes the snapshot\'s files and git\'s index; commits keep them in step; a hand edit is put back', () => {
    const work = tempDir()
    const dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'production'], {cwd: dir})
    const res = okJson<{archive: string; snapshot: string}>(['checkout'], {cwd: dir})
    expect(res.snapshot).toBe(sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim())
    expect(res.archive).toBe(fs.realpathSync(dir))
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'dists', 'raptr.json'])
    expect(fs.readFileSync(path.join(dir, 'raptr.json'), 'utf8')).toBe(archiveFile(dir, 'raptr.json'))
    expect(sh('git', ['status', '--porcelain', '--untracked-files=all'], {cwd: dir})).toMatchObject({code: 0, stdout: ''})
    // a commit after it keeps the files and the index current
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    ok(['package', 'add', path.join(FIXTURES, 'hello-gz_1.0-1_amd64.deb'), '--category', 'public', '--link', 'production'], {cwd: dir})
    expect(sh('git', ['status', '--porcelain', '--untracked-files=all'], {cwd: dir})).toMatchObject({code: 0, stdout: ''})
    expect(sh('git', ['ls-files'], {cwd: dir}).stdout).toBe(sh('git', ['ls-tree', '-r', '--name-only', 'HEAD'], {cwd: dir}).stdout)
    // a file edited or removed by hand comes back; nothing else is rewritten
    const before = beside(dir).filter((l) => !l.startsWith('raptr.json') && !l.startsWith('dists'))
    fs.writeFileSync(path.join(dir, 'raptr.json'), 'edited\n')
    fs.rmSync(path.join(dir, 'dists'), {recursive: true})
    ok(['checkout'], {cwd: dir})
    expect(fs.readFileSync(path.join(dir, 'raptr.json'), 'utf8')).toBe(archiveFile(dir, 'raptr.json'))
    expect(sh('git', ['status', '--porcelain', '--untracked-files=all'], {cwd: dir})).toMatchObject({code: 0, stdout: ''})
    expect(beside(dir).filter((l) => !l.startsWith('raptr.json') && !l.startsWith('dists'))).toEqual(before)
  })
})
