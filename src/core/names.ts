/**
 * Validation of the names raptr accepts from users and from package metadata.
 * Several of them become path segments (`dists/<suite>/<component>/binary-<arch>`,
 * pool names) on disk and in S3 keys, so the rules are also what keeps `..`, `/`
 * and characters that URLs mangle out of those paths.
 */
import {RaptrError} from '../errors.js'
import {DPKG_ARCHITECTURES} from './architectures.js'

// Debian policy §5.6.1: lowercase letters, digits, '+', '-', '.'; at least two
// characters; starts with an alphanumeric character.
/** Debian policy 5.6.1: the one definition of a valid package (and source) name. */
export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/
// dpkg-architecture names and wildcards (amd64, arm64, all, source, linux-any, musl-linux-arm64).
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/
// Starting with an alphanumeric already rules out '.', '..' and hidden names.
const PATH_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

function check(ok: boolean, what: string, value: string, hint: string): string {
  if (!ok) throw new RaptrError('BAD_NAME', `invalid ${what} "${value}"`, hint, {[what.replace(/ /g, '_')]: value})
  return value
}

/**
 * Return `name` if it is a valid Debian package name, else throw RaptrError('BAD_NAME').
 *
 * @example validatePackageName('libc6') // 'libc6'
 */
export function validatePackageName(name: string): string {
  return check(
    PACKAGE_NAME.test(name),
    'package name',
    name,
    'package names use lowercase letters, digits, "+", "-" and ".", start with a letter or digit and have at least two characters (Debian policy 5.6.1)',
  )
}

/**
 * Return `arch` if dpkg knows it (amd64, arm64, musl-linux-arm64…; also all, source and
 * wildcards such as linux-any), else throw RaptrError('BAD_NAME'), naming the closest
 * known one when there is one.
 *
 * @example validateArchitecture('amd64') // 'amd64'
 */
export function validateArchitecture(arch: string): string {
  check(ARCHITECTURE.test(arch), 'architecture', arch, 'architectures are lowercase letters, digits and "-", e.g. amd64, arm64, all, source (see: dpkg-architecture -L)')
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

function validateSegment(what: string, value: string, example: string): string {
  return check(
    PATH_SEGMENT.test(value),
    what,
    value,
    `use letters, digits, ".", "_" and "-", starting with a letter or digit (no "/"), e.g. ${example}`,
  )
}

/**
 * Return `name` if it can be a distribution (apt suite) name, used as `dists/<name>`; else throw RaptrError('BAD_NAME').
 *
 * @example validateSuiteName('production') // 'production'
 */
export function validateSuiteName(name: string): string {
  return validateSegment('distribution name', name, 'production, bookworm-backports')
}

/**
 * Return `name` if it can be a category (apt component) name, used as `dists/<suite>/<name>`; else throw RaptrError('BAD_NAME').
 * Segments joined by `/` nest (`updates/main`, as Debian's security archive has it).
 *
 * @example validateComponentName('updates/main') // 'updates/main'
 */
export function validateComponentName(name: string): string {
  return check(
    name.split('/').every((segment) => PATH_SEGMENT.test(segment)),
    'category name',
    name,
    'use letters, digits, ".", "_" and "-", starting with a letter or digit; "/" only between such parts, e.g. main, public, updates/main',
  )
}

/**
 * Return `alias` if it is a valid bundle alias (same rules as category names); else throw RaptrError('BAD_NAME').
 *
 * @example validateAlias('hello-2.10') // 'hello-2.10'
 */
export function validateAlias(alias: string): string {
  return validateSegment('bundle alias', alias, 'hello-2.10, release_42')
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
    throw new RaptrError('BAD_ARGUMENT', `"${spec}" is not ${opts.requireCategory ? 'DIST/CAT' : 'DIST or DIST/CAT'}`, 'name a distribution and a category, e.g. production/public')
  }
  const dist = validateSuiteName(parts[0])
  return parts.length === 2 ? {dist, cat: validateComponentName(parts[1])} : {dist}
}
