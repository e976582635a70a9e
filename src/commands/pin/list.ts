import {Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class PinList extends RaptrCommand {
  static override summary = 'List the pinned snapshots, as the backends record them.'
  static override examples = ['<%= config.bin %> pin list', '<%= config.bin %> pin list --backend eu --json']
  static override flags = {
    backend: Flags.string({summary: 'Backend (default: every backend).', multiple: true}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(PinList)
    const archive = await this.openArchive(flags.archive)
    const {listPins} = await import('../../publish/pin.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const pins = await listPins(archive, {backends: flags.backend, open: openNamedBackend})
    const t = table(
      pins.map((p) => ({backend: p.backend, distribution: p.distribution, snapshot: p.pinned, pinned: p.date, by: p.by})),
      ['backend', 'distribution', 'snapshot', 'pinned', 'by'],
    )
    if (t) this.log(t)
    else this.note('nothing is pinned; pin a snapshot with: raptr pin SNAPSHOT DIST')
    return pins
  }
}
