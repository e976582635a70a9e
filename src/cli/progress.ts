/**
 * Progress bars for long commands (publish uploads, a large package add, verify
 * --deep, purge, import): done/total, bytes, rate and ETA, drawn on stderr when it is a
 * terminal; nothing at all in a pipe or under --json. The bar library (cli-progress) is
 * loaded only when a bar is actually drawn, so start-up stays fast.
 *
 * Library code never draws: it takes an optional `onProgress(done, total, bytes?)`
 * callback, and a command passes `reporter.task(label)` for it.
 */

import {formatBytes} from './format/bytes.js'

/** What a command (or a library callback) reports to. */
export interface ProgressReporter {
  /** True when bars are drawn (stderr is a terminal and output is not JSON). */
  readonly active: boolean
  /**
   * A callback for one task: `(done, total, bytes?)`, where `bytes` is the total
   * processed so far. Calls with a new label end the previous bar.
   */
  task(label: string, totalBytes?: number): (done: number, total: number, bytes?: number) => void
  /** Ends the bar (clearing it); call in `finally`. */
  stop(): void
}

const SILENT: ProgressReporter = {active: false, task: () => () => {}, stop: () => {}}

/**
 * A reporter for this process: silent unless `stream` is a terminal and `json` is off.
 * RAPTR_PROGRESS=0 turns bars off, =1 forces them (for tests under a pseudo-terminal).
 *
 * @example const p = await progressReporter({json: false}); const onProgress = p.task('upload'); onProgress(1, 10, 4096); p.stop()
 */
export async function progressReporter(opts: {json: boolean; stream?: NodeJS.WriteStream}): Promise<ProgressReporter> {
  const stream = opts.stream ?? process.stderr
  const forced = process.env.RAPTR_PROGRESS
  if (opts.json || forced === '0' || (!stream.isTTY && forced !== '1')) return SILENT
  const {default: cliProgress} = await import('cli-progress')
  let bar: InstanceType<typeof cliProgress.SingleBar> | undefined
  let current = ''
  let started = 0
  let lastBytes = 0
  const end = (): void => {
    bar?.stop()
    bar = undefined
  }
  return {
    active: true,
    task(label, totalBytes) {
      return (done, total, bytes) => {
        if (label !== current || !bar) {
          end()
          current = label
          started = Date.now()
          lastBytes = 0
          bar = new cliProgress.SingleBar(
            {
              stream,
              format: `${label} [{bar}] {value}/{total}{bytes}{rate} ETA {eta_formatted}`,
              barsize: 24,
              hideCursor: true,
              clearOnComplete: true,
              fps: 10,
              etaBuffer: 50,
              // cli-progress draws only on a TTY by default; RAPTR_PROGRESS=1 asked for it anyway.
              noTTYOutput: !stream.isTTY,
              notTTYSchedule: 200,
            },
            cliProgress.Presets.legacy,
          )
          bar.start(total, 0, {bytes: '', rate: ''})
        }
        if (bytes !== undefined) lastBytes = bytes
        const seconds = Math.max((Date.now() - started) / 1000, 0.001)
        const payload = lastBytes
          ? {bytes: ` ${formatBytes(lastBytes)}${totalBytes ? `/${formatBytes(totalBytes)}` : ''}`, rate: ` ${formatBytes(lastBytes / seconds)}/s`}
          : {bytes: '', rate: ` ${(done / seconds).toFixed(1)}/s`}
        bar.setTotal(total)
        bar.update(done, payload)
        if (done >= total) end()
      }
    },
    stop: end,
  }
}
