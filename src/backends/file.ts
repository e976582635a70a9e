import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {RaptrError} from '../errors.js'
import {mapLimit} from '../core/map-limit.js'
import {fsyncDir, fsyncFile} from '../store/atomic-file.js'
import type {Backend, BackendLinks, BackendProperties, ObjectInfo, PutOptions} from './interface.js'
import {directoryLinks} from './file-links.js'
import {TEMP_PREFIX, validateKey} from './key.js'

/** How many `stat` calls `list` keeps in flight. */
const STAT_PARALLELISM = 64

export interface FileBackendOptions {
  /** The URL the backend was opened with; defaults to the root's file:// URL. */
  url?: string
  /** Where apt clients fetch from, when a web server serves the directory. */
  publicUrl?: string
  name?: string
}

/**
 * A directory as a backend (`file:///srv/apt`). Writes are atomic (temp file, fsync,
 * rename, fsync the directory), so a web server in front of it never serves half a file.
 *
 * @example
 *   const backend = new FileBackend('/srv/apt')
 *   await backend.put('dists/production/InRelease', bytes)
 */
export class FileBackend implements Backend {
  readonly properties: BackendProperties
  readonly root: string
  /** Symbolic links (snapshot roots). */
  readonly links: BackendLinks

  constructor(root: string, opts: FileBackendOptions = {}) {
    if (!path.isAbsolute(root)) {
      throw new RaptrError('BAD_URL', `file backend root "${root}" is not an absolute path`, 'use file:///absolute/path, e.g. file:///srv/apt')
    }
    this.root = path.resolve(root)
    const url = opts.url ?? pathToFileURL(this.root).href
    this.properties = {url, publicUrl: opts.publicUrl ?? url, name: opts.name ?? url}
    this.links = directoryLinks(this.root, (op, key, error) => this.failure(op, key, error))
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const file = this.pathOf(key)
    try {
      const st = await fs.promises.stat(file)
      return st.isFile() ? {key, size: st.size, modified: st.mtime} : undefined
    } catch (error) {
      if (isMissing(error)) return undefined
      throw this.failure('stat', key, error)
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.pathOf(key)
    try {
      const buf = await fs.promises.readFile(file)
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
    } catch (error) {
      if (isMissing(error) || code(error) === 'EISDIR') return undefined
      throw this.failure('read', key, error)
    }
  }

  /** Directories this process created or found (a pruned one is made again on ENOENT). */
  private readonly madeDirs = new Set<string>()

  /** Files and directories written with `batched` and not yet fsynced. */
  private readonly unsynced = {files: new Set<string>(), dirs: new Set<string>()}

  async put(key: string, data: Uint8Array, opts?: PutOptions): Promise<void> {
    const file = this.pathOf(key)
    await this.withParent(key, async (dir) => {
      const tmp = await writeTemp(dir, data, !opts?.batched)
      await renameOrDiscard(tmp, file)
      await this.settle(file, dir, opts)
    })
  }

  /**
   * A write's last step: fsync the directory now, or, for a batched write, note the
   * file and its directory for `sync()`, which fsyncs each directory once however many
   * files it received (a publish of 10,000 pool files waits on a few hundred fsyncs
   * instead of 20,000).
   */
  private async settle(file: string | undefined, dir: string, opts: PutOptions | undefined): Promise<void> {
    if (!opts?.batched) return fsyncDir(dir)
    if (file) this.unsynced.files.add(file)
    this.unsynced.dirs.add(dir)
  }

  async sync(): Promise<void> {
    const files = [...this.unsynced.files]
    const dirs = [...this.unsynced.dirs]
    this.unsynced.files.clear()
    this.unsynced.dirs.clear()
    await mapLimit(files, 32, async (f) => {
      try {
        await fsyncFile(f)
      } catch (error) {
        // Replaced or removed since: whoever did that made their own write durable.
        if (!isMissing(error)) throw this.failure('sync', f, error)
      }
    })
    await mapLimit(dirs, 32, (d) => fsyncDir(d))
  }

  async putFile(key: string, file: string, opts?: PutOptions): Promise<void> {
    const dest = this.pathOf(key)
    try {
      await fs.promises.access(file, fs.constants.R_OK)
    } catch (error) {
      throw new RaptrError('NOT_FOUND', `cannot read ${file}: ${code(error) ?? String(error)}`, 'check that the blob cache is intact: raptr verify')
    }
    await this.withParent(key, async (dir) => {
      // An immutable source on the same filesystem is linked: no bytes move at all, and
      // the bytes are durable already (the blob cache fsyncs what it stores), so only
      // the new name needs its directory synced. link(2) makes the name appear whole.
      if (opts?.immutableSource) {
        const linked = await linkIfPossible(file, dest)
        if (linked === true) return this.settle(undefined, dir, opts)
        if (linked === 'exists') {
          // Replace what is there (it may be the torn copy of an earlier crash).
          const tmp = tempPath(dir)
          if ((await linkIfPossible(file, tmp)) === true) {
            await renameOrDiscard(tmp, dest)
            // rename(2) is a no-op when both names already link the same inode.
            await fs.promises.rm(tmp, {force: true})
            return this.settle(undefined, dir, opts)
          }
        }
      }
      // Otherwise copyFile lets the kernel move the bytes (copy_file_range, reflinks).
      const tmp = tempPath(dir)
      try {
        await fs.promises.copyFile(file, tmp)
        if (!opts?.batched) await fsyncFile(tmp)
      } catch (error) {
        await fs.promises.rm(tmp, {force: true})
        throw error
      }
      await renameOrDiscard(tmp, dest)
      await this.settle(dest, dir, opts)
    })
  }

  async putIfAbsent(key: string, data: Uint8Array, _opts?: PutOptions): Promise<boolean> {
    const file = this.pathOf(key)
    return this.withParent(key, async (dir) => {
      const tmp = await writeTemp(dir, data)
      try {
        // link(2) refuses an existing name atomically, across processes; the bytes are
        // complete before the name appears, unlike open(O_EXCL) + write.
        await fs.promises.link(tmp, file)
      } catch (error) {
        if (code(error) === 'EEXIST') return false
        throw error
      } finally {
        await fs.promises.rm(tmp, {force: true})
      }
      await fsyncDir(dir)
      return true
    })
  }

  async copy(fromKey: string, toKey: string, opts?: PutOptions): Promise<void> {
    const src = this.pathOf(fromKey)
    const dest = this.pathOf(toKey)
    const info = await this.stat(fromKey)
    if (!info) {
      throw new RaptrError('NOT_FOUND', `cannot copy ${fromKey}: no such object on ${this.properties.name}`, 'publish the snapshot again, or run raptr verify --repair')
    }
    if (fromKey === toKey) return
    await this.withParent(toKey, async (dir) => {
      const tmp = tempPath(dir)
      // Sharing the inode is safe because nothing here writes a file in place: every
      // put renames a fresh inode over the name, leaving other links untouched.
      const linked = (await linkIfPossible(src, tmp)) === true
      if (!linked) {
        try {
          await fs.promises.copyFile(src, tmp)
          if (!opts?.batched) await fsyncFile(tmp)
        } catch (copyError) {
          await fs.promises.rm(tmp, {force: true})
          throw copyError
        }
      }
      await renameOrDiscard(tmp, dest)
      // rename(2) is a no-op when both names already link the same inode (a repeated
      // copy), which would leave the temp name behind.
      await fs.promises.rm(tmp, {force: true})
      // A linked copy shares the source's bytes, durable or pending a sync already.
      await this.settle(linked ? undefined : dest, dir, opts)
    })
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the deepest directory the prefix pins down; the rest of the prefix
    // (possibly mid-segment, `pool/a` → `pool/ab/…`) is a filter.
    const cut = prefix.lastIndexOf('/')
    const base = cut < 0 ? '' : prefix.slice(0, cut)
    if (base !== '') validateKey(base)
    const keys: string[] = []
    await this.walk(base, prefix, keys)
    // Byte order of the UTF-8 key, as S3 lists, so every backend agrees on "key order".
    const sorted = keys.map((k) => ({k, b: Buffer.from(k)})).sort((x, y) => Buffer.compare(x.b, y.b))
    for (let i = 0; i < sorted.length; i += STAT_PARALLELISM) {
      const infos = await Promise.all(sorted.slice(i, i + STAT_PARALLELISM).map(({k}) => this.stat(k)))
      for (const info of infos) if (info) yield info
    }
  }

  async remove(keys: string[]): Promise<void> {
    for (const key of keys) validateKey(key)
    const dirs = new Set<string>()
    for (const key of keys) {
      try {
        await fs.promises.unlink(this.pathOf(key))
      } catch (error) {
        if (!isMissing(error)) throw this.failure('remove', key, error)
      }
      dirs.add(path.posix.dirname(key))
    }
    // Deepest first, so a parent is tried after its children are gone.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await this.pruneEmpty(dir)
  }

  private pathOf(key: string): string {
    validateKey(key)
    return path.join(this.root, ...key.split('/'))
  }

  /** Removes `dir` and its parents while they are empty; never the root. */
  private async pruneEmpty(dir: string): Promise<void> {
    for (let d = dir; d !== '.' && d !== ''; d = path.posix.dirname(d)) {
      try {
        await fs.promises.rmdir(path.join(this.root, ...d.split('/')))
      } catch (error) {
        if (isMissing(error)) continue
        // Not empty (or not ours to remove): its parents are not empty either.
        return
      }
    }
  }

  /**
   * Creates the key's directory and runs `write` in it. A concurrent `remove` may prune
   * the directory between mkdir and the write, so a vanished directory is retried.
   */
  private async withParent<T>(key: string, write: (dir: string) => Promise<T>): Promise<T> {
    const dir = path.dirname(this.pathOf(key))
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.madeDirs.has(dir)) {
          await fs.promises.mkdir(dir, {recursive: true})
          this.madeDirs.add(dir)
        }
        return await write(dir)
      } catch (error) {
        if (error instanceof RaptrError) throw error
        this.madeDirs.delete(dir)
        if (code(error) === 'ENOENT' && attempt < 5) continue
        throw this.failure('write', key, error)
      }
    }
  }

  private async walk(rel: string, prefix: string, out: string[]): Promise<void> {
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(rel === '' ? this.root : path.join(this.root, ...rel.split('/')), {withFileTypes: true})
    } catch (error) {
      if (isMissing(error)) return
      throw this.failure('list', rel, error)
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue
      const key = rel === '' ? entry.name : `${rel}/${entry.name}`
      // A directory `pool/ab` can hold matches for `pool/a`; `pool/b` cannot.
      if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue
      if (entry.isDirectory()) await this.walk(key, prefix, out)
      else if (key.startsWith(prefix) && (entry.isFile() || entry.isSymbolicLink())) out.push(key)
    }
  }

  private failure(op: string, key: string, error: unknown): RaptrError {
    const reason = code(error) ?? (error instanceof Error ? error.message : String(error))
    return new RaptrError(
      'BACKEND_ERROR',
      `${this.properties.name}: cannot ${op} ${key || '/'}: ${reason}`,
      `check that ${this.root} exists, is writable and has free space`,
      {key, op},
    )
  }
}

