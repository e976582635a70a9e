import fs from 'node:fs'
import path from 'node:path'

/**
 * Writes a file so that readers see either the old content or the new, never a part:
 * temp file in the same directory, fsync, rename, fsync the directory (so the rename
 * itself survives a power loss).
 *
 * @example
 *   await writeFileAtomic('/srv/repo/dists/production/InRelease', bytes)
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const dir = path.dirname(file)
  await fs.promises.mkdir(dir, {recursive: true})
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`)
  const fh = await fs.promises.open(tmp, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await fs.promises.rename(tmp, file)
  } catch (error) {
    await fs.promises.rm(tmp, {force: true})
    throw error
  }
  await fsyncDir(dir)
}

/** fsync(2) of a file: its bytes and size reach the disk. */
export function fsyncFile(file: string): Promise<void> {
  return fsyncPath(file, 'r+')
}

/** fsync(2) of a directory: the names created or renamed in it reach the disk. */
export function fsyncDir(dir: string): Promise<void> {
  return fsyncPath(dir, 'r')
}

async function fsyncPath(p: string, flags: string): Promise<void> {
  const fh = await fs.promises.open(p, flags)
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
