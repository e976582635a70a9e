import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'

export default class KeySources extends RaptrCommand {
  static override summary = 'Print the apt source (deb822 .sources stanza, or one line) for a distribution or a pinned snapshot.'
  static override description = `DIST is a distribution, or a pinned copy of one as raptr pin prints it
(snapshots/ID/DIST). The URL is --url, else the backend's public URL (--backend, else the
one the keyring package names, else the only one); when the backend is read, the
distribution must be published there and the components are those of its Release.
Signed-By is the keyring package's /usr/share/keyrings/NAME.pgp when the archive has one
(raptr key package), else /etc/apt/keyrings/raptr.gpg, or --key-path.`
  static override examples = [
    '<%= config.bin %> key sources production > /etc/apt/sources.list.d/acme.sources',
    '<%= config.bin %> key sources production --one-line',
    '<%= config.bin %> key sources snapshots/3f1c2a9b7d4e/production --backend eu',
  ]
  static override args = {dist: Args.string({description: 'Distribution, or snapshots/ID/DIST.', required: true})}
  static override flags = {
    backend: Flags.string({summary: 'The backend clients read, checked for the suite (default: the keyring package\'s, else the only one).'}),
    url: Flags.string({summary: 'The URL clients use, instead of the backend\'s public URL.'}),
    'key-path': Flags.string({summary: 'Where clients keep the public keys (default: the keyring package\'s file, else /etc/apt/keyrings/raptr.gpg).'}),
    'one-line': Flags.boolean({summary: 'The one-line sources.list form instead of the deb822 stanza.'}),
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(KeySources)
    const archive = await this.openArchive(flags.archive)
    const {aptSource} = await import('../../keys/apt-sources.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const src = await aptSource(await archive.view(), args.dist, {backend: flags.backend, url: flags.url, keyPath: flags['key-path'], open: openNamedBackend})
    this.log(flags['one-line'] ? src.debLine : src.sourcesStanza.trimEnd())
    return src
  }
}
