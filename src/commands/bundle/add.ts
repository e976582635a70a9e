import {Args, Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'

export default class BundleAdd extends RaptrCommand {
  static override summary = 'Add files as one bundle: an alias for packages added, linked and removed together.'
  static override description = `Typical use: a source package and the binaries built from it. The bundle's version is
the source package's (or the one version all files share) unless --version is given.`
  static override strict = false
  static override examples = ['<%= config.bin %> bundle add hello out/hello_2.10-3* --category public --link staging']
  static override args = {
    alias: Args.string({description: 'Bundle name.', required: true}),
    path: Args.string({description: 'Package files or directories.', required: true}),
  }
  static override flags = {
    category: Flags.string({char: 'c', summary: 'Category the packages belong to.', required: true}),
    version: Flags.string({summary: 'Bundle version (default: read from the files).'}),
    link: Flags.string({summary: 'Also link them into this distribution (repeatable).', multiple: true}),
    keyring: Flags.string({summary: 'Add only .changes files signed by a key of this keyring (OpenPGP public keys, binary or armored).'}),
    replace: Flags.boolean({summary: 'Replace packages or a bundle version that exist with other contents.'}),
  }

  async run(): Promise<unknown> {
    const {args, argv, flags} = await this.parse(BundleAdd)
    const archive = await this.openArchive(flags.archive)
    const {addBundle} = await import('../../archive/bundles.js')
    const paths = (argv as string[]).slice(1)
    const res = await addBundle(archive, args.alias, paths, {category: flags.category, version: flags.version, link: flags.link, replace: flags.replace, keyring: flags.keyring})
    this.log(`bundle ${res.alias} ${res.version}${res.commit ? '' : ' (unchanged)'}`)
    this.log(table(res.packages.map((p) => ({...p, linked: p.linked.join(',')})), ['status', 'name', 'version', 'architecture', 'linked']))
    return {snapshot: res.commit, alias: res.alias, version: res.version, packages: res.packages}
  }
}
