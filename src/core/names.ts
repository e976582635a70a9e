/**
 * The one grammar of every name raptr accepts (from flags, control files, upstream
 * repositories, records read back), applied where a value enters, not where it is used.
 * Most names become path segments — in the archive's git tree, in a clone's work tree,
 * on a `file://` backend, in S3 keys, and in apt's own list files — so the rules keep
 * `..`, `/`, control characters and URL-mangled characters out, and each kind has a
 * length limit that keeps every derived path legal.
 *
 * Limits (bytes; every name but a file name is ASCII, so bytes = characters):
 *
 * | kind                 | max | derived paths it bounds |
 * |----------------------|----:|-------------------------|
 * | distribution         |  64 | `dists/<dist>/…`, `publications/<backend>/<dist>/…`, published `dists/snapshots/<id>/<dist>/…` |
 * | category (whole)     |  64 | one tree directory `a%2fb` (≤ 64 + 2 per `/` < 128), published `<dist>/<a>/<b>/binary-<arch>/…` |
 * | backend, snapshot, bundle alias | 64 | `backends/<name>.json`, `snapshots/<name>.json`, `bundles/<alias>/<ver>` |
 * | architecture         |  32 | `<arch>.udeb` tree directory, `binary-<arch>`, `Contents-udeb-<arch>.gz`; dpkg's longest is 23 |
 * | package name         |  96 | `packages/<xx>/<name>/…`, `…/<xx>/<name>/<ver>`; Debian's longest are ~70 |
 * | version, as stored   | 120 | `<ver>` and `<ver>_<arch>` tree entries; stored means `:` written `%3a`, so it counts 3; Debian's longest are ~80 |
 * | file name (pool, .dsc list) | 255 | NAME_MAX itself: a pool file `pool/<xx>/<cid>/<file>`, the temporary copy import writes and apt's download keep the name as it is |
 *
 * Package name and version are bounded together by apt, not by raptr's own paths: apt
 * saves a download as `<name>_<version, ':' as %3a>_<arch>.<deb|udeb>` in one
 * directory, so 96 + 1 + 120 + 1 + 32 + 5 = 255 = NAME_MAX is the most it can take.
 *
 * Whole paths: the deepest archive path, a link
 * `dists/<64>/<128>/<37>/<2>/<96>/<120>`, is under 460 bytes; the deepest published
 * key, `dists/snapshots/<12>/<64>/<64>/debian-installer/binary-<32>/by-hash/SHA256/<64>`,
 * under 330, which leaves a `file://` root or an S3 prefix over 3,000 bytes of
 * PATH_MAX (4,096) and almost 700 of S3's 1,024-byte keys. The tightest bound is apt's:
 * it names each list file after the whole URL with `/` turned into `_`
 * (`<host>_<path>_dists_snapshots_<id>_<dist>_<cat>_binary-<arch>_Packages`), one
 * NAME_MAX-limited file name; at the limits above and dpkg's longest architecture (23)
 * that is 198 bytes plus the URL, leaving apt about 50 bytes for the repository URL of
 * a pinned snapshot (more for the live one, or shorter names), which is why
 * distribution and category stop at 64 and not higher.
 *
 * Release fields raptr writes from settings (Origin, Label, Version, Description) are
 * single lines: no control character (C0, DEL, C1, U+2028/U+2029), no leading or
 * trailing whitespace, and bounded (Origin, Label 128; Version 64; Description 256),
 * so a value can never become another line of the signed Release.
 */
import {RaptrError} from '../errors.js'
import {DPKG_ARCHITECTURES} from './architectures.js'

/** The length limits above, by kind (bytes). */
export const NAME_LIMITS = {
  distribution: 64,
  category: 64,
  backend: 64,
  snapshot: 64,
  alias: 64,
  mirror: 64,
  architecture: 32,
  packageName: 96,
  /** As stored: each `:` counts 3 (`%3a`). */
  version: 120,
  fileName: 255,
} as const

/** The longest value of each free-text Release field raptr writes. */
export const RELEASE_FIELD_LIMITS = {Origin: 128, Label: 128, Version: 64, Description: 256} as const
export type ReleaseTextField = keyof typeof RELEASE_FIELD_LIMITS

// Debian policy §5.6.1: lowercase letters, digits, '+', '-', '.'; at least two
// characters; starts with an alphanumeric character.
/** Debian policy 5.6.1: the one definition of a valid package (and source) name (length: {@link NAME_LIMITS}). */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/
// dpkg-architecture names and wildcards (amd64, arm64, all, source, linux-any, musl-linux-arm64).
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/
// Starting with an alphanumeric already rules out '.', '..' and hidden names.
const PATH_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
// C0 controls, DEL, C1 controls and the Unicode line and paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const SHOWN = 64

/**
 * A value as an error message may echo it: control characters escaped (so the message
 * stays one line) and anything past 64 characters cut, with the full length said.
 *
 * @example shownValue('a\nb') // 'a\\nb'
 */
