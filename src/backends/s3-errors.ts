/**
 * How an S3 or network error is read: a one-line description, whether a retry may help and
 * after how long, and the RaptrError a user sees (credentials, missing bucket, wrong region,
 * anything else). Kept apart from the backend so the request code reads as requests.
 */
import {RaptrError} from '../errors.js'

const CREDENTIALS_HINT = (url: string): string =>
  `set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to credentials that may read and write ${url}`

const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired', 'AllAccessDisabled'])

const RETRYABLE_CODES = new Set([
  'BadDigest',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
])

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
])

/** What an SDK or network error says about itself, in one line. */
export function describe(error: unknown): {name: string; status?: number; message: string} {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {name?: unknown; $metadata?: {httpStatusCode?: number}; message?: unknown}
  const code = errorCode(error)
  const status = e.$metadata?.httpStatusCode
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : (code ?? 'Error')
  const message = (typeof e.message === 'string' ? e.message : String(error)).split('\n')[0]
  return {name, status, message}
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error).code) : undefined
}

export function isRetryable(error: unknown): boolean {
  const {name, status} = describe(error)
  if (RETRYABLE_CODES.has(name) || name === 'ConditionalRequestConflict' || status === 409) return true
  if (status !== undefined) return status >= 500 || status === 429
  const code = errorCode(error)
  return code !== undefined && NETWORK_CODES.has(code)
}

/**
 * How long the server asked us to wait: its Retry-After header (seconds or a date), or
 * at least half a second when it throttles without one (SlowDown, 429, 503): a quick
 * retry only prolongs throttling.
 */
export function retryAfterMs(error: unknown): number | undefined {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {$response?: {headers?: Record<string, string | undefined>}}
  const header = e.$response?.headers?.['retry-after']
  const seconds = header === undefined ? Number.NaN : Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 60) * 1000
  if (header !== undefined) {
    const at = Date.parse(header)
    if (Number.isFinite(at)) return Math.min(Math.max(0, at - Date.now()), 60_000)
  }
  const {name, status} = describe(error)
  return name === 'SlowDown' || status === 429 || status === 503 ? 500 : undefined
}

/** A missing key; a missing bucket is an error, not an absent object. */
export function isNotFound(error: unknown): boolean {
  const {name, status} = describe(error)
  return name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload')
}

export function isMissingCredentials(error: unknown): boolean {
  const {name, message} = describe(error)
  return name === 'CredentialsProviderError' || /could not load credentials/i.test(message)
}

/** HEAD answers carry no body, so a refused HEAD is a bare 403. */
export function isBadCredentials(name: string, status: number | undefined): boolean {
  return CREDENTIAL_CODES.has(name) || (status === 403 && name !== 'RequestTimeTooSkewed')
}

/** Where a failed request was going: the backend's name, bucket and key prefix. */
export interface S3Place {name: string; bucket: string; base: string}

/** The RaptrError for a failed request: credentials, a missing bucket, another region, or the S3 error as it came. */
export function s3Failure(place: S3Place, op: string, key: string, error: unknown, more = ''): RaptrError {
  const {name, status, message} = describe(error)
  const where = `${place.name}: cannot ${op} ${key || '/'}`
  const url = `s3://${place.bucket}/${place.base}`
  if (isMissingCredentials(error)) {
    return new RaptrError('CREDENTIALS', `${where}: no AWS credentials found`, CREDENTIALS_HINT(url), {key, op})
  }
  if (isBadCredentials(name, status)) {
    return new RaptrError('CREDENTIALS', `${where}: S3 refused the credentials (${name})${more}`, CREDENTIALS_HINT(url), {key, op, s3Code: name})
  }
  if (name === 'NoSuchBucket') {
    return new RaptrError(
      'BACKEND_ERROR',
      `${place.name}: bucket ${place.bucket} does not exist`,
      `create it (aws s3 mb s3://${place.bucket}) or fix the backend URL, endpoint and region: raptr backend add NAME s3://BUCKET/PREFIX`,
      {key, op, s3Code: name},
    )
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
    return new RaptrError('BACKEND_ERROR', `${where}: ${name}: the bucket lives in another region`, 'set the bucket’s region: raptr backend add NAME URL --region REGION', {
      key,
      op,
      s3Code: name,
    })
  }
  const detail = status === undefined ? `${name}: ${message}` : `${name} (HTTP ${status})`
  return new RaptrError('BACKEND_ERROR', `${where}: ${detail}${more}`, `check the endpoint, network and bucket permissions of ${url}, then try again`, {
    key,
    op,
    s3Code: name,
    status,
  })
}
