/**
 * Phase timings for profiling a command: with RAPTR_DEBUG_TIMING set, `mark('label')`
 * prints the milliseconds since the process started to stderr. Off, it costs nothing.
 *
 * @example mark('indexes rendered')
 */
const enabled = Boolean(process.env.RAPTR_DEBUG_TIMING)

export function mark(label: string): void {
  if (enabled) process.stderr.write(`[timing] ${performance.now().toFixed(0).padStart(6)} ms  ${label}\n`)
}
