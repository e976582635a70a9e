import {flush, handle, run} from '@oclif/core'
import {exitCodeFor, type RaptrError} from '../errors.js'
import {reportError, wantsJson} from './report-error.js'

/**
 * Runs raptr with `argv` (bin/run.js calls this). Coded errors raised outside a
 * command (an unknown command) print the way a command's do; anything else is oclif's.
 *
 * @example await main(['package', 'list', '--json'])
 */
export async function main(argv: string[], root: string = import.meta.url, opts: {flush?: boolean} = {}): Promise<void> {
  try {
    await run(argv, root)
    if (opts.flush !== false) await flush()
  } catch (error) {
    // By shape, not instanceof: a hook may hold another instance of this module (a test runner's).
    const e = error as RaptrError
    if (e?.name === 'RaptrError' && typeof e.code === 'string') reportError(e, wantsJson(argv), exitCodeFor(e.code))
    else await handle(error as Error)
  }
}
