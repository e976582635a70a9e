import {Args, Flags} from '@oclif/core'
import {RaptrCommand, table} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'
import {addTarget, sectionFlag} from '../../cli/section-flags.js'

export default class BundleAdd extends RaptrCommand {
  static override summary = 'Add files as one bundle: an alias for packages added, linked and removed together.'
  static override description = `Typical use: a source package and the binaries built from it. The bundle's version is
the source package's (or the one version all files share) unless --version is given.`
  static override strict = false
  static override examples = ['<%= config.bin %> bundle add hello out/hello_2.10-3* --category public --link staging', '<%= config.bin %> bundle add hello out/ --section staging/public']
  static override args = {
    alias: Args.string({description: 'Bundle name.', required: true}),
    path: Args.string({description: 'Package files or directories.', required: true}),
  }
  static override flags = {
    category: Flags.string({char: 'c', summary: 'Category the packages belong to (default: the first --section\'s).'}),
    ...sectionFlag,
    version: Flags.string({summary: 'Bundle version (default: read from the files).'}),
    link: Flags.string({summary: 'Also link them into this distribution, DIST or DIST/CAT (repeatable).', multiple: true}),
    keyring: Flags.string({summary: 'Add only .changes files signed by a key of this keyring (OpenPGP public keys, binary or armored).'}),
    replace: Flags.boolean({summary: 'Replace packages or a bundle version that exist with other contents.'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {args, argv, flags} = await this.parse(BundleAdd)
    const target = addTarget(flags)
    const archive = await this.openArchive(flags.archive)
    const {addBundle} = await import('../../archive/bundles.js')
    const paths = (argv as string[]).slice(1)
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const {out: {result: res}, report} = await runTeamChange((m) => this.note(m), archive, flags, () => addBundle(archive, args.alias, paths, {...target, version: flags.version, replace: flags.replace, keyring: flags.keyring}), target.link.map((s) => s.split('/')[0]))
    this.log(`bundle ${res.alias} ${res.version}${res.commit ? '' : ' (unchanged)'}`)
    this.log(table(res.packages.map((p) => ({...p, linked: p.linked.join(',')})), ['status', 'name', 'version', 'architecture', 'linked']))
    for (const l of report) this.log(l)
    return {snapshot: res.commit, alias: res.alias, version: res.version, packages: res.packages}
  }
}
