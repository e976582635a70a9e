/**
 * Phase timings for profiling a command: with RAPTR_DEBUG_TIMING set, `mark('label')`
 * prints the milliseconds since the process started and its memory (resident, V8 heap
 * used and committed, buffers) to stderr. Off, it costs nothing.
 *
 * @example mark('indexes rendered')
 */
import {debugHooks} from './debug.js'

const enabled = debugHooks().timing

export function mark(label: string): void {
  if (!enabled) return
  const m = process.memoryUsage()
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(0)}`.padStart(5)
  process.stderr.write(`[timing] ${performance.now().toFixed(0).padStart(6)} ms  rss${mib(m.rss)} heap${mib(m.heapUsed)}/${mib(m.heapTotal).trim()} buffers${mib(m.arrayBuffers)} MiB  ${label}\n`)
}
