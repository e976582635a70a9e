import fs from 'node:fs'
import {fileURLToPath} from 'node:url'
import {RaptrError} from '../errors.js'
import type {NamedBackend} from '../archive/backends.js'
import type {Backend} from '../backends/interface.js'
import {checkSourceUrl} from '../backends/url.js'

/** A published repository to read from: files by their path under its root. */
export interface RepositorySource {
  url: string
  /** The file's bytes, or undefined when the repository has no such file. */
  get(path: string): Promise<Uint8Array | undefined>
}

/**
 * The repository at a URL: `http(s)://` (fetch), `file://` (the file system), or
 * `s3://BUCKET/PREFIX` under one of the archive's S3 backends (whose settings and
 * credentials it is read with); a backend's name works too.
 *
 * @example const src = await repositorySource('https://deb.example.org/debian', {backends, open})
 */
export async function repositorySource(url: string, opts: {backends: NamedBackend[]; open: (b: NamedBackend) => Promise<Backend>}): Promise<RepositorySource> {
  // No credentials, and a file:// URL resolved (what the commit records is what was read).
  const root = checkSourceUrl(url).replace(/\/+$/, '')
  if (/^https?:\/\//.test(root)) {
    return {
      url: root,
      async get(p) {
        let res: Response
        try {
          res = await fetch(`${root}/${p}`)
        } catch (error) {
          throw new RaptrError('BACKEND_ERROR', `cannot reach ${root}/${p} (${(error as Error).message})`, 'check the URL and the network')
        }
        if (res.status === 404 || res.status === 403) return undefined
        if (!res.ok) throw new RaptrError('BACKEND_ERROR', `${root}/${p}: HTTP ${res.status}`, 'try again later, or check the URL')
        return new Uint8Array(await res.arrayBuffer())
      },
    }
  }
  if (root.startsWith('file://')) {
    const dir = fileURLToPath(root)
    return {
      url: root,
      async get(p) {
        try {
          return await fs.promises.readFile(`${dir}/${p}`)
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined
          throw error
        }
      },
    }
  }
  const named = opts.backends.find((b) => b.name === root) ?? opts.backends.find((b) => root === b.url.replace(/\/+$/, '') || root.startsWith(`${b.url.replace(/\/+$/, '')}/`))
  if (!named) {
    throw new RaptrError('BAD_URL', `cannot import from ${url}`, 'give an http(s):// or file:// URL, or the s3:// URL (or name) of a backend added with raptr backend add')
  }
  const backend = await opts.open(named)
  const base = named.name === root ? '' : root.slice(named.url.replace(/\/+$/, '').length).replace(/^\/+/, '')
  return {url: named.url, get: (p) => backend.get(base ? `${base}/${p}` : p)}
}
