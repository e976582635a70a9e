/** What an S3 backend can be told beyond its URL: credentials for embedding, upload sizes, request hooks. */
import type {S3Client} from '@aws-sdk/client-s3'
import type {BackendOptions} from './interface.js'
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
