/**
 * What the S3 fault, kill and sweep tests share: round counts scaled by
 * RAPTR_TORTURE_SCALE, buckets on the test gateway, a small signed archive with one S3
 * backend, and the checks made after every publish — what apt (with and without
 * by-hash) reads straight from the gateway, and whether the three pointer files agree.
 */
import {execFile} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {CopyObjectCommand, CreateBucketCommand, ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'
import {inject} from 'vitest'
import {AptClient, gpgv} from '../helpers/apt.js'
import {ok, tempDir} from '../helpers/cli.js'

/** A round count: `n` at RAPTR_TORTURE_SCALE=1 (the default), at least 1. */
export function scaled(n: number): number {
  const scale = Number(process.env.RAPTR_TORTURE_SCALE ?? 1)
  return Math.max(1, Math.round(n * (Number.isFinite(scale) && scale > 0 ? scale : 1)))
}

/** The test gateway itself (apt reads here, never through a proxy). */
export const gateway = (): string => inject('s3Endpoint')

export function s3Client(): S3Client {
  return new S3Client({
    endpoint: gateway(),
    region: inject('s3Region'),
    forcePathStyle: true,
    credentials: {accessKeyId: inject('s3AccessKey'), secretAccessKey: inject('s3SecretKey')},
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

let bucketSeq = 0

/** Creates a fresh bucket and returns its name. */
export async function makeBucket(prefix: string): Promise<string> {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}-${bucketSeq++}`
  const client = s3Client()
  await client.send(new CreateBucketCommand({Bucket: name}))
  client.destroy()
  return name
}

/** Copies every object under `from/` to `to/` inside a bucket (a published state, reproduced for another prefix). */
export async function copyPrefix(bucket: string, from: string, to: string): Promise<number> {
  const client = s3Client()
  const keys: string[] = []
  let token: string | undefined
  do {
    const page = await client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: `${from}/`, ContinuationToken: token}))
    for (const o of page.Contents ?? []) keys.push(o.Key!)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  let next = 0
  await Promise.all(
    Array.from({length: 16}, async () => {
      while (next < keys.length) {
        const key = keys[next++]
        await client.send(
          new CopyObjectCommand({Bucket: bucket, Key: `${to}/${key.slice(from.length + 1)}`, CopySource: `${bucket}/${key}`.split('/').map(encodeURIComponent).join('/'), ACL: 'public-read'}),
        )
      }
    }),
  )
  client.destroy()
  return keys.length
}

export interface S3Archive {
  work: string
  dir: string
  key: string
  pkgs: string
}

/**
 * An archive with distribution production (amd64 only: few indexes, few writes a
 * publish), category public and a signing key; no backend yet.
 */
export function makeS3Archive(): S3Archive {
  const work = tempDir('raptr-torture-')
  const dir = path.join(work, 'repo')
  const pkgs = path.join(work, 'pkgs')
  fs.mkdirSync(pkgs)
  ok(['init', dir], {cwd: work})
  ok(['distribution', 'add', 'production', '--architectures', 'amd64'], {cwd: dir})
  ok(['category', 'add', 'public', '--to', 'production'], {cwd: dir})
  const key = path.join(work, 'signing.asc')
  ok(['key', 'generate', '--name', 'raptr tests', '--email', 'tests@example.org', '--out', key], {cwd: work})
  return {work, dir, key, pkgs}
}

/** `raptr backend add NAME s3://BUCKET/PREFIX` through `endpoint` (the gateway or a proxy); returns the URL apt reads (the gateway). */
export function addS3Backend(a: S3Archive, name: string, bucket: string, prefix: string, endpoint = gateway()): string {
  ok(['backend', 'add', name, `s3://${bucket}/${prefix}`, '--endpoint', endpoint, '--path-style', '--acl', 'public-read'], {cwd: a.dir})
  return `${gateway()}/${bucket}/${prefix}`
}

/** Downloads the published binary public key (raptr.gpg) to a file apt and gpgv can use. */
export async function fetchKey(url: string, dir: string): Promise<string> {
  const res = await fetch(`${url}/raptr.gpg`)
  if (res.status !== 200) throw new Error(`${url}/raptr.gpg: HTTP ${res.status}`)
  const file = path.join(dir, `raptr-${Date.now()}-${Math.random().toString(36).slice(2)}.gpg`)
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()))
  return file
}

export type AptView = {ok: true; names: string[]} | {ok: false; error: string}

/**
 * What a fresh apt client reads from `url` (suite production): the package names, or
 * the error of a broken read. Runs apt asynchronously, so an in-process proxy keeps serving.
 */
export async function aptReads(url: string, keyFile: string, byHash: boolean): Promise<AptView> {
  const apt = new AptClient({byHash})
  try {
    apt.configure(`deb [signed-by=/etc/apt/keyrings/raptr.gpg] ${url} production public`, keyFile)
    const upd = await run('apt-get', [...apt.options(), 'update'])
    const bad = `${upd.stdout}\n${upd.stderr}`.split('\n').filter((l) => /^(W|E|Err):/.test(l))
    if (upd.code !== 0 || bad.length > 0) return {ok: false, error: `apt-get update (by-hash ${byHash ? 'on' : 'off'}) exit ${upd.code}: ${bad.join(' | ')}`}
    const names = await run('apt-cache', [...apt.options(), 'pkgnames'])
    return {ok: true, names: names.stdout.split('\n').filter(Boolean).sort()}
  } finally {
    apt.cleanup()
  }
}

/**
 * How a client that never fetches by hash is judged. While a publish is stopped between
 * its canonical index writes and its pointer swap, such a client may read a new index
 * under the old Release ("File has unexpected size … Mirror sync in progress?"): no
 * write order avoids that for fixed names, so mid-publish its reads are only counted.
 */
export type PlainClient = 'strict' | 'count'

/**
 * Reads with a fresh by-hash client and a fresh by-hash-off client; throws unless the
 * by-hash one (and the other, when strict) reads one of `allowed`. Returns what was read
 * and whether the by-hash-off client broke.
 */
export async function expectAptReadsOneOf(url: string, keyFile: string, allowed: string[][], what: string, plain: PlainClient = 'strict'): Promise<{names: string[]; plainBroken: boolean}> {
  const [hashed, unhashed] = await Promise.all([aptReads(url, keyFile, true), aptReads(url, keyFile, false)])
  const wanted = allowed.map((a) => [...a].sort().join(','))
  const check = (v: AptView): string | undefined => {
    if (!v.ok) return `broken read: ${v.error}`
    if (!wanted.includes(v.names.join(','))) return `apt reads [${v.names.join(', ')}], expected one of ${wanted.map((w) => `[${w}]`).join(' or ')}`
    return undefined
  }
  const bad = check(hashed)
  if (bad) throw new Error(`${what}: ${bad}`)
  const plainBad = check(unhashed)
  if (plainBad && plain === 'strict') throw new Error(`${what} (Acquire::By-Hash=no): ${plainBad}`)
  const names = (hashed as {names: string[]}).names
  if (!plainBad && unhashed.ok && unhashed.names.join(',') !== names.join(',') && plain === 'strict') {
    throw new Error(`${what}: by-hash and plain clients disagree: [${names}] vs [${unhashed.names}]`)
  }
  return {names, plainBroken: plainBad !== undefined}
}

/**
 * The three live pointer files agree: InRelease's signed text is Release, Release.gpg
 * signs Release, and InRelease verifies. Returns undefined when they do, else what is wrong.
 */
export async function pointerInconsistency(url: string, keyFile: string): Promise<string | undefined> {
  const get = async (f: string): Promise<Buffer | undefined> => {
    const res = await fetch(`${url}/dists/production/${f}`)
    return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : undefined
  }
  const [inRelease, release, releaseGpg] = await Promise.all([get('InRelease'), get('Release'), get('Release.gpg')])
  if (!inRelease || !release || !releaseGpg) return `missing: ${[!inRelease && 'InRelease', !release && 'Release', !releaseGpg && 'Release.gpg'].filter(Boolean).join(', ')}`
  const text = inRelease.toString('utf8')
  const m = /^-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n([\s\S]*?)\n-----BEGIN PGP SIGNATURE-----/.exec(text)
  if (!m) return 'InRelease is not clearsigned'
  const signed = m[1].replace(/^- /gm, '')
  if (signed.trimEnd() !== release.toString('utf8').trimEnd()) return 'InRelease and Release carry different texts'
  const dir = tempDir('raptr-pointer-')
  try {
    fs.writeFileSync(path.join(dir, 'InRelease'), inRelease)
    fs.writeFileSync(path.join(dir, 'Release'), release)
    fs.writeFileSync(path.join(dir, 'Release.gpg'), releaseGpg)
    if (gpgv(keyFile, path.join(dir, 'InRelease')).code !== 0) return 'InRelease does not verify'
    if (gpgv(keyFile, path.join(dir, 'Release.gpg'), path.join(dir, 'Release')).code !== 0) return 'Release.gpg does not verify Release'
    return undefined
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

export function run(cmd: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(cmd, args, {env: {...process.env, LC_ALL: 'C', DEBIAN_FRONTEND: 'noninteractive'}, maxBuffer: 64 * 1024 * 1024}, (err, stdout, stderr) => {
      const code = err ? (typeof (err as {code?: unknown}).code === 'number' ? ((err as {code: number}).code) : 1) : 0
      resolve({code, stdout, stderr})
    })
  })
}

/** A raptr failure the way users see it: exit 4 and one FAILED line with a hint. */
export function oneLineFailure(stdout: string, stderr: string): boolean {
  const failed = stdout.split('\n').filter((l) => /FAILED: /.test(l))
  return failed.length === 1 && /hint: /.test(stdout) && !/\n\s+at /.test(stderr)
}
