import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'

export default class BundleLink extends RaptrCommand {
  static override summary = 'Link every package of a bundle into distributions.'
  static override examples = ['<%= config.bin %> bundle link hello --latest --to production']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true})}
  static override flags = {
    ...versionFlags,
    to: Flags.string({summary: 'Distribution to link into (repeatable).', required: true, multiple: true}),
    category: Flags.string({char: 'c', summary: 'Category to link under (default: the bundle\'s own).'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleLink)
    const archive = await this.openArchive(flags.archive)
    const {linkBundle} = await import('../../archive/bundles.js')
    const res = await linkBundle(archive, args.alias, flags, {to: flags.to, category: flags.category})
    if (res.linked.length === 0) this.log('already linked; nothing changed')
    for (const l of res.linked) this.log(`linked ${l}`)
    return {snapshot: res.commit, linked: res.linked}
  }
}
