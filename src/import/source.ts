import {constants} from 'node:buffer'
import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {RaptrError} from '../errors.js'
import {limit, tooLarge} from '../limits.js'
import {readRegularFile} from '../regular-file.js'
import type {NamedBackend} from '../archive/backends.js'
import type {Backend} from '../backends/interface.js'
import {checkSourceUrl} from '../backends/url.js'

/** A published repository to read from: files by their path under its root. */
export interface RepositorySource {
  url: string
  /**
   * The file's bytes, or undefined when the repository has no such file. More than
   * `maxBytes` (what the index promised, or the index cap) is refused as TOO_LARGE, over
   * http(s) as soon as the response says or sends more.
   */
  get(path: string, opts?: {maxBytes?: number}): Promise<Uint8Array | undefined>
}

/** Network timeouts for http(s), in seconds. */
export interface HttpTimeouts {
  /** Until the connection is made. */
  connect: number
  /** With no byte from the server (waiting for the response counts too). */
  idle: number
  /** For one whole file. */
  total: number
}

/**
 * The repository at a URL: `http(s)://` (with connect, idle and total timeouts),
 * `file://` (the file system), or `s3://BUCKET/PREFIX` under one of the archive's S3
 * backends (whose settings and credentials it is read with); a backend's name works too.
 *
 * @example const src = await repositorySource('https://deb.example.org/debian', {backends, open})
 */
export async function repositorySource(
  url: string,
  opts: {backends: NamedBackend[]; open: (b: NamedBackend) => Promise<Backend>; timeouts?: Partial<HttpTimeouts>},
): Promise<RepositorySource> {
  // No credentials, and a file:// URL resolved (what the commit records is what was read).
  const root = checkSourceUrl(url).replace(/\/+$/, '')
  if (/^https?:\/\//.test(root)) {
    const timeouts: HttpTimeouts = {
      connect: opts.timeouts?.connect ?? limit('httpConnect'),
      idle: opts.timeouts?.idle ?? limit('httpIdle'),
      total: opts.timeouts?.total ?? limit('httpTotal'),
    }
    const {httpGet} = await import('./http.js')
    return {url: root, get: (p, o) => httpGet(`${root}/${p}`, {timeouts, maxBytes: capOf(o?.maxBytes)})}
  }
  if (root.startsWith('file://')) {
    const dir = fileURLToPath(root)
    return {
      url: root,
      async get(p, o) {
        const file = `${dir}/${p}`
        try {
          if (!(await fs.promises.stat(file)).isFile()) return undefined
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
          throw error
        }
        // Opened again without following a FIFO's open, read no further than the cap.
        return await readRegularFile(file, 'index', {what: `${root}/${p}`, hint: 'the repository holds something other than a file there'}, capOf(o?.maxBytes))
      },
    }
  }
  const named = opts.backends.find((b) => b.name === root) ?? opts.backends.find((b) => root === b.url.replace(/\/+$/, '') || root.startsWith(`${b.url.replace(/\/+$/, '')}/`))
  if (!named) {
    throw new RaptrError('BAD_URL', `cannot import from ${url}`, 'give an http(s):// or file:// URL, or the s3:// URL (or name) of a backend added with raptr backend add')
  }
  const backend = await opts.open(named)
  const base = named.name === root ? '' : root.slice(named.url.replace(/\/+$/, '').length).replace(/^\/+/, '')
  return {
    url: named.url,
    async get(p, o) {
      const data = await backend.get(base ? `${base}/${p}` : p)
      if (data && data.length > capOf(o?.maxBytes)) throw tooLarge('index', `${named.url}/${p} is`, capOf(o?.maxBytes))
      return data
    },
  }
}

/**
 * An index's text from its bytes as served (`.xz`, `.gz` or plain), decoded as a stream
 * that stops at the index cap: a Packages.xz that decompresses to gigabytes is refused
 * after the cap's worth, with one line, never a heap or string-length failure.
 *
 * @example const text = await indexText('.xz', bytes, 'https://deb.example.org dists/stable/main/binary-amd64/Packages.xz')
 */
export async function indexText(ext: string, data: Uint8Array, what: string): Promise<string> {
  const {decompressCapped, isCompression} = await import('../debian/decode.js')
  if (!isCompression(ext)) throw new RaptrError('BAD_ARGUMENT', `${what}: unsupported compression ${ext}`, 'raptr reads indexes compressed with xz, gzip or zstd, or uncompressed')
  let bytes: Buffer
  try {
    bytes = await decompressCapped(ext, data, limit('index'), () => tooLarge('index', `${what} ${ext ? 'decompresses to' : 'is'}`))
  } catch (error) {
    if (error instanceof RaptrError) throw error
    throw new RaptrError('BAD_CONTROL', `${what} is corrupt (${(error as Error).message})`, 'the repository is damaged; import again later')
  }
  // A cap raised past what one V8 string holds must still end in one line.
  if (bytes.length > constants.MAX_STRING_LENGTH) throw tooLarge('index', `${what} decompresses to`, constants.MAX_STRING_LENGTH)
  return bytes.toString('utf8')
}

/** The size a read may reach: what the caller promises (a size from an index), else the index cap. */
function capOf(maxBytes: number | undefined): number {
  return maxBytes !== undefined && Number.isSafeInteger(maxBytes) && maxBytes >= 0 ? maxBytes : limit('index')
}
