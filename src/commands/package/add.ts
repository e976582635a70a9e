import {Args, Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class PackageAdd extends RaptrCommand {
  static override summary = 'Add .deb, .udeb, .ddeb and .dsc files (or directories of them) to the archive.'
  static override description = `Each file is read once: its four digests and control fields go into the archive and the
file into the local blob cache, named by its content. Adding the same bytes again changes
nothing; a different file with the same name, version and architecture is refused unless
--replace is given. A .dsc brings the files it lists, which must sit beside it and match
its checksums. Everything is validated before anything is written: a bad file leaves the
archive unchanged.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> package add build/hello_2.10-3_amd64.deb --category public --link staging',
    '<%= config.bin %> package add out/ --category public',
    '<%= config.bin %> package add ../hello_2.10-3_amd64.changes --category public --keyring uploaders.gpg',
  ]
  static override args = {path: Args.string({description: 'Package files or directories (several may be given).', required: true})}
  static override flags = {
    category: Flags.string({char: 'c', summary: 'Category the packages belong to.', required: true}),
    link: Flags.string({summary: 'Also link them into this distribution (repeatable).', multiple: true}),
    keyring: Flags.string({summary: 'Add only .changes files signed by a key of this keyring (OpenPGP public keys, binary or armored).'}),
    replace: Flags.boolean({summary: 'Replace a package of the same name, version and architecture that has other contents.'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(PackageAdd)
    const archive = await this.openArchive(flags.archive)
    const {addPackages} = await import('../../archive/packages.js')
    const res = await addPackages(archive, argv as string[], {category: flags.category, link: flags.link, replace: flags.replace, keyring: flags.keyring})
    this.log(table(res.packages.map((p) => ({...p, linked: p.linked.join(',')})), ['status', 'name', 'version', 'architecture', 'linked']))
    if (!res.commit) this.note('nothing changed')
    return {snapshot: res.commit, packages: res.packages}
  }
}
