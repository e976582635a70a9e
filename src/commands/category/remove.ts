import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class CategoryRemove extends RaptrCommand {
  static override summary = 'Remove a category from distributions, unlinking every package in it there.'
  static override examples = ['<%= config.bin %> category remove public --from staging']
  static override args = {name: Args.string({description: 'Category to remove.', required: true})}
  static override flags = {
    from: Flags.string({summary: 'Distribution to remove it from (repeatable).', required: true, multiple: true}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(CategoryRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeCategory} = await import('../../archive/distributions.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => removeCategory(archive, args.name, flags.from))
    if (res.removed.length) this.log(`removed category ${args.name} from ${res.removed.join(', ')}`)
    if (res.absent.length) this.log(`${res.absent.join(', ')} ${res.absent.length > 1 ? 'have' : 'has'} no category ${args.name}; nothing to do${res.removed.length ? ' there' : ''}`)
    return {name: args.name, removed: res.removed, absent: res.absent, snapshot: res.commit}
  }
}
