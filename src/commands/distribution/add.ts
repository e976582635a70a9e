import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {distributionFlags, distributionSettingsOf} from '../../cli/distribution-flags.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class DistributionAdd extends RaptrCommand {
  static override summary = 'Create a distribution (an apt suite), or change the settings of one.'
  static override description = `Architectures default to amd64,arm64; "all" and "source" packages are always carried.
Giving settings for an existing distribution updates just those settings (as distribution set does).
Suite and Codename default to the distribution's name; when one differs, the distribution is
published under that name too (dists/stable beside dists/bookworm), so apt reads it through either.`
  static override examples = [
    '<%= config.bin %> distribution add production --architectures amd64,arm64 --origin ACME --label "ACME packages"',
    '<%= config.bin %> distribution add bookworm --suite stable --version 12 --valid-for 7d',
    '<%= config.bin %> distribution add experimental --not-automatic --no-contents',
  ]
  static override args = {name: Args.string({description: 'Distribution name (e.g. production, staging).', required: true})}
  static override flags = {...distributionFlags, ...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(DistributionAdd)
    const archive = await this.openArchive(flags.archive)
    const {addDistribution} = await import('../../archive/distributions.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => addDistribution(archive, args.name, distributionSettingsOf(flags)))
    this.log(!res.commit ? `distribution ${args.name} unchanged` : `${res.created ? 'added' : 'updated'} distribution ${args.name} (${res.distribution.architectures.join(', ')})`)
    return {name: args.name, ...res.distribution, changed: Boolean(res.commit), snapshot: res.commit}
  }
}
