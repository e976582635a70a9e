import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class CategoryAdd extends RaptrCommand {
  static override summary = 'Add a category (an apt component) to one or more distributions.'
  static override examples = ['<%= config.bin %> category add public --to production --to staging']
  static override args = {name: Args.string({description: 'Category name (e.g. main, public).', required: true})}
  static override flags = {
    to: Flags.string({summary: 'Distribution to add it to (repeatable).', required: true, multiple: true}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(CategoryAdd)
    const archive = await this.openArchive(flags.archive)
    const {addCategory} = await import('../../archive/distributions.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => addCategory(archive, args.name, flags.to))
    this.log(res.added.length ? `added category ${args.name} to ${res.added.join(', ')}` : `category ${args.name} already in ${flags.to.join(', ')}; nothing changed`)
    return {name: args.name, added: res.added, snapshot: res.commit}
  }
}
