import fs from 'node:fs'
import path from 'node:path'
import {processAlive} from '../core/process-alive.js'

/**
 * Where a `package add` (or an `import`) writes the bytes bound for the blob cache while
 * it reads them: a directory of this process's own under the cache, `.intake-PID-XXXXXX`,
 * holding numbered temp files. Its name starts with a dot, so no listing of the cache
 * counts it; nothing in it is under a content name. Once the add has validated every
 * file, `BlobCache.putMany` renames the temps it keeps to their content names; the rest
 * (duplicates, files already stored, a failed add's) go with the directory on `close`.
 * A killed process's intake is removed by the next intake opened on the cache, and by
 * `raptr purge`.
 *
 * @example
 *   const intake = await cache.openIntake()
 *   try { const tmp = intake.tempPath(); ... } finally { await intake.close() }
 */
export class BlobIntake {
  readonly dir: string
  private next = 0

  constructor(dir: string) {
    this.dir = dir
  }

  /** A fresh file name in the intake (not created). */
  tempPath(): string {
    return path.join(this.dir, `${this.next++}.tmp`)
  }

  /** Whether `file` is in the intake: raptr's own copy, which may be renamed into the cache as it is. */
  owns(file: string): boolean {
    return path.resolve(file).startsWith(this.dir + path.sep)
  }

  /** Removes the intake and every temp file left in it. */
  async close(): Promise<void> {
    await fs.promises.rm(this.dir, {recursive: true, force: true})
  }
}

const INTAKE = /^\.intake-(\d+)-/

/** A new intake under `root`, after removing those whose process is gone. */
export async function openIntake(root: string): Promise<BlobIntake> {
  await fs.promises.mkdir(root, {recursive: true})
  await sweepIntakes(root)
  return new BlobIntake(await fs.promises.mkdtemp(path.join(root, `.intake-${process.pid}-`)))
}

/** Removes the intakes under `root` that a killed process left; returns how many. */
export async function sweepIntakes(root: string): Promise<number> {
  let names: string[]
  try {
    names = await fs.promises.readdir(root)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    const pid = INTAKE.exec(name)?.[1]
    if (!pid || Number(pid) === process.pid || processAlive(Number(pid))) continue
    await fs.promises.rm(path.join(root, name), {recursive: true, force: true})
    removed++
  }
  return removed
}
