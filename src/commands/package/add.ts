import {Args, Flags} from '@oclif/core'
import {RaptrCommand} from '../../cli/base-command.js'
import {publishAfterFlags, syncFlags} from '../../cli/sync-flags.js'
import {addTarget, sectionFlag} from '../../cli/section-flags.js'

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
    '<%= config.bin %> package add out/ --section production/public --section staging/public',
    '<%= config.bin %> package add out/ --section staging/public --sync --publish --sign-key key.asc   # one CI step: add, push, publish',
  ]
  static override args = {path: Args.string({description: 'Package files or directories (several may be given).', required: true})}
  static override flags = {
    category: Flags.string({char: 'c', summary: 'Category the packages belong to (default: the first --section\'s).'}),
    ...sectionFlag,
    link: Flags.string({summary: 'Also link them into this distribution, DIST or DIST/CAT (repeatable).', multiple: true}),
    keyring: Flags.string({summary: 'Add only .changes files signed by a key of this keyring (OpenPGP public keys, binary or armored).'}),
    replace: Flags.boolean({summary: 'Replace a package of the same name, version and architecture that has other contents.'}),
    ...syncFlags, ...publishAfterFlags,
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(PackageAdd)
    const target = addTarget(flags)
    const archive = await this.openArchive(flags.archive)
    const {addPackages} = await import('../../archive/packages.js')
    const {runTeamChange} = await import('../../cli/sync-flags.js')
    const bars = await this.progress()
    const {out, report} = await runTeamChange(
      (m) => this.note(m),
      archive,
      flags,
      () => addPackages(archive, argv as string[], {...target, replace: flags.replace, keyring: flags.keyring, onProgress: bars.active ? bars.task('reading') : undefined}).finally(() => bars.stop()),
      target.link.map((s) => s.split('/')[0]),
    )
    const res = out.result
    this.logTable(res.packages, ['status', 'name', 'version', 'architecture', 'linked'], (p, c) => (c === 'linked' ? p.linked.join(',') : String(p[c as keyof typeof p])))
    if (!res.commit) this.note('nothing changed')
    for (const l of report) this.log(l)
    return {snapshot: res.commit, packages: res.packages, published: out.published?.results}
  }
}
