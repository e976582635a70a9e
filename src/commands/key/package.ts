import {Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'

export default class KeyPackage extends RaptrCommand {
  static override summary = 'Build the keyring package: a .deb with the public keys and the apt source, added to the archive.'
  static override description = `The package (default name <origin>-archive-keyring) installs the archive's public keys
as /usr/share/keyrings/NAME.pgp (both keys during a rotation) and a deb822
/etc/apt/sources.list.d/NAME.sources with one stanza per distribution it is added to
(Signed-By that keyring). Its version is a count: the highest version in the archive + 1;
building again with the same keys and sources adds nothing. The keys are those the archive
names (raptr key use, key rotate), else --sign-key / --gpg, else RAPTR_SIGNING_KEY. Where and how it was built
is recorded (keyring.json), and every key rotation step builds it again, so clients get a
new key through apt upgrade. A new client runs:
  curl -fsSLo keyring.deb URL/POOL-PATH && sudo dpkg -i keyring.deb && sudo apt update`
  static override examples = [
    '<%= config.bin %> key package --section production/main --url https://apt.example.org --publish',
    '<%= config.bin %> key package --name acme-archive-keyring --section production/main --section staging/main',
  ]
  static override flags = {
    name: Flags.string({summary: 'Package name (default: <origin>-archive-keyring, or as built before).'}),
    section: Flags.string({char: 's', summary: 'Add it to DIST/CAT (repeatable; default: as built before, or the only one).', multiple: true}),
    url: Flags.string({summary: 'The URL clients fetch the archive from (default: the backend\'s public URL).'}),
    backend: Flags.string({summary: 'The backend whose public URL the apt source names (default: the only one).'}),
    ...syncFlags,
    ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(KeyPackage)
    const archive = await this.openArchive(flags.archive)
    const {buildKeyringPackage} = await import('../../keys/keyring-package.js')
    const {openNamedBackend} = await import('../../cli/open-backend.js')
    const {expandHome} = await import('../../cli/signing.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const sections = flags.section
    const {out, report} = await runTeamChange(
      (m) => this.note(m),
      archive,
      flags,
      () =>
        buildKeyringPackage(archive, {
          name: flags.name,
          sections,
          url: flags.url,
          backend: flags.backend,
          publicUrlOf: async (b) => (await openNamedBackend(b)).properties.publicUrl,
          expand: expandHome,
          envKey: process.env.RAPTR_SIGNING_KEY,
          givenKey: flags.gpg ? {gpg: flags.gpg} : flags['sign-key'] ? {keyFile: flags['sign-key']} : undefined,
        }),
      sections?.map((s) => s.split('/')[0]),
    )
    const r = out.result
    this.log(`${r.status === 'built' ? 'built' : 'unchanged'}: ${r.name} ${r.version} (${r.keys.length} key${r.keys.length === 1 ? '' : 's'}) in ${r.sections.join(', ')}`)
    this.log(`${r.poolPath}  sha256 ${r.sha256}`)
    for (const l of report) this.log(l)
    this.note(`a new client: curl -fsSLo ${r.name}.deb ${r.url}/${r.poolPath} && sudo dpkg -i ${r.name}.deb && sudo apt update`)
    return {...r, snapshot: r.commit, published: out.published?.results}
  }
}
