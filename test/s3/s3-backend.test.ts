import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {afterAll, afterEach, beforeEach, describe, expect, inject, it} from 'vitest'
import type {Backend} from '../../src/backends/interface.js'
import {openBackend} from '../../src/backends/registry.js'
import {RetryBackend} from '../../src/backends/retry.js'
import {createS3Backend, type S3BackendOptions, type S3Request} from '../../src/backends/s3.js'
import {RaptrError} from '../../src/errors.js'
import {backendContract} from '../contract/backend-contract.js'

const endpoint = inject('s3Endpoint')
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const md5 = (data: Uint8Array): Buffer => crypto.createHash('md5').update(data).digest()

/** A client of our own, to set up buckets and look at what the backend stored. */
const admin = new S3Client({
  endpoint,
  region: inject('s3Region'),
  credentials: {accessKeyId: inject('s3AccessKey'), secretAccessKey: inject('s3SecretKey')},
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
})

const buckets: string[] = []
let bucketSeq = 0

async function freshBucket(): Promise<string> {
  const bucket = `raptr-${process.pid}-${Date.now().toString(36)}-${bucketSeq++}`
  await admin.send(new CreateBucketCommand({Bucket: bucket}))
  buckets.push(bucket)
  return bucket
}

/** Deletes every object and the bucket: the gateway keeps its data in RAM. */
async function dropBucket(bucket: string): Promise<void> {
  for (;;) {
    const page = await admin.send(new ListObjectsV2Command({Bucket: bucket}))
    const objects = (page.Contents ?? []).map((o) => ({Key: o.Key!}))
    if (objects.length === 0) break
    await admin.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: objects, Quiet: true}}))
  }
  await admin.send(new DeleteBucketCommand({Bucket: bucket}))
}

afterAll(async () => {
  for (const bucket of buckets.splice(0)) await dropBucket(bucket).catch(() => {})
})

async function rejection(p: Promise<unknown>): Promise<RaptrError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(e).toBeInstanceOf(RaptrError)
  return e as RaptrError
}

/** The S3 backend as raptr opens it: behind the retry decorator (budget in seconds, first delay in ms). */
async function open(bucket: string, prefix: string, opts: S3BackendOptions & {retrySeconds?: number; retryBaseMs?: number} = {}): Promise<Backend> {
  const {retrySeconds, retryBaseMs, ...s3} = opts
  const inner = await createS3Backend(`s3://${bucket}/${prefix}`, {endpoint, pathStyle: true, ...s3})
  return new RetryBackend(inner, {budgetMs: (retrySeconds ?? 60) * 1000, baseMs: retryBaseMs})
}

backendContract('s3', async () => {
  const bucket = await freshBucket()
  // Objects beside the prefix must stay invisible to the backend.
  await admin.send(new PutObjectCommand({Bucket: bucket, Key: 'debian-other/pool/x', Body: 'x'}))
  await admin.send(new PutObjectCommand({Bucket: bucket, Key: 'README', Body: 'x'}))
  const backend = await open(bucket, 'debian')
  return {backend, cleanup: () => dropBucket(bucket).then(() => void buckets.splice(buckets.indexOf(bucket), 1))}
})

