import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class DistributionRemove extends RaptrCommand {
  static override summary = 'Remove a distribution with its categories and links (packages stay in the archive).'
  static override examples = ['<%= config.bin %> distribution remove staging']
  static override args = {name: Args.string({description: 'Distribution to remove.', required: true})}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(DistributionRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeDistribution} = await import('../../archive/distributions.js')
    const res = await removeDistribution(archive, args.name)
    this.log(`removed distribution ${args.name}`)
    return {name: args.name, snapshot: res.commit}
  }
}
