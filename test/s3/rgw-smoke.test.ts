import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'

// What raptr's S3 backend relies on, checked against the real gateway the tests use, so a
// backend test failing later points at raptr and not at the server.

const endpoint = inject('s3Endpoint')

function client(credentials = {accessKeyId: inject('s3AccessKey'), secretAccessKey: inject('s3SecretKey')}): S3Client {
  return new S3Client({
    endpoint,
    region: inject('s3Region'),
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}

const s3 = client()
let bucketSeq = 0

async function freshBucket(): Promise<string> {
  const bucket = `smoke-${process.pid}-${Date.now().toString(36)}-${bucketSeq++}`
  await s3.send(new CreateBucketCommand({Bucket: bucket}))
  return bucket
}

function md5(data: Uint8Array | string, encoding: 'base64' | 'hex' = 'base64'): string {
  return crypto.createHash('md5').update(data).digest(encoding)
}

/** The S3 error a rejected promise carries, so tests can look at its name and status. */
async function s3Error(p: Promise<unknown>): Promise<{name: string; status: number | undefined}> {
  try {
    await p
  } catch (error) {
    if (error instanceof S3ServiceException) return {name: error.name, status: error.$metadata.httpStatusCode}
    throw error
  }
  throw new Error('expected the request to fail')
}

async function body(bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({Bucket: bucket, Key: key}))
  return res.Body!.transformToString()
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function parallel<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({length: limit}, worker))
}

