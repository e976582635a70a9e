import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class BundleLink extends RaptrCommand {
  static override summary = 'Link every package of a bundle into distributions.'
  static override examples = ['<%= config.bin %> bundle link hello --latest --to production']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true})}
  static override flags = {
    ...versionFlags,
    to: Flags.string({summary: 'Distribution to link into (repeatable).', required: true, multiple: true}),
    category: Flags.string({char: 'c', summary: 'Category to link under (default: the bundle\'s own).'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleLink)
    const archive = await this.openArchive(flags.archive)
    const {linkBundle} = await import('../../archive/bundles.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => linkBundle(archive, args.alias, flags, {to: flags.to, category: flags.category}), flags.to)
    if (res.linked.length === 0) this.log('already linked; nothing changed')
    for (const l of res.linked) this.log(`linked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, linked: res.linked}
  }
}
