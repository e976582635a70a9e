import {Args} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class BundleRemove extends RaptrCommand {
  static override summary = 'Remove a bundle and its packages from the archive (files stay until purge).'
  static override examples = ['<%= config.bin %> bundle remove hello --version 2.10-3', '<%= config.bin %> bundle remove hello --all']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true})}
  static override flags = {...versionFlags, ...syncFlags, ...publishAfterFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeBundle} = await import('../../archive/bundles.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => removeBundle(archive, args.alias, flags))
    if (res.nothing) this.log(`${res.nothing}; nothing to do`)
    for (const l of res.removed) this.log(`removed ${l}`)
    for (const l of report) this.log(l)
    return {snapshot: res.commit, removed: res.removed, ...(res.nothing ? {nothing: res.nothing} : {})}
  }
}