function tempPath(dir: string): string {
  return path.join(dir, `${TEMP_PREFIX}${process.pid}.${randomBytes(6).toString('hex')}`)
}

/**
 * Hard-links `src` as `dest`: true, 'exists' when `dest` exists, false where the
 * filesystem cannot (another device, no links).
 */
async function linkIfPossible(src: string, dest: string): Promise<boolean | 'exists'> {
  try {
    await fs.promises.link(src, dest)
  } catch (error) {
    if (code(error) === 'EEXIST') return 'exists'
    if (['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'].includes(code(error) ?? '')) return false
    throw error
  }
  // A new name is a new object: purge's grace period reads its age from the mtime.
  const now = new Date()
  await fs.promises.utimes(dest, now, now)
  return true
}

async function writeTemp(dir: string, data: Uint8Array, sync = true): Promise<string> {
  const tmp = tempPath(dir)
  try {
    const fh = await fs.promises.open(tmp, 'wx')
    try {
      await fh.writeFile(data)
      if (sync) await fh.sync()
    } finally {
      await fh.close()
    }
  } catch (error) {
    await fs.promises.rm(tmp, {force: true})
    throw error
  }
  return tmp
}


async function renameOrDiscard(tmp: string, dest: string): Promise<void> {
  try {
    await fs.promises.rename(tmp, dest)
  } catch (error) {
    await fs.promises.rm(tmp, {force: true})
    throw error
  }
}

function code(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error).code) : undefined
}

/** ENOTDIR: a parent of the key is a file, so the key cannot exist either. */
function isMissing(error: unknown): boolean {
  const c = code(error)
  return c === 'ENOENT' || c === 'ENOTDIR'
}
