import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'
import {distributionFlags, distributionSettingsOf} from '../../cli/distribution-flags.js'

export default class DistributionSet extends RaptrCommand {
  static override summary = 'Change settings of an existing distribution (its Release fields, Contents, architectures).'
  static override description = `Only the settings given change. --valid-for "" removes Valid-Until; --no-not-automatic,
--no-but-automatic-upgrades and --contents turn those back. The next publish writes the new Release.`
  static override examples = [
    '<%= config.bin %> distribution set bookworm --suite stable --codename bookworm --version 12.4',
    '<%= config.bin %> distribution set production --valid-for 7d',
    '<%= config.bin %> distribution set production --no-contents',
  ]
  static override args = {name: Args.string({description: 'Distribution name.', required: true})}
  static override flags = {...distributionFlags, ...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(DistributionSet)
    const archive = await this.openArchive(flags.archive)
    const {setDistribution} = await import('../../archive/distributions.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => setDistribution(archive, args.name, distributionSettingsOf(flags)))
    this.log(res.commit ? `updated distribution ${args.name}` : `distribution ${args.name} unchanged`)
    return {name: args.name, ...res.distribution, changed: Boolean(res.commit), snapshot: res.commit}
  }
}
