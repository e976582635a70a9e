import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {showPath, unsafePathReason} from '../core/tree-paths.js'

/**
 * Writes and removes files of an archive's work tree, only inside it and never through
 * a symbolic link found on disk: a path is checked again here (core/tree-paths), each
 * directory on the way is looked at with lstat (a symlink or a file where a directory
 * belongs is replaced by a real directory, as git's checkout does), and a file is opened
 * with O_NOFOLLOW (a symlink in its place is replaced, never written through). The
 * trees were checked before; this holds even for a work tree someone edited by hand.
 *
 * @example
 *   const w = new WorkTreeWriter(dir); await w.write('packages/3f/hello/1.0_amd64', bytes)
 */
export class WorkTreeWriter {
  private readonly root: string
  /** Directories (relative) known to be real directories, each made or checked once. */
  private readonly dirs = new Map<string, Promise<void>>()

  constructor(root: string) {
    this.root = root
  }

  /** The absolute path of `rel`, after checking it is a safe archive path. */
  abs(rel: string): string {
    const why = unsafePathReason(rel)
    if (why) throw new RaptrError('UNSAFE_ARCHIVE', `refusing to write ${showPath(rel)} in the archive's work tree: ${why}`, 'the archive\'s git objects are not what raptr wrote: check it with git fsck')
    return path.join(this.root, ...rel.split('/'))
  }

  /** Writes file `rel` (its directories made as needed), replacing whatever is there. */
  async write(rel: string, data: Uint8Array): Promise<void> {
    const file = this.abs(rel)
    const dir = path.posix.dirname(rel)
    if (dir !== '.') await this.directory(dir)
    const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | fs.constants.O_NOFOLLOW
    let fh: fs.promises.FileHandle
    try {
      fh = await fs.promises.open(file, flags, 0o666)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ELOOP' && code !== 'EISDIR') throw error
      // A symlink (or a directory) where the file belongs: it goes, as git replaces it.
      await fs.promises.rm(file, {recursive: true, force: true})
      fh = await fs.promises.open(file, flags | fs.constants.O_EXCL, 0o666)
    }
    try {
      await fh.writeFile(data)
    } finally {
      await fh.close()
    }
  }

  /** Removes file `rel`; nothing when a directory above it is not a real one (then the file is not in the work tree). */
  async remove(rel: string): Promise<void> {
    const file = this.abs(rel)
    const parts = rel.split('/')
    for (let i = 1; i < parts.length; i++) {
      const st = await fs.promises.lstat(path.join(this.root, ...parts.slice(0, i))).catch(() => undefined)
      if (!st?.isDirectory()) return
    }
    await fs.promises.rm(file, {force: true})
  }

  /** Makes `rel` and every directory above it a real directory inside the root. */
  private directory(rel: string): Promise<void> {
    let done = this.dirs.get(rel)
    if (!done) {
      done = (async () => {
        const parent = path.posix.dirname(rel)
        if (parent !== '.') await this.directory(parent)
        const abs = this.abs(rel)
        const st = await fs.promises.lstat(abs).catch(() => undefined)
        if (st?.isDirectory()) return
        if (st) await fs.promises.rm(abs, {force: true})
        await fs.promises.mkdir(abs)
      })()
      this.dirs.set(rel, done)
    }
    return done
  }
}
