import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class SnapshotRename extends RaptrCommand {
  static override summary = 'Rename a named snapshot.'
  static override examples = ['<%= config.bin %> snapshot rename rc-42 release-42']
  static override args = {
    name: Args.string({description: 'The current name.', required: true}),
    newName: Args.string({name: 'NEW', description: 'The new name.', required: true}),
  }
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(SnapshotRename)
    const archive = await this.openArchive(flags.archive)
    const {renameSnapshot} = await import('../../archive/snapshots.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => renameSnapshot(archive, args.name, args.newName))
    this.log(res.nothing ? `${res.nothing}; nothing to do` : `${args.name} is now ${args.newName} (${res.snapshot.slice(0, 12)})`)
    return {from: args.name, to: args.newName, snapshot: res.snapshot, renamed: !res.nothing}
  }
}
