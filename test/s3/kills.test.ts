import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {BIN, ok, raptrAsync} from '../helpers/cli.js'
import {addS3Backend, aptReads, expectAptReadsOneOf, fetchKey, makeBucket, makeS3Archive, scaled, type S3Archive} from './torture-kit.js'

const WRITES = /^(PutObject|CopyObject|DeleteObjects|CreateMultipartUpload|UploadPart|CompleteMultipartUpload)$/

function writesIn(log: string): number {
  if (!fs.existsSync(log)) return 0
  // Polled while the publish appends to it: the text after the last newline may be half a line.
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .slice(0, -1)
    .filter((l) => l && WRITES.test(JSON.parse(l).command)).length
}

interface Run {
  signal?: string
  code?: number
  stdout: string
  writes: number
  /** ms from the start to the first logged write, and to the end. */
  firstWriteMs?: number
  endMs: number
}

/**
 * Runs a publish, SIGKILLed `after` ms from its start or, with `afterFirstWrite`, that
 * many ms after its first S3 write is logged; without `kill`, to its end. Reports how it
 * ended and when its writing began, so later kills can aim at the writing phase.
 */
function runPublish(a: S3Archive, log: string, kill?: {after: number; afterFirstWrite?: boolean}): Promise<Run> {
  fs.rmSync(log, {force: true})
  return new Promise((resolve) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, [BIN, 'publish', '--sign-key', a.key], {
      cwd: a.dir,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: {...process.env, RAPTR_AUTHOR_NAME: 't', RAPTR_AUTHOR_EMAIL: 't@example.org', RAPTR_DEBUG_S3_LOG: log},
    })
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    let timer: NodeJS.Timeout | undefined
    let firstWriteMs: number | undefined
    const poll = setInterval(() => {
      if (firstWriteMs !== undefined || writesIn(log) === 0) return
      firstWriteMs = Date.now() - t0
      if (kill?.afterFirstWrite) timer = setTimeout(() => child.kill('SIGKILL'), kill.after)
    }, 5)
    if (kill && !kill.afterFirstWrite) timer = setTimeout(() => child.kill('SIGKILL'), kill.after)
    // 'exit', not 'close': a helper process the killed publish started may hold its stdout open
    child.on('exit', (code, signal) => {
      const endMs = Date.now() - t0
      clearTimeout(timer)
      clearInterval(poll)
      setTimeout(() => resolve({signal: signal ?? undefined, code: code ?? undefined, stdout, writes: writesIn(log), firstWriteMs, endMs}), 50)
    })
  })
}

/** Small deterministic PRNG (mulberry32), so a failing round can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = Math.imul(s ^ (s >>> 15), s | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('an S3 publish killed at random moments', () => {
  let a: S3Archive
  afterAll(() => {
    if (a) fs.rmSync(a.work, {recursive: true, force: true})
  })

  it('leaves apt reading the old or the new snapshot (by-hash on and off), and the next publish completes', async () => {
    a = makeS3Archive()
    const url = addS3Backend(a, 'eu', await makeBucket('raptr-kills'), 'debian')
    const log = path.join(a.work, 's3.jsonl')
    ok(['package', 'add', await buildDeb(a.pkgs, {name: 'kill-base', version: '1.0', arch: 'amd64'}), '--category', 'public', '--link', 'production'], {cwd: a.dir})
    const first = await runPublish(a, log)
    expect(first.code, first.stdout).toBe(0)
    // the whole publish, and its writing phase (first write to exit), as last measured
    let duration = first.endMs
    let writing = first.endMs - (first.firstWriteMs ?? 0)
    const keyFile = await fetchKey(url, a.work)

    const random = prng(15)
    const rounds = scaled(30)
    let live = ['kill-base']
    const added = ['kill-base']
    let writesPerPublish = 0
    const tally = {killed: 0, midWrite: 0, beforeWrite: 0, finishedFirst: 0, leftOld: 0, leftNew: 0}
    for (let i = 0; i < rounds; i++) {
      const name = `kill${i}`
      ok(['package', 'add', await buildDeb(a.pkgs, {name, version: '1.0', arch: i % 4 ? 'amd64' : 'all'}), '--category', 'public', '--link', 'production'], {cwd: a.dir})
      added.push(name)
      let what: string
      if (i % 2 === 1 && writesPerPublish > 0) {
        // the debug hook, at a random write
        const n = 1 + Math.floor(random() * writesPerPublish)
        what = `round ${i}: killed before write ${n} of ${writesPerPublish}`
        const res = await raptrAsync(['publish', '--sign-key', a.key], {cwd: a.dir, env: {RAPTR_DEBUG_KILL_BEFORE_WRITE: String(n)}})
        expect(res.code, `${what}: ${res.stdout}${res.stderr}`).toBe(-1)
        tally.beforeWrite++
      } else {
        // a real SIGKILL: anywhere in the publish, or somewhere in its writing phase
        const afterFirstWrite = i % 4 === 2
        const after = Math.floor(random() * (afterFirstWrite ? writing : duration))
        what = `round ${i}: SIGKILL ${after} ms after ${afterFirstWrite ? 'its first write' : 'the start'}`
        const res = await runPublish(a, log, {after, afterFirstWrite})
        if (res.signal === 'SIGKILL') {
          tally.killed++
          if (res.writes > 0) tally.midWrite++
        } else {
          expect(res.code, what).toBe(0)
          tally.finishedFirst++
        }
        if (res.signal !== 'SIGKILL' && res.code === 0) writesPerPublish = Math.max(writesPerPublish, res.writes)
      }
      // the by-hash client must read old or new; the by-hash-off one is judged after the next publish
      const seen = await aptReads(url, keyFile, true)
      if (!seen.ok) throw new Error(`${what}: broken read: ${seen.error}`)
      expect([[...live].sort(), [...added].sort()], what).toContainEqual(seen.names)
      if (seen.names.length === added.length) tally.leftNew++
      else tally.leftOld++
      // the next plain publish finishes the job
      const next = await runPublish(a, log)
      expect(next.code, `${what}, then: ${next.stdout}`).toBe(0)
      expect((await expectAptReadsOneOf(url, keyFile, [added], `${what}, then publish`)).names).toEqual([...added].sort())
      live = [...added]
      // the size of a whole publish, for choosing moments and write numbers
      if (/published snapshot/.test(next.stdout) && next.firstWriteMs !== undefined) {
        duration = next.endMs
        writing = next.endMs - next.firstWriteMs
        writesPerPublish = Math.max(writesPerPublish, next.writes)
      }
    }
    console.log(`kills on S3: ${rounds} rounds, ${tally.killed} SIGKILLs (${tally.midWrite} after writes had begun), ${tally.beforeWrite} kill-before-write, ${tally.finishedFirst} finished before the kill; apt read old ${tally.leftOld}, new ${tally.leftNew}; 0 broken reads (by-hash while killed; by-hash on and off after the next publish)`)
    // the kills must really have landed inside publishes
    expect(tally.killed + tally.beforeWrite).toBeGreaterThanOrEqual(Math.ceil(rounds / 2))
    expect(tally.midWrite, JSON.stringify(tally)).toBeGreaterThanOrEqual(1)
    const verify = await raptrAsync(['verify', '--deep'], {cwd: a.dir})
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  }, 900_000)
})
