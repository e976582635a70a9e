/**
 * Debian version strings: parsing and ordering exactly as dpkg does it
 * (Debian policy §5.6.12; dpkg's lib/dpkg/parsehelp.c `parseversion` and
 * lib/dpkg/version.c `verrevcmp`).
 *
 * Strictness, decided once here so every caller gets the same answer:
 * - Everything dpkg calls an *error* is rejected (empty parts, non-numeric or
 *   too big epoch, nothing after the colon, empty revision, embedded spaces).
 * - Everything dpkg only *warns* about (upstream not starting with a digit,
 *   characters outside the allowed sets) is rejected too: dpkg's control-file
 *   parser treats those warnings as errors outside its own status database, so
 *   `dpkg -i` refuses such a package and publishing it would help no one.
 * - A little stricter than dpkg on purpose: the epoch must be plain digits
 *   (dpkg's strtol also takes `+1:`), and no whitespace at all is accepted
 *   (dpkg trims it; our values come from deb822 fields that are already trimmed,
 *   so whitespace here means a bug upstream of us).
 */
import {RaptrError} from '../errors.js'
import {NAME_LIMITS, shownValue} from './names.js'

/** A parsed Debian version. `revision` is '' when the version has none. */
export interface Version {
  epoch: number
  upstream: string
  revision: string
}

// dpkg stores the epoch in an int and rejects anything above INT_MAX.
const MAX_EPOCH = 2_147_483_647
const HINT = 'Debian versions look like [epoch:]upstream[-revision], e.g. 1:2.30-1+deb12u1 (Debian policy 5.6.12)'

function bad(version: string, why: string): RaptrError {
  return new RaptrError('BAD_VERSION', `invalid version "${shownValue(version)}": ${why}`, HINT, {version: shownValue(version)})
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)

/**
 * Parse and validate a Debian version; throws RaptrError('BAD_VERSION') when dpkg would not accept it.
 *
 * @example parseVersion('1:2.30-1') // {epoch: 1, upstream: '2.30', revision: '1'}
 */
export function parseVersion(s: string): Version {
  if (s === '') throw bad(s, 'version string is empty')
  if (/\s/.test(s)) throw bad(s, 'version string has whitespace')
  // A version is a tree entry (`<ver>`, `<ver>_<arch>`) with ':' stored as '%3a': see names.ts for the limit.
  if (s.length + 2 * (s.split(':').length - 1) > NAME_LIMITS.version) throw bad(s, `longer than ${NAME_LIMITS.version} characters as stored (":" counts 3)`)

  let epoch = 0
  let rest = s
  const colon = s.indexOf(':')
  if (colon !== -1) {
    const epochText = s.slice(0, colon)
    if (epochText === '') throw bad(s, 'epoch is empty')
    if (!/^[0-9]+$/.test(epochText)) throw bad(s, 'epoch is not a number')
    // Compare as digits, not as a Number, so a huge epoch cannot round into range.
    const digits = epochText.replace(/^0+/, '')
    if (digits.length > 10 || Number(digits) > MAX_EPOCH) throw bad(s, 'epoch is too big')
    epoch = Number(digits)
    rest = s.slice(colon + 1)
    if (rest === '') throw bad(s, 'nothing after the colon')
  }

  // Upstream may itself contain hyphens: only the last one starts the revision.
  const hyphen = rest.lastIndexOf('-')
  const upstream = hyphen === -1 ? rest : rest.slice(0, hyphen)
  const revision = hyphen === -1 ? '' : rest.slice(hyphen + 1)
  if (hyphen !== -1 && revision === '') throw bad(s, 'revision is empty')
  if (upstream === '') throw bad(s, 'upstream version is empty')
  if (!isDigit(upstream.charCodeAt(0))) throw bad(s, 'upstream version does not start with a digit')
  for (let i = 1; i < upstream.length; i++) {
    const c = upstream.charCodeAt(i)
    if (!isDigit(c) && !isAlpha(c) && !'.-+~:'.includes(upstream[i])) {
      throw bad(s, `invalid character "${upstream[i]}" in upstream version`)
    }
  }
  for (let i = 0; i < revision.length; i++) {
    const c = revision.charCodeAt(i)
    if (!isDigit(c) && !isAlpha(c) && !'.+~'.includes(revision[i])) {
      throw bad(s, `invalid character "${revision[i]}" in revision`)
    }
  }
  return {epoch, upstream, revision}
}

/**
 * True when dpkg would accept `s` as a version (see parseVersion for the strictness rules).
 *
 * @example isValidVersion('1.0-1') // true
 */
export function isValidVersion(s: string): boolean {
  try {
    parseVersion(s)
    return true
  } catch {
    return false
  }
}

/**
 * Render a parsed version back to its canonical string; a zero epoch is left out.
 *
 * @example formatVersion({epoch: 0, upstream: '1.0', revision: '2'}) // '1.0-2'
 */
export function formatVersion(v: Version): string {
  return `${v.epoch > 0 ? `${v.epoch}:` : ''}${v.upstream}${v.revision === '' ? '' : `-${v.revision}`}`
}

/**
 * The version as it appears in Debian file names (no epoch).
 *
 * @example versionWithoutEpoch('1:2.30-1') // '2.30-1'
 */
export function versionWithoutEpoch(s: string): string {
  const v = parseVersion(s)
  return v.revision === '' ? v.upstream : `${v.upstream}-${v.revision}`
}

// dpkg's order(): '~' sorts before everything, even the end of the string;
// letters sort before every other non-digit character.
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0
  if (isAlpha(c)) return c
  if (c === 126) return -1
  return c + 256
}

// dpkg's verrevcmp: alternate non-digit runs (compared by order()) and digit runs
// (compared numerically). Digit runs are compared as strings after dropping
// leading zeros, so arbitrarily long runs never overflow.
function verrevcmp(a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i))
      const bc = order(b.charCodeAt(j))
      if (ac !== bc) return ac - bc
      i++
      j++
    }
    while (a.charCodeAt(i) === 48) i++
    while (b.charCodeAt(j) === 48) j++
    let firstDiff = 0
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j)
      i++
      j++
    }
    if (isDigit(a.charCodeAt(i))) return 1
    if (isDigit(b.charCodeAt(j))) return -1
    if (firstDiff !== 0) return firstDiff
  }
  return 0
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0)

/**
 * Compare two versions the way `dpkg --compare-versions` does: epoch, then upstream,
 * then revision (a missing revision equals "0", so 1.0 == 1.0-0).
 *
 * @example ['1.0', '1.0~rc1'].sort(compareVersions) // ['1.0~rc1', '1.0']
 */
export function compareVersions(a: string | Version, b: string | Version): -1 | 0 | 1 {
  const va = typeof a === 'string' ? parseVersion(a) : a
  const vb = typeof b === 'string' ? parseVersion(b) : b
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1
  return sign(verrevcmp(va.upstream, vb.upstream)) || sign(verrevcmp(va.revision, vb.revision))
}

/**
 * The highest version of a list (the first one wins among equals), or undefined for an empty list.
 *
 * @example latest(['1.0', '1:0.1', '2.0']) // '1:0.1'
 */
export function latest(versions: readonly string[]): string | undefined {
  let best: string | undefined
  for (const v of versions) {
    if (best === undefined || compareVersions(v, best) > 0) best = v
  }
  return best
}
