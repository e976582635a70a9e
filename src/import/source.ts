import {constants} from 'node:buffer'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {RaptrError} from '../errors.js'
import {limit, tooLarge, type CapName} from '../limits.js'
import {openRegularFile, readRegularFile} from '../regular-file.js'
import type {NamedBackend} from '../archive/backends.js'
import type {Backend, BackendOptions} from '../backends/interface.js'
import {checkFlagUrl, checkSourceUrl} from '../backends/url.js'

/** How many bytes a read may reach, and which cap names the refusal. */
export interface ReadBound {
  /** What the index promised, or the cap itself. */
  maxBytes?: number
  /** The cap a refusal names (default: `index`). */
  cap?: CapName
}

/**
 * A published repository to read from (read-only: nothing here writes to it): files by
 * their path under its root. Every read is bounded: more than `maxBytes` (what the index
 * promised, else the index cap) is refused as TOO_LARGE, before the first byte where the
 * size is known in advance (a file's size, an s3 object's listed size, an HTTP
 * Content-Length), else as soon as more arrives.
 */
export interface RepositorySource {
  url: string
  /** The file's bytes, or undefined when the repository has no such file. */
  get(path: string, opts?: ReadBound): Promise<Uint8Array | undefined>
  /**
   * Streams the file chunk by chunk into `write` (awaited before the next chunk is
   * read, so memory stays one chunk per read); false when the repository has no such file.
   */
  stream(path: string, write: (chunk: Uint8Array) => Promise<void>, opts?: ReadBound): Promise<boolean>
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

/** How to reach an s3:// source that is not one of the archive's backends. */
export interface S3SourceOptions {
  endpoint?: string
  region?: string
  pathStyle?: boolean
}

/**
 * The repository at a URL, opened read-only: `http(s)://` (with connect, idle and total
 * timeouts), `file://` or a plain directory path, or `s3://BUCKET/PREFIX`, read with the
 * AWS credential chain the S3 backend uses (and `s3` options: endpoint, region, path
 * style) without registering a backend; an s3:// URL under one of the archive's backends,
 * or a backend's name, is read with that backend's settings. The source is never a
 * publish target.
 *
 * @example const src = await repositorySource('https://deb.example.org/debian', {backends, open})
 */
export async function repositorySource(
  url: string,
  opts: {backends?: NamedBackend[]; open?: (b: NamedBackend) => Promise<Backend>; timeouts?: Partial<HttpTimeouts>; s3?: S3SourceOptions},
): Promise<RepositorySource> {
  // A plain path is the file:// URL of that directory (a backend's name comes first).
  const given = /^[a-z][a-z0-9+.-]*:/i.test(url) || opts.backends?.some((b) => b.name === url) ? url : pathToFileURL(path.resolve(url)).href
  // No credentials, and a file:// URL resolved (what the commit records is what was read).
  const root = checkSourceUrl(given).replace(/\/+$/, '')
  if (/^https?:\/\//.test(root)) {
    const timeouts: HttpTimeouts = {
      connect: opts.timeouts?.connect ?? limit('httpConnect'),
      idle: opts.timeouts?.idle ?? limit('httpIdle'),
      total: opts.timeouts?.total ?? limit('httpTotal'),
    }
    const {httpGet} = await import('./http.js')
    const at = (p: string): string => `${root}/${encodePath(p)}`
    return {
      url: root,
      get: (p, o) => httpGet(at(p), {timeouts, ...bound(o)}),
      stream: async (p, write, o) => (await httpGet(at(p), {timeouts, ...bound(o), write})) !== undefined,
    }
  }
  if (root.startsWith('file://')) return fileSource(root)
  const named = opts.backends?.find((b) => b.name === root) ?? opts.backends?.find((b) => root === b.url.replace(/\/+$/, '') || root.startsWith(`${b.url.replace(/\/+$/, '')}/`))
  if (named && opts.open && !opts.s3?.endpoint) {
    const base = named.name === root ? '' : root.slice(named.url.replace(/\/+$/, '').length).replace(/^\/+/, '')
    return backendSource(named.url, await opts.open(named), base)
  }
  if (!root.startsWith('s3://')) {
    throw new RaptrError('BAD_URL', `cannot import from ${url}`, 'give an http(s):// or file:// URL, a directory, an s3://BUCKET/PREFIX URL, or the name of a backend')
  }
  const s3: BackendOptions = {region: opts.s3?.region, pathStyle: opts.s3?.pathStyle, endpoint: opts.s3?.endpoint === undefined ? undefined : checkFlagUrl(opts.s3.endpoint, '--endpoint', ['http', 'https'])}
  // Opened directly, never recorded: the old bucket is read, not made a publish target.
  const {createS3Backend} = await import('../backends/s3.js')
  return backendSource(root, await createS3Backend(root, {...s3, name: root}), '')
}

/**
 * Percent-encodes each segment of a repository path for a URL, as apt's http method
 * does (`:` `+` `~` `%`, spaces and every byte outside ASCII's printable range), keeping
 * `/`: a server that serves literal file names then finds `hello_1:2.0-1_amd64.deb` and
 * `g++_1.0+b1_amd64.deb`, and an S3 endpoint never reads `+` as a space.
 *
 * @example encodePath('pool/main/h/hello/hello_1:2.0+b1_amd64.deb') // 'pool/main/h/hello/hello_1%3A2.0%2Bb1_amd64.deb'
 */
export function encodePath(p: string): string {
  return p
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')
}

/** A directory on this machine. */
function fileSource(root: string): RepositorySource {
  const dir = fileURLToPath(root)
  const role = (p: string) => ({what: `${root}/${p}`, hint: 'the repository holds something other than a file there'})
  /** Whether the repository has a regular file there (undefined: none at all). */
  const exists = async (file: string): Promise<boolean> => {
    try {
      return (await fs.promises.stat(file)).isFile()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return false
      throw error
    }
  }
  return {
    url: root,
    async get(p, o) {
      const file = `${dir}/${p}`
      if (!(await exists(file))) return undefined
      // Opened again without following a FIFO's open, read no further than the cap.
      const {maxBytes, cap} = bound(o)
      return await readRegularFile(file, cap, role(p), maxBytes)
    },
    async stream(p, write, o) {
      const file = `${dir}/${p}`
      if (!(await exists(file))) return false
      const {maxBytes, cap} = bound(o)
      const fh = await openRegularFile(file, role(p))
      try {
        if ((await fh.stat()).size > maxBytes) throw tooLarge(cap, `${root}/${p} is`, maxBytes)
        let total = 0
        for (;;) {
          const {bytesRead, buffer} = await fh.read(Buffer.alloc(1 << 20), 0, 1 << 20, null)
          if (bytesRead === 0) return true
          total += bytesRead
          if (total > maxBytes) throw tooLarge(cap, `${root}/${p} is`, maxBytes)
          await write(buffer.subarray(0, bytesRead))
        }
      } finally {
        await fh.close()
      }
    },
  }
}

/** Objects of an S3 bucket: each object's size is read first, and one past the bound is refused unread. */
function backendSource(url: string, backend: Backend, base: string): RepositorySource {
  const key = (p: string): string => (base ? `${base}/${p}` : p)
  const sized = async (p: string, o: ReadBound | undefined): Promise<boolean> => {
    const info = await backend.stat(key(p))
    if (!info) return false
    const {maxBytes, cap} = bound(o)
    if (info.size > maxBytes) throw tooLarge(cap, `${url}/${p} is`, maxBytes)
    return true
  }
  return {
    url,
    async get(p, o) {
      if (!(await sized(p, o))) return undefined
      const data = await backend.get(key(p))
      const {maxBytes, cap} = bound(o)
      // Replaced between the two requests: still never past the bound.
      if (data && data.length > maxBytes) throw tooLarge(cap, `${url}/${p} is`, maxBytes)
      return data
    },
    async stream(p, write, o) {
      if (!(await sized(p, o))) return false
      const {maxBytes, cap} = bound(o)
      if (!backend.openRead) {
        const data = await backend.get(key(p))
        if (!data) return false
        if (data.length > maxBytes) throw tooLarge(cap, `${url}/${p} is`, maxBytes)
        await write(data)
        return true
      }
      const opened = await backend.openRead(key(p))
      if (!opened) return false
      if (opened.size > maxBytes) throw tooLarge(cap, `${url}/${p} is`, maxBytes)
      let total = 0
      try {
        for await (const chunk of opened.body) {
          total += chunk.length
          if (total > maxBytes) throw tooLarge(cap, `${url}/${p} is`, maxBytes)
          await write(chunk)
        }
      } catch (error) {
        if (error instanceof RaptrError) throw error
        throw new RaptrError('BACKEND_ERROR', `cannot read ${url}/${p} (${(error as Error).message})`, 'try again later, or check the endpoint and network', {url})
      }
      return true
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

/** The size a read may reach: what the caller promises (a size from an index), else the index cap; and the cap a refusal names. */
function bound(o: ReadBound | undefined): {maxBytes: number; cap: CapName} {
  const m = o?.maxBytes
  return {maxBytes: m !== undefined && Number.isSafeInteger(m) && m >= 0 ? m : limit('index'), cap: o?.cap ?? 'index'}
}
