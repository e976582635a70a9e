import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {BIN, ok, okJson, sh, tempDir} from '../helpers/cli.js'

/** Starts `raptr ARGS` and SIGKILLs it after `ms` (if it is still running); resolves with its exit code or signal. */
function killAfter(args: string[], cwd: string, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd, stdio: 'ignore', env: {...process.env, RAPTR_AUTHOR_NAME: 't', RAPTR_AUTHOR_EMAIL: 't@example.org'}})
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(signal ?? String(code))
    })
  })
}

describe('a package add killed at any moment', () => {
  it('leaves the archive at its last commit or the new one, never half-written', async () => {
    const work = tempDir()
    const dir = path.join(work, 'repo')
    const pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    for (let i = 0; i < 120; i++) await buildDeb(pkgs, {name: `bulk${i}`, version: `1.${i}`, arch: i % 3 ? 'amd64' : 'all'})
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'production'], {cwd: dir})
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    const before = sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()
    const outcomes = new Set<string>()
    for (const ms of [250, 500, 750, 1000, 1250, 1500, 2000, 3000]) {
      const how = await killAfter(['package', 'add', pkgs, '--category', 'public', '--link', 'production'], dir, ms)
      const head = sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()
      expect(sh('git', ['fsck', '--no-dangling'], {cwd: dir}).code, `killed after ${ms} ms`).toBe(0)
      // the next command sees a consistent archive (and finishes a work-tree sync the kill interrupted)
      const listed = okJson<any[]>(['package', 'list', '-d', 'production'], {cwd: dir})
      if (head === before) {
        expect(listed).toEqual([])
        outcomes.add('old')
      } else {
        expect(listed).toHaveLength(120)
        outcomes.add(how === 'SIGKILL' ? 'new (killed after the commit)' : 'new')
        // undo, to kill the same add again from the old state
        expect(sh('git', ['reset', '-q', '--hard', before], {cwd: dir}).code).toBe(0)
      }
      expect(sh('git', ['status', '--porcelain'], {cwd: dir}).stdout, `killed after ${ms} ms`).toBe('')
    }
    expect(outcomes.has('old')).toBe(true)
    fs.rmSync(work, {recursive: true, force: true})
  }, 300_000)
})
