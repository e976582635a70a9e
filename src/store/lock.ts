import fs from 'node:fs'
import path from 'node:path'
import {RaptrError} from '../errors.js'
import {processAlive} from '../core/process-alive.js'

/**
 * An exclusive lock on one archive, held for the duration of a mutating command. The
 * lock file holds the owner's pid; a lock whose process is gone is stale and is taken
 * over, so a crashed (or SIGKILLed) raptr never blocks the archive forever.
 *
 * @example
 *   const release = acquireLock(gitDir); try { … } finally { release() }
 */
export function acquireLock(gitDir: string): () => void {
  const file = path.join(gitDir, 'raptr.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx')
      fs.writeSync(fd, `${process.pid}\n`)
      fs.closeSync(fd)
      let released = false
      return () => {
        if (released) return
        released = true
        fs.rmSync(file, {force: true})
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // Only a regular file is raptr's lock: a directory or a (dangling) symlink there is
      // not taken over or followed, and is one line to the user, not a stack trace.
      const st = fs.lstatSync(file, {throwIfNoEntry: false})
      if (st && !st.isFile()) {
        const what = st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'
        throw new RaptrError('ARCHIVE_LOCKED', `the archive's lock file ${path.join('.git', 'raptr.lock')} is ${what}, not raptr's lock`, `no raptr process made it: remove it (rm -r ${path.join('.git', 'raptr.lock')}) and run the command again`)
      }
      if (!st) continue // released just now: try again
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10)
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
        throw new RaptrError(
          'ARCHIVE_LOCKED',
          `the archive is locked by another raptr process (pid ${pid})`,
          `wait for it to finish; if no such process exists, remove ${path.join('.git', 'raptr.lock')}`,
        )
      }
      // Stale: the owner died without releasing. Remove and retry once.
      fs.rmSync(file, {force: true})
    }
  }
  throw new RaptrError('ARCHIVE_LOCKED', 'could not take the archive lock', 'try again')
}
