/**
 * What a power loss can not undo: git objects, packs and the commit are on disk before
 * the branch ref names them, and the ref's rename is itself made durable. Shown from the
 * system calls raptr makes (strace), not from raptr's own account of them.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {BIN, FIXTURES, ok, sh, tempDir} from '../helpers/cli.js'
import {STRACE_ARGS, parseTrace} from '../helpers/strace.js'

describe('durability of the archive', () => {
  const work = tempDir()
  afterAll(() => fs.rmSync(work, {recursive: true, force: true}))

  it('fsyncs every object, pack and the commit before the branch ref moves, and the ref and its directory after', () => {
    const dir = path.join(work, 'repo')
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'production'], {cwd: dir})
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    const trace = path.join(work, 'trace.txt')
    const res = sh('strace', [...STRACE_ARGS, '-o', trace, process.execPath, BIN, 'package', 'add', FIXTURES, '--category', 'public', '--link', 'production'], {
      cwd: dir,
      env: {RAPTR_AUTHOR_NAME: 'raptr tests', RAPTR_AUTHOR_EMAIL: 'tests@example.org'},
    })
    expect(res.code, res.stderr).toBe(0)
    const calls = parseTrace(fs.readFileSync(trace, 'utf8'))
    const git = path.join(dir, '.git')
    const head = fs.readFileSync(path.join(git, 'refs/heads/main'), 'utf8').trim()
    const refMove = calls.find((c) => c.op === 'rename' && c.to === path.join(git, 'refs/heads/main'))!
    expect(refMove, 'the branch ref is moved by a rename').toBeDefined()

    const objectRenames = calls.filter((c) => c.op === 'rename' && c.to!.startsWith(path.join(git, 'objects') + path.sep))
    // the new commit and the trees and blobs it names: several objects
    expect(objectRenames.length).toBeGreaterThan(5)
    expect(objectRenames.map((c) => c.to)).toContain(path.join(git, 'objects', head.slice(0, 2), head.slice(2)))
    const fsyncedBefore = (p: string, t: number): boolean => calls.some((c) => c.op === 'fsync' && c.path === p && c.done < t)
    for (const r of objectRenames) {
      expect(fsyncedBefore(r.path, r.done), `${r.path} fsynced before its rename`).toBe(true)
      expect(r.done, `${r.to} in place before the ref moves`).toBeLessThan(refMove.done)
      expect(fsyncedBefore(path.dirname(r.to!), refMove.done), `${path.dirname(r.to!)} fsynced before the ref moves`).toBe(true)
      const dirSync = calls.find((c) => c.op === 'fsync' && c.path === path.dirname(r.to!) && c.done > r.done)
      expect(dirSync && dirSync.done < refMove.done, `${path.dirname(r.to!)} fsynced after ${path.basename(r.to!)} appeared`).toBe(true)
    }
    expect(fsyncedBefore(refMove.path, refMove.done), 'the new ref file fsynced before its rename').toBe(true)
    expect(calls.some((c) => c.op === 'fsync' && c.path === path.join(git, 'refs/heads') && c.done > refMove.done), 'refs/heads fsynced after the rename').toBe(true)
  })
})
