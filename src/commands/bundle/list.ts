import {RaptrCommand, table} from '../../cli/base-command.js'

export default class BundleList extends RaptrCommand {
  static override summary = 'List bundles with their versions and members.'
  static override examples = ['<%= config.bin %> bundle list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(BundleList)
    const archive = await this.openArchive(flags.archive)
    const {listBundles} = await import('../../archive/bundles.js')
    const list = await listBundles(await archive.view())
    const out = table(list.map((b) => ({alias: b.alias, version: b.version, category: b.category, members: b.members.map((m) => `${m.name}/${m.architecture}`).join(' ')})), ['alias', 'version', 'category', 'members'])
    if (out) this.log(out)
    return list
  }
}
