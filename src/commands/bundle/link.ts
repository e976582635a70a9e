import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'
import {sectionsFrom} from '../../cli/sections.js'

export default class BundleLink extends RaptrCommand {
  static override summary = 'Link every package of a bundle into distributions.'
  static override examples = ['<%= config.bin %> bundle link hello --latest --to production', '<%= config.bin %> bundle link hello --version 2.10-3 production/public']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true}), section: Args.string({description: 'Where to link it: DIST or DIST/CAT (or use --to).'})}
  static override flags = {
    ...versionFlags,
    to: Flags.string({summary: 'Distribution (DIST or DIST/CAT) to link into (repeatable); same as the SECTION argument.', multiple: true}),
    category: Flags.string({char: 'c', summary: 'Category to link under (default: the bundle\'s own).'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleLink)
    const sections = sectionsFrom(args.section, flags.to, 'to', `raptr bundle link ${args.alias}`)
    const archive = await this.openArchive(flags.archive)
    const {linkBundle} = await import('../../archive/bundles.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => linkBundle(archive, args.alias, flags, {to: sections, category: flags.category}), sections.map((s) => s.split('/')[0]))
    if (res.linked.length === 0) this.log(`already linked in ${sections.join(', ')}; nothing to do`)
    for (const l of res.linked) this.log(`linked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, linked: res.linked}
  }
}
