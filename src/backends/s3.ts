import fs from 'node:fs'
import type {Readable} from 'node:stream'
import type {HeadObjectCommandOutput, S3Client} from '@aws-sdk/client-s3'
import {RaptrError} from '../errors.js'
import {validateKey} from './key.js'
import type {Backend, BackendProperties, ObjectInfo, PutOptions} from './interface.js'
import {parseBackendUrl} from './url.js'
import {debugHooks} from '../core/debug.js'
import {mapLimit} from '../core/map-limit.js'
import {describe, errorCode, isNotFound, isRetryable, retryAfterMs, s3Failure} from './s3-errors.js'
import {defaultPublicUrl, md5, md5OfRanges} from './s3-md5.js'
import {installRequestLog} from './s3-request-log.js'
import {putHeaders, type S3BackendOptions} from './s3-options.js'

export type {S3Request} from './s3-request-log.js'
export type {S3BackendOptions} from './s3-options.js'

// The only file (with its s3-* helpers) that touches the AWS SDK. Values come from a dynamic import inside
// createS3Backend, so `raptr --help` and file:// publishing never load it.
type Sdk = typeof import('@aws-sdk/client-s3')

const MiB = 1024 * 1024
/** S3's limits: parts other than the last are at least 5 MiB, an upload has at most 10,000. */
const MIN_PART = 5 * MiB
const MAX_PARTS = 10_000
const DELETE_BATCH = 1000
const PART_PARALLELISM = 4


/**
 * Opens `s3://bucket/prefix` as a backend. Credentials come from the SDK's default chain.
 * Setting RAPTR_DEBUG_S3_LOG=FILE appends one JSON line per request ({command, key,
 * status, error}) to FILE, a debugging aid that also lets tests count a CLI's requests.
 *
 * @example
 *   const backend = await createS3Backend('s3://my-apt/debian', {region: 'eu-west-1'})
 *   await backend.put('dists/production/InRelease', bytes)
 */
export async function createS3Backend(url: string, opts: S3BackendOptions = {}): Promise<Backend> {
  const location = parseBackendUrl(url)
  if (location.scheme !== 's3') throw new RaptrError('BAD_URL', `"${url}" is not an s3:// URL`, 'e.g. s3://my-apt-repo/debian')
  const sdk = await import('@aws-sdk/client-s3')
  return new S3Backend(sdk, url, location.bucket, location.prefix, opts)
}

class S3Backend implements Backend {
  readonly properties: BackendProperties
  private readonly sdk: Sdk
  private readonly client: S3Client
  private readonly bucket: string
  /** The backend's prefix with a trailing '/', or '' for a whole bucket. */
  private readonly base: string
  private readonly opts: S3BackendOptions
  private readonly threshold: number
  private readonly partSize: number

