import {Flags} from '@oclif/core'
import {RaptrError} from '../errors.js'

/** `--section DIST/CAT` (repeatable) on package add and bundle add: the category and a link in one. */
export const sectionFlag = {
  section: Flags.string({
    char: 's',
    summary: 'Add to this category and link into this distribution: DIST/CAT (repeatable).',
    multiple: true,
  }),
}

/**
 * The category and links an add gets from `--category`, `--link` and `--section`.
 * The category is --category, else the first section's; every section is also a link.
 *
 * @example addTarget({section: ['production/main', 'staging/main']}) // {category: 'main', link: ['production/main', 'staging/main']}
 */
export function addTarget(flags: {category?: string; link?: string[]; section?: string[]}): {category: string; link: string[]} {
  const sections = flags.section ?? []
  for (const s of sections) {
    if (s.split('/').length !== 2) throw new RaptrError('USAGE', `--section ${s} is not DIST/CAT`, 'e.g. --section production/public (or --category public --link production)')
  }
  const category = flags.category ?? sections[0]?.split('/')[1]
  if (!category) throw new RaptrError('USAGE', 'say which category: --category CAT or --section DIST/CAT', 'e.g. --section staging/public, or --category public')
  return {category, link: [...(flags.link ?? []), ...sections]}
}
