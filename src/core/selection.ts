import {RaptrError} from '../errors.js'
import {compareVersions} from './version.js'

/** How a command picks versions of a name: exactly one of these, or none when only one version exists. */
export interface VersionChoice {
  version?: string
  latest?: boolean
  all?: boolean
}

/**
 * Picks versions from those that exist, by Debian version order for `latest`.
 *
 * @example
 *   selectVersions('hello', ['1.0-1', '1.0-2'], {latest: true}) // ['1.0-2']
 */
export function selectVersions(what: string, available: string[], choice: VersionChoice): string[] {
  const given = [choice.version !== undefined, Boolean(choice.latest), Boolean(choice.all)].filter(Boolean).length
  if (given > 1) throw new RaptrError('BAD_ARGUMENT', 'give only one of --version, --latest and --all', 'pick one way to choose versions')
  const unique = [...new Set(available)].sort(compareVersions)
  if (unique.length === 0) return []
  if (choice.all) return unique
  if (choice.latest) return [unique.at(-1)!]
  if (choice.version !== undefined) {
    const match = unique.filter((v) => compareVersions(v, choice.version!) === 0)
    if (match.length === 0) {
      throw new RaptrError('NOT_FOUND', `${what} has no version ${choice.version}`, `versions: ${unique.join(', ')}`)
    }
    return match
  }
  if (unique.length > 1) {
    throw new RaptrError('AMBIGUOUS', `${what} has ${unique.length} versions (${unique.join(', ')})`, 'choose with --version V, --latest or --all')
  }
  return unique
}
