import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class SectionAdd extends RaptrCommand {
  static override summary = 'Add sections (DIST/CAT): a category in a distribution, creating either when missing.'
  static override description = `A new distribution gets the default settings (amd64, arm64); change them with
raptr distribution add DIST --architectures …. Sections that exist already are left as
they are, so running it again changes nothing.`
  static override strict = false
  static override examples = ['<%= config.bin %> section add production/category1 staging/category1']
  static override args = {section: Args.string({description: 'DIST/CAT (several may be given).', required: true})}
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(SectionAdd)
    const archive = await this.openArchive(flags.archive)
    const {addSections} = await import('../../archive/sections.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => addSections(archive, argv as string[]))
    for (const d of res.distributionsCreated) this.log(`added distribution ${d}`)
    for (const s of res.added) this.log(`added section ${s}`)
    if (res.added.length === 0) this.log(`${res.existing.join(', ')} already there; nothing to do`)
    return {snapshot: res.commit, added: res.added, distributionsCreated: res.distributionsCreated, existing: res.existing}
  }
}