describe('the S3 backend', () => {
  let bucket: string
  let scratch: string
  let requests: S3Request[]
  beforeEach(async () => {
    bucket = await freshBucket()
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
    requests = []
  })
  afterEach(() => fs.rmSync(scratch, {recursive: true, force: true}))

  const onRequest = (r: S3Request): void => void requests.push(r)

  it('sends Content-MD5 on every upload, and a body corrupted in flight is refused (BadDigest), retried and never stored', async () => {
    const sent: Array<{command: string; md5?: string}> = []
    let corrupted = 0
    const backend = await open(bucket, 'repo', {
      onRequest,
      retryBaseMs: 10,
      multipartThreshold: 6 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
      instrument: (client) => {
        // After serialization, before signing: the body goes out damaged but otherwise valid.
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const request = args.request as {body?: unknown}
            if (context.commandName === 'PutObjectCommand' && corrupted === 0 && request.body instanceof Uint8Array) {
              corrupted++
              const damaged = Buffer.from(request.body)
              damaged[7] ^= 0x01
              request.body = damaged
            }
            return next(args)
          },
          {step: 'build', name: 'testCorruptFirstBody', priority: 'low'},
        )
        client.middlewareStack.add(
          (next, context) => async (args) => {
            const headers = (args.request as {headers: Record<string, string>}).headers
            sent.push({command: context.commandName!.replace(/Command$/, ''), md5: headers['content-md5']})
            return next(args)
          },
          {step: 'finalizeRequest', name: 'testSeeHeaders', priority: 'low'},
        )
      },
    })

    const body = crypto.randomBytes(100_000)
    await backend.put('pool/ab/blob.deb', body, {immutable: true})
    expect(corrupted).toBe(1)
    expect(requests).toEqual([
      {command: 'PutObject', bucket, key: 'pool/ab/blob.deb', status: 400, error: 'BadDigest'},
      {command: 'PutObject', bucket, key: 'pool/ab/blob.deb', status: 200},
    ])
    expect(Buffer.from((await backend.get('pool/ab/blob.deb'))!).equals(body)).toBe(true)

    const small = path.join(scratch, 'small.deb')
    const large = path.join(scratch, 'large.deb')
    fs.writeFileSync(small, crypto.randomBytes(70_000))
    fs.writeFileSync(large, crypto.randomBytes(11 * 1024 * 1024))
    await backend.putFile('pool/cd/small.deb', small, {immutable: true})
    await backend.putFile('pool/cd/large.deb', large, {immutable: true})
    expect(await backend.putIfAbsent('publications/1.json', text('{}'))).toBe(true)
    await backend.remove(['pool/cd/small.deb', 'pool/never/was'])

    const uploads = sent.filter((s) => ['PutObject', 'UploadPart', 'DeleteObjects'].includes(s.command))
    expect(uploads.map((s) => s.command)).toEqual(['PutObject', 'PutObject', 'PutObject', 'UploadPart', 'UploadPart', 'UploadPart', 'PutObject', 'DeleteObjects'])
    for (const s of uploads) expect(s.md5, `${s.command} carries Content-MD5`).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(Buffer.from((await backend.get('pool/cd/large.deb'))!).equals(fs.readFileSync(large))).toBe(true)
  })

  it('uploads a large file in parts with their own Content-MD5, stored whole with the multipart ETag "…-N"', async () => {
    const backend = await open(bucket, 'repo', {onRequest, multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024})
    const file = path.join(scratch, 'big.deb')
    const bytes = crypto.randomBytes(12 * 1024 * 1024)
    fs.writeFileSync(file, bytes)
    await backend.putFile('pool/big.deb', file, {contentType: 'application/vnd.debian.binary-package', immutable: true})

    const parts = [bytes.subarray(0, 5 * 1024 * 1024), bytes.subarray(5 * 1024 * 1024, 10 * 1024 * 1024), bytes.subarray(10 * 1024 * 1024)]
    const head = await admin.send(new HeadObjectCommand({Bucket: bucket, Key: 'repo/pool/big.deb'}))
    expect(head.ETag).toBe(`"${md5(Buffer.concat(parts.map(md5))).toString('hex')}-3"`)
    expect(head.ContentLength).toBe(bytes.length)
    expect(head.ContentType).toBe('application/vnd.debian.binary-package')
    expect(head.CacheControl).toBe('public, max-age=31536000, immutable')
    expect(Buffer.from((await backend.get('pool/big.deb'))!).equals(bytes)).toBe(true)
    expect(requests.map((r) => r.command).sort()).toEqual(
      ['CompleteMultipartUpload', 'CreateMultipartUpload', 'GetObject', 'UploadPart', 'UploadPart', 'UploadPart'].sort(),
    )

    // An in-memory body above the threshold goes the same way.
    await backend.put('pool/big-from-memory', bytes)
    const head2 = await admin.send(new HeadObjectCommand({Bucket: bucket, Key: 'repo/pool/big-from-memory'}))
    expect(head2.ETag).toMatch(/-3"$/)
    expect(Buffer.from((await backend.get('pool/big-from-memory'))!).equals(bytes)).toBe(true)
    // No upload is left open.
    const listed = await admin.send(new ListObjectsV2Command({Bucket: bucket}))
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['repo/pool/big-from-memory', 'repo/pool/big.deb'])
  })

  it('reports wrong credentials as CREDENTIALS in one line, naming the variables to set, without retrying', async () => {
    for (const credentials of [
      {accessKeyId: inject('s3AccessKey'), secretAccessKey: 'not-the-secret'},
      {accessKeyId: 'NOSUCHACCESSKEY', secretAccessKey: 'whatever'},
    ]) {
      requests = []
      const backend = await open(bucket, 'repo', {credentials, onRequest, retryBaseMs: 10})
      for (const op of [() => backend.put('dists/production/InRelease', text('x')), () => backend.stat('pool/x'), () => backend.get('pool/x')]) {
        const e = await rejection(op())
        expect(e.code).toBe('CREDENTIALS')
        expect(e.message).not.toContain('\n')
        expect(e.hint).toContain('AWS_ACCESS_KEY_ID')
        expect(e.hint).toContain('AWS_SECRET_ACCESS_KEY')
        expect(e.hint).toContain('AWS_PROFILE')
      }
      expect(requests.map((r) => r.status)).toEqual([403, 403, 403])
    }
  })

  it('reports missing credentials as CREDENTIALS', async () => {
    const saved = {...process.env}
    try {
      delete process.env.AWS_ACCESS_KEY_ID
      delete process.env.AWS_SECRET_ACCESS_KEY
      delete process.env.AWS_SESSION_TOKEN
      delete process.env.AWS_PROFILE
      process.env.AWS_CONFIG_FILE = path.join(scratch, 'no-config')
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(scratch, 'no-credentials')
      process.env.AWS_EC2_METADATA_DISABLED = 'true'
      const backend = await open(bucket, 'repo')
      const e = await rejection(backend.put('pool/x', text('x')))
      expect(e.code).toBe('CREDENTIALS')
      expect(e.message).toMatch(/no AWS credentials/)
      expect(e.message).not.toContain('\n')
      expect(e.hint).toContain('AWS_ACCESS_KEY_ID')
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    }
  })

  it('reports a bucket that does not exist as BACKEND_ERROR naming the bucket, with a hint', async () => {
    const backend = await open(`raptr-missing-${process.pid}-${Date.now().toString(36)}`, 'repo', {onRequest, retryBaseMs: 10})
    const listAll = async (): Promise<void> => {
      for await (const info of backend.list('')) void info
    }
    for (const op of [() => backend.put('pool/x', text('x')), () => backend.get('pool/x'), listAll]) {
      const e = await rejection(op())
      expect(e.code).toBe('BACKEND_ERROR')
      expect(e.message).toMatch(/bucket raptr-missing-\S+ does not exist/)
      expect(e.hint).toMatch(/create it|backend URL/)
    }
    expect(requests).toHaveLength(3)
  })

  it('retries throttling (503 SlowDown) with backoff, and gives up when the time budget is spent, naming the key and the S3 code', async () => {
    let failures = 3
    const backend = await open(bucket, 'repo', {
      onRequest,
      retryBaseMs: 5,
      retrySeconds: 2,
      instrument: (client) =>
        // Answers in place of the server while `failures` lasts.
        client.middlewareStack.add(
          (next) => async (args) => {
            if (failures-- > 0) {
              const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
              return {response: {statusCode: 503, headers: {'content-type': 'application/xml'}, body: Readable.from([Buffer.from(body)])}}
            }
            return next(args)
          },
          {step: 'deserialize', name: 'testThrottle', priority: 'low'},
        ),
    })
    await backend.put('dists/production/Release', text('release'))
    expect(requests.map((r) => r.error ?? r.status)).toEqual(['SlowDown', 'SlowDown', 'SlowDown', 200])
    expect(await backend.get('dists/production/Release')).toEqual(text('release'))

    requests = []
    failures = 100
    const started = Date.now()
    const e = await rejection(backend.put('dists/production/InRelease', text('x')))
    expect(e.code).toBe('BACKEND_ERROR')
    expect(e.message).toContain('dists/production/InRelease')
    expect(e.message).toContain('SlowDown')
    // SlowDown without Retry-After waits at least half a second: within a 2 s budget,
    // a handful of attempts, and never past the budget by more than one request.
    expect(requests.length).toBeGreaterThanOrEqual(3)
    expect(requests.length).toBeLessThanOrEqual(5)
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it('never retries a client error other than BadDigest', async () => {
    let answered = 0
    const backend = await open(bucket, 'repo', {
      onRequest,
      retryBaseMs: 5,
      instrument: (client) =>
        client.middlewareStack.add(
          () => async () => {
            answered++
            const body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidArgument</Code><Message>nope</Message></Error>'
            return {response: {statusCode: 400, headers: {'content-type': 'application/xml'}, body: Readable.from([Buffer.from(body)])}}
          },
          {step: 'deserialize', name: 'testRefuse', priority: 'low'},
        ),
    })
    const e = await rejection(backend.put('pool/x', text('x')))
    expect(e.code).toBe('BACKEND_ERROR')
    expect(e.message).toContain('InvalidArgument')
    expect(answered).toBe(1)
  })

  it('serves pointers with a short Cache-Control and immutable objects with a year-long one, with their Content-Type', async () => {
    const backend = await open(bucket, 'repo')
    await backend.put('dists/production/InRelease', text('signed'), {contentType: 'text/plain; charset=utf-8'})
    await backend.put('pool/ab/hello.deb', text('deb'), {contentType: 'application/vnd.debian.binary-package', immutable: true})
    await backend.copy('dists/production/InRelease', 'dists/snapshots/s1/production/InRelease', {immutable: true})
    await backend.copy('dists/snapshots/s1/production/InRelease', 'dists/staging/InRelease', {immutable: false})
    const head = (key: string) => admin.send(new HeadObjectCommand({Bucket: bucket, Key: `repo/${key}`}))

    expect(await head('dists/production/InRelease')).toMatchObject({CacheControl: 'public, max-age=60', ContentType: 'text/plain; charset=utf-8'})
    expect(await head('pool/ab/hello.deb')).toMatchObject({
      CacheControl: 'public, max-age=31536000, immutable',
      ContentType: 'application/vnd.debian.binary-package',
    })
    // A copy takes its headers from how it is written, and keeps the source's Content-Type.
    expect(await head('dists/snapshots/s1/production/InRelease')).toMatchObject({
      CacheControl: 'public, max-age=31536000, immutable',
      ContentType: 'text/plain; charset=utf-8',
    })
    expect(await head('dists/staging/InRelease')).toMatchObject({CacheControl: 'public, max-age=60', ContentType: 'text/plain; charset=utf-8'})

    const custom = await open(bucket, 'custom', {cacheControl: 'no-cache'})
    await custom.put('dists/production/InRelease', text('x'))
    await custom.put('pool/x', text('x'), {immutable: true})
    expect((await admin.send(new HeadObjectCommand({Bucket: bucket, Key: 'custom/dists/production/InRelease'}))).CacheControl).toBe('no-cache')
    expect((await admin.send(new HeadObjectCommand({Bucket: bucket, Key: 'custom/pool/x'}))).CacheControl).toBe('public, max-age=31536000, immutable')
  })

  it('with acl public-read, serves every object to an anonymous HTTP GET at the public URL, as apt fetches', async () => {
    const backend = await open(bucket, 'debian', {acl: 'public-read'})
    expect(backend.properties.publicUrl).toBe(`${endpoint}/${bucket}/debian`)
    await backend.put('dists/production/InRelease', text('signed'))
    await backend.putFile('pool/ab/hello.deb', writeFile(scratch, 'hello.deb', 'deb bytes'), {immutable: true})
    await backend.copy('dists/production/InRelease', 'dists/snapshots/s1/production/InRelease', {immutable: true})
    await backend.putIfAbsent('publications/1.json', text('{}'))
    for (const [key, body] of [
      ['dists/production/InRelease', 'signed'],
      ['pool/ab/hello.deb', 'deb bytes'],
      ['dists/snapshots/s1/production/InRelease', 'signed'],
      ['publications/1.json', '{}'],
    ]) {
      const res = await fetch(`${backend.properties.publicUrl}/${key}`)
      expect(res.status, key).toBe(200)
      expect(await res.text()).toBe(body)
    }

    const privateBackend = await open(bucket, 'private')
    await privateBackend.put('dists/production/InRelease', text('signed'))
    expect((await fetch(`${privateBackend.properties.publicUrl}/dists/production/InRelease`)).status).toBe(403)
  })

  it('derives the public URL from the bucket and region on AWS, and takes an explicit one as given', async () => {
    expect((await createS3Backend('s3://acme-apt/debian', {region: 'eu-west-1'})).properties).toMatchObject({
      url: 's3://acme-apt/debian',
      publicUrl: 'https://acme-apt.s3.eu-west-1.amazonaws.com/debian',
      name: 's3://acme-apt/debian',
    })
    expect((await createS3Backend('s3://acme-apt', {region: 'us-east-2'})).properties.publicUrl).toBe('https://acme-apt.s3.us-east-2.amazonaws.com')
    expect((await createS3Backend('s3://acme-apt/debian', {publicUrl: 'https://apt.acme.example/debian', name: 'eu'})).properties).toMatchObject({
      publicUrl: 'https://apt.acme.example/debian',
      name: 'eu',
    })
  })

  it('opens s3://bucket/prefix through the backend registry', async () => {
    const backend = await openBackend(`s3://${bucket}/debian/`, {endpoint, pathStyle: true, name: 'test'})
    expect(backend.properties).toMatchObject({url: `s3://${bucket}/debian/`, publicUrl: `${endpoint}/${bucket}/debian`, name: 'test'})
    await backend.put('dists/production/Release', text('release'))
    expect(await backend.get('dists/production/Release')).toEqual(text('release'))
    const head = await admin.send(new HeadObjectCommand({Bucket: bucket, Key: 'debian/dists/production/Release'}))
    expect(head.ContentLength).toBe(7)
  })

  it('appends one JSON line per request to the file named by RAPTR_DEBUG_S3_LOG', async () => {
    const log = path.join(scratch, 's3.log')
    const saved = process.env.RAPTR_DEBUG_S3_LOG
    process.env.RAPTR_DEBUG_S3_LOG = log
    try {
      const backend = await open(bucket, 'repo')
      await backend.put('pool/a', text('a'))
      await backend.stat('pool/missing')
      await backend.remove(['pool/a'])
    } finally {
      if (saved === undefined) delete process.env.RAPTR_DEBUG_S3_LOG
      else process.env.RAPTR_DEBUG_S3_LOG = saved
    }
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as S3Request)
    expect(lines).toEqual([
      {command: 'PutObject', bucket, key: 'pool/a', status: 200},
      {command: 'HeadObject', bucket, key: 'pool/missing', status: 404, error: 'NotFound'},
      {command: 'DeleteObjects', bucket, count: 1, status: 200},
    ])
  })
})

function writeFile(dir: string, name: string, body: string): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, body)
  return file
}