describe('the test S3 server (Ceph RADOS Gateway)', () => {
  let tmp: string
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raptr-'))
  })
  afterAll(() => fs.rmSync(tmp, {recursive: true, force: true}))

  it('is a real endpoint on loopback, exported to child processes through the environment', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(process.env.RAPTR_TEST_S3_ENDPOINT).toBe(endpoint)
    expect(process.env.AWS_ACCESS_KEY_ID).toBe(inject('s3AccessKey'))
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBe(inject('s3SecretKey'))
    expect(process.env.AWS_REGION).toBe('us-east-1')
  })

  it('stores an upload whose Content-MD5 matches, with the MD5 as its quoted ETag', async () => {
    const bucket = await freshBucket()
    const data = 'Package: hello\n'
    const put = await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'a', Body: data, ContentMD5: md5(data)}))
    expect(put.ETag).toBe(`"${md5(data, 'hex')}"`)
    expect(await body(bucket, 'a')).toBe(data)
    const head = await s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'a'}))
    expect(head.ContentLength).toBe(data.length)
    expect(head.ETag).toBe(put.ETag)
  })

  it('refuses an upload whose Content-MD5 does not match (400 BadDigest) and stores nothing', async () => {
    const bucket = await freshBucket()
    const err = await s3Error(
      s3.send(new PutObjectCommand({Bucket: bucket, Key: 'bad', Body: 'corrupted', ContentMD5: md5('original')})),
    )
    expect(err).toEqual({name: 'BadDigest', status: 400})
    expect(await s3Error(s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'bad'})))).toEqual({
      name: 'NotFound',
      status: 404,
    })
  })

  it('refuses to overwrite an existing key when asked with If-None-Match: * (412)', async () => {
    const bucket = await freshBucket()
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'k', Body: 'first', IfNoneMatch: '*'}))
    const err = await s3Error(s3.send(new PutObjectCommand({Bucket: bucket, Key: 'k', Body: 'second', IfNoneMatch: '*'})))
    expect(err).toEqual({name: 'PreconditionFailed', status: 412})
    expect(await body(bucket, 'k')).toBe('first')
  })

  it('replaces an object only when If-Match names its current ETag, given without quotes', async () => {
    const bucket = await freshBucket()
    const first = await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'pub', Body: 'v1'}))
    const bare = first.ETag!.replaceAll('"', '')

    // AWS S3 accepts the quoted form; this gateway only matches the bare hex.
    const quoted = await s3Error(s3.send(new PutObjectCommand({Bucket: bucket, Key: 'pub', Body: 'v2', IfMatch: first.ETag})))
    expect(quoted).toEqual({name: 'PreconditionFailed', status: 412})
    const stale = await s3Error(s3.send(new PutObjectCommand({Bucket: bucket, Key: 'pub', Body: 'v2', IfMatch: md5('x', 'hex')})))
    expect(stale).toEqual({name: 'PreconditionFailed', status: 412})
    expect(await body(bucket, 'pub')).toBe('v1')

    const second = await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'pub', Body: 'v2', IfMatch: bare}))
    expect(second.ETag).toBe(`"${md5('v2', 'hex')}"`)
    expect(await body(bucket, 'pub')).toBe('v2')
    // The old ETag no longer matches: a second writer racing from v1 loses.
    const late = await s3Error(s3.send(new PutObjectCommand({Bucket: bucket, Key: 'pub', Body: 'v3', IfMatch: bare})))
    expect(late).toEqual({name: 'PreconditionFailed', status: 412})
  })

  it('refuses If-Match on a missing key with 412 (AWS answers 404 NoSuchKey) and creates nothing', async () => {
    const bucket = await freshBucket()
    const err = await s3Error(s3.send(new PutObjectCommand({Bucket: bucket, Key: 'none', Body: 'x', IfMatch: md5('x', 'hex')})))
    expect(err).toEqual({name: 'PreconditionFailed', status: 412})
    expect((await s3Error(s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'none'})))).status).toBe(404)
  })

  it('lists 1,100 keys in order across pages of at most 1,000', async () => {
    const bucket = await freshBucket()
    const keys = Array.from({length: 1100}, (_, i) => `pool/${String(i).padStart(4, '0')}`)
    await parallel(keys, 32, (key) => s3.send(new PutObjectCommand({Bucket: bucket, Key: key, Body: key})))
    const pages: string[][] = []
    let token: string | undefined
    do {
      const res = await s3.send(new ListObjectsV2Command({Bucket: bucket, MaxKeys: 1000, ContinuationToken: token}))
      pages.push((res.Contents ?? []).map((o) => o.Key!))
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
    expect(pages.map((p) => p.length)).toEqual([1000, 100])
    expect(pages.flat()).toEqual([...keys].sort())
  })

  it('groups keys under CommonPrefixes when listing with a delimiter', async () => {
    const bucket = await freshBucket()
    for (const key of ['dists/a/InRelease', 'dists/b/InRelease', 'pool/x', 'top']) {
      await s3.send(new PutObjectCommand({Bucket: bucket, Key: key, Body: key}))
    }
    const res = await s3.send(new ListObjectsV2Command({Bucket: bucket, Delimiter: '/'}))
    expect(res.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dists/', 'pool/'])
    expect(res.Contents?.map((o) => o.Key)).toEqual(['top'])
    const sub = await s3.send(new ListObjectsV2Command({Bucket: bucket, Prefix: 'dists/', Delimiter: '/'}))
    expect(sub.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['dists/a/', 'dists/b/'])
  })

  it('serves a public-read object to an anonymous plain-HTTP GET, as apt reads it, and hides private ones', async () => {
    const bucket = await freshBucket()
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'dists/stable/InRelease', Body: 'signed', ACL: 'public-read'}))
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'private', Body: 'secret'}))
    const pub = await fetch(`${endpoint}/${bucket}/dists/stable/InRelease`)
    expect(pub.status).toBe(200)
    expect(await pub.text()).toBe('signed')
    const priv = await fetch(`${endpoint}/${bucket}/private`)
    expect(priv.status).toBe(403)
  })

  it('serves a whole bucket anonymously once a bucket policy allows s3:GetObject to everyone', async () => {
    const bucket = await freshBucket()
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'pool/a.deb', Body: 'deb'}))
    expect((await fetch(`${endpoint}/${bucket}/pool/a.deb`)).status).toBe(403)
    const policy = {
      Version: '2012-10-17',
      Statement: [{Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*`}],
    }
    await s3.send(new PutBucketPolicyCommand({Bucket: bucket, Policy: JSON.stringify(policy)}))
    const res = await fetch(`${endpoint}/${bucket}/pool/a.deb`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('deb')
  })

  it('serves a key containing + to an anonymous GET whether the + is raw or %2B', async () => {
    const bucket = await freshBucket()
    const key = 'pool/main/j/jq/jq_1.6-2.1+deb12u3.dsc'
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: key, Body: 'dsc', ACL: 'public-read'}))
    const encoded = await fetch(`${endpoint}/${bucket}/${key.replace('+', '%2B')}`)
    expect(encoded.status).toBe(200)
    const raw = await fetch(`${endpoint}/${bucket}/${key}`)
    expect(raw.status).toBe(200)
    expect(await raw.text()).toBe('dsc')
  })

  it('round-trips keys with spaces, ~, : and UTF-8', async () => {
    const bucket = await freshBucket()
    const keys = ['a b/c d', 'tilde~x', 'colon:y', 'plus+z', 'ümlaut/ß']
    for (const key of keys) await s3.send(new PutObjectCommand({Bucket: bucket, Key: key, Body: key}))
    const res = await s3.send(new ListObjectsV2Command({Bucket: bucket}))
    expect(res.Contents?.map((o) => o.Key)).toEqual([...keys].sort())
    for (const key of keys) expect(await body(bucket, key)).toBe(key)
  })

  it('accepts a streamed file body with a known length', async () => {
    const bucket = await freshBucket()
    const file = path.join(tmp, 'blob')
    const data = crypto.randomBytes(256 * 1024)
    fs.writeFileSync(file, data)
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'blob',
        Body: fs.createReadStream(file),
        ContentLength: data.length,
        ContentMD5: md5(data),
      }),
    )
    const head = await s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'blob'}))
    expect(head.ContentLength).toBe(data.length)
    expect(head.ETag).toBe(`"${md5(data, 'hex')}"`)
  })

  it('gives a multipart object the ETag "md5(part md5s)-N", visible on HEAD (Complete returns none)', async () => {
    const bucket = await freshBucket()
    const parts = [crypto.randomBytes(5 * 1024 * 1024), crypto.randomBytes(1024)]
    const {UploadId} = await s3.send(new CreateMultipartUploadCommand({Bucket: bucket, Key: 'big'}))
    const done = []
    for (const [i, part] of parts.entries()) {
      const res = await s3.send(
        new UploadPartCommand({Bucket: bucket, Key: 'big', UploadId, PartNumber: i + 1, Body: part, ContentMD5: md5(part)}),
      )
      expect(res.ETag).toBe(`"${md5(part, 'hex')}"`)
      done.push({PartNumber: i + 1, ETag: res.ETag})
    }
    const complete = await s3.send(
      new CompleteMultipartUploadCommand({Bucket: bucket, Key: 'big', UploadId, MultipartUpload: {Parts: done}}),
    )
    const expected = `"${md5(Buffer.concat(parts.map((p) => crypto.createHash('md5').update(p).digest())), 'hex')}-2"`
    // AWS returns the ETag here too; this gateway sends an empty one, so read it back with HEAD.
    expect(complete.ETag ?? '').toBe('')
    const head = await s3.send(new HeadObjectCommand({Bucket: bucket, Key: 'big'}))
    expect(head.ETag).toBe(expected)
    expect(head.ContentLength).toBe(parts[0].length + parts[1].length)
  })

  it('copies an object server-side, returning the ETag without quotes', async () => {
    const bucket = await freshBucket()
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: 'src', Body: 'copy me'}))
    const res = await s3.send(new CopyObjectCommand({Bucket: bucket, Key: 'dst', CopySource: `${bucket}/src`}))
    expect(res.CopyObjectResult?.ETag).toBe(md5('copy me', 'hex'))
    expect(await body(bucket, 'dst')).toBe('copy me')
  })

  it('deletes many keys in one DeleteObjects call, reporting missing ones as deleted', async () => {
    const bucket = await freshBucket()
    for (const key of ['a', 'b']) await s3.send(new PutObjectCommand({Bucket: bucket, Key: key, Body: key}))
    const res = await s3.send(
      new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: [{Key: 'a'}, {Key: 'b'}, {Key: 'never'}]}}),
    )
    expect(res.Errors ?? []).toEqual([])
    expect(res.Deleted?.map((d) => d.Key).sort()).toEqual(['a', 'b', 'never'])
    const list = await s3.send(new ListObjectsV2Command({Bucket: bucket}))
    expect(list.KeyCount).toBe(0)
  })

  it('rejects a wrong secret key with 403 SignatureDoesNotMatch', async () => {
    const bad = client({accessKeyId: inject('s3AccessKey'), secretAccessKey: 'wrong'})
    const err = await s3Error(bad.send(new ListObjectsV2Command({Bucket: 'anything'})))
    expect(err).toEqual({name: 'SignatureDoesNotMatch', status: 403})
    const unknown = client({accessKeyId: 'NOSUCHKEY', secretAccessKey: 'wrong'})
    expect(await s3Error(unknown.send(new ListObjectsV2Command({Bucket: 'anything'})))).toEqual({
      name: 'InvalidAccessKeyId',
      status: 403,
    })
  })
})