export function shownValue(value: string): string {
  const cut = value.length > SHOWN ? value.slice(0, SHOWN) : value
  const escaped = cut.replace(CONTROL_ALL, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
  return value.length > SHOWN ? `${escaped}… (${value.length} characters)` : escaped
}

function check(ok: boolean, what: string, value: string, hint: string): string {
  if (!ok) throw new RaptrError('BAD_NAME', `invalid ${what} "${shownValue(value)}"`, hint, {[what.replace(/ /g, '_')]: shownValue(value)})
  return value
}

function tooLong(what: string, value: string, max: number, hint: string): void {
  if (value.length > max) {
    throw new RaptrError('BAD_NAME', `invalid ${what} "${shownValue(value)}": longer than ${max} characters`, hint, {[what.replace(/ /g, '_')]: shownValue(value)})
  }
}

/**
 * Return `name` if it is a valid Debian package name, else throw RaptrError('BAD_NAME').
 * `what` names it in the message (`source package name` for a .dsc's Source).
 *
 * @example validatePackageName('libc6') // 'libc6'
 */
export function validatePackageName(name: string, what = 'package name'): string {
  const hint = `package names use lowercase letters, digits, "+", "-" and ".", start with a letter or digit and have 2 to ${NAME_LIMITS.packageName} characters (Debian policy 5.6.1)`
  tooLong(what, name, NAME_LIMITS.packageName, hint)
  return check(PACKAGE_NAME.test(name), what, name, hint)
}

/**
 * Return `arch` if it is spelled as an architecture (lowercase letters, digits, '-',
 * at most 32), whether or not dpkg knows it: what a package's own `Architecture:` must be.
 *
 * @example validateArchitectureSpelling('amd64') // 'amd64'
 */
export function validateArchitectureSpelling(arch: string): string {
  const hint = `architectures are lowercase letters, digits and "-" (at most ${NAME_LIMITS.architecture}), e.g. amd64, arm64, all, source (see: dpkg-architecture -L)`
  tooLong('architecture', arch, NAME_LIMITS.architecture, hint)
  return check(ARCHITECTURE.test(arch), 'architecture', arch, hint)
}

/**
 * Return `arch` if dpkg knows it (amd64, arm64, musl-linux-arm64…; also all, source and
 * wildcards such as linux-any), else throw RaptrError('BAD_NAME'), naming the closest
 * known one when there is one.
 *
 * @example validateArchitecture('amd64') // 'amd64'
 */
export function validateArchitecture(arch: string): string {
  validateArchitectureSpelling(arch)
  if (arch === 'all' || arch === 'source' || DPKG_ARCHITECTURES.has(arch) || isWildcard(arch)) return arch
  const near = [...DPKG_ARCHITECTURES].find((a) => arch.startsWith(a) || a.startsWith(arch))
  return check(false, 'architecture', arch, `${near ? `did you mean ${near}? ` : ''}dpkg knows these: dpkg-architecture -L`)
}

// dpkg wildcards: any, <os>-any, any-<cpu>, <abi>-any-any…: every part is "any" or
// appears in a known architecture.
function isWildcard(arch: string): boolean {
  const parts = arch.split('-')
  if (!parts.includes('any')) return false
  const known = new Set([...DPKG_ARCHITECTURES].flatMap((a) => a.split('-')))
  return parts.every((p) => p === 'any' || known.has(p))
}

function validateSegment(what: string, value: string, max: number, example: string): string {
  const hint = `use 1 to ${max} letters, digits, ".", "_" and "-", starting with a letter or digit (no "/"), e.g. ${example}`
  tooLong(what, value, max, hint)
  return check(PATH_SEGMENT.test(value), what, value, hint)
}

/**
 * Return `name` if it can be a distribution (apt suite) name, used as `dists/<name>`; else throw RaptrError('BAD_NAME').
 *
 * @example validateSuiteName('production') // 'production'
 */
export function validateSuiteName(name: string): string {
  return validateSegment('distribution name', name, NAME_LIMITS.distribution, 'production, bookworm-backports')
}

/**
 * Return `name` if it can be a category (apt component) name, used as `dists/<suite>/<name>`; else throw RaptrError('BAD_NAME').
 * Segments joined by `/` nest (`updates/main`, as Debian's security archive has it).
 *
 * @example validateComponentName('updates/main') // 'updates/main'
 */
export function validateComponentName(name: string, what = 'category name'): string {
  const hint = `use letters, digits, ".", "_" and "-", starting with a letter or digit; "/" only between such parts; at most ${NAME_LIMITS.category} characters, e.g. main, public, updates/main`
  tooLong(what, name, NAME_LIMITS.category, hint)
  return check(name.split('/').every((segment) => PATH_SEGMENT.test(segment)), what, name, hint)
}

/**
 * Return `alias` if it is a valid bundle alias (same rules as distribution names); else throw RaptrError('BAD_NAME').
 *
 * @example validateAlias('hello-2.10') // 'hello-2.10'
 */
export function validateAlias(alias: string): string {
  return validateSegment('bundle alias', alias, NAME_LIMITS.alias, 'hello-2.10, release_42')
}

/**
 * Return `name` if it can name a backend (`backends/<name>.json`, `publications/<name>/…`); else throw RaptrError('BAD_NAME').
 *
 * @example validateBackendName('s3-eu') // 's3-eu'
 */
export function validateBackendName(name: string): string {
  return validateSegment('backend name', name, NAME_LIMITS.backend, 'local, s3-eu')
}

/**
 * Return `name` if it can name a mirror (`mirrors/<name>.json`); else throw RaptrError('BAD_NAME').
 *
 * @example validateMirrorName('debian-bookworm') // 'debian-bookworm'
 */
export function validateMirrorName(name: string): string {
  return validateSegment('mirror name', name, NAME_LIMITS.mirror, 'debian-bookworm, nginx-stable')
}

/**
 * Return `name` if it can name a snapshot (`snapshots/<name>.json`); else throw
 * RaptrError('BAD_NAME'). A name that looks like a snapshot id (4-40 hex digits) is
 * refused too, so a ref is never ambiguous.
 *
 * @example validateSnapshotName('release-1') // 'release-1'
 */
export function validateSnapshotName(name: string): string {
  validateSegment('snapshot name', name, NAME_LIMITS.snapshot, 'release-1, 2026-12-07')
  if (/^[0-9a-f]{4,40}$/.test(name)) throw new RaptrError('BAD_NAME', `invalid snapshot name "${name}": it looks like a snapshot id`, 'choose a name with a letter outside a-f, e.g. release-1')
  return name
}

/**
 * Return `name` if it can be the name of a package's file (a pool file, a file a .dsc
 * lists, a file given to `add`): one path segment, not hidden, no control character,
 * at most 255 bytes (NAME_MAX). `what` names it in the message. `hidden` allows a leading '.', for
 * a file raptr only reads (a .deb's name is kept in its record, never made a path).
 *
 * @example validateFileName('hello_2.10-3.dsc') // 'hello_2.10-3.dsc'
 */
export function validateFileName(name: string, what = 'file name', opts: {hidden?: boolean} = {}): string {
  const hint = `a package's file name is one path segment of at most ${NAME_LIMITS.fileName} bytes: no "/", not starting with ".", no control characters`
  if (Buffer.byteLength(name) > NAME_LIMITS.fileName) {
    throw new RaptrError('BAD_NAME', `invalid ${what} "${shownValue(name)}": longer than ${NAME_LIMITS.fileName} bytes`, hint)
  }
  return check(name !== '' && !name.includes('/') && !name.includes('\\') && (opts.hidden || !name.startsWith('.')) && !CONTROL.test(name), what, name, hint)
}

/**
 * Return `value` if it can be the value of the Release field `field`: one line (no
 * control character), no leading or trailing whitespace, at most the field's limit;
 * else throw RaptrError('BAD_ARGUMENT') naming the field.
 *
 * @example validateReleaseField('Origin', 'ACME') // 'ACME'
 */
export function validateReleaseField(field: ReleaseTextField, value: string): string {
  const why = releaseFieldProblem(field, value)
  if (why) {
    throw new RaptrError('BAD_ARGUMENT', `invalid ${field} "${shownValue(value)}": ${why}`, `${field} is one line of at most ${RELEASE_FIELD_LIMITS[field]} characters, without control characters or surrounding spaces`, {field})
  }
  return value
}

/** Why `value` cannot be the Release field `field` (undefined when it can): the one rule settings' schema also applies. */
export function releaseFieldProblem(field: ReleaseTextField, value: string): string | undefined {
  if (CONTROL.test(value)) return /[\n\r\u2028\u2029]/.test(value) ? 'it holds a line break' : 'it holds a control character'
  if (value.length > RELEASE_FIELD_LIMITS[field]) return `longer than ${RELEASE_FIELD_LIMITS[field]} characters`
  if (value.trim() !== value) return 'it starts or ends with whitespace'
  return undefined
}

/** A distribution, optionally narrowed to one of its categories: `production` or `production/public`. */
export interface Section {
  dist: string
  cat?: string
}

/**
 * Parse `DIST` or `DIST/CAT` (the design's spelling of a section), validating both names.
 *
 * @example parseSection('production/public') // {dist: 'production', cat: 'public'}
 */
export function parseSection(spec: string, opts: {requireCategory?: boolean} = {}): Section {
  // The category is everything after the first '/': it may nest (production/updates/main).
  const slash = spec.indexOf('/')
  const parts = slash < 0 ? [spec] : [spec.slice(0, slash), spec.slice(slash + 1)]
  if (opts.requireCategory && parts.length !== 2) {
    throw new RaptrError('BAD_ARGUMENT', `"${shownValue(spec)}" is not DIST/CAT`, 'name a distribution and a category, e.g. production/public')
  }
  const dist = validateSuiteName(parts[0])
  return parts.length === 2 ? {dist, cat: validateComponentName(parts[1])} : {dist}
}
