import {closest} from '../core/closest.js'
import type {Hook} from '@oclif/core'
import {RaptrError} from '../errors.js'
import {shownValue} from '../core/names.js'
import {wantsJson} from './report-error.js'

/**
 * An unknown command: at an interactive terminal, oclif's own not-found plugin asks
 * "Did you mean …?" and runs the answer; otherwise (scripts, pipes, --json) one line
 * names the closest command, as every other usage error does.
 */
const hook: Hook<'command_not_found'> = async function (opts) {
  const argv = opts.argv ?? []
  const json = wantsJson(argv)
  if (process.stdin.isTTY && process.stderr.isTTY && !json) {
    const {default: pluginHook} = await import('@oclif/plugin-not-found')
    return pluginHook.call(this, opts)
  }
  const ids = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  const spaced = (id: string): string => id.replaceAll(':', ' ')
  // `raptr log extra`: oclif reads the words as one command id; the command is the longest known prefix.
  const words = opts.id.split(':')
  for (let n = words.length - 1; n > 0; n--) {
    const prefix = words.slice(0, n).join(':')
    if (ids.includes(prefix)) {
      const extra = words.slice(n)
      throw new RaptrError('USAGE', `unexpected argument${extra.length > 1 ? 's' : ''} ${shownValue(extra.join(', '))}`, `see: ${opts.config.bin} ${spaced(prefix)} --help`)
    }
  }
  const best = closest(opts.id, ids)
  throw new RaptrError(
    'UNKNOWN_COMMAND',
    `${shownValue(spaced(opts.id))} is not a ${opts.config.bin} command`,
    best ? `did you mean: ${opts.config.bin} ${spaced(best)}? (all commands: ${opts.config.bin} help)` : `see the commands with: ${opts.config.bin} help`,
  )
}
export default hook

