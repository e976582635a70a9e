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
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l && WRITES.test(JSON.parse(l).command)).length
}

/**
 * Runs a publish and SIGKILLs it: `after` ms from the start, or, with `afterFirstWrite`,
 * that many ms after its first S3 write is logged. Resolves with how it ended and how
 * many writes it had sent.
 */
function publishKilled(a: S3Archive, log: string, how: {after: number; afterFirstWrite?: boolean}): Promise<{signal?: string; code?: number; writes: number}> {
  fs.rmSync(log, {force: true})
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'publish', '--sign-key', a.key], {
      cwd: a.dir,
      stdio: 'ignore',
      env: {...process.env, RAPTR_AUTHOR_NAME: 't', RAPTR_AUTHOR_EMAIL: 't@example.org', RAPTR_DEBUG_S3_LOG: log},
    })
    let timer: NodeJS.Timeout | undefined
    let poll: NodeJS.Timeout | undefined
    if (how.afterFirstWrite) {
      poll = setInterval(() => {
        if (writesIn(log) > 0) {
          clearInterval(poll)
          timer = setTimeout(() => child.kill('SIGKILL'), how.after)
        }
      }, 10)
    } else {
      timer = setTimeout(() => child.kill('SIGKILL'), how.after)
    }
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      clearInterval(poll)
      resolve({signal: signal ?? undefined, code: code ?? undefined, writes: writesIn(log)})
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
    const started = Date.now()
    const first = await raptrAsync(['publish', '--sign-key', a.key], {cwd: a.dir, env: {RAPTR_DEBUG_S3_LOG: log}})
    expect(first.code, first.stdout + first.stderr).toBe(0)
    let duration = Date.now() - started
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
        const after = Math.floor(random() * (afterFirstWrite ? duration / 2 : duration))
        what = `round ${i}: SIGKILL ${after} ms after ${afterFirstWrite ? 'its first write' : 'the start'}`
        const res = await publishKilled(a, log, {after, afterFirstWrite})
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
      fs.rmSync(log, {force: true})
      const t0 = Date.now()
      const next = await raptrAsync(['publish', '--sign-key', a.key], {cwd: a.dir, env: {RAPTR_DEBUG_S3_LOG: log}})
      expect(next.code, `${what}, then: ${next.stdout}${next.stderr}`).toBe(0)
      expect((await expectAptReadsOneOf(url, keyFile, [added], `${what}, then publish`)).names).toEqual([...added].sort())
      live = [...added]
      // the size of a whole publish, for choosing moments and write numbers
      if (/published snapshot/.test(next.stdout)) {
        duration = Math.max(duration, Date.now() - t0)
        writesPerPublish = Math.max(writesPerPublish, writesIn(log))
      }
    }
    console.log(`kills on S3: ${rounds} rounds, ${tally.killed} SIGKILLs (${tally.midWrite} after writes had begun), ${tally.beforeWrite} kill-before-write, ${tally.finishedFirst} finished before the kill; apt read old ${tally.leftOld}, new ${tally.leftNew}; 0 broken reads (by-hash while killed; by-hash on and off after the next publish)`)
    // the kills must really have landed inside publishes
    expect(tally.killed + tally.beforeWrite).toBeGreaterThanOrEqual(Math.ceil(rounds / 2))
    expect(tally.midWrite + tally.beforeWrite).toBeGreaterThanOrEqual(1)
    const verify = await raptrAsync(['verify', '--deep'], {cwd: a.dir})
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  }, 900_000)
})
