import {RaptrCommand, table} from '../../cli/base-command.js'

export default class BackendList extends RaptrCommand {
  static override summary = 'List the backends the archive publishes to.'
  static override examples = ['<%= config.bin %> backend list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(BackendList)
    const archive = await this.openArchive(flags.archive)
    const {listBackends} = await import('../../archive/backends.js')
    const list = await listBackends(await archive.view())
    const out = table(list.map((b) => ({name: b.name, url: b.url, region: b.region, endpoint: b.endpoint})), ['name', 'url', 'region', 'endpoint'])
    if (out) this.log(out)
    else this.note('no backends; add one with: raptr backend add NAME file:///srv/apt')
    return list
  }
}
