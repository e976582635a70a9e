import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class DistributionAdd extends RaptrCommand {
  static override summary = 'Create a distribution (an apt suite), or change the settings of one.'
  static override description = `Architectures default to amd64,arm64; "all" and "source" packages are always carried.
Giving settings for an existing distribution updates just those settings.`
  static override examples = [
    '<%= config.bin %> distribution add production --architectures amd64,arm64 --origin ACME --label "ACME packages"',
    '<%= config.bin %> distribution add staging',
  ]
  static override args = {name: Args.string({description: 'Distribution name (e.g. production, staging).', required: true})}
  static override flags = {
    architectures: Flags.string({summary: 'Comma-separated architectures, e.g. amd64,arm64.'}),
    origin: Flags.string({summary: 'Origin field of the Release file.'}),
    label: Flags.string({summary: 'Label field of the Release file.'}),
    description: Flags.string({summary: 'Description field of the Release file.'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(DistributionAdd)
    const archive = await this.openArchive(flags.archive)
    const {addDistribution} = await import('../../archive/distributions.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => addDistribution(archive, args.name, {
      architectures: flags.architectures?.split(',').map((a) => a.trim()).filter(Boolean),
      origin: flags.origin,
      label: flags.label,
      description: flags.description,
    }))
    this.log(!res.commit ? `distribution ${args.name} unchanged` : `${res.created ? 'added' : 'updated'} distribution ${args.name} (${res.distribution.architectures.join(', ')})`)
    return {name: args.name, ...res.distribution, changed: Boolean(res.commit), snapshot: res.commit}
  }
}
