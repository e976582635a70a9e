import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {RaptrError} from '../errors.js'

export type BackendLocation = {scheme: 'file'; path: string} | {scheme: 's3'; bucket: string; prefix: string}

const SUPPORTED = 'file:///absolute/path or s3://bucket/prefix'

/**
 * Checks a backend URL without touching the backend: what `raptr backend add` stores.
 *
 * @example
 *   parseBackendUrl('s3://my-apt/debian') // {scheme: 's3', bucket: 'my-apt', prefix: 'debian'}
 *   parseBackendUrl('file:///srv/apt')    // {scheme: 'file', path: '/srv/apt'}
 */
export function parseBackendUrl(url: string): BackendLocation {
  refuseUrlCredentials(url, 'backend URL')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (scheme === 'file') return {scheme: 'file', path: parseFileUrl(url)}
  if (scheme === 's3') return {scheme: 's3', ...parseS3Url(url)}
  throw new RaptrError(
    'BAD_URL',
    scheme ? `unsupported backend scheme "${scheme}:" in ${url}` : `"${url}" is not a backend URL`,
    `use ${SUPPORTED}, e.g. file:///srv/apt or s3://my-apt-repo/debian`,
  )
}

function parseFileUrl(url: string): string {
  const hint = 'use an absolute path with three slashes, e.g. file:///srv/apt'
  const m = /^file:\/\/([^/]*)(\/.*)?$/i.exec(url)
  if (!m) throw new RaptrError('BAD_URL', `"${url}" is not a file:// URL with an absolute path`, hint)
  if (m[1] !== '' || m[2] === undefined) {
    throw new RaptrError('BAD_URL', `"${url}" names a host or a relative path, not an absolute directory`, hint)
  }
  if (/[?#]/.test(m[2])) throw new RaptrError('BAD_URL', `"${url}" has a query or fragment`, hint)
  let dir: string
  try {
    dir = fileURLToPath(`file://${m[2]}`)
  } catch (error) {
    throw new RaptrError('BAD_URL', `"${url}" is not a valid file URL: ${(error as Error).message.split('\n')[0]}`, hint)
  }
  const normalized = path.posix.normalize(dir)
  return normalized.length > 1 && normalized.endsWith('/') ? normalized.slice(0, -1) : normalized
}

function parseS3Url(url: string): {bucket: string; prefix: string} {
  const example = 'e.g. s3://my-apt-repo or s3://my-apt-repo/debian'
  const m = /^s3:\/\/([^/?#]*)([^?#]*)$/i.exec(url)
  if (!m) throw new RaptrError('BAD_URL', `"${url}" is not an s3:// URL (no query or fragment allowed)`, example)
  const bucket = m[1]
  if (bucket === '') throw new RaptrError('BAD_URL', `"${url}" names no bucket`, example)
  const problem = bucketNameProblem(bucket)
  if (problem) {
    throw new RaptrError(
      'BAD_URL',
      `invalid S3 bucket name "${bucket}": ${problem}`,
      'bucket names are 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
    )
  }
  const prefix = m[2].replace(/^\/+/, '').replace(/\/+$/, '')
  if (prefix !== '') {
    for (const segment of prefix.split('/')) {
      if (segment === '' || segment === '.' || segment === '..' || segment.includes('\\')) {
        throw new RaptrError('BAD_URL', `invalid prefix "${prefix}" in ${url}: empty, '.' or '..' segments and backslashes are not allowed`, example)
      }
    }
  }
  return {bucket, prefix}
}

/** The reason a bucket name breaks the AWS general-purpose bucket naming rules, if it does. */
function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long'
  if (!/^[a-z0-9.-]+$/.test(name)) return 'only lowercase letters, digits, dots and hyphens are allowed'
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit'
  if (name.includes('..')) return 'must not contain two adjacent dots'
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not look like an IP address'
  for (const p of ['xn--', 'sthree-', 'amzn-s3-demo-']) if (name.startsWith(p)) return `must not start with "${p}"`
  for (const s of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) if (name.endsWith(s)) return `must not end with "${s}"`
  return undefined
}

/**
 * The text with the userinfo of every URL in it (`scheme://USER:SECRET@host`) replaced
 * by `***`, so no error, note or listing repeats a credential someone typed. Per word,
 * up to the last `@` before `?` or `#` (a secret may itself hold `/` or `:`); linear in
 * the text's length, as it runs on whatever an error echoes.
 *
 * @example redactUrl('cannot reach https://AKIA:s3cr/et@h/x') // 'cannot reach https://***@h/x'
 */
export function redactUrl(text: string): string {
  if (!text.includes('@')) return text
  return text.replace(/\S+/g, (word) => {
    const start = word.search(/[a-z0-9]:\/\//i)
    if (start === -1) return word
    const from = start + 4
    const q = word.slice(from).search(/[?#]/)
    const at = word.lastIndexOf('@', q === -1 ? word.length : from + q)
    return at < from ? word : `${word.slice(0, from)}***${word.slice(at)}`
  })
}

/**
 * A copy of `value` with `redactUrl` applied to every string in it (structure kept):
 * for records printed as data, such as old events that a pusher wrote with a secret.
 *
 * @example redactDeep({url: 's3://K:S@b'}) // {url: 's3://***@b'}
 */
/** A {...} literal or a null-prototype object: what JSON data is made of. */
export function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactUrl(value) as T
  if (Array.isArray(value)) return (value as unknown[]).map((v) => redactDeep(v)) as T
  if (value && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T
  }
  return value
}

/**
 * Refuses a URL that carries credentials (userinfo: `https://KEY:SECRET@host`), before
 * anything stores, prints or uses it: raptr records URLs in the archive (shared through
 * git) and publishes them, so a secret in one would leak to every clone and apt client.
 * Any `@` before the query counts (a secret may hold `/`), so a literal `@` in a path
 * is written `%40`. The message shows the URL with the userinfo replaced by `***`.
 *
 * @example refuseUrlCredentials('s3://KEY:SECRET@bucket', 'backend URL') // throws BAD_URL
 */
export function refuseUrlCredentials(url: string, what: string): void {
  if (!hasUrlCredentials(url)) return
  throw new RaptrError(
    'BAD_URL',
    `the ${what} ${redactUrl(url)} carries credentials (user:password@); raptr never stores or prints them`,
    'drop them from the URL: S3 keys come from the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, instance roles); an http(s) source must be readable without a password; write a literal @ as %40',
    {url: redactUrl(url)},
  )
}

/** True when a URL may carry credentials: an `@` after `scheme://`, before any `?` or `#`. */
export function hasUrlCredentials(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^?#]*@/i.test(url)
}

/**
 * Checks a URL given as a flag (`--endpoint`, `--public-url`): one of `schemes`, parseable,
 * no credentials, only the characters RFC 3986 allows (no white space, control
 * characters, quotes or `<>`: it is printed in apt lines and pages). Returns it as given.
 *
 * @example checkFlagUrl('https://minio.internal:9000', '--endpoint', ['http', 'https'])
 */
export function checkFlagUrl(url: string, what: string, schemes: string[]): string {
  refuseUrlCredentials(url, what)
  const hint = `give a ${schemes.map((s) => `${s}://`).join(' or ')} URL, e.g. https://apt.example.org/debian`
  // Only RFC 3986's characters: the URL goes into apt lines, .sources files and pages as written.
  const bad = /[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/.exec(url)
  if (bad) throw new RaptrError('BAD_URL', `the ${what} "${url}" holds ${JSON.stringify(bad[0])}, which a URL cannot hold as it is`, `${hint} (percent-encode other characters)`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RaptrError('BAD_URL', `the ${what} "${url}" is not a URL`, hint)
  }
  const scheme = parsed.protocol.slice(0, -1)
  if (!schemes.includes(scheme)) throw new RaptrError('BAD_URL', `the ${what} "${url}" is not ${schemes.map((s) => `${s}://`).join(' or ')}`, hint)
  return url
}

/**
 * The URL to record for a backend: a file:// URL whose path has `.` or `..` segments
 * (or doubled slashes) is recorded resolved, the way URL parsers resolve them (RFC 3986;
 * `/..` at the root stays the root), so the directory recorded, printed and published is
 * the one written. Other URLs are recorded as given.
 *
 * @example canonicalBackendUrl('file:///pub/../../x') // 'file:///x'
 */
export function canonicalBackendUrl(url: string): string {
  const location = parseBackendUrl(url)
  if (location.scheme !== 'file') return url
  return hasDotSegments(url) ? pathToFileURL(location.path).href : url
}

/**
 * Checks an import source URL before anything reads it: no credentials, and a file://
 * URL resolved as a backend's is (its normalised form returned, so what is recorded
 * in the commit names the directory read). Other URLs are returned as given.
 *
 * @example checkSourceUrl('file:///srv/mirror/../debian') // 'file:///srv/debian'
 */
export function checkSourceUrl(url: string): string {
  refuseUrlCredentials(url, 'import URL')
  if (!/^file:/i.test(url)) return url
  const dir = parseFileUrl(url)
  return hasDotSegments(url) ? pathToFileURL(dir).href : url.replace(/\/+$/, '')
}

/** True when a file URL's path has `.`/`..` segments (also percent-encoded) or empty ones. */
function hasDotSegments(url: string): boolean {
  const p = url.replace(/^file:\/\//i, '').replace(/%2e/gi, '.')
  return p.split('/').slice(1).some((s, i, all) => s === '.' || s === '..' || (s === '' && i < all.length - 1))
}

/**
 * An S3 region as AWS and S3-compatible servers name them (`eu-west-1`, `us-gov-west-1`,
 * `default`, `fr-par`): lower-case letters, digits and inner hyphens. The region becomes
 * part of a host name and of every URL raptr prints for the bucket (apt lines, the
 * keyring package's .sources), so nothing else may reach it.
 */
export const S3_REGION = /^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$/

/** Refuses a region outside {@link S3_REGION}, naming where it came from. */
export function checkRegion(region: string, what: string): string {
  if (!S3_REGION.test(region)) throw new RaptrError('BAD_ARGUMENT', `the ${what} ${JSON.stringify(region).slice(0, 80)} is not an S3 region`, 'give a region such as eu-west-1 (lower-case letters, digits and hyphens)')
  return region
}
