/**
 * What `package search` matches names and field values with: a shell glob
 * (`lib*-dev`, `hello?`, `[ab]*`) or, between slashes, a regular expression
 * (`/^lib.*-dev$/`). Globs match the whole value; a regex may match part of it.
 */
import {RaptrError} from '../errors.js'

/**
 * A predicate for `pattern`; case-insensitive when `ignoreCase` is set.
 *
 * @example matcher('lib*-dev')('libssl-dev') // true
 */
export function matcher(pattern: string, opts: {ignoreCase?: boolean} = {}): (value: string) => boolean {
  const flags = opts.ignoreCase ? 'i' : ''
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern)
  if (re) {
    try {
      const r = new RegExp(re[1], re[2] || flags)
      return (v) => r.test(v)
    } catch (e) {
      throw new RaptrError('BAD_ARGUMENT', `invalid regular expression ${pattern}: ${e instanceof Error ? e.message : String(e)}`, 'use a JavaScript regular expression between slashes, e.g. /^lib.*-dev$/, or a glob such as lib*-dev')
    }
  }
  const r = new RegExp(`^${globToRegex(pattern)}$`, `s${flags}`)
  return (v) => r.test(v)
}

function globToRegex(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]
    if (c === '*') out += '.*'
    else if (c === '?') out += '.'
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end === -1) out += '\\['
      else {
        const body = glob.slice(i + 1, end)
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`.replace(/\\/g, '\\\\')
        i = end
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return out
}
