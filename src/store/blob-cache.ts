import fs from 'node:fs'
import path from 'node:path'
import {cidFromSha256} from '../core/cid.js'
import {mapLimit} from '../core/map-limit.js'
import {fsyncDir, fsyncFile} from './atomic-file.js'
import {type BlobIntake, openIntake, sweepIntakes} from './blob-intake.js'

/**
 * A file to store: its path, its sha256 (just computed by the caller from the bytes it
 * read), and, when those bytes are already in an intake of the cache (written there as
 * they were read, see blob-intake.ts), that temp file: it is renamed, not copied.
 */
export type BlobFile = readonly [file: string, sha256: string, temp?: string]

/**
 * The archive's local store of package files, named by content id. The same bytes are
 * stored once; a file is only ever visible complete (written to a temp name, then
 * renamed), so a crash during `package add` cannot leave a truncated blob under a valid
 * name, and everything stored is fsynced before `putMany` returns. A package file is
 * written into an intake while the add reads it for its digests and file list (one pass
 * over its bytes); `putMany` then only renames.
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

  /** A new intake for the files of one add (the caller closes it); those of killed processes are removed first. */
  openIntake(): Promise<BlobIntake> {
    return openIntake(this.root)
  }

  /** Removes what killed processes left: their intakes. Returns how many. */
  sweep(): Promise<number> {
    return sweepIntakes(this.root)
  }

  /**
   * Stores files, durable together when it returns; files already there are skipped:
   * each appears whole under its name (its intake temp renamed, or else a temp copy
   * renamed), then every new file and each directory is fsynced once — instead of two
   * fsyncs per file, one after the other. Temps not renamed stay in their intake.
   */
  async putMany(files: ReadonlyArray<BlobFile>): Promise<void> {
    const fresh = new Map<string, BlobFile>()
    for (const f of files) {
      const cid = cidFromSha256(f[1])
      // A temp in hand beats a copy of the same bytes.
      if (this.has(cid)) continue
      if (!fresh.has(cid) || (f[2] && !fresh.get(cid)![2])) fresh.set(cid, f)
    }
    const dirs = new Set<string>()
    await mapLimit([...fresh], 8, async ([cid, [file, , temp]]) => {
      const dest = this.pathOf(cid)
      const dir = path.dirname(dest)
      if (!dirs.has(dir)) {
        await fs.promises.mkdir(dir, {recursive: true})
        dirs.add(dir)
      }
      if (temp) {
        await fs.promises.rename(temp, dest)
        return
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
      // Intakes (.intake-*) are no shard.
      if (shard.startsWith('.')) continue
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

