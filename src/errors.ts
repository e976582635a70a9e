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
  // publishing
  | 'BAD_URL'
  | 'NO_SIGNING_KEY'
  | 'BAD_SIGNING_KEY'
  | 'BAD_PASSPHRASE'
  | 'BACKEND_ERROR'
  | 'CREDENTIALS'
  | 'NOT_FAST_FORWARD'
  | 'LEASE_HELD'
  | 'NOTHING_PUBLISHED'
  | 'DAMAGE_FOUND'
  // the command line itself (exit 2)
  | 'USAGE'
  | 'UNKNOWN_COMMAND'

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
 * Exit statuses, keyed by the kind of failure, so scripts can branch on them.
 * 1: anything unexpected; 2: bad input or usage; 3: state conflict (locked, not a
 * fast-forward, lease held, an unsafe tree from the remote refused); 4: backend or
 * credentials; 5: damage found by verify.
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
      return 1
    default:
      return 2
  }
}
