import {RaptrCommand, table} from '../../cli/base-command.js'

export default class SnapshotList extends RaptrCommand {
  static override summary = 'List named snapshots and where snapshots were published.'
  static override examples = ['<%= config.bin %> snapshot list', '<%= config.bin %> snapshot list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(SnapshotList)
    const archive = await this.openArchive(flags.archive)
    const {listNamedSnapshots} = await import('../../archive/snapshots.js')
    const {listPublications} = await import('../../archive/publications.js')
    const view = await archive.view()
    const named = await listNamedSnapshots(view)
    const publications = await listPublications(view)
    const n = table(named.map((s) => ({name: s.name, snapshot: s.commit.slice(0, 12), created: s.created})), ['name', 'snapshot', 'created'])
    if (n) this.log(n)
    const p = table(
      publications.map((x) => ({backend: x.backend, distribution: x.distribution, seq: x.seq, action: x.action, snapshot: x.snapshot.slice(0, 12), date: x.date})),
      ['backend', 'distribution', 'seq', 'action', 'snapshot', 'date'],
    )
    if (p) this.log(`${n ? '\n' : ''}${p}`)
    if (!n && !p) this.note('no named snapshots and no publications yet; every change is a snapshot: see raptr log')
    return {named, publications}
  }
}
