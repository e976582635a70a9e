import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class SectionRemove extends RaptrCommand {
  static override summary = 'Remove sections (DIST/CAT): the category leaves the distribution, with its links there.'
  static override description = 'The distribution and the packages stay. A section that is not there is nothing to do.'
  static override strict = false
  static override examples = ['<%= config.bin %> section remove staging/category1']
  static override args = {section: Args.string({description: 'DIST/CAT (several may be given).', required: true})}
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(SectionRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeSections} = await import('../../archive/sections.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => removeSections(archive, argv as string[]))
    for (const s of res.removed) this.log(`removed section ${s}`)
    if (res.absent.length) this.log(`${res.absent.join(', ')} not there; nothing to do`)
    return {snapshot: res.commit, removed: res.removed, absent: res.absent}
  }
}
