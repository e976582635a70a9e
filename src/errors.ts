/**
 * Coded errors. Every error a user can cause carries a stable `code` (callers and
 * tests branch on it, never on message text), a one-line `message`, and a `hint`
 * saying what to do about it. Commands map the code to an exit status.
 *
 * @example
 *   throw new RaptrError('UNKNOWN_DISTRIBUTION', `no distribution "${name}"`, 'list them with: raptr distribution list')
 */
export type ErrorCode =
  // input files
  | 'BAD_DEB'
  | 'BAD_DSC'
  | 'BAD_CONTROL'
  | 'BAD_VERSION'
  | 'BAD_NAME'
  | 'MISSING_FIELD'
  | 'DSC_FILE_MISSING'
  | 'DSC_FILE_MISMATCH'
  | 'UNSAFE_PATH'
  | 'BAD_CHANGES'
  | 'BAD_SIGNATURE'
  | 'NOT_FOUND'
  | 'NOT_A_FILE'
  | 'TOO_LARGE'
  // archive state
  | 'NOT_AN_ARCHIVE'
  | 'ARCHIVE_EXISTS'
  | 'ARCHIVE_LOCKED'
  | 'CORRUPT_ARCHIVE'
  | 'UNSAFE_ARCHIVE'
  | 'UNKNOWN_DISTRIBUTION'
  | 'UNKNOWN_CATEGORY'
  | 'UNKNOWN_PACKAGE'
  | 'UNKNOWN_BUNDLE'
  | 'UNKNOWN_SNAPSHOT'
  | 'UNKNOWN_BACKEND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'AMBIGUOUS'
  | 'BAD_ARGUMENT'
  | 'BAD_FILTER'
  | 'UNKNOWN_MIRROR'
  // publishing
  | 'BAD_URL'
  | 'NO_SIGNING_KEY'
  | 'BAD_SIGNING_KEY'
  | 'BAD_PASSPHRASE'
  | 'KEY_REFUSED'
  | 'BACKEND_ERROR'
  | 'CREDENTIALS'
  | 'NOT_FAST_FORWARD'
  | 'LEASE_HELD'
  | 'NOTHING_PUBLISHED'
  | 'DAMAGE_FOUND'
  // the command line itself (exit 2)
  | 'USAGE'
  | 'UNKNOWN_COMMAND'
  // the machine: a file system or system call failed (exit 1)
  | 'IO_ERROR'
  // a bug in raptr (exit 70, EX_SOFTWARE): never a user's mistake
  | 'INTERNAL'

export class RaptrError extends Error {
  readonly code: ErrorCode
  readonly hint: string
  readonly data: Record<string, unknown>

  constructor(code: ErrorCode, message: string, hint = '', data: Record<string, unknown> = {}) {
    super(message)
    this.name = 'RaptrError'
    this.code = code
    this.hint = hint
    this.data = data
  }

  toJSON(): {code: ErrorCode; message: string; hint: string; data: Record<string, unknown>} {
    return {code: this.code, message: this.message, hint: this.hint, data: this.data}
  }
}

export function isRaptrError(e: unknown): e is RaptrError {
  return e instanceof RaptrError
}

/**
 * A bug in raptr: a condition no input should reach. Reported as one line asking for a
 * report, exit 70, and never relabelled as a backend or input error.
 *
 * @example throw new InternalError(`git object ${oid} has no type`)
 */
export class InternalError extends RaptrError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('INTERNAL', `internal error: ${message}`, 'this is a bug in raptr: please report it with the command you ran and this message', data)
  }
}

/**
 * True for failures of the world outside raptr rather than of its code: a system call
 * (ENOSPC, EACCES, ECONNRESET…, which carry an errno `code`), an S3 service answer (the
 * AWS SDK's errors carry `$metadata`), or a timeout or abort.
 */
export function isEnvironmentError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false
  const x = e as {code?: unknown; $metadata?: unknown; name?: unknown}
  // errno codes (ENOSPC, EAI_AGAIN); Node's own ERR_* codes are programming errors
  if (typeof x.code === 'string' && /^E(?!RR_)[A-Z0-9_]+$/.test(x.code)) return true
  if (x.$metadata !== undefined) return true
  return x.name === 'TimeoutError' || x.name === 'AbortError'
}

/**
 * Any thrown value as a coded error: raptr's own as they are, a system call's failure as
 * IO_ERROR (or `environment`, e.g. BACKEND_ERROR where the call was a backend's), and
 * anything else as an InternalError: a bug to report, never a user's mistake.
 *
 * @example const e = asRaptrError(error, 'BACKEND_ERROR')
 */
export function asRaptrError(error: unknown, environment: ErrorCode = 'IO_ERROR'): RaptrError {
  if (error instanceof RaptrError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (isEnvironmentError(error)) {
    const hint = environment === 'BACKEND_ERROR' ? 'run the command again: it is safe to repeat' : 'check the file system (free space, permissions) and run the command again'
    return new RaptrError(environment, message.split('\n')[0], hint)
  }
  return new InternalError(message.split('\n')[0])
}

/**
 * Exit statuses, keyed by the kind of failure, so scripts can branch on them.
 * 1: a corrupt archive or a failing file system; 2: bad input or usage; 3: state conflict
 * (locked, not a fast-forward, lease held, an unsafe tree from the remote refused); 4:
 * backend or credentials; 5: damage found by verify; 70: a bug in raptr (please report it).
 */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'ARCHIVE_LOCKED':
    case 'NOT_FAST_FORWARD':
    case 'LEASE_HELD':
    case 'CONFLICT':
    case 'UNSAFE_ARCHIVE':
      return 3
    case 'BACKEND_ERROR':
    case 'CREDENTIALS':
      return 4
    case 'DAMAGE_FOUND':
      return 5
    case 'CORRUPT_ARCHIVE':
    case 'IO_ERROR':
      return 1
    case 'INTERNAL':
      return 70
    default:
      return 2
  }
}
