import {Args} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class MirrorRemove extends RaptrCommand {
  static override summary = 'Forget a mirror (its distribution and packages stay).'
  static override examples = ['<%= config.bin %> mirror remove bookworm']
  static override args = {name: Args.string({description: 'Mirror name.', required: true})}
  static override flags = {...syncFlags}

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(MirrorRemove)
    const archive = await this.openArchive(flags.archive)
    const {removeMirror} = await import('../../archive/mirrors.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}} = await runTeamChange((m) => this.note(m), archive, flags, () => removeMirror(archive, args.name))
    this.log(res.nothing ? `${res.nothing}; nothing to do` : `removed mirror ${args.name}`)
    return {name: args.name, snapshot: res.commit, removed: !res.nothing}
  }
}
