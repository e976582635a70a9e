import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {syncFlags} from '../../cli/sync-flags.js'

export default class Pin extends RaptrCommand {
  static override summary = 'Pin a server to one snapshot of a distribution, forever: records the pin and prints the apt source.'
  static override description = `Every publish writes an immutable copy of the snapshot's Release under
dists/snapshots/<id>/<dist>, sharing the pool; a server pointed there never sees a change.
The pin is recorded on the backend (raptr/pins/<dist>/<id>.json) and in the archive before
the source is printed, and purge keeps a pinned snapshot, from any clone, until
raptr unpin. Prints the sources.list line and the deb822 .sources stanza.`
  static override examples = [
    '<%= config.bin %> pin release-42 production',
    '<%= config.bin %> pin 3f1c2a9b7d4e production --backend eu --json',
    '<%= config.bin %> pin list',
  ]
  static override args = {
    snapshot: Args.string({description: 'Snapshot id or name.', required: true}),
    dist: Args.string({description: 'Distribution.', required: true}),
  }
  static override flags = {
    backend: Flags.string({summary: 'Backend (default: the only one).'}),
    'key-path': Flags.string({summary: "Where clients keep the public key (default: the keyring package's file when the archive builds one, else /etc/apt/keyrings/raptr.gpg)."}),
    ...syncFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(Pin)
    const archive = await this.openArchive(flags.archive)
    const {pin} = await import('../../publish/pin.js')
    const {chooseBackend} = await import('../../cli/choose-backend.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const {syncAfter, syncBefore} = await import('../../cli/sync-flags.js')
    await syncBefore(archive, flags, (m) => this.note(m))
    const {clientKeyPath} = await import('../../archive/keyring-settings.js')
    const view = await archive.view()
    const b = await chooseBackend(view, flags.backend)
    const keyPath = flags['key-path'] ?? (await clientKeyPath(view))
    const {commit: _commit, ...res} = await pin(archive, await openNamedBackend(b), b.name, args.snapshot, args.dist, keyPath)
    await syncAfter(archive, flags, (m) => this.note(m))
    this.log(res.debLine)
    this.log('')
    this.log(res.sourcesStanza.trimEnd())
    this.note(`pinned snapshot ${res.pinned} of ${res.distribution} on ${res.backend}; purge keeps it until: raptr unpin ${res.pinned} ${res.distribution}`)
    return res
  }
}
