import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {GetObjectCommand, ListObjectsV2Command, type S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'
import {buildDeb} from '../helpers/build-packages.js'
import {ok, raptr, raptrAsync, sh, tempDir, type RunResult} from '../helpers/cli.js'
import {gunzipIndex, readIndex} from '../helpers/indexes.js'
import {makeBucket, s3Client} from './torture-kit.js'

// CI jobs sharing one archive: each clones a bare git remote and runs one command that
// adds, syncs and publishes to a directory and an S3 bucket at the same time as the others.

const endpoint = inject('s3Endpoint')
const scale = Number(process.env.RAPTR_TORTURE_SCALE ?? 1)
const JOBS = Math.max(2, Math.round(8 * scale))
const CAT = 'main'
const DIST = 'staging'

let client: S3Client
let work: string
let remote: string
let www: string
let bucket: string
let key: string
let pkgs: string

/** One job's archive: a fresh `raptr clone` of the shared remote. */
function cloneJob(name: string): string {
  const dir = path.join(work, name)
  ok(['clone', remote, dir], {cwd: work})
  return dir
}

function addCommand(file: string): string[] {
  return ['package', 'add', file, '--category', CAT, '--link', DIST, '--sync', '--publish', '--sign-key', key]
}

/** Every object under `prefix` in the test bucket. */
async function listBucket(prefix: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const res = await client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token}))
    for (const o of res.Contents ?? []) keys.push(o.Key!)
    token = res.IsTruncated ? res.NextContinuationToken : undefined
  } while (token)
  return keys.sort()
}

async function getObject(k: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({Bucket: bucket, Key: k}))
  return res.Body!.transformToString()
}

async function getBytes(k: string): Promise<Uint8Array> {
  const res = await client.send(new GetObjectCommand({Bucket: bucket, Key: k}))
  return res.Body!.transformToByteArray()
}

/** The two backends, read alike: a directory and the bucket (under the backend's prefix). */
const backends = {
  dir: {
    list: async (prefix: string): Promise<string[]> => {
      const root = path.join(www, prefix)
      if (!fs.existsSync(root)) return []
      return fs.readdirSync(root).map((f) => `${prefix}${f}`).sort()
    },
    get: async (k: string): Promise<string> => fs.readFileSync(path.join(www, k), 'utf8'),
    index: async (k: string): Promise<string> => readIndex(path.join(www, k)),
  },
  s3: {
    list: async (prefix: string): Promise<string[]> => (await listBucket(`debian/${prefix}`)).map((k) => k.slice('debian/'.length)),
    get: async (k: string): Promise<string> => getObject(`debian/${k}`),
    index: async (k: string): Promise<string> => gunzipIndex(await getBytes(`debian/${k}.gz`)),
  },
}

async function livePackages(b: keyof typeof backends): Promise<string> {
  return backends[b].index(`dists/${DIST}/${CAT}/binary-amd64/Packages`)
}

function packageNames(packages: string): string[] {
  return [...packages.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]).sort()
}

function expectAllExited0(results: RunResult[]): void {
  for (const r of results) expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
}

beforeAll(async () => {
  client = s3Client()
  bucket = await makeBucket('team')
  work = tempDir('raptr-team-')
  www = path.join(work, 'www')
  pkgs = path.join(work, 'pkgs')
  fs.mkdirSync(pkgs)
  const origin = path.join(work, 'origin')
  ok(['init', origin], {cwd: work})
  ok(['distribution', 'add', DIST, '--architectures', 'amd64'], {cwd: origin})
  ok(['category', 'add', CAT, '--to', DIST], {cwd: origin})
  ok(['backend', 'add', 'dir', `file://${www}`], {cwd: origin})
  ok(['backend', 'add', 's3', `s3://${bucket}/debian`, '--endpoint', endpoint, '--path-style', '--acl', 'public-read'], {cwd: origin})
  key = path.join(work, 'signing.asc')
  ok(['key', 'generate', '--name', 'raptr team tests', '--email', 'team@example.org', '--out', key], {cwd: work})
  remote = path.join(work, 'remote.git')
  expect(sh('git', ['clone', '--quiet', '--bare', origin, remote]).code).toBe(0)
})

afterAll(() => {
  client?.destroy()
})

