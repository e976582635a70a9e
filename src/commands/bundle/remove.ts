import {Args} from '@oclif/core'
import {RaptrCommand, versionFlags} from '../../cli/base-command.js'

export default class BundleRemove extends RaptrCommand {
  static override summary = 'Remove a bundle and its packages from the archive (files stay until purge).'
  static override examples = ['<%= config.bin %> bundle remove hello --version 2.10-3', '<%= config.bin %> bundle remove hello --all']
  static override args = {alias: Args.string({description: 'Bundle name.', required: true})}
  static override flags = {...versionFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BundleRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeBundle} = await import('../../archive/bundles.js')
    const res = await removeBundle(archive, args.alias, flags)
    if (res.nothing) this.log(`${res.nothing}; nothing to do`)
    for (const l of res.removed) this.log(`removed ${l}`)
    return {snapshot: res.commit, removed: res.removed, ...(res.nothing ? {nothing: res.nothing} : {})}
  }
}