  constructor(sdk: Sdk, url: string, bucket: string, prefix: string, opts: S3BackendOptions) {
    this.sdk = sdk
    this.bucket = bucket
    this.base = prefix === '' ? '' : `${prefix}/`
    this.opts = opts
    this.threshold = Math.max(1, opts.multipartThreshold ?? 64 * MiB)
    this.partSize = Math.max(MIN_PART, opts.partSize ?? 16 * MiB)
    const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'
    this.properties = {url, publicUrl: opts.publicUrl ?? defaultPublicUrl(bucket, prefix, region, opts.endpoint), name: opts.name ?? url}

    this.client = new sdk.S3Client({
      region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.pathStyle,
      credentials: opts.credentials,
      // The SDK's default checksum mode sends streamed bodies aws-chunked, which several
      // S3-compatible servers refuse (411); we send Content-MD5 ourselves instead.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // One retry policy, the RetryBackend decorator's (retry.ts): it also retries
      // BadDigest and re-opens streamed bodies.
      maxAttempts: 1,
      requestHandler: {connectionTimeout: 10_000, requestTimeout: 120_000},
    })
    installRequestLog(this.client, (key) => this.relative(key), debugHooks().s3Log, this.opts.onRequest)
    opts.instrument?.(this.client)
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const head = await this.head(key)
    return head ? {key, size: head.ContentLength ?? 0, modified: head.LastModified} : undefined
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    validateKey(key)
    return this.request('read', key, async () => {
      try {
        const res = await this.client.send(new this.sdk.GetObjectCommand({Bucket: this.bucket, Key: this.full(key)}))
        const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array()
        // A connection cut part-way can end the body early without an error.
        if (res.ContentLength !== undefined && body.length !== res.ContentLength) {
          throw Object.assign(new Error(`body ended after ${body.length} of ${res.ContentLength} bytes`), {name: 'TruncatedBody', code: 'ERR_STREAM_PREMATURE_CLOSE'})
        }
        return body
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    })
  }

  /**
   * The object's bytes as a stream, with its size, or undefined when it does not exist:
   * a reader (import) that streams to disk never holds a whole pool file in memory.
   */
  async openRead(key: string): Promise<{size: number; body: AsyncIterable<Uint8Array>} | undefined> {
    validateKey(key)
    return this.request('read', key, async () => {
      try {
        const res = await this.client.send(new this.sdk.GetObjectCommand({Bucket: this.bucket, Key: this.full(key)}))
        return {size: res.ContentLength ?? 0, body: (res.Body as AsyncIterable<Uint8Array> | undefined) ?? (async function* () {})()}
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    })
  }

  async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    validateKey(key)
    if (data.length >= this.threshold) {
      const partSize = this.partSizeFor(data.length)
      const parts = []
      for (let start = 0; start < data.length; start += partSize) {
        const body = data.subarray(start, Math.min(start + partSize, data.length))
        parts.push({md5: md5(body), length: body.length, body: () => body})
      }
      return this.multipart(key, parts, opts)
    }
    const contentMd5 = opts?.md5Base64 ?? md5(data).toString('base64')
    await this.request('write', key, () =>
      this.client.send(
        new this.sdk.PutObjectCommand({Bucket: this.bucket, Key: this.full(key), Body: data, ContentLength: data.length, ContentMD5: contentMd5, ...putHeaders(this.opts, opts)}),
      ),
    )
  }

  async putFile(key: string, file: string, opts?: PutOptions): Promise<void> {
    validateKey(key)
    let size: number
    try {
      size = (await fs.promises.stat(file)).size
    } catch (error) {
      throw new RaptrError('NOT_FOUND', `cannot read ${file}: ${errorCode(error) ?? String(error)}`, 'check that the blob cache is intact: raptr verify')
    }
    // Hash first in its own streaming pass, so the body can stream afterwards with its
    // Content-MD5 already in the headers (S3 verifies it before storing anything).
    const partSize = size >= this.threshold ? this.partSizeFor(size) : size
    const digests = await md5OfRanges(file, size, Math.max(partSize, 1))
    if (size >= this.threshold) {
      const parts = digests.map((digest, i) => {
        const start = i * partSize
        const end = Math.min(start + partSize, size)
        return {md5: digest, length: end - start, body: () => fs.createReadStream(file, {start, end: end - 1})}
      })
      return this.multipart(key, parts, opts)
    }
    const contentMd5 = opts?.md5Base64 ?? digests[0].toString('base64')
    await this.request('write', key, async () => {
      const body = fs.createReadStream(file)
      try {
        await this.client.send(
          new this.sdk.PutObjectCommand({Bucket: this.bucket, Key: this.full(key), Body: body, ContentLength: size, ContentMD5: contentMd5, ...putHeaders(this.opts, opts)}),
        )
      } finally {
        body.destroy()
      }
    })
  }

  async putIfAbsent(key: string, data: Uint8Array, opts?: PutOptions): Promise<boolean> {
    validateKey(key)
    const digest = md5(data)
    const contentMd5 = opts?.md5Base64 ?? digest.toString('base64')
    return this.request(
      'create',
      key,
      async () => {
        try {
          await this.client.send(
            new this.sdk.PutObjectCommand({
              Bucket: this.bucket,
              Key: this.full(key),
              Body: data,
              ContentLength: data.length,
              ContentMD5: contentMd5,
              IfNoneMatch: '*',
              ...putHeaders(this.opts, opts),
            }),
          )
          return true
        } catch (error) {
          const {name, status} = describe(error)
          // Taken. Whether by an earlier attempt of ours whose answer was lost is the
          // retry decorator's question (it compares the bytes there).
          if (status === 412 || name === 'PreconditionFailed') return false
          // AWS answers 409 while another conditional write to the key is in flight and
          // asks for a retry (transient: the retry decorator tries again).
          throw error
        }
      },
      (error) => isRetryable(error) || describe(error).status === 409,
    )
  }

  async copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void> {
    validateKey(fromKey)
    validateKey(toKey)
    let contentType = opts?.contentType
    if (contentType === undefined || fromKey === toKey) {
      // The copy gets fresh headers (a pointer must not inherit an immutable Cache-Control),
      // so it needs the source's Content-Type when the caller does not name one.
      const head = await this.head(fromKey)
      if (!head) throw this.missingSource(fromKey)
      if (fromKey === toKey) return
      contentType = head.ContentType
    }
    const copySource = `${this.bucket}/${this.full(fromKey)}`.split('/').map(encodeURIComponent).join('/')
    await this.request('copy', toKey, async () => {
      try {
        await this.client.send(
          new this.sdk.CopyObjectCommand({
            Bucket: this.bucket,
            Key: this.full(toKey),
            CopySource: copySource,
            MetadataDirective: 'REPLACE',
            ...putHeaders(this.opts, {...opts, contentType}),
          }),
        )
      } catch (error) {
        if (isNotFound(error)) throw this.missingSource(fromKey)
        throw error
      }
    })
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix.startsWith('/')) validateKey(prefix)
    let token: string | undefined
    do {
      const page = await this.request('list', prefix, () =>
        this.client.send(new this.sdk.ListObjectsV2Command({Bucket: this.bucket, Prefix: this.base + prefix, ContinuationToken: token})),
      )
      // S3 lists in UTF-8 byte order, the order the interface promises.
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue
        yield {key: object.Key.slice(this.base.length), size: object.Size ?? 0, modified: object.LastModified}
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  /** Every PUT is durable when S3 answers it. */
  async sync(): Promise<void> {}

  async remove(keys: string[]): Promise<void> {
    for (const key of keys) validateKey(key)
    const unique = [...new Set(keys)]
    for (let i = 0; i < unique.length; i += DELETE_BATCH) {
      const batch = unique.slice(i, i + DELETE_BATCH)
      const res = await this.request('remove', batch[0], () => {
        const command = new this.sdk.DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: {Objects: batch.map((key) => ({Key: this.full(key)})), Quiet: true},
        })
        // Servers require an integrity header on DeleteObjects; the SDK adds only a CRC32
        // in WHEN_REQUIRED mode, which older servers ignore. Content-MD5 works everywhere.
        command.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as {body?: unknown; headers?: Record<string, string>}
            if (request.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
              request.headers['content-md5'] = md5(request.body).toString('base64')
            }
            return next(args)
          },
          {step: 'build', name: 'raptrDeleteContentMd5'},
        )
        return this.client.send(command)
      })
      const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey')
      if (failed.length > 0) {
        const first = failed[0]
        const key = first.Key?.slice(this.base.length) ?? batch[0]
        const error = Object.assign(new Error(first.Message ?? first.Code ?? 'delete failed'), {name: first.Code ?? 'DeleteFailed'})
        throw this.failure('remove', key, error, failed.length > 1 ? ` (and ${failed.length - 1} more keys)` : '')
      }
    }
  }

  /** HeadObject, or undefined when the object does not exist. */
  private async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    validateKey(key)
    return this.request('stat', key, async () => {
      try {
        return await this.client.send(new this.sdk.HeadObjectCommand({Bucket: this.bucket, Key: this.full(key)}))
      } catch (error) {
        if (isNotFound(error)) return undefined
        throw error
      }
    })
  }

  private async multipart(key: string, parts: Array<{md5: Buffer; length: number; body: () => Uint8Array | Readable}>, opts?: PutOptions): Promise<void> {
    const Key = this.full(key)
    const created = await this.request('write', key, () =>
      this.client.send(new this.sdk.CreateMultipartUploadCommand({Bucket: this.bucket, Key, ...putHeaders(this.opts, opts)})),
    )
    const UploadId = created.UploadId
    if (!UploadId) throw this.failure('write', key, Object.assign(new Error('no UploadId'), {name: 'NoUploadId'}))
    try {
      const etags: string[] = []
      await mapLimit(parts, PART_PARALLELISM, async (part, i) => {
        const res = await this.request('write', key, async () => {
          const body = part.body()
          try {
            return await this.client.send(
              new this.sdk.UploadPartCommand({
                Bucket: this.bucket,
                Key,
                UploadId,
                PartNumber: i + 1,
                Body: body,
                ContentLength: part.length,
                ContentMD5: part.md5.toString('base64'),
              }),
            )
          } finally {
            if ('destroy' in body) body.destroy()
          }
        })
        etags[i] = res.ETag ?? `"${part.md5.toString('hex')}"`
      })
      // A failed Complete fails the whole put; the retry decorator starts a new upload.
      await this.request('write', key, () =>
        this.client.send(
          new this.sdk.CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key,
            UploadId,
            MultipartUpload: {Parts: etags.map((ETag, i) => ({ETag, PartNumber: i + 1}))},
          }),
        ),
      )
    } catch (error) {
      // Parts of an abandoned upload are billed until aborted.
      await this.client.send(new this.sdk.AbortMultipartUploadCommand({Bucket: this.bucket, Key, UploadId})).catch(() => {})
      throw error
    }
  }

  /**
   * Runs one S3 request once and turns its failure into a RaptrError that says whether it
   * is transient (throttling, 5xx, a network error, BadDigest): retrying is the
   * RetryBackend decorator's (retry.ts), which openBackend puts around every backend.
   */
  private async request<T>(op: string, key: string, send: () => Promise<T>, retryable = isRetryable): Promise<T> {
    try {
      return await send()
    } catch (error) {
      if (error instanceof RaptrError) throw error
      const failure = this.failure(op, key, error)
      if (retryable(error)) Object.assign(failure.data, {transient: true, retryAfterMs: retryAfterMs(error)})
      throw failure
    }
  }

  private partSizeFor(size: number): number {
    return Math.max(this.partSize, Math.ceil(size / MAX_PARTS))
  }

  private full(key: string): string {
    return this.base + key
  }

  private relative(key: string | undefined): string | undefined {
    return key !== undefined && key.startsWith(this.base) ? key.slice(this.base.length) : key
  }

  private failure(op: string, key: string, error: unknown, more = ''): RaptrError {
    return s3Failure({name: this.properties.name, bucket: this.bucket, base: this.base}, op, key, error, more)
  }

  private missingSource(key: string): RaptrError {
    return new RaptrError('NOT_FOUND', `cannot copy ${key}: no such object on ${this.properties.name}`, 'publish the snapshot again, or run raptr verify --repair', {key})
  }
}