describe('team publishing from CI', () => {
  it(`${JOBS} jobs at once, each in its own clone, each add and publish in one command: every package is live on both backends`, async () => {
    const jobs = await Promise.all(
      Array.from({length: JOBS}, async (_, i) => {
        const file = await buildDeb(pkgs, {name: `job${i}`, version: '1.0', arch: 'amd64'})
        const dir = path.join(work, `job${i}`)
        const cloned = await raptrAsync(['clone', remote, dir], {cwd: work})
        expect(cloned.code, cloned.stderr).toBe(0)
        return {file, dir}
      }),
    )
    const results = await Promise.all(jobs.map((j) => raptrAsync(addCommand(j.file), {cwd: j.dir})))
    expectAllExited0(results)
    const names = jobs.map((_, i) => `job${i}`).sort()
    for (const b of ['dir', 's3'] as const) expect(packageNames(await livePackages(b)), b).toEqual(names)

    // The remote's history holds each job's change once.
    const subjects = sh('git', ['log', '--format=%s', 'main'], {cwd: remote}).stdout.split('\n')
    for (const n of names) expect(subjects.filter((s) => s === `package added: ${n} 1.0 amd64 to ${DIST}/${CAT}`), n).toHaveLength(1)

    // Each backend's log is a chain 1..n whose newest entry is what the pointer shows.
    for (const b of ['dir', 's3'] as const) {
      const entries = await backends[b].list(`raptr/log/${DIST}/`)
      expect(entries.length, b).toBeGreaterThanOrEqual(1)
      expect(entries, b).toEqual(entries.map((_, i) => `raptr/log/${DIST}/${String(i + 1).padStart(10, '0')}.json`))
      const newest = JSON.parse(await backends[b].get(entries.at(-1)!)) as {inRelease: string; release: string}
      expect(await backends[b].get(`dists/${DIST}/InRelease`), b).toBe(newest.inRelease)
      expect(await backends[b].get(`dists/${DIST}/Release`), b).toBe(newest.release)
    }

    // Verify, from a fresh clone, finds both backends healthy.
    const checker = cloneJob('checker')
    const verify = raptr(['verify'], {cwd: checker})
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0)
  })

  it('two jobs add one name/version/architecture with different bytes: one wins, the other exits 3 naming it, and only the winner\'s file is live', async () => {
    const a = await buildDeb(fs.mkdtempSync(path.join(pkgs, 'a-')), {name: 'twin', version: '2.0', arch: 'amd64', payloadBytes: 64, seed: 1})
    const b = await buildDeb(fs.mkdtempSync(path.join(pkgs, 'b-')), {name: 'twin', version: '2.0', arch: 'amd64', payloadBytes: 64, seed: 2})
    const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')
    const [ra, rb] = await Promise.all([raptrAsync(addCommand(a), {cwd: cloneJob('twin-a')}), raptrAsync(addCommand(b), {cwd: cloneJob('twin-b')})])
    expect([ra.code, rb.code].sort(), `${ra.stderr}\n${rb.stderr}`).toEqual([0, 3])
    const [winner, loser] = ra.code === 0 ? [a, b] : [b, a]
    const lost = ra.code === 0 ? rb : ra
    // Named either by the merge (both pushed) or by the add itself (the winner's change came in first).
    expect(lost.stderr).toMatch(/twin 2\.0 amd64/)
    expect(lost.stderr).toContain('hint:')

    const onRemote = sh('git', ['log', '-p', '--format=', 'main', '--', 'packages'], {cwd: remote}).stdout
    expect(onRemote).toContain(sha(winner))
    expect(onRemote).not.toContain(sha(loser))
    for (const backend of ['dir', 's3'] as const) {
      const live = await livePackages(backend)
      expect(live, backend).toContain(`SHA256: ${sha(winner)}`)
      expect(live, backend).not.toContain(sha(loser))
      const stanza = live.split('\n\n').find((s) => s.startsWith('Package: twin\n'))!
      const pool = /^Filename: (.+)$/m.exec(stanza)![1]
      const bytes = backend === 'dir' ? fs.readFileSync(path.join(www, pool)) : Buffer.from(await (await client.send(new GetObjectCommand({Bucket: bucket, Key: `debian/${pool}`}))).Body!.transformToByteArray())
      expect(crypto.createHash('sha256').update(bytes).digest('hex'), backend).toBe(sha(winner))
    }
  })

  it('a job killed after its push but before its publish, its clone gone: the next job\'s publish from a fresh clone includes its package', async () => {
    const killedFile = await buildDeb(pkgs, {name: 'killed', version: '1.0', arch: 'amd64'})
    const killedDir = cloneJob('killed')
    const killed = await raptrAsync(addCommand(killedFile), {cwd: killedDir, env: {RAPTR_DEBUG_KILL_AFTER_PUSH: '1'}})
    expect(killed.code, killed.stderr).not.toBe(0)
    expect(sh('git', ['log', '--format=%s', 'main'], {cwd: remote}).stdout).toContain('package added: killed 1.0 amd64')
    for (const b of ['dir', 's3'] as const) expect(packageNames(await livePackages(b)), b).not.toContain('killed')
    // The machine is gone: its clone and blob cache with it.
    fs.rmSync(killedDir, {recursive: true, force: true})
    fs.rmSync(killedFile)

    const nextFile = await buildDeb(pkgs, {name: 'next', version: '1.0', arch: 'amd64'})
    ok(addCommand(nextFile), {cwd: cloneJob('next')})
    const killedSha = /^SHA256: ([0-9a-f]{64})$/m
    for (const b of ['dir', 's3'] as const) {
      const live = await livePackages(b)
      expect(packageNames(live), b).toContain('killed')
      expect(packageNames(live), b).toContain('next')
      // The dead job's bytes are on the backend: uploaded before its push, not by the next job.
      const stanza = live.split('\n\n').find((x) => x.startsWith('Package: killed\n'))!
      const pool = /^Filename: (.+)$/m.exec(stanza)![1]
      const bytes = b === 'dir' ? fs.readFileSync(path.join(www, pool)) : Buffer.from(await (await client.send(new GetObjectCommand({Bucket: bucket, Key: `debian/${pool}`}))).Body!.transformToByteArray())
      expect(crypto.createHash('sha256').update(bytes).digest('hex'), b).toBe(killedSha.exec(stanza)![1])
    }
  })
})
