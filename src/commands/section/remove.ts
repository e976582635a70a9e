import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class SectionRemove extends RaptrCommand {
  static override summary = 'Remove sections (DIST/CAT): the category leaves the distribution, with its links there.'
  static override description = 'The distribution and the packages stay. A section that is not there is nothing to do.'
  static override strict = false
  static override examples = ['<%= config.bin %> section remove staging/category1']
  static override args = {section: Args.string({description: 'DIST/CAT (several may be given).', required: true})}

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(SectionRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeSections} = await import('../../archive/sections.js')
    const res = await removeSections(archive, argv as string[])
    for (const s of res.removed) this.log(`removed section ${s}`)
    if (res.absent.length) this.log(`${res.absent.join(', ')} not there; nothing to do`)
    return {snapshot: res.commit, removed: res.removed, absent: res.absent}
  }
}
