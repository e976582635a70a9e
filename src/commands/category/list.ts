import {RaptrCommand, table} from '../../cli/base-command.js'

export default class CategoryList extends RaptrCommand {
  static override summary = 'List categories and the distributions that carry them.'
  static override examples = ['<%= config.bin %> category list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(CategoryList)
    const archive = await this.openArchive(flags.archive)
    const {listCategories} = await import('../../archive/distributions.js')
    const list = await listCategories(await archive.view())
    const out = table(list.map((c) => ({name: c.name, distributions: c.distributions.join(',')})), ['name', 'distributions'])
    if (out) this.log(out)
    return list
  }
}
