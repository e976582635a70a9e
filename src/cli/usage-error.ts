import {RaptrError} from '../errors.js'

/** What oclif's parser errors carry that raptr reads; the rest (a 200 KB `parse` record) is dropped. */
interface OclifParseError extends Error {
  oclif?: {exit?: number}
  args?: Array<{name: string}>
  flags?: string[]
}

// oclif's parser errors are several lines ("The following error occurred:", a dim list,
// "See more help with --help"); raptr shows one line, so the reasons are joined.
function reasons(message: string): string[] {
  return message
    .replace(/\u001B\[[0-9;]*m/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^See more help with/.test(l) && !/^The following errors? occurred:?$/.test(l) && !/^Note:|^Alternatively,/.test(l))
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1)
}

/**
 * Turns an oclif parse error (missing or unknown flag, bad argument, exclusive flags…)
 * into raptr's one-line USAGE error with a hint naming the command's help.
 *
 * @example usageError(err, 'raptr package remove') // RaptrError('USAGE', 'missing argument NAME', 'see: raptr package remove --help')
 */
export function usageError(err: OclifParseError, command: string): RaptrError {
  const help = `see: ${command} --help`
  const name = err.constructor?.name
  if (name === 'RequiredArgsError' && err.args?.length) {
    const names = err.args.map((a) => a.name.toUpperCase())
    return new RaptrError('USAGE', `missing argument${names.length > 1 ? 's' : ''} ${names.join(' ')}`, help)
  }
  if (name === 'NonExistentFlagsError' && err.flags?.length) {
    return new RaptrError('USAGE', `unknown flag${err.flags.length > 1 ? 's' : ''} ${err.flags.join(', ')}`, help)
  }
  const seen = new Set<string>()
  const parts: string[] = []
  for (const line of reasons(err.message)) {
    const exclusive = /^--([\w-]+)(?:=\S*)? cannot also be provided when using --([\w-]+)/.exec(line)
    const text = exclusive
      ? `--${[exclusive[1], exclusive[2]].sort().join(' and --')} cannot be used together`
      : lowerFirst(line)
          .replace(/^missing required flag (\S+)/, 'missing required flag --$1')
          .replace(/^unexpected arguments?: /, 'unexpected argument ')
          .replace(/^parsing (--\S+)$/, 'bad value for $1:')
    if (!seen.has(text)) parts.push(text)
    seen.add(text)
  }
  const message = parts.join('; ').replace(/:; /g, ': ')
  // An argument echoed back may be huge (a 100 KB name): one short line still.
  const shown = message.length > 200 ? `${message.slice(0, 200)}… (${message.length} characters)` : message
  return new RaptrError('USAGE', shown || 'invalid usage', help)
}
