import {RaptrError} from '../errors.js'

/**
 * Every temp file raptr writes into a published directory starts with this, so `list`
 * can skip the leftovers of a crashed writer and purge never mistakes them for objects.
 */
export const TEMP_PREFIX = '.raptr-tmp.'

/**
 * Checks a key the way every backend understands keys (see interface.ts). Keys come from
 * raptr itself, so a bad one is a bug; this guard keeps it from escaping the root.
 *
 * @example
 *   validateKey('pool/ab/bafk….deb') // ok
 *   validateKey('../etc/passwd')     // throws BAD_ARGUMENT
 */
export function validateKey(key: string): void {
  const bad = (why: string): never => {
    throw new RaptrError('BAD_ARGUMENT', `invalid backend key ${JSON.stringify(key)}: ${why}`, 'this is a bug in raptr: please report it')
  }
  if (key === '') bad('empty')
  if (key.startsWith('/')) bad("starts with '/'")
  if (key.includes('\\')) bad('contains a backslash')
  if (key.includes('\0')) bad('contains a NUL byte')
  for (const segment of key.split('/')) {
    if (segment === '') bad('has an empty segment')
    if (segment === '.' || segment === '..') bad(`has a '${segment}' segment`)
    if (segment.startsWith(TEMP_PREFIX)) bad(`uses the temp-file prefix ${TEMP_PREFIX}`)
  }
}

