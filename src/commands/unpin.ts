import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../cli/base-command.js'
import {syncFlags} from '../cli/sync-flags.js'

export default class Unpin extends RaptrCommand {
  static override summary = 'Remove a pin: purge may then delete that snapshot once nothing else keeps it.'
  static override examples = ['<%= config.bin %> unpin release-42 production', '<%= config.bin %> unpin 3f1c2a9b7d4e production --backend eu']
  static override args = {
    snapshot: Args.string({description: 'Snapshot id or name.', required: true}),
    dist: Args.string({description: 'Distribution.', required: true}),
  }
  static override flags = {
    backend: Flags.string({summary: 'Backend (default: the only one).'}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Unpin)
    const archive = await this.openArchive(flags.archive)
    const {unpin} = await import('../publish/pin.js')
    const {chooseBackend} = await import('../cli/choose-backend.js')
    const {openNamedBackend} = await import('../cli/open-backend.js')
    const {syncAfter, syncBefore} = await import('../cli/sync-flags.js')
    await syncBefore(archive, flags, (m) => this.note(m))
    const b = await chooseBackend(await archive.view(), flags.backend)
    const res = await unpin(archive, await openNamedBackend(b), b.name, args.snapshot, args.dist)
    await syncAfter(archive, flags, (m) => this.note(m))
    this.log(res.removed ? `${res.backend}/${res.distribution}: unpinned snapshot ${res.pinned}` : `${res.backend}/${res.distribution}: snapshot ${res.pinned} was not pinned`)
    return res
  }
}
