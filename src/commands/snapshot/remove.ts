import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class SnapshotRemove extends RaptrCommand {
  static override summary = 'Remove a snapshot name (the snapshot stays in the history; purge stops keeping it for the name).'
  static override examples = ['<%= config.bin %> snapshot remove release-41']
  static override args = {name: Args.string({description: 'The name.', required: true})}
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SnapshotRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeSnapshotName} = await import('../../archive/snapshots.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => removeSnapshotName(archive, args.name))
    this.log(res.nothing ? `${res.nothing}; nothing to do` : `removed name ${args.name} (was ${res.snapshot!.slice(0, 12)})`)
    return {name: args.name, removed: !res.nothing, snapshot: res.snapshot}
  }
}
