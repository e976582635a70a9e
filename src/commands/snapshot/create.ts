import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class SnapshotCreate extends RaptrCommand {
  static override summary = 'Name a snapshot (default: the current state) so it is kept and easy to refer to.'
  static override description = `Every change already is a snapshot, by id (see raptr log). A name makes one easy to
pin, diff and roll back to, and purge always keeps named snapshots.`
  static override examples = ['<%= config.bin %> snapshot create release-42', '<%= config.bin %> snapshot create before-upgrade --snapshot 3f1c2a9b7d4e']
  static override args = {name: Args.string({description: 'The name.', required: true})}
  static override flags = {snapshot: Flags.string({summary: 'Name this snapshot (id or name) instead of the current one.'}), ...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SnapshotCreate)
    const archive = await this.openArchive(flags.archive)
    const {nameSnapshot} = await import('../../archive/snapshots.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => nameSnapshot(archive, args.name, flags.snapshot))
    this.log(`${args.name} = ${res.snapshot.slice(0, 12)}${res.commit ? '' : ' (already)'}`)
    return {name: args.name, snapshot: res.snapshot}
  }
}
