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

/** Copies a file atomically (same guarantees as writeFileAtomic), streaming it. */
export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  const dir = path.dirname(dest)
  await fs.promises.mkdir(dir, {recursive: true})
  const tmp = path.join(dir, `.${path.basename(dest)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`)
  try {
    await fs.promises.copyFile(src, tmp)
    const fh = await fs.promises.open(tmp, 'r+')
    try {
      await fh.sync()
    } finally {
      await fh.close()
    }
    await fs.promises.rename(tmp, dest)
  } catch (error) {
    await fs.promises.rm(tmp, {force: true})
    throw error
  }
  await fsyncDir(dir)
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
