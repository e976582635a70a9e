import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {BIN, ok, okJson, resetArchive, sh, tempDir} from '../helpers/cli.js'

const BULK = 40
const ADD = ['package', 'add', 'PKGS', '--category', 'public', '--link', 'production']

/** Runs `raptr ARGS`, SIGKILLed after `ms` when given; resolves with the signal or exit code. */
function run(args: string[], cwd: string, opts: {killAfterMs?: number; env?: Record<string, string>} = {}): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd, stdio: 'ignore', env: {...process.env, RAPTR_AUTHOR_NAME: 't', RAPTR_AUTHOR_EMAIL: 't@example.org', ...opts.env}})
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(signal ?? String(code))
    })
  })
}

let work: string
let dir: string
let pkgs: string
let before: string
let workTree: boolean
const head = (): string => sh('git', ['rev-parse', 'HEAD'], {cwd: dir}).stdout.trim()
const pending = (): boolean => fs.existsSync(path.join(dir, '.git/raptr/sync-pending'))
const status = (): string => sh('git', ['status', '--porcelain'], {cwd: dir}).stdout
const looseObjects = (): number => Number(/^count: (\d+)/m.exec(sh('git', ['count-objects', '-v'], {cwd: dir}).stdout)?.[1] ?? 0) + Number(/^in-pack: (\d+)/m.exec(sh('git', ['count-objects', '-v'], {cwd: dir}).stdout)?.[1] ?? 0)

/** The next command sees the old commit or the new one, whole, and leaves git clean. */
function expectConsistent(what: string): 'old' | 'new' {
  expect(sh('git', ['fsck', '--no-dangling'], {cwd: dir}).code, what).toBe(0)
  const listed = okJson<unknown[]>(['package', 'list', '-d', 'production'], {cwd: dir})
  if (workTree) expect(status(), `${what}: the work tree is in sync after the next command`).toBe('')
  else expect(fs.readdirSync(dir), `${what}: no work tree is written`).toEqual(['.git'])
  expect(pending(), what).toBe(false)
  if (head() === before) {
    expect(listed, what).toEqual([])
    return 'old'
  }
  expect(listed, what).toHaveLength(BULK)
  // undo, to stop the same add again from the old state
  resetArchive(dir, before)
  return 'new'
}

// An archive as raptr makes it (no work tree), and one with a work tree (raptr checkout) that commits keep in step.
describe.each([{mode: 'without a work tree', checkout: false}, {mode: 'with a checked-out work tree', checkout: true}])('a package add killed inside its commit, $mode', ({checkout}) => {
  beforeAll(async () => {
    workTree = checkout
    work = tempDir()
    dir = path.join(work, 'repo')
    pkgs = path.join(work, 'pkgs')
    fs.mkdirSync(pkgs)
    for (let i = 0; i < BULK; i++) await buildDeb(pkgs, {name: `bulk${i}`, version: `1.${i}`, arch: i % 3 ? 'amd64' : 'all'})
    ok(['init', dir], {cwd: work})
    ok(['distribution', 'add', 'production'], {cwd: dir})
    ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
    if (checkout) ok(['checkout'], {cwd: dir})
    before = head()
  })

  it('at each step of the commit (objects, commit object, sync note, branch ref, work tree, note cleared) leaves the archive at the old commit or the new one', async () => {
    const args = ADD.map((a) => (a === 'PKGS' ? pkgs : a))
    // what each step's window looks like right after the kill: the proof it was hit
    // (without a work tree there is no sync note and nothing to sync)
    const windows: Record<number, {head: 'old' | 'new'; pending: boolean; workTreeSynced?: boolean; objectsWritten?: boolean}> = {
      1: {head: 'old', pending: false, objectsWritten: false},
      2: {head: 'old', pending: false, objectsWritten: true},
      3: {head: 'old', pending: false, objectsWritten: true},
      4: {head: 'old', pending: checkout},
      5: {head: 'new', pending: checkout, workTreeSynced: checkout ? false : undefined},
      6: {head: 'new', pending: checkout, workTreeSynced: checkout ? true : undefined},
    }
    for (let step = 1; step <= 7; step++) {
      const objects = looseObjects()
      const how = await run(args, dir, {env: {RAPTR_DEBUG_KILL_BEFORE_COMMIT_STEP: String(step)}})
      const what = `killed before commit step ${step}`
      if (step === 7) {
        // past the last step nothing is killed: the steps above are all there are
        expect(how, what).toBe('0')
        expect(expectConsistent(what)).toBe('new')
        break
      }
      expect(how, what).toBe('SIGKILL')
      const w = windows[step]
      expect(head() === before ? 'old' : 'new', what).toBe(w.head)
      expect(pending(), what).toBe(w.pending)
      if (w.objectsWritten !== undefined) expect(looseObjects() > objects, what).toBe(w.objectsWritten)
      if (w.workTreeSynced !== undefined) expect(status() === '', what).toBe(w.workTreeSynced)
      expect(expectConsistent(what)).toBe(w.head)
    }
  }, 300_000)

  it('at random moments leaves the archive at the old commit or the new one', async () => {
    const args = ADD.map((a) => (a === 'PKGS' ? pkgs : a))
    // how long an add takes here, so the moments fall inside it
    const t0 = Date.now()
    expect(await run(args, dir)).toBe('0')
    const duration = Date.now() - t0
    expect(expectConsistent('an add run to its end')).toBe('new')
    let seed = 20261201
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32)
    for (let i = 0; i < 6; i++) {
      const ms = Math.floor(duration * (0.3 + 0.8 * random()))
      const how = await run(args, dir, {killAfterMs: ms})
      expectConsistent(`killed after ${ms} ms (${how === 'SIGKILL' ? 'killed' : 'finished first'})`)
    }
    fs.rmSync(work, {recursive: true, force: true})
  }, 300_000)
})
