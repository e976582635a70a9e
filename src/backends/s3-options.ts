/** What an S3 backend can be told beyond its URL: credentials for embedding, upload sizes, request hooks. */
import type {S3Client, StorageClass} from '@aws-sdk/client-s3'
import type {BackendOptions, PutOptions} from './interface.js'
import type {S3Request} from './s3-request-log.js'

export interface S3BackendOptions extends BackendOptions {
  /**
   * Explicit credentials, for embedding and tests. raptr itself never passes or stores
   * them: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE,
   * instance roles) supplies them.
   */
  credentials?: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}
  /** Bodies of at least this many bytes go multipart (default 64 MiB). */
  multipartThreshold?: number
  /** Multipart part size (default 16 MiB, at least 5 MiB; grown to stay within 10,000 parts). */
  partSize?: number
  /** Called once per HTTP request sent, after its answer (or failure). */
  onRequest?: (request: S3Request) => void
  /** Test hook: sees the SDK client once, e.g. to add middleware that inspects or corrupts requests. */
  instrument?: (client: S3Client) => void
}

const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable'
const POINTER_CACHE = 'public, max-age=60'

/** The headers of a put: content type, caching (immutable pool files, short-lived pointers), ACL, encryption, storage class. */
export function putHeaders(backend: S3BackendOptions, opts?: PutOptions): {
  ContentType?: string
  CacheControl: string
  ACL?: 'public-read' | 'private'
  ServerSideEncryption?: 'AES256' | 'aws:kms'
  StorageClass?: StorageClass
} {
  const immutable = opts?.immutable === true
  return {
    ContentType: opts?.contentType,
    CacheControl: immutable ? IMMUTABLE_CACHE : (backend.cacheControl ?? POINTER_CACHE),
    ACL: backend.acl,
    ServerSideEncryption: backend.sse,
    // Pointers are rewritten on every publish; a cold storage class would bill minimum durations.
    StorageClass: immutable ? (backend.storageClass as StorageClass | undefined) : undefined,
  }
}
