import {RaptrCommand, table} from '../../cli/base-command.js'

export default class MirrorList extends RaptrCommand {
  static override summary = 'List the mirrors the archive records.'
  static override examples = ['<%= config.bin %> mirror list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(MirrorList)
    const archive = await this.openArchive(flags.archive)
    const {listMirrors} = await import('../../archive/mirrors.js')
    const {shownValue} = await import('../../core/names.js')
    const list = await listMirrors(await archive.view())
    const out = table(list.map((m) => ({name: m.name, url: m.url, suite: m.suite, to: m.distribution, filter: m.filter === undefined ? '' : shownValue(m.filter)})), ['name', 'url', 'suite', 'to', 'filter'])
    if (out) this.log(out)
    else this.note('no mirrors; add one with: raptr mirror add NAME URL SUITE --to DIST')
    return list
  }
}
