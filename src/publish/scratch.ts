import fs from 'node:fs'
import path from 'node:path'
import {pipeline, type Readable} from 'node:stream'
import zlib from 'node:zlib'
import type {Archive} from '../store/archive.js'
import type {IndexFile} from './index-writer.js'
import {processAlive} from '../core/process-alive.js'

// The scratch directory index files are written to before they are uploaded: one per
// process, under the archive's .git, and those of dead processes removed.

/** Where {@link writeIndexes} put an index file. */
export function indexFilePath(dir: string, f: IndexFile): string {
  return path.join(dir, ...f.path.split('/'))
}

/**
 * The text of an index {@link writeIndexes} wrote, as a stream of runs: the file itself,
 * or, when only its compressed forms were written (`unwritten`), its .gz decompressed on
 * the way (raptr's own output, just written: zlib is native and fast).
 */
export function indexTextStream(dir: string, f: IndexFile): Readable {
  const file = indexFilePath(dir, f)
  if (!f.unwritten) return fs.createReadStream(file, {highWaterMark: 1 << 20})
  return pipeline(fs.createReadStream(`${file}.gz`, {highWaterMark: 1 << 20}), zlib.createGunzip({chunkSize: 1 << 20}), () => {
    // An error reaches the reader: pipeline destroys the gunzip stream with it.
  })
}

/**
 * A new empty directory for index files under the archive's `.git/raptr/tmp`, named
 * after this process; the caller removes it. Those a killed process left are removed
 * first (their process is gone).
 */
export async function indexScratchDir(archive: Archive): Promise<string> {
  const tmp = path.join(archive.gitDir, 'raptr', 'tmp')
  await fs.promises.mkdir(tmp, {recursive: true})
  for (const name of await fs.promises.readdir(tmp)) {
    const pid = /^indexes-(\d+)-/.exec(name)?.[1]
    if (pid && Number(pid) !== process.pid && !processAlive(Number(pid))) await fs.promises.rm(path.join(tmp, name), {recursive: true, force: true})
  }
  return fs.promises.mkdtemp(path.join(tmp, `indexes-${process.pid}-`))
}
