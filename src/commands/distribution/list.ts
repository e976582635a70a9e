import {RaptrCommand, table} from '../../cli/base-command.js'

export default class DistributionList extends RaptrCommand {
  static override summary = 'List distributions with their architectures and categories.'
  static override examples = ['<%= config.bin %> distribution list', '<%= config.bin %> distribution list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(DistributionList)
    const archive = await this.openArchive(flags.archive)
    const {listDistributions} = await import('../../archive/distributions.js')
    const list = await listDistributions(await archive.view())
    if (list.length === 0) this.note('no distributions yet; add one with: raptr distribution add NAME')
    const out = table(
      list.map((d) => ({name: d.name, architectures: d.architectures.join(','), categories: d.categories.join(','), origin: d.origin, label: d.label})),
      ['name', 'architectures', 'categories', 'origin', 'label'],
    )
    if (out) this.log(out)
    return list
  }
}
