import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class BackendRemove extends RaptrCommand {
  static override summary = 'Forget a backend (what was published there stays there).'
  static override examples = ['<%= config.bin %> backend remove local']
  static override args = {name: Args.string({description: 'Backend name.', required: true})}
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(BackendRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeBackend} = await import('../../archive/backends.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => removeBackend(archive, args.name))
    this.log(res.nothing ? `${res.nothing}; nothing to do` : `removed backend ${args.name}`)
    return {name: args.name, snapshot: res.commit, removed: !res.nothing}
  }
}
