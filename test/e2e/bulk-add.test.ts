/**
 * A bulk add as shipped: the built CLI reads many packages in worker threads (the
 * bundle's dist/deb-worker.js), and the archive it commits is what git expects.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {archiveState, ok, okJson, raptr, sh, tempDir} from '../helpers/cli.js'
import {makeTestArchive} from '../helpers/published-archive.js'

describe('a bulk add of the built CLI', () => {
  it('reads 80 packages in worker threads, lists all 80, and leaves the work tree clean', async () => {
    expect(os.availableParallelism(), 'worker threads are used where there is more than one core').toBeGreaterThan(1)
    const s = makeTestArchive()
    for (let i = 0; i < 80; i++) await buildDeb(s.pkgs, {name: `bulk${i}`, version: '1.0-1', arch: i % 2 ? 'amd64' : 'all', compression: i % 3 ? 'gzip' : 'xz'})
    const add = ok(['package', 'add', s.pkgs, '--section', 'production/public'], {cwd: s.dir, env: {RAPTR_DEBUG_TIMING: '1'}})
    expect(add.stderr).toMatch(/add: 80 files read \([2-8] worker threads\)/)
    const listed = okJson<Array<{name: string}>>(['package', 'list', '--json'], {cwd: s.dir})
    expect(new Set(listed.map((p) => p.name)).size).toBe(80)
    expect(archiveState(s.dir).status).toBe('')
    expect(sh('git', ['fsck', '--strict'], {cwd: s.dir}).code).toBe(0)
    // A few files are read on the main thread.
    for (let i = 0; i < 3; i++) await buildDeb(s.pkgs, {name: `late${i}`, version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    const few = ok(['package', 'add', `${s.pkgs}/late0_1.0-1_amd64.deb`, `${s.pkgs}/late1_1.0-1_amd64.deb`, '--section', 'production/public'], {cwd: s.dir, env: {RAPTR_DEBUG_TIMING: '1'}})
    expect(few.stderr).toMatch(/add: 2 files read \(main thread\)/)
  })

  it('staged in packfiles and written into trees as it goes, commits the same packages and links as an add held at once', async () => {
    const held = makeTestArchive()
    const staged = makeTestArchive({directoryBackend: false})
    for (let i = 0; i < 150; i++) await buildDeb(held.pkgs, {name: `stg${i}`, version: `1.${i}-1`, arch: i % 3 ? 'amd64' : 'all', compression: i % 2 ? 'gzip' : 'xz'})
    // Tiny thresholds: a packfile of staged blobs every 4 KiB, a checkpoint tree every 40 changed paths.
    const knobs = {RAPTR_DEBUG_STAGE_BYTES: '4096', RAPTR_DEBUG_CHECKPOINT: '40'}
    const packs = (dir: string) => sh('git', ['count-objects', '-v'], {cwd: dir}).stdout.match(/^packs: (\d+)/m)![1]
    const before = Number(packs(staged.dir))
    ok(['package', 'add', held.pkgs, '--section', 'production/public'], {cwd: held.dir})
    ok(['package', 'add', held.pkgs, '--section', 'production/public'], {cwd: staged.dir, env: knobs})
    expect(Number(packs(staged.dir)), 'staged blobs were written in packfiles before the commit').toBeGreaterThan(before + 5)
    const tree = (dir: string, p: string) => sh('git', ['rev-parse', '--verify', `HEAD:${p}`], {cwd: dir}).stdout.trim()
    for (const p of ['packages', 'contents', 'dists']) {
      expect(tree(held.dir, p), p).toMatch(/^[0-9a-f]{40}$/)
      expect(tree(staged.dir, p), p).toBe(tree(held.dir, p))
    }
    expect(sh('git', ['ls-tree', '-r', '--name-only', 'HEAD', 'packages'], {cwd: staged.dir}).stdout.trim().split('\n')).toHaveLength(150)
    expect(archiveState(staged.dir).status).toBe('')
    expect(sh('git', ['fsck', '--strict'], {cwd: staged.dir}).code).toBe(0)
    // Adding the same files again, staged the same way, changes nothing.
    const again = okJson<{packages: Array<{status: string; name: string; version: string; architecture: string}>}>(['package', 'add', held.pkgs, '--section', 'production/public', '--json'], {cwd: staged.dir, env: knobs})
    expect(new Set(again.packages.map((p) => p.status))).toEqual(new Set(['unchanged']))
    // Reported in the order of the files (a directory's, sorted), however the worker threads finished.
    const files = fs.readdirSync(held.pkgs).filter((f) => f.endsWith('.deb')).sort()
    expect(again.packages.map((p) => `${p.name}_${p.version}_${p.architecture}.deb`)).toEqual(files)
  })

  it('keeps its rows in a temporary file: a file given twice counts once at its first place, two files of one package are refused, and no rows file stays', async () => {
    const s = makeTestArchive()
    const names = ['dup-a', 'dup-b', 'dup-c', 'dup-d']
    for (const name of names) await buildDeb(s.pkgs, {name, version: '1.0-1', arch: 'amd64', compression: 'gzip'})
    const file = (name: string) => path.join(s.pkgs, `${name}_1.0-1_amd64.deb`)
    const tmp = path.join(s.dir, '.git', 'raptr', 'tmp')
    fs.mkdirSync(tmp, {recursive: true})
    // What a killed add could leave (its process gone), and the name of a running one.
    const dead = path.join(tmp, 'add-rows-2147483646-x1')
    const live = path.join(tmp, `add-rows-${process.pid}-x2`)
    for (const f of [dead, live]) fs.writeFileSync(f, '{}')
    // Tiny packfiles and checkpoints: the rows outlive several blob flushes.
    const knobs = {RAPTR_DEBUG_STAGE_BYTES: '1024', RAPTR_DEBUG_CHECKPOINT: '3'}
    const added = okJson<{packages: Array<{name: string; status: string; linked: string[]}>}>(['package', 'add', file('dup-c'), s.pkgs, file('dup-a'), '--section', 'production/public'], {cwd: s.dir, env: knobs})
    expect(added.packages.map((p) => p.name)).toEqual(['dup-c', 'dup-a', 'dup-b', 'dup-d'])
    expect(added.packages.map((p) => p.status)).toEqual(['added', 'added', 'added', 'added'])
    expect(added.packages.map((p) => p.linked)).toEqual(names.map(() => ['production/public']))
    expect(fs.existsSync(dead), "a dead add's rows file is removed").toBe(false)
    expect(fs.existsSync(live), "a running add's rows file is left alone").toBe(true)
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('add-rows-'))).toEqual([path.basename(live)])
    expect(sh('git', ['fsck', '--strict'], {cwd: s.dir}).code).toBe(0)
    // Another file that is dup-b 1.0-1 amd64 with other bytes, beside the first.
    const other = path.join(tempDir(), 'other')
    fs.mkdirSync(other)
    const clash = await buildDeb(other, {name: 'dup-b', version: '1.0-1', arch: 'amd64', payloadBytes: 100, seed: 7})
    const before = archiveState(s.dir)
    const refused = raptr(['package', 'add', s.pkgs, clash, '--section', 'production/public'], {cwd: s.dir})
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/two different files are dup-b 1\.0-1 amd64: dup-b_1\.0-1_amd64\.deb and dup-b_1\.0-1_amd64\.deb/)
    expect(archiveState(s.dir)).toEqual(before)
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('add-rows-'))).toEqual([path.basename(live)])
  })
})
