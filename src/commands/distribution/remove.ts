import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class DistributionRemove extends RaptrCommand {
  static override summary = 'Remove a distribution with its categories and links (packages stay in the archive).'
  static override description = `Removing one that is not there does nothing. What was published stays live on the
backends: the command says which, and raptr publish drop DIST takes it off them.`
  static override examples = ['<%= config.bin %> distribution remove staging']
  static override args = {name: Args.string({description: 'Distribution to remove.', required: true})}
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(DistributionRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeDistribution} = await import('../../archive/distributions.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => removeDistribution(archive, args.name))
    this.log(res.nothing ? `${res.nothing}; nothing to do` : `removed distribution ${args.name}`)
    for (const b of res.published) {
      this.note(`${args.name} is still published on ${b}: removing it from the archive does not take it off the backend, and apt clients there keep seeing it; take it off with: raptr publish drop ${args.name} ${b}`)
    }
    return {name: args.name, snapshot: res.commit, removed: !res.nothing, stillPublishedOn: res.published}
  }
}
