import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {cidFromSha256} from '../../src/core/cid.js'
import {buildDeb} from '../helpers/build-packages.js'
import {BIN, ok, okJson, sh, tempDir} from '../helpers/cli.js'

// Enough binaries for the add to read them on worker threads (and past its main-thread path).
const BULK = 80
const ADD = ['package', 'add', 'PKGS', '--category', 'public', '--link', 'production']

/** Runs `raptr ARGS` with extra environment; resolves with the signal or exit code. */
function run(args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd, stdio: 'ignore', env: {...process.env, RAPTR_AUTHOR_NAME: 't', RAPTR_AUTHOR_EMAIL: 't@example.org', ...env}})
    child.on('exit', (code, signal) => resolve(signal ?? String(code)))
  })
}

let work: string
let dir: string
let pkgs: string
let blobs: string
const head = (): string => sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()

/** Files under a content name (the cache's shards), and the intakes with the files they hold. */
function cacheState(): {named: string[]; intakes: Record<string, string[]>} {
  const named: string[] = []
  const intakes: Record<string, string[]> = {}
  if (!fs.existsSync(blobs)) return {named, intakes}
  for (const entry of fs.readdirSync(blobs)) {
    const files = fs.readdirSync(path.join(blobs, entry))
    if (entry.startsWith('.intake-')) intakes[entry] = files
    else named.push(...files.map((f) => path.join(entry, f)))
  }
  return {named, intakes}
}

describe('a package add killed while it reads its files', () => {
  beforeAll(async () => {
    work = tempDir()
    dir = path.join(work, 'repo')
    pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    for (let i = 0; i < BULK; i++) await buildDeb(pkgs, {name: `intake${i}`, version: `1.${i}`, arch: 'amd64', payloadBytes: 4096 + i, seed: i + 1})
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'production'], {cwd: dir})
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    blobs = path.join(dir, '.git/raptr/blobs')
  })

  it('leaves no file under a content name, and the next add stores every file whole and sweeps the dead intake', async () => {
    const args = ADD.map((a) => (a === 'PKGS' ? pkgs : a))
    const before = head()
    expect(await run(args, dir, {RAPTR_DEBUG_KILL_AFTER_READ: '20'})).toBe('SIGKILL')
    const killed = cacheState()
    expect(killed.named, 'nothing is under a content name before the add validated everything').toEqual([])
    // The proof the kill fell inside the read: the copies written so far are in its intake.
    const dead = Object.keys(killed.intakes)
    expect(dead).toHaveLength(1)
    expect(killed.intakes[dead[0]].length).toBeGreaterThanOrEqual(20)
    expect(killed.intakes[dead[0]].every((f) => f.endsWith('.tmp'))).toBe(true)
    expect(head()).toBe(before)

    expect(await run(args, dir)).toBe('0')
    expect(okJson<unknown[]>(['package', 'list', '-d', 'production'], {cwd: dir})).toHaveLength(BULK)
    const done = cacheState()
    expect(done.intakes, 'the killed add\'s intake is removed, and this add\'s own').toEqual({})
    const expected = fs.readdirSync(pkgs).map((f) => cidFromSha256(createHash('sha256').update(fs.readFileSync(path.join(pkgs, f))).digest('hex')))
    expect(done.named.map((n) => path.basename(n)).sort()).toEqual(expected.sort())
    // Every stored file is whole: its bytes hash to its name.
    for (const n of done.named) expect(cidFromSha256(createHash('sha256').update(fs.readFileSync(path.join(blobs, n))).digest('hex'))).toBe(path.basename(n))
  }, 300_000)

  it('a failed add (one corrupt file among good ones) stores nothing and leaves no intake; purge --local removes a killed add\'s intake', async () => {
    const more = path.join(work, 'more')
    fs.mkdirSync(more)
    for (let i = 0; i < BULK; i++) await buildDeb(more, {name: `later${i}`, version: '2.0', arch: 'amd64', payloadBytes: 5000 + i, seed: 1000 + i})
    const good = fs.readdirSync(more).sort()
    const bad = path.join(more, 'zz-broken_1.0_amd64.deb')
    fs.writeFileSync(bad, fs.readFileSync(path.join(more, good[0])).subarray(0, 300))
    const stored = cacheState().named.sort()
    const args = ADD.map((a) => (a === 'PKGS' ? more : a))
    // Refused with an error's exit code: neither a success nor a kill.
    expect(await run(args, dir)).toMatch(/^[1-9]\d*$/)
    expect(cacheState()).toEqual({named: stored, intakes: {}})

    fs.rmSync(bad)
    expect(await run(args, dir, {RAPTR_DEBUG_KILL_AFTER_READ: '5'})).toBe('SIGKILL')
    expect(Object.keys(cacheState().intakes)).toHaveLength(1)
    expect(cacheState().named.sort()).toEqual(stored)
    ok(['purge', '--local', '--grace', '0'], {cwd: dir})
    expect(cacheState().intakes).toEqual({})
    // The purge kept every file the archive references.
    expect(cacheState().named.sort()).toEqual(stored)
  }, 300_000)
})
