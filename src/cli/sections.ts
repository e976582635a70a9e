import {RaptrError} from '../errors.js'

/**
 * Where a link or unlink goes: the positional `DIST[/CAT]` and the `--to`/`--from`
 * flag are two spellings of one thing; at least one must be given.
 *
 * @example sectionsFrom('production/public', undefined, 'to', 'raptr package link hello') // ['production/public']
 */
export function sectionsFrom(positional: string | undefined, flag: string[] | undefined, flagName: 'to' | 'from', usage: string): string[] {
  const all = [...(positional ? [positional] : []), ...(flag ?? [])]
  if (all.length === 0) {
    throw new RaptrError('USAGE', `say which distribution: a DIST[/CAT] argument or --${flagName} DIST`, `e.g. ${usage} production/public`)
  }
  return all
}
