import {RaptrCommand, table} from '../../cli/base-command.js'

export default class SnapshotList extends RaptrCommand {
  static override summary = 'List named snapshots, where snapshots were published, and which are pinned.'
  static override examples = ['<%= config.bin %> snapshot list', '<%= config.bin %> snapshot list --json']

  async run(): Promise<unknown> {
    const {flags} = await this.parse(SnapshotList)
    const archive = await this.openArchive(flags.archive)
    const {listSnapshots} = await import('../../archive/snapshots.js')
    const {named, publications, pins} = await listSnapshots(archive)
    const pinned = (backend: string, dist: string, snapshot: string): string =>
      pins.some((p) => p.backend === backend && p.distribution === dist && p.snapshot === snapshot) ? 'yes' : ''
    const sections = [
      table(named.map((s) => ({name: s.name, snapshot: s.commit.slice(0, 12), created: s.created})), ['name', 'snapshot', 'created']),
      table(
        publications.map((x) => ({backend: x.backend, distribution: x.distribution, seq: x.seq, action: x.action, snapshot: x.snapshot.slice(0, 12), date: x.date, pinned: pinned(x.backend, x.distribution, x.snapshot)})),
        ['backend', 'distribution', 'seq', 'action', 'snapshot', 'date', 'pinned'],
      ),
    ].filter(Boolean)
    if (sections.length) this.log(sections.join('\n\n'))
    else this.note('no named snapshots and no publications yet; every change is a snapshot: see raptr log')
    return {named, publications, pins}
  }
}
