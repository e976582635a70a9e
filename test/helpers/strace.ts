/**
 * Reads the fsync and rename calls of a process from strace, in the order they
 * completed: how the durability tests see what raptr really asks of the kernel.
 */

/** strace options: follow threads (libuv runs fsync on its pool), show fd paths. */
export const STRACE_ARGS = ['-f', '-y', '-qq', '-e', 'trace=fsync,fdatasync,rename,renameat2']

export interface Call {
  op: 'fsync' | 'rename'
  path: string
  to?: string
  /** Index in the trace of the line that completed the call. */
  done: number
}

/** fsync and rename calls from `strace -f -y` output, in the order they completed. */
export function parseTrace(text: string): Call[] {
  const pending = new Map<string, {op: 'fsync' | 'rename'; path: string; to?: string}>()
  const calls: Call[] = []
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    const m = /^(\d+)\s+(.*)$/.exec(line)
    if (!m) return
    const [, pid, rest] = m
    const resumed = /^<\.\.\. (fsync|rename) resumed>.*= 0$/.exec(rest)
    if (resumed) {
      const p = pending.get(pid)
      if (p) calls.push({...p, done: i})
      pending.delete(pid)
      return
    }
    const fsync = /^(?:fsync|fdatasync)\(\d+<([^>]+)>\)?(.*)$/.exec(rest)
    const rename = /^rename(?:at2)?\((?:AT_FDCWD, )?"([^"]+)", (?:AT_FDCWD, )?"([^"]+)".*?\)?(.*)$/.exec(rest)
    const call = fsync ? {op: 'fsync' as const, path: fsync[1]} : rename ? {op: 'rename' as const, path: rename[1], to: rename[2]} : undefined
    if (!call) return
    if (rest.includes('<unfinished ...>')) pending.set(pid, call)
    else if (/= 0$/.test(rest)) calls.push({...call, done: i})
  })
  return calls.sort((a, b) => a.done - b.done)
}
