/**
 * Whether a process with this id runs on this machine (as anyone): what decides that a
 * lock, a scratch directory or a temporary file named after its process was left by
 * one that died. EPERM means it exists, run by someone else.
 *
 * @example processAlive(process.pid) // true
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
