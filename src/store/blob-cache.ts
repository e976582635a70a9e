import fs from 'node:fs'
import path from 'node:path'
import {cidFromSha256} from '../core/cid.js'
import {copyFileAtomic} from './atomic-file.js'

/**
 * The archive's local store of package files, named by content id. The same bytes are
 * stored once; a file is only ever visible complete (atomic copy), so a crash during
 * `package add` cannot leave a truncated blob under a valid name.
 *
 * @example
 *   const cid = await cache.put('/tmp/hello_1.0_amd64.deb', sha256hex)
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

  /** Stores the file whose sha256 the caller has just computed; returns its CID. */
  async put(file: string, sha256: string): Promise<string> {
    const cid = cidFromSha256(sha256)
    if (!this.has(cid)) await copyFileAtomic(file, this.pathOf(cid))
    return cid
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
