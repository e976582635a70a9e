import fs from 'node:fs'
import path from 'node:path'
import {cidFromSha256} from '../core/cid.js'
import {mapLimit} from '../core/map-limit.js'
import {fsyncDir, fsyncFile} from './atomic-file.js'

/**
 * The archive's local store of package files, named by content id. The same bytes are
 * stored once; a file is only ever visible complete (copied to a temp name, then
 * renamed), so a crash during `package add` cannot leave a truncated blob under a valid
 * name, and everything stored is fsynced before `putMany` returns.
 *
 * @example
 *   await cache.putMany([['/tmp/hello_1.0_amd64.deb', sha256hex]])
 */
export class BlobCache {
  readonly root: string

  constructor(root: string) {
    this.root = root
  }

  pathOf(cid: string): string {
    return path.join(this.root, cid.slice(-2), cid)
  }

  has(cid: string): boolean {
    return fs.existsSync(this.pathOf(cid))
  }

  /**
   * Stores files (`[path, sha256]`, the sha256 just computed by the caller), durable
   * together when it returns; files already there are skipped:
   * each appears whole under its name (temp copy, rename), then every new file and each
   * directory is fsynced once — instead of two fsyncs per file, one after the other.
   */
  async putMany(files: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const fresh = new Map<string, string>()
    for (const [file, sha] of files) {
      const cid = cidFromSha256(sha)
      if (!fresh.has(cid) && !this.has(cid)) fresh.set(cid, file)
    }
    const dirs = new Set<string>()
    await mapLimit([...fresh], 8, async ([cid, file]) => {
      const dest = this.pathOf(cid)
      const dir = path.dirname(dest)
      if (!dirs.has(dir)) {
        await fs.promises.mkdir(dir, {recursive: true})
        dirs.add(dir)
      }
      const tmp = path.join(dir, `.${cid}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`)
      try {
        // A reflink (copy-on-write clone) where the file system has them, else a copy in the kernel.
        await fs.promises.copyFile(file, tmp, fs.constants.COPYFILE_FICLONE)
        await fs.promises.rename(tmp, dest)
      } catch (error) {
        await fs.promises.rm(tmp, {force: true})
        throw error
      }
    })
    await mapLimit([...fresh.keys()], 32, (cid) => fsyncFile(this.pathOf(cid)))
    await mapLimit([...dirs], 32, (dir) => fsyncDir(dir))
  }

  /** Every CID in the cache. */
  async list(): Promise<string[]> {
    const out: string[] = []
    let shards: string[]
    try {
      shards = await fs.promises.readdir(this.root)
    } catch {
      return out
    }
    for (const shard of shards) {
      for (const name of await fs.promises.readdir(path.join(this.root, shard))) {
        if (!name.startsWith('.')) out.push(name)
      }
    }
    return out
  }

  async remove(cid: string): Promise<void> {
    await fs.promises.rm(this.pathOf(cid), {force: true})
  }
}

