import path from 'node:path'
import {fileURLToPath} from 'node:url'
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
    throw new RaptrError('BAD_URL', `"${url}" is not a valid file URL: ${(error as Error).message}`, hint)
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
