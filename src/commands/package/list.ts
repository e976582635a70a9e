import {Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class PackageList extends RaptrCommand {
  static override summary = 'List packages in the archive, or those linked in a distribution.'
  static override examples = [
    '<%= config.bin %> package list',
    '<%= config.bin %> package list --distribution production --category public --json',
  ]
  static override flags = {
    distribution: Flags.string({char: 'd', summary: 'Only packages linked in this distribution.'}),
    category: Flags.string({char: 'c', summary: 'Only this category.'}),
    snapshot: Flags.string({summary: 'Read this snapshot instead of the current state.'}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PackageList)
    const archive = await this.openArchive(flags.archive)
    const {listPackages} = await import('../../archive/packages.js')
    const {resolveSnapshot} = await import('../../archive/snapshots.js')
    const commit = flags.snapshot ? await resolveSnapshot(archive, flags.snapshot) : undefined
    const list = await listPackages(await archive.view(commit), {distribution: flags.distribution, category: flags.category})
    const out = table(list as unknown as Array<Record<string, string>>, flags.distribution ? ['name', 'version', 'architecture', 'category'] : ['name', 'version', 'architecture', 'category', 'kind'])
    if (out) this.log(out)
    else this.note('no packages')
    return list
  }
}
