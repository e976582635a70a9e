import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type {RaptrError} from '../errors.js'
import {fsyncDir} from '../store/atomic-file.js'
import type {BackendLinks} from './interface.js'
import {TEMP_PREFIX, validateKey} from './key.js'

/**
 * Symbolic links in a directory backend rooted at `root` (snapshot roots link to the
 * pinned indexes and the shared pool instead of copying them). A link is written as a
 * temp link renamed over its name, so a web server sees the old link or the new one.
 * `failure` words a failing system call as the backend's other errors are worded.
 *
 * @example new FileBackend('/srv/apt').links.set('snapshots/abc/pool', '../../pool')
 */
export function directoryLinks(root: string, failure: (op: string, key: string, error: unknown) => RaptrError): BackendLinks {
  const pathOf = (key: string): string => {
    validateKey(key)
    return path.join(root, ...key.split('/'))
  }
  return {
    async set(key: string, target: string): Promise<void> {
      // The target, resolved from the link's directory, must be a key of this backend.
      if (target.startsWith('/') || target.includes('\\')) validateKey(target)
      validateKey(path.posix.normalize(path.posix.join(path.posix.dirname(key), target)))
      const dest = pathOf(key)
      const dir = path.dirname(dest)
      try {
        if ((await fs.promises.readlink(dest).catch(() => undefined)) === target) return
        await fs.promises.mkdir(dir, {recursive: true})
        const tmp = path.join(dir, `${TEMP_PREFIX}${process.pid}.${randomBytes(6).toString('hex')}`)
        await fs.promises.symlink(target, tmp)
        try {
          await fs.promises.rename(tmp, dest)
        } catch (error) {
          await fs.promises.rm(tmp, {force: true})
          throw error
        }
        await fsyncDir(dir)
      } catch (error) {
        throw failure('link', key, error)
      }
    },

    async *list(prefix: string): AsyncIterable<{key: string; target: string}> {
      const cut = prefix.lastIndexOf('/')
      const base = cut < 0 ? '' : prefix.slice(0, cut)
      const found: string[] = []
      const walk = async (rel: string): Promise<void> => {
        let entries: fs.Dirent[]
        try {
          entries = await fs.promises.readdir(rel === '' ? root : pathOf(rel), {withFileTypes: true})
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          if (code === 'ENOENT' || code === 'ENOTDIR') return
          throw failure('list', rel, error)
        }
        for (const entry of entries) {
          if (entry.name.startsWith(TEMP_PREFIX)) continue
          const key = rel === '' ? entry.name : `${rel}/${entry.name}`
          if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue
          // A link is reported, never followed: a walk stays inside the backend.
          if (entry.isSymbolicLink()) {
            if (key.startsWith(prefix)) found.push(key)
          } else if (entry.isDirectory()) await walk(key)
        }
      }
      await walk(base)
      for (const key of found.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
        yield {key, target: await fs.promises.readlink(pathOf(key))}
      }
    },
  }
}
