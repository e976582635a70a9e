import {Args, Flags} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class BundleUnlink extends RaptrCommand {
  static override summary = 'Unlink every package of a bundle from distributions.'
  static override examples = ['<%= config.bin %> bundle unlink hello --version 2.10-3 --from production']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true})}
  static override flags = {
    ...versionFlags,
    from: Flags.string({summary: 'Distribution to unlink from (repeatable).', required: true, multiple: true}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleUnlink)
    const archive = await this.openArchive(flags.archive)
    const {unlinkBundle} = await import('../../archive/bundles.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => unlinkBundle(archive, args.alias, flags, {from: flags.from}), flags.from)
    if (res.unlinked.length === 0) this.log('not linked there; nothing changed')
    for (const l of res.unlinked) this.log(`unlinked ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, unlinked: res.unlinked}
  }
}
